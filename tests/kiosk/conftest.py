"""Fixtures of the kiosk's tests: a scanner on a real pseudo-terminal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.kiosk import ScannerPty


@pytest.fixture
def scanner_pty(tmp_path: Path) -> Iterator[ScannerPty]:
    device = ScannerPty(tmp_path / "scanner")
    yield device
    device.close()
