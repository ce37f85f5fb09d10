"""Fixtures of the web tests: hubs with people to sign in, a browser tab, one shared site."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from hailong.broker import Broker
from hub.admin.accounts import Accounts
from tests.support import PASSWORD, RunningHub, hub_settings, mosquitto_available, require, write_toml
from tests.support.browser import Tab
from tests.support.province import EXAMPLE, PROVINCE_ROSTER, every, ratings
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


@pytest.fixture(scope="module")
def province_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    require("Mosquitto", mosquitto_available(), "sudo apt-get install -y mosquitto")
    tmp = tmp_path_factory.mktemp("province")
    broker = Broker(tmp / "broker").start()
    roster = write_toml(tmp / "roster.toml", PROVINCE_ROSTER)
    running = RunningHub(hub_settings(tmp / "hub", broker.url, roster=str(roster),
                                      client_id="hailong-hub-province"))
    try:
        accounts = Accounts(running.hub.store.engine)
        accounts.add_user("root", "admin", [], PASSWORD)
        accounts.add_user("lan", "head", ["demo"], PASSWORD)
        accounts.add_user("ana", "viewer", [], PASSWORD, ["dak-nong"])
        accounts.add_user("tam", "viewer", [], PASSWORD, ["lam-dong"])
        store = running.hub.store
        # demo: 40 of 50 satisfied in November on every question, 20 of 50 in October (up);
        # ubnd-b: 45 of 50 on every question but feedback, 10 of 50 on feedback;
        # ubnd-c: 5 answers only (listed apart).
        store.write_batch(ratings("demo", date(2026, 11, 10), [(40, every(5)), (10, every(2))]), [])
        store.write_batch(ratings("demo", date(2026, 10, 10), [(20, every(4)), (30, every(1))],
                                  100), [])
        store.write_batch(ratings("ubnd-b", date(2026, 11, 12),
                                  [(10, every(5)), (35, every(4, 2)), (5, every(3))]), [])
        store.write_batch(ratings("ubnd-c", date(2026, 11, 12), [(5, every(5))]), [])
        request = urllib.request.Request(
            running.url + "/api/v1/surveys?name=example-phone.csv", method="POST",
            data=EXAMPLE.read_bytes(), headers=running.auth)
        with urllib.request.urlopen(request, timeout=30) as reply:
            assert reply.status in (200, 201)
        yield running
    finally:
        running.stop()
        broker.stop()


