"""``hailong demo``: the whole system on one machine, from embedded defaults.

Starts a private Mosquitto on a free loopback port (unless ``[mqtt] url`` names a broker), the
hub with its page on http://127.0.0.1:8080, and a kiosk window when a display exists or a few
simulated kiosks when not. Ctrl-C (or SIGTERM) stops every process it started; the children
also die with it if it is killed, so nothing is left behind.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from hailong.broker import Broker, BrokerUnavailable, die_with_parent_hook
from hailong.settings import (
    DataSettings,
    Id,
    MqttSettings,
    Section,
    SettingsError,
    env_name,
    load_settings,
    render_settings,
    sqlite_url,
)

HUB_START_TIMEOUT = 30.0
DEMO_ADMIN = "admin"


class DemoSection(Section):
    """What the demo runs."""

    office: Id = Field("demo", description="Office id of the demo kiosks")
    office_name: str = Field("Trung tâm Phục vụ hành chính công (demo)",
                             description="Office name shown on the kiosk and the dashboard")
    interval: float = Field(4.0, gt=0, le=3600,
                            description="Mean seconds between two simulated ratings")


class DemoHttp(Section):
    """Where the hub's page is served."""

    host: str = Field("127.0.0.1", description="Address of the hub's web server")
    port: int = Field(8080, ge=1, le=65535, description="Port of the hub's web server")


class DemoSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    demo: DemoSection = Field(default_factory=DemoSection)  # type: ignore[arg-type]
    mqtt: MqttSettings = Field(default_factory=MqttSettings)  # type: ignore[arg-type]
    http: DemoHttp = Field(default_factory=DemoHttp)  # type: ignore[arg-type]
    data: DataSettings = Field(default_factory=DataSettings)  # type: ignore[arg-type]


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as reply:
                if reply.status == 200:
                    return True
        except OSError:
            time.sleep(0.2)
    return False


