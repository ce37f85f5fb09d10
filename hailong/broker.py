"""A private Mosquitto on a free loopback port, for ``hailong demo``, the tests and the benchmarks.

Production brokers are configured from ``deploy/mosquitto/``; this one is throwaway: loopback
only, anonymous, persistence in a temporary folder, and queue limits raised so that nothing a
test or benchmark queues for a stopped hub is dropped.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

INSTALL_HINT = "sudo apt-get install -y mosquitto"


class BrokerUnavailable(RuntimeError):
    pass


def find_mosquitto() -> str:
    found = shutil.which("mosquitto")
    if found:
        return found
    for candidate in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto"):
        if os.access(candidate, os.X_OK):
            return candidate
    raise BrokerUnavailable(f"Mosquitto is not installed; install it with: {INSTALL_HINT}")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


# No limit on queued messages per client session (0 = unlimited in Mosquitto 2): a hub that
# is down must find everything waiting when it returns. Production sizes these in deploy/.
DEV_CONFIG = """\
listener {port} 127.0.0.1
user {user}
allow_anonymous true
persistence true
persistence_location {data}/
autosave_interval 1
max_queued_messages 0
max_queued_bytes 0
max_inflight_messages 0
max_keepalive 600
log_dest file {data}/mosquitto.log
log_type error
log_type warning
log_type notice
"""


@dataclass
class Broker:
    """A running (or stopped) private Mosquitto."""

    data_dir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    extra_config: str = ""
    binary: str = field(default_factory=find_mosquitto)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "mosquitto.conf"

    def write_config(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not self.port:
            self.port = free_port()
        self.config_path.write_text(
            DEV_CONFIG.format(port=self.port, data=self.data_dir, user=getpass.getuser())
            + self.extra_config,
            encoding="utf-8")

    def start(self, timeout: float = 10.0, die_with_parent: bool = True) -> Broker:
        self.write_config()
        self.process = subprocess.Popen(
            [self.binary, "-c", str(self.config_path)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
            preexec_fn=die_with_parent_hook if die_with_parent else None)
        if not wait_for_port("127.0.0.1", self.port, timeout):
            self.stop()
            log = self.data_dir / "mosquitto.log"
            detail = log.read_text(errors="replace")[-500:] if log.exists() else ""
            raise BrokerUnavailable(f"Mosquitto did not start on port {self.port}: {detail}")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop gracefully (SIGTERM: Mosquitto saves its persistence file first)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self, timeout: float = 10.0) -> None:
        self.stop()
        self.start(timeout)


def die_with_parent_hook() -> None:
    """In the child, before exec: get SIGTERM when the parent dies, so nothing is orphaned."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
