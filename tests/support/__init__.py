"""Helpers the tests share: a running hub, raw MQTT clients, waiting for conditions."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import paho.mqtt.client as mqtt
import pytest
import uvicorn
from paho.mqtt.enums import CallbackAPIVersion

from hailong.broker import BrokerUnavailable, find_mosquitto, free_port
from hailong.settings import load_settings
from hub.app import Hub
from hub.settings import HubSettings

REPO = Path(__file__).resolve().parents[2]
# The one deadline for a wait on an event (a SUBACK, a message, a file, a page change). It is
# long because it costs nothing when the event comes, and a loaded 2-core machine can be slow:
# a test waits for what it needs, never for a time. How fast things happen is bench/'s business.
PATIENCE = 30.0
# The loose bound of a "stops promptly" test: a few times what an idle machine takes, well under
# what a hang would (a stream held open, a time-out waited out, a lost signal).
PROMPTLY = 15.0
# Every test user's password: long enough for the hub's rule, and not ASCII.
PASSWORD = "mật khẩu đủ dài"


def require(what: str, available: bool, hint: str) -> None:
    """Skip when a real part is missing, unless CI demands every part (HAILONG_REQUIRE_ALL=1)."""
    if available:
        return
    if os.environ.get("HAILONG_REQUIRE_ALL") == "1":
        pytest.fail(f"{what} is required here but missing: {hint}")
    pytest.skip(f"{what} is not available: {hint}")


def mosquitto_available() -> bool:
    """Whether a Mosquitto binary is installed (the tests' broker fixtures need one)."""
    try:
        find_mosquitto()
    except BrokerUnavailable:
        return False
    return True


def wait_until(condition: Callable[[], Any], timeout: float = PATIENCE, interval: float = 0.05,
               message: str = "condition") -> Any:
    """The condition's first true value; fails once ``timeout`` passes without one."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {message}")
        time.sleep(interval)


def write_toml(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def hub_settings(tmp: Path, broker_url: str, database_url: str = "", roster: str = "",
                 client_id: str = "hailong-hub-test", hub: str = "", **extra: str) -> HubSettings:
    """Settings of a test hub; ``hub`` adds lines to its [hub] section, ``extra`` whole sections."""
    port = free_port()
    text = (f'[hub]\nclient_id = "{client_id}"\nroster = "{roster}"\n{hub}\n\n'
            f'[http]\nhost = "127.0.0.1"\nport = {port}\n\n'
            f'[mqtt]\nurl = "{broker_url}"\n\n[data]\ndir = "{tmp}"\n\n'
            f'[database]\nurl = "{database_url}"\n')
    for section, body in extra.items():
        text += f"\n[{section}]\n{body}\n"
    return load_settings(HubSettings, write_toml(tmp / "hub.toml", text), env={})


class RunningHub:
    """The real hub in this process: MQTT ingest plus uvicorn on a free loopback port.

    ``get`` sends an admin token (``self.token``) so that API tests need not sign in; the
    dashboard's tests check access itself.
    """

    def __init__(self, settings: HubSettings) -> None:
        self.settings = settings
        self.hub = Hub(settings)
        self.token = admin_token(self.hub)
        self.hub.start_background()
        config = uvicorn.Config(self.hub.app, host="127.0.0.1", port=settings.http.port,
                                log_level="warning", access_log=False,
                                timeout_graceful_shutdown=2,
                                ssl_certfile=settings.http.tls_cert or None,
                                ssl_keyfile=settings.http.tls_key or None)
        self.server = uvicorn.Server(config)
        self.server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_until(lambda: self.server.started, message="uvicorn to start")
        assert self.hub.subscriber.wait_connected(PATIENCE), "hub did not connect to the broker"

    @property
    def url(self) -> str:
        scheme = "https" if self.settings.http.tls_cert else "http"
        return f"{scheme}://127.0.0.1:{self.settings.http.port}"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        return http_get(self.url + path, self.auth if headers is None else headers)

    def stop(self) -> None:
        self.hub.dashboard.close()
        self.server.should_exit = True
        self.thread.join(10)
        self.hub.stop_background()


def admin_token(hub: Hub, name: str = "tests") -> str:
    """An admin API token in the hub's database (one per name)."""
    from hub.admin.accounts import Accounts, tokens

    with hub.store.engine.begin() as conn:
        conn.execute(tokens.delete().where(tokens.c.name == name))
    return Accounts(hub.store.engine).create_token(name, "admin", ())


def cli_token(config: Path, name: str = "tests") -> str:
    """An admin token created with ``hailong hub token create`` (it migrates a new database)."""
    done = hailong_cli("hub", "token", "create", name, "--role", "admin", "--config", str(config))
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def sign_in(client: httpx.Client, name: str, password: str) -> httpx.Response:
    """Sign in as a browser would: fetch the form (and its CSRF token), post it back."""
    form = client.get("/signin")
    found = _CSRF.search(form.text)
    assert found, "the sign-in form has no CSRF token"
    return client.post("/signin", data={"csrf": found.group(1), "name": name,
                                        "password": password, "next": "/"},
                       follow_redirects=True)


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=PATIENCE) as reply:
            body = reply.read()
            status = reply.status
    except urllib.error.HTTPError as exc:
        body = exc.read()
        status = exc.code
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode("utf-8", "replace")