def _display_available() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_demo(config: Path | None, check_only: bool, kiosks: int,
             window: Literal["auto", "always", "never"]) -> int:
    settings = load_settings(DemoSettings, config)
    if check_only:
        print(render_settings(settings))
        return 0
    if not _port_free(settings.http.host, settings.http.port):
        raise SettingsError(
            f"port {settings.http.port} on {settings.http.host} is already in use: stop what "
            f"uses it, or choose another port, e.g. HAILONG_HTTP_PORT={settings.http.port + 1}")
    home = settings.data.path() / "demo"
    home.mkdir(parents=True, exist_ok=True)
    broker: Broker | None = None
    mqtt_url = settings.mqtt.url
    if not mqtt_url:
        try:
            broker = Broker(Path(tempfile.mkdtemp(prefix="hailong-broker-"))).start()
        except BrokerUnavailable as exc:
            raise SettingsError(str(exc)) from None
        mqtt_url = broker.url
        print(f"• private Mosquitto on {mqtt_url}", flush=True)

    mqtt_block = (f"[mqtt]\nurl = {_toml(mqtt_url)}\nusername = {_toml(settings.mqtt.username)}\n"
                  f"password = {_toml(settings.mqtt.password.get_secret_value())}\n"
                  f"ca_file = {_toml(settings.mqtt.ca_file)}\n")
    roster = home / "roster.toml"
    roster.write_text("[provinces]\ndemo = \"Tỉnh trình diễn\"\n\n"
                      f"[[offices]]\nid = {_toml(settings.demo.office)}\n"
                      f"name = {_toml(settings.demo.office_name)}\nprovince = \"demo\"\n",
                      encoding="utf-8")
    hub_toml = home / "hub.toml"
    hub_database = os.environ.get(env_name("database", "url")) or sqlite_url(home / "hub.db")
    hub_toml.write_text(
        f"[hub]\nroster = {_toml(str(roster))}\nclient_id = \"hailong-hub-demo\"\n\n"
        f"[http]\nhost = {_toml(settings.http.host)}\nport = {settings.http.port}\n\n"
        f"[data]\ndir = {_toml(str(home))}\n\n"
        f"[database]\nurl = {_toml(hub_database)}\n\n"
        f"{mqtt_block}", encoding="utf-8")
    kiosk_toml = home / "kiosk.toml"
    kiosk_toml.write_text(
        f"[kiosk]\noffice = {_toml(settings.demo.office)}\nid = \"kiosk-1\"\ncounter = \"1\"\n"
        f"office_name = {_toml(settings.demo.office_name)}\n\n"
        f"[data]\ndir = {_toml(str(home))}\n\n{mqtt_block}", encoding="utf-8")
    os.chmod(hub_toml, 0o600)
    os.chmod(kiosk_toml, 0o600)
    child_env = env_without_overrides_of(os.environ, hub_toml, kiosk_toml)

    children: list[tuple[str, subprocess.Popen[bytes]]] = []
    stopping = threading.Event()

    def start(name: str, *args: str) -> subprocess.Popen[bytes]:
        # A session of its own: Ctrl-C reaches only the demo, which then stops the kiosks
        # first, the hub next and the broker last, so nothing is lost in between.
        process = subprocess.Popen([sys.executable, "-m", "hailong", *args], env=child_env,
                                   preexec_fn=die_with_parent_hook, start_new_session=True)
        children.append((name, process))
        return process

    def on_signal(_signum: int, _frame: object) -> None:
        stopping.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        hub = start("hub", "hub", "run", "--config", str(hub_toml))
        url = f"http://{settings.http.host}:{settings.http.port}"
        if not _wait_http(f"{url}/healthz", hub, HUB_START_TIMEOUT):
            print("hailong: the hub did not start; see the messages above", file=sys.stderr)
            return 1
        print(f"• hub and dashboard on {url}", flush=True)
        password = ensure_demo_admin(hub_toml, child_env)
        if password is not None:
            print(f"• sign in as {DEMO_ADMIN} with the password {password}\n"
                  "  (shown only this once: write it down)", flush=True)
        else:
            print(f"• sign in as {DEMO_ADMIN} with the password printed on the first run; "
                  f"forgot it? hailong hub user password {DEMO_ADMIN} --config {hub_toml}",
                  flush=True)
        show_window = window == "always" or (window == "auto" and _display_available())
        if show_window:
            start("kiosk", "kiosk", "run", "--config", str(kiosk_toml), "--windowed", "1024x600")
            print("• kiosk window open: click a face, or press Enter then 1-5", flush=True)
        else:
            if window == "auto":
                print("• no display found: running simulated kiosks instead of a kiosk window",
                      flush=True)
            start("simulated kiosks", "kiosk", "simulate", "--config", str(kiosk_toml),
                  "--kiosks", str(kiosks), "--interval", str(settings.demo.interval))
            print(f"• {kiosks} simulated kiosks rating every ~{settings.demo.interval:g} s",
                  flush=True)
        print("Press Ctrl-C to stop everything.", flush=True)
        while not stopping.is_set():
            for name, process in children:
                if process.poll() is not None and not stopping.is_set():
                    if name == "kiosk" and process.returncode == 0:
                        stopping.set()  # the kiosk window was closed: the demo is over
                    else:
                        print(f"hailong: the {name} stopped (exit {process.returncode})",
                              file=sys.stderr)
                        stopping.set()
            stopping.wait(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        _stop_all([p for _, p in reversed(children)])
        if broker is not None:
            broker.stop()
        print("demo stopped", flush=True)
    return 0


def env_without_overrides_of(env: Mapping[str, str], *files: Path) -> dict[str, str]:
    """``env`` less every HAILONG_<SECTION>_<KEY> that one of the generated ``files`` sets.

    The demo writes what it resolved (environment included) into hub.toml and kiosk.toml, and
    prints them as the way to reach the demo later (``hailong hub user … --config hub.toml``).
    So the files must be the whole truth: a variable such as HAILONG_DATA_DIR left in the
    children's environment would send the running hub to another database than the one the
    file names, and the printed hint would open an empty one.
    """
    shadowed = {
        env_name(section, key)
        for path in files
        for section, values in tomllib.loads(path.read_text(encoding="utf-8")).items()
        if isinstance(values, dict)
        for key in values
    }
    return {name: value for name, value in env.items() if name not in shadowed}


def ensure_demo_admin(hub_toml: Path, env: Mapping[str, str]) -> str | None:
    """On the first run, an admin with a random password (returned, to print once); else None."""
    from hub.admin.accounts import Accounts
    from hub.settings import HubSettings
    from hub.store import Store

    store = Store(load_settings(HubSettings, hub_toml, env=env).database_url())
    try:
        accounts = Accounts(store.engine)
        if accounts.has_users():
            return None
        password = secrets.token_urlsafe(12)
        accounts.add_user(DEMO_ADMIN, "admin", (), password)
        return password
    finally:
        store.close()


def _stop_all(processes: list[subprocess.Popen[bytes]], timeout: float = 8.0) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
