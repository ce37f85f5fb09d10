"""systemd's notify protocol (READY=1, WATCHDOG=1, STOPPING=1), without a dependency.

A no-op unless systemd started us with ``NOTIFY_SOCKET`` set, so the apps can call it always.
"""

from __future__ import annotations

import os
import socket
import time


def notify(state: str, environ: dict[str, str] | None = None) -> bool:
    """Send ``state`` (e.g. "READY=1") to systemd; False when not under systemd."""
    env = os.environ if environ is None else environ
    address = env.get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]  # abstract namespace socket
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.connect(address)
            sock.sendall(state.encode("utf-8"))
    except OSError:
        return False
    return True


def watchdog_interval(environ: dict[str, str] | None = None) -> float | None:
    """Seconds between WATCHDOG=1 pings (half of WatchdogSec), or None when no watchdog is set."""
    env = os.environ if environ is None else environ
    usec = env.get("WATCHDOG_USEC")
    if not usec or not usec.isdigit():
        return None
    pid = env.get("WATCHDOG_PID")
    if pid and pid.isdigit() and int(pid) != os.getpid():
        return None
    return int(usec) / 2_000_000


class Watchdog:
    """Pings systemd's watchdog from a loop that is alive: call ``tick()`` every iteration."""

    def __init__(self, environ: dict[str, str] | None = None) -> None:
        self._environ = environ
        self.interval = watchdog_interval(environ)
        self._last = 0.0

    def tick(self, now: float | None = None) -> None:
        if self.interval is None:
            return
        now = time.monotonic() if now is None else now
        if now - self._last >= self.interval:
            self._last = now
            notify("WATCHDOG=1", self._environ)
