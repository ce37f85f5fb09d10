"""Fixtures of the deployment tests: the production broker of deploy/mosquitto/, provisioned."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import require
from tests.support.deploy import SecureDeployment, start_secure_deployment


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[SecureDeployment]:
    """The production broker with `provision hub` done, stopped after the test."""
    require("Mosquitto", shutil.which("mosquitto_passwd") is not None,
            "sudo apt-get install -y mosquitto")
    running = start_secure_deployment(tmp_path / "deploy")
    yield running
    running.broker.stop()
