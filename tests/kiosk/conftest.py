"""Fixtures of the kiosk's tests: a scanner on a real pseudo-terminal."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


class ScannerPty:
    """A pseudo-terminal reached through a symlink, as a scanner's /dev/serial/by-id/… is."""

    def __init__(self, link: Path) -> None:
        self.link = link
        self.master, slave = os.openpty()
        link.symlink_to(os.ttyname(slave))
        os.close(slave)  # pyserial opens it by name, as it would a real device

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        self.link.unlink()
        os.close(self.master)


@pytest.fixture
def scanner_pty(tmp_path: Path) -> Iterator[ScannerPty]:
    device = ScannerPty(tmp_path / "scanner")
    yield device
    device.close()
