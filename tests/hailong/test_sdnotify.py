"""systemd notifications reach a real datagram socket."""

from __future__ import annotations

import socket
from pathlib import Path

from hailong.sdnotify import Watchdog, notify, watchdog_interval


def test_notify_reaches_the_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(2)
        env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "10000000"}
        assert notify("READY=1", env)
        assert server.recv(100) == b"READY=1"
        dog = Watchdog(env)
        assert dog.interval == 5.0
        dog.tick(now=100.0)
        dog.tick(now=101.0)  # too soon: no second ping
        dog.tick(now=105.0)
        assert server.recv(100) == b"WATCHDOG=1"
        assert server.recv(100) == b"WATCHDOG=1"
        server.setblocking(False)
        try:
            extra = server.recv(100)
        except BlockingIOError:
            extra = b""
        assert extra == b""


def test_silent_without_systemd() -> None:
    assert notify("READY=1", {}) is False
    assert watchdog_interval({}) is None
    Watchdog({}).tick()
