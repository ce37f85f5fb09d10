"""Helpers for the deployment tests: Mosquitto started with deploy/'s production config."""

from __future__ import annotations

import getpass
import re
import shutil
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from hailong.broker import Broker, free_port
from hailong.pilotca import make_pilot_ca
from hailong.provision import (
    ProvisionSection,
    provision_hub,
    read_env_file,
)
from hailong.settings import load_settings
from hub.settings import HubSettings
from tests.support import PATIENCE, REPO, RunningHub, SubAcks, wait_until, write_toml

DEPLOY = REPO / "deploy"
PRODUCTION_CONF = DEPLOY / "mosquitto" / "hailong.conf"
PRODUCTION_ACL = DEPLOY / "mosquitto" / "acl"
BROKER_FILES = "/etc/mosquitto/hailong/"


def production_config(folder: Path, plain_port: int, tls_port: int) -> str:
    """deploy/mosquitto/hailong.conf with its files in ``folder`` and free loopback ports.

    Only paths and ports change; the TLS listener is bound to 127.0.0.1 here so that the
    tests never listen on the network. What Debian's main mosquitto.conf sets is added.
    """
    text = PRODUCTION_CONF.read_text(encoding="utf-8").replace(BROKER_FILES, f"{folder}/")
    text, plain = re.subn(r"^listener 1883 127\.0\.0\.1$", f"listener {plain_port} 127.0.0.1",
                          text, flags=re.MULTILINE)
    text, tls = re.subn(r"^listener 8883$", f"listener {tls_port} 127.0.0.1", text,
                        flags=re.MULTILINE)
    assert plain == 1 and tls == 1, "deploy/mosquitto/hailong.conf changed its listeners"
    return text + (f"\n# added by the tests, as Debian's mosquitto.conf would\nuser {getpass.getuser()}\n"
                   f"persistence_location {folder}/data/\nlog_dest file {folder}/mosquitto.log\n")


@dataclass
class ProductionBroker(Broker):
    """A private Mosquitto running deploy/'s config: TLS, passwords, the ACL."""

    tls_port: int = 0
    files: Path = field(default_factory=Path)

    @property
    def tls_url(self) -> str:
        return f"mqtts://127.0.0.1:{self.tls_port}"

    def write_config(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.files / "data").mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port()
        if not self.tls_port:
            self.tls_port = free_port()
        self.config_path.write_text(production_config(self.files, self.port, self.tls_port),
                                    encoding="utf-8")

    def log(self) -> str:
        path = self.files / "mosquitto.log"
        return path.read_text(errors="replace") if path.exists() else ""


@dataclass
class SecureDeployment:
    """A production broker with a pilot CA, the ACL, the hub's credentials; provisioning set up."""

    folder: Path
    broker: ProductionBroker
    settings: ProvisionSection
    hub_env: dict[str, str]

    @property
    def ca_file(self) -> Path:
        return self.folder / "broker" / "ca.crt"


def start_secure_deployment(folder: Path) -> SecureDeployment:
    files = folder / "broker"
    files.mkdir(parents=True)
    make_pilot_ca(files, ["127.0.0.1", "localhost"])
    shutil.copy(PRODUCTION_ACL, files / "acl")
    (files / "passwd").touch(mode=0o640)
    settings = ProvisionSection(
        broker_url="mqtts://127.0.0.1:1", ca_file=str(files / "ca.crt"),
        password_file=str(files / "passwd"), acl_file=str(files / "acl"), reload_broker="",
        roster=str(folder / "roster.toml"),
        receipt_key_file=str(folder / "keys" / "receipt.key"), bundles=str(folder / "bundles"),
        device_dir="")
    provision_hub(settings, folder / "hub-mqtt.env")
    broker = ProductionBroker(data_dir=folder / "run", files=files).start()
    assert broker.process is not None
    settings = settings.model_copy(update={
        "broker_url": broker.tls_url, "reload_broker": f"kill -HUP {broker.process.pid}"})
    return SecureDeployment(folder, broker, settings, read_env_file(folder / "hub-mqtt.env"))


def write_provision_toml(settings: ProvisionSection, path: Path) -> Path:
    lines = ["[provision]"]
    for key in type(settings).model_fields:
        value = str(getattr(settings, key)).replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'{key} = "{value}"')
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


