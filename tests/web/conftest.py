"""The web tests' shared hub: a province of three admin offices and a hospital, with kiosk
ratings in November and October 2026 and a phone survey imported (the province report's
tests, HTTP and browser alike)."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hailong.broker import Broker
from hub.admin.accounts import Accounts
from tests.hubdata import accepted, response
from tests.support import RunningHub, hub_settings, write_toml

PASSWORD = "mật khẩu đủ dài"
ROSTER = """\
[[offices]]
id = "demo"
name = "UBND phường Demo"
province = "dak-nong"

[[offices]]
id = "ubnd-b"
name = "UBND xã B"
province = "dak-nong"

[[offices]]
id = "ubnd-c"
name = "UBND xã C"
province = "dak-nong"

[[offices]]
id = "bv-1"
name = "Bệnh viện 1"
province = "dak-nong"
kind = "hospital"

[[offices]]
id = "th-1"
province = "lam-dong"
kind = "school"
"""
EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "surveys" / "example-phone.csv"
NOVEMBER = {"from": "2026-11-01", "to": "2026-11-30"}
FACTORS = ("access", "procedure", "officer", "result", "feedback")


def ratings(office: str, day: date, plan: list[tuple[int, dict[str, int]]], seq: int = 0
            ) -> list[Any]:
    """``count`` responses answering each question of ``answers`` as given, on ``day``."""
    at = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)
    items = []
    for count, answers in plan:
        for _ in range(count):
            seq += 1
            items.append(accepted(response(office=office, seq=seq, answers=answers,
                                           at=at + timedelta(seconds=seq)), day=day))
    return items


def every(value: int, feedback: int | None = None) -> dict[str, int]:
    answers = {"overall": value, **{q: value for q in FACTORS}}
    if feedback is not None:
        answers["feedback"] = feedback
    return answers


@pytest.fixture(scope="module")
def province_hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    from tests.conftest import _mosquitto_available
    from tests.support import require

    require("Mosquitto", _mosquitto_available(), "sudo apt-get install -y mosquitto")
    tmp = tmp_path_factory.mktemp("province")
    broker = Broker(tmp / "broker").start()
    roster = write_toml(tmp / "roster.toml", ROSTER)
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


