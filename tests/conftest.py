"""Shared fixtures: a real Mosquitto on a free loopback port, and a real hub."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hailong.broker import Broker, BrokerUnavailable, find_mosquitto

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


def _mosquitto_available() -> bool:
    try:
        find_mosquitto()
    except BrokerUnavailable:
        return False
    return True


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    from tests.support import require

    require("Mosquitto", _mosquitto_available(), "sudo apt-get install -y mosquitto")
    running = Broker(tmp_path / "broker").start()
    yield running
    running.stop()


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[object]:
    """The production broker (deploy/mosquitto/) with a pilot CA, the ACL and the hub's
    credentials, provisioning set up (tests/deploy_support.py)."""
    import shutil

    from tests.deploy_support import start_secure_deployment
    from tests.support import require

    require("Mosquitto", shutil.which("mosquitto_passwd") is not None,
            "sudo apt-get install -y mosquitto")
    running = start_secure_deployment(tmp_path / "deploy")
    yield running
    running.broker.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """One private PostgreSQL cluster for the whole run; each test gets its own database."""
    from tests.pgcluster import INSTALL_HINT, PostgresCluster, PostgresUnavailable, find_bin_dir
    from tests.support import require

    try:
        find_bin_dir()
        available = True
    except PostgresUnavailable:
        available = False
    require("PostgreSQL", available, INSTALL_HINT)
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, migrated database of each kind the hub supports."""
    from hub.store import Store

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub-test.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database()
    store = Store(url)
    store.upgrade()
    store.close()
    return url


@pytest.fixture
def hub(tmp_path: Path, broker: Broker) -> Iterator[object]:
    from tests.support import RunningHub, hub_settings

    running = RunningHub(hub_settings(tmp_path / "hub", broker.url))
    yield running
    running.stop()


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """Debian's headless Chromium driven by Playwright, shared by the browser tests."""
    from tests.support import require
    from tools.browser import chromium_path, launch_chromium, playwright_available

    require("Chromium and Playwright", chromium_path() is not None and playwright_available(),
            "sudo apt-get install -y chromium; pip install -e '.[dev]'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


class _ErrorLogCatcher(logging.Handler):
    """Fails a test in which something logged an exception it swallowed (see style.md)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info is not None:
            self.records.append(record)


@pytest.fixture(autouse=True)
def no_swallowed_exceptions(request: pytest.FixtureRequest) -> Iterator[None]:
    catcher = _ErrorLogCatcher()
    root = logging.getLogger()
    root.addHandler(catcher)
    yield
    root.removeHandler(catcher)
    if catcher.records and "allow_logged_exceptions" not in request.keywords:
        details = "; ".join(f"{r.name}: {r.getMessage()}" for r in catcher.records[:3])
        pytest.fail(f"an exception was logged and swallowed: {details}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "allow_logged_exceptions: the test expects logged errors")