class TlsClient:
    """A paho client with a user and password, over TLS or the plain loopback listener."""

    def __init__(self, deployment: SecureDeployment, username: str | None, password: str | None,
                 tls: bool = True, client_id: str = "", ca_file: Path | None = None) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.refused: str | None = None
        self.disconnected = threading.Event()
        self._connected = threading.Event()
        self._answered = threading.Event()  # the broker accepted, refused or dropped us
        self._lock = threading.Lock()
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                             protocol=mqtt.MQTTv5)
        if username is not None:
            client.username_pw_set(username, password)
        if tls:
            client.tls_set(ca_certs=str(ca_file or deployment.ca_file),
                           cert_reqs=ssl.CERT_REQUIRED)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_publish = self._on_publish
        self.subacks = SubAcks(client)
        self._pubacks: dict[int, str] = {}
        self.client = client
        broker = deployment.broker
        try:
            client.connect("127.0.0.1", broker.tls_port if tls else broker.port)
        except (ssl.SSLError, OSError) as exc:  # e.g. a certificate from another CA
            self.refused = f"{type(exc).__name__}: {exc}"
            self._answered.set()
            return
        client.loop_start()

    def _on_connect(self, _c: object, _u: object, _f: object, reason: mqtt.ReasonCode,
                    _p: object) -> None:
        if reason.is_failure:
            self.refused = str(reason)
            self.disconnected.set()
        else:
            self._connected.set()
        self._answered.set()

    def _on_disconnect(self, *_: object) -> None:
        self.disconnected.set()
        self._answered.set()

    def _on_message(self, _c: object, _u: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, bytes(message.payload)))

    def _on_publish(self, _c: object, _u: object, mid: int, reason: mqtt.ReasonCode,
                    _p: object) -> None:
        self._pubacks[mid] = str(reason)

    def wait(self, timeout: float = PATIENCE) -> bool:
        """True once connected; False once refused or dropped (or on time-out)."""
        self._answered.wait(timeout)
        return self._connected.is_set()

    def subscribe(self, *topics: str) -> None:
        self.subacks.subscribe(*topics)

    def publish(self, topic: str, payload: bytes) -> str:
        """The broker's answer in its PUBACK: "Success", or why it refused the message."""
        info = self.client.publish(topic, payload, qos=1)
        return str(wait_until(lambda: self._pubacks.get(info.mid), message=f"the PUBACK on {topic}"))

    def received(self, topic: str | None = None) -> list[tuple[str, bytes]]:
        with self._lock:
            return [m for m in self.messages if topic is None or m[0] == topic]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free loopback port (run as the postgres user when root)."""

    def __init__(self) -> None:
        import glob
        import os
        import subprocess
        import tempfile

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise FileNotFoundError("PostgreSQL is not installed")
        self.bin = Path(found[-1]).parent
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="hailong-pg-"))
        self._as: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run = subprocess.run
        self._run([*self._as, str(self.bin / "initdb"), "-D", str(self.folder / "data"), "-U",
                   "postgres", "--auth=trust", "-E", "UTF8"], check=True, capture_output=True)
        self._run([*self._as, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-w",
                   "-l", str(self.folder / "log"), "-o",
                   f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1", "start"],
                  check=True, capture_output=True)

    def create_database(self, name: str) -> str:
        self._run([str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U",
                   "postgres", name], check=True, capture_output=True)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self._run([*self._as, str(self.bin / "pg_ctl"), "-D", str(self.folder / "data"), "-m",
                   "immediate", "stop"], capture_output=True)
        shutil.rmtree(self.folder, ignore_errors=True)


def secure_hub(deployment: SecureDeployment, tmp: Path) -> RunningHub:
    """The hub as deployed: TLS, its own credentials from `provision hub`'s env file, the roster."""
    config = write_toml(tmp / "hub.toml", (
        f'[hub]\nroster = "{deployment.settings.roster}"\n\n'
        f'[http]\nhost = "127.0.0.1"\nport = {free_port()}\n\n'
        f'[mqtt]\nurl = "{deployment.broker.tls_url}"\nca_file = "{deployment.ca_file}"\n\n'
        f'[data]\ndir = "{tmp}"\n'))
    return RunningHub(load_settings(HubSettings, config, env=deployment.hub_env))
