"""One hub with people and a day of ratings, shared by every test of a web module that only reads:
real Mosquitto, real SQLite, the ratings published on the broker (tests/web/conftest.py's ``site``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from tests.support import (
    PASSWORD,
    RawClient,
    RunningHub,
    hub_settings,
    mosquitto_available,
    require,
    sign_in,
    wait_until,
    write_toml,
)
from tests.support.hubdata import response

ROSTER = """
[provinces]
dak-nong = "Đắk Nông"

[[offices]]
id = "ubnd-a"
name = "UBND phường A"
province = "dak-nong"

[[offices]]
id = "ubnd-b"
name = "UBND phường B"
province = "dak-nong"

[[offices]]
id = "ubnd-x"
name = "UBND xã X"
province = "lam-dong"

[[counters]]
office = "ubnd-a"
label = "1"
name = "Quầy đất đai"

[[counters]]
office = "ubnd-a"
label = "2"
name = "Quầy hộ tịch"

[[officers]]
office = "ubnd-a"
code = "cb-01"
name = "Nguyễn Văn An"

[[officers]]
office = "ubnd-a"
code = "cb-02"
name = "Trần Thị Bình"

[[kiosks]]
office = "ubnd-a"
id = "k01"
counter = "1"
"""
# Counter 1 (officer cb-01): enough satisfied ratings to be read; counter 2 (cb-02): a few low
# ones with a reason, which also open an alert (4 answers, all low, within 15 minutes).
GOOD_RATINGS = 32
LOW_RATINGS = 4


@dataclass
class Site:
    hub: RunningHub
    broker: Broker

    @contextmanager
    def client(self, user: str) -> Iterator[httpx.Client]:
        """A browser-like client signed in as ``user``."""
        with httpx.Client(base_url=self.hub.url, timeout=30) as client:
            assert sign_in(client, user, PASSWORD).status_code == 200
            yield client


def status(kiosk: str, outbox: int = 0) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"v": 1, "state": "online", "version": "0.1.0", "since": now.isoformat(),
            "now": now.isoformat(), "seq": GOOD_RATINGS + LOW_RATINGS, "outbox": outbox,
            "outbox_oldest": None, "scanner": "ok", "questionnaire": "sipas@1"}


@contextmanager
def open_site(tmp: Path) -> Iterator[Site]:
    """The site's hub and broker in ``tmp``, stopped on leaving."""
    require("Mosquitto", mosquitto_available(), "sudo apt-get install -y mosquitto")
    broker = Broker(tmp / "broker").start()
    roster = write_toml(tmp / "roster.toml", ROSTER)
    running = RunningHub(hub_settings(tmp / "hub", broker.url, roster=str(roster),
                                      client_id="hailong-hub-pages"))
    try:
        accounts = Accounts(running.hub.store.engine)
        accounts.add_user("root", "admin", [], PASSWORD)
        accounts.add_user("lan", "head", ["ubnd-a"], PASSWORD)
        accounts.add_user("ana", "viewer", [], PASSWORD, ["dak-nong"])
        accounts.add_user("tam", "viewer", [], PASSWORD, ["lam-dong"])
        raw = RawClient(broker.url)
        now = datetime.now(UTC) - timedelta(seconds=30)
        seq = 0
        for index in range(GOOD_RATINGS):
            seq += 1
            raw.publish(kiosk_topic("ubnd-a", "k01", "response"), contract.encode(response(
                "ubnd-a", "k01", seq, counter="1", officer="cb-01",
                answers={"overall": 5 if index % 8 else 3, "officer": 4},
                at=now - timedelta(minutes=20 + index))))
        for _ in range(LOW_RATINGS):
            seq += 1
            raw.publish(kiosk_topic("ubnd-a", "k01", "response"), contract.encode(response(
                "ubnd-a", "k01", seq, counter="2", officer="cb-02",
                answers={"overall": 1, "reasons": ["wait"]}, at=now)))
        raw.publish(kiosk_topic("ubnd-a", "k01", "status"), contract.encode(status("k01", 2)),
                    retain=True)
        raw.publish(kiosk_topic("ubnd-b", "k01", "response"), contract.encode(response(
            "ubnd-b", "k01", 1)))
        raw.publish(kiosk_topic("ubnd-a", "k01", "response"), b"not json")
        raw.publish(kiosk_topic("ubnd-a", "phantom", "response"), b"not json either")
        raw.close()
        wait_until(lambda: running.hub.ingestor.counters.stored == seq + 1,
                   message="the ratings stored")
        wait_until(lambda: running.get("/api/v1/offices/ubnd-a/alerts?state=open")[1]["alerts"],
                   message="the alert opened")
        wait_until(lambda: running.get("/api/v1/offices/ubnd-a/kiosks")[1]["kiosks"][0]["state"]
                   == "online", message="the kiosk's status")
        day = running.get("/api/v1/offices/ubnd-a/scores")[1]["from"]
        reply = httpx.put(running.url + "/api/v1/offices/ubnd-a/dossiers", headers=running.auth,
                          json={"counts": {day: 120}})
        assert reply.status_code == 200, reply.text
        yield Site(running, broker)
    finally:
        running.stop()
        broker.stop()
