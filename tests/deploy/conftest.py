"""Fixtures of the deployment tests: the production broker of deploy/ with a pilot CA."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy_support import SecureDeployment, start_secure_deployment
from tests.support import require


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[SecureDeployment]:
    require("Mosquitto", shutil.which("mosquitto_passwd") is not None,
            "sudo apt-get install -y mosquitto")
    running = start_secure_deployment(tmp_path / "deploy")
    yield running
    running.broker.stop()
