"""Shared fixtures (a real Mosquitto, PostgreSQL, hubs, Chromium) and the markers of the heavy parts."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hailong.broker import Broker

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[Broker]:
    from tests.support import mosquitto_available, require

    require("Mosquitto", mosquitto_available(), "sudo apt-get install -y mosquitto")
    running = Broker(tmp_path / "broker").start()
    yield running
    running.stop()


@pytest.fixture(scope="session")
def postgres() -> Iterator[object]:
    """One private PostgreSQL cluster for the whole run; each test gets its own database."""
    from tests.support import require
    from tests.support.pgcluster import INSTALL_HINT, PostgresCluster, PostgresUnavailable, find_bin_dir

    try:
        find_bin_dir()
        available = True
    except PostgresUnavailable:
        available = False
    require("PostgreSQL", available, INSTALL_HINT)
    cluster = PostgresCluster().start()
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
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


@pytest.fixture
def survey_hub(tmp_path: Path, broker: Broker) -> Iterator[object]:
    """A hub on SQLite with the survey tests' roster and the extra channel "zalo"."""
    from tests.support import RunningHub, hub_settings, write_toml
    from tests.support.surveys import ROSTER

    roster = write_toml(tmp_path / "roster.toml", ROSTER)
    running = RunningHub(hub_settings(tmp_path / "hub", broker.url, roster=str(roster),
                                      hub='survey_channels = ["zalo"]'))
    yield running
    running.stop()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An 8 MB tmpfs of the test's own (tests/support/faults.py), unmounted afterwards."""
    from tests.support.faults import mounted_small_disk

    with mounted_small_disk(tmp_path / "small-disk") as folder:
        yield folder


@pytest.fixture
def hubs() -> Iterator[list[Any]]:
    """Hub child processes a fault test starts (tests/support/faults.py), stopped even on failure."""
    from tests.support.faults import hub_children

    with hub_children() as started:
        yield started


@pytest.fixture
def private_postgres() -> Iterator[object]:
    """A durable PostgreSQL cluster of the test's own, which it may stop and start."""
    from tests.support.faults import durable_cluster

    with durable_cluster() as cluster:
        yield cluster


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


# The markers of the heavy parts (pyproject.toml registers them; tests/README.md explains them):
# a test is `browser` when it uses Chromium, `postgres` when it uses the PostgreSQL cluster (the
# "postgresql" side of `database_url` marks itself), `deploy` when it lives in tests/deploy/. Each
# of them is also `slow`, so `pytest -m "not slow"` is the quick suite to run while working.
HEAVY = ("browser", "deploy", "postgres")
TESTS = Path(__file__).resolve().parent
DEPLOY_TESTS = TESTS / "deploy"
# A test that starts a whole hub of its own (uvicorn, MQTT, migrations, argon2 hashes) or child
# processes takes seconds on a loaded 2-core machine: `slow` too, so that the quick suite stays
# under 2 minutes. These fixtures start one per test; the modules below do it (or hash passwords
# with argon2, which is costly on purpose) in every test. A module that shares one hub for all its
# tests (the `site` fixture) is not slow; a single long test carries `@pytest.mark.slow` itself.
HUB_PER_TEST = {"hub", "db_hub", "survey_hub", "survey_site"}
SLOW_MODULES = {
    "hub/test_accounts.py", "hub/test_cli.py", "hub/test_end_to_end.py", "hub/test_ingest.py",
    "hub/test_presence.py", "hub/test_subscriber.py", "kiosk/test_end_to_end.py", "web/test_api.py",
    "web/test_http.py", "web/test_live_revocation.py", "web/test_logs_and_bodies.py",
    "web/test_surveys_api.py",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        uses = getattr(item, "fixturenames", ())
        if "chromium" in uses:
            item.add_marker(pytest.mark.browser)
        if "postgres" in uses:
            item.add_marker(pytest.mark.postgres)
        if DEPLOY_TESTS in item.path.parents:
            item.add_marker(pytest.mark.deploy)
        costly = (HUB_PER_TEST.intersection(uses)
                  or item.path.relative_to(TESTS).as_posix() in SLOW_MODULES)
        if costly or any(item.get_closest_marker(name) for name in HEAVY):
            item.add_marker(pytest.mark.slow)