class SubAcks:
    """Subscribes a paho client and returns once the broker's SUBACK is in: from then on every
    matching message reaches the client (a fixed pause would only make that likely)."""

    def __init__(self, client: mqtt.Client) -> None:
        self._client = client
        self._acked: set[int] = set()
        client.on_subscribe = self._on_subscribe

    def _on_subscribe(self, _c: object, _u: object, mid: int, _codes: object, _p: object) -> None:
        self._acked.add(mid)

    def subscribe(self, *topics: str) -> None:
        result, mid = self._client.subscribe([(topic, 1) for topic in topics])
        assert result == mqtt.MQTT_ERR_SUCCESS, result
        wait_until(lambda: mid in self._acked, message=f"the SUBACK for {', '.join(topics)}")


class RawClient:
    """A plain MQTT client for tests: publish anything, collect what arrives."""

    def __init__(self, broker_url: str, client_id: str = "", subscribe: tuple[str, ...] = ()) -> None:
        port = int(broker_url.rsplit(":", 1)[1])
        self.messages: list[tuple[str, bytes, bool]] = []
        self._lock = threading.Lock()
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                  protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.subacks = SubAcks(self.client)
        connected = threading.Event()
        self.client.on_connect = lambda *a: connected.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert connected.wait(PATIENCE), "test client could not connect"
        if subscribe:
            self.subacks.subscribe(*subscribe)

    def _on_message(self, _c: object, _u: object, message: mqtt.MQTTMessage) -> None:
        with self._lock:
            self.messages.append((message.topic, bytes(message.payload), bool(message.retain)))

    def publish(self, topic: str, payload: bytes | str, retain: bool = False) -> None:
        info = self.client.publish(topic, payload, qos=1, retain=retain)
        info.wait_for_publish(PATIENCE)

    def received(self, topic: str) -> list[bytes]:
        with self._lock:
            return [p for t, p, _ in self.messages if t == topic]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def hailong_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60,
                cwd: Path | None = None, input_text: str | None = None
                ) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "hailong", *args], capture_output=True,
                          text=True, timeout=timeout, env=full_env, cwd=cwd, input=input_text)


class OutputLines:
    """Collects a child's text output line by line while it runs."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self._lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self._lines.append(line)

    def match(self, pattern: str) -> str | None:
        for line in list(self._lines):
            found = re.search(pattern, line)
            if found:
                return found.group(1)
        return None

    def text(self) -> str:
        self._thread.join(10)
        return "".join(self._lines)


def like_a_terminal() -> None:
    """For ``preexec_fn``: Ctrl-C's default action, as in a terminal. A suite run in the
    background (``nohup``, ``&``, some CI runners) ignores SIGINT and its children inherit that:
    Python then never raises KeyboardInterrupt, and a program stopped with Ctrl-C never stops."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(process: subprocess.Popen[str], output: OutputLines,
              sig: signal.Signals = signal.SIGINT) -> int:
    """Send ``sig`` (Ctrl-C) and return the exit code. Stopping everything may take the program
    its own time-outs (several seconds each) on a loaded machine: one still running after twice
    PATIENCE is killed, and the test fails with what it printed."""
    process.send_signal(sig)
    try:
        return process.wait(2 * PATIENCE)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"still running {2 * PATIENCE:.0f} s after {sig.name}:\n"
                             + output.text()) from None


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def hub_process(config: Path, capture: bool = False) -> subprocess.Popen[bytes]:
    """``hailong hub run`` as a child process, without the test's own HAILONG_ variables; with
    ``capture`` its output (stdout and stderr together) is kept for the test to read."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HAILONG_")}
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen([sys.executable, "-m", "hailong", "hub", "run", "--config", str(config)],
                            env=env, stdout=output,
                            stderr=subprocess.STDOUT if capture else subprocess.DEVNULL)
