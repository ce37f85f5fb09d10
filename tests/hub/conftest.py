"""Fixtures of the hub tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hailong.broker import Broker
from tests.support import RunningHub, hub_settings


@pytest.fixture
def db_hub(tmp_path: Path, broker: Broker, database_url: str) -> Iterator[RunningHub]:
    """A running hub on each kind of database (SQLite, PostgreSQL)."""
    running = RunningHub(hub_settings(tmp_path / "hub", broker.url, database_url=database_url))
    yield running
    running.stop()
