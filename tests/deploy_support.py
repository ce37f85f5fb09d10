"""Helpers for the deployment tests: Mosquitto started with deploy/'s production config."""

from __future__ import annotations

import getpass
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from hailong.broker import Broker, free_port
from hailong.provision import (
    ProvisionSection,
    make_pilot_ca,
    provision_hub,
    read_env_file,
)

REPO = Path(__file__).resolve().parent.parent
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
        password_file=str(files / "passwd"), reload_broker="", roster=str(folder / "roster.toml"),
        receipt_key_file=str(folder / "keys" / "receipt.key"), bundles=str(folder / "bundles"),
        device_dir="")
    provision_hub(settings, folder / "hub-mqtt.env")
    broker = ProductionBroker(data_dir=folder / "run", files=files).start()
    assert broker.process is not None
    settings = settings.model_copy(update={
        "broker_url": broker.tls_url, "reload_broker": f"kill -HUP {broker.process.pid}"})
    return SecureDeployment(folder, broker, settings, read_env_file(folder / "hub-mqtt.env"))
