"""Fixtures of the web tests: hubs with people to sign in, a browser tab, one shared site."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hailong.broker import Broker
from hub.admin.accounts import Accounts
from tests.support import PASSWORD, RunningHub, hub_settings, write_toml
from tests.support.browser import Tab
from tests.support.site import Site, open_site
from tests.support.surveys import ROSTER


@pytest.fixture
def people(hub: RunningHub) -> Accounts:
    """An admin (root) and the head of ubnd-a (lan) on the test's hub."""
    accounts = Accounts(hub.hub.store.engine)
    accounts.add_user("root", "admin", [], PASSWORD)
    accounts.add_user("lan", "head", ["ubnd-a"], PASSWORD)
    return accounts


@pytest.fixture
def tab(chromium: Any, hub: RunningHub) -> Iterator[Tab]:
    """A tab on the test's hub; closing it fails the test if the page fetched from elsewhere."""
    opened = Tab(chromium, hub.url)
    yield opened
    opened.close()


@pytest.fixture
def survey_site(tmp_path: Path, broker: Broker) -> Iterator[RunningHub]:
    """A hub with the survey tests' roster, an admin (root) and the head of "demo" (lan)."""
    roster = write_toml(tmp_path / "roster.toml", ROSTER)
    running = RunningHub(hub_settings(tmp_path / "hub", broker.url, roster=str(roster)))
    accounts = Accounts(running.hub.store.engine)
    accounts.add_user("root", "admin", [], PASSWORD)
    accounts.add_user("lan", "head", ["demo"], PASSWORD)
    yield running
    running.stop()


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One hub with people and a day of ratings for a whole module (its tests only read)."""
    with open_site(tmp_path_factory.mktemp("pages")) as opened:
        yield opened
