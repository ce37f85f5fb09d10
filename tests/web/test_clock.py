"""One clock: every time a page shows is in the office's time zone (admin pages: the hub's),
said once per page, and never as ISO text; checked in a real headless Chromium."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from tests.support import PASSWORD, RawClient, RunningHub, wait_until
from tests.support.browser import (
    Tab,
)
from tests.support.hubdata import response, status
from tools.browser import ISO_TIME

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # the tests' hub runs on the default zone
LABEL = "Mọi thời gian trên trang này theo giờ Việt Nam (UTC+7)."


def shown(value: str) -> str:
    """An API time (ISO, any offset) as the pages must show it: Vietnam's wall clock."""
    return f"{datetime.fromisoformat(value).astimezone(VIETNAM):%d/%m/%Y %H:%M}"


def test_every_time_is_in_the_offices_zone_labelled_once_and_never_iso(
        broker: Broker, hub: RunningHub, chromium: Any) -> None:
    Accounts(hub.hub.store.engine).add_user("root", "admin", [], PASSWORD)
    raw = RawClient(broker.url)
    raw.publish(kiosk_topic("ubnd-a", "k01", "status"),
                contract.encode(status(at=datetime.now(UTC))), retain=True)
    for seq in range(1, 5):  # four low answers at counter 1 within minutes: an alert
        raw.publish(kiosk_topic("ubnd-a", "k01", "response"),
                    contract.encode(response(office="ubnd-a", overall=1, seq=seq)))
    raw.publish(kiosk_topic("ubnd-a", "k01", "response"), b'{"v": 1, "seq": "x"}')
    raw.close()
    wait_until(lambda: hub.hub.ingestor.counters.stored == 4
               and hub.get("/api/v1/rejected")[1]["total"] == 1
               and hub.get("/api/v1/offices/ubnd-a/alerts?state=open")[1]["alerts"]
               and hub.get("/api/v1/fleet")[1]["kiosks"], message="ratings, alert, status")
    alert = hub.get("/api/v1/offices/ubnd-a/alerts?state=open")[1]["alerts"][0]
    rejected = hub.get("/api/v1/rejected")[1]["items"][0]
    kiosk = hub.get("/api/v1/fleet")[1]["kiosks"][0]

    tab = Tab(chromium, hub.url)
    try:
        tab.sign_in("root", PASSWORD, "/signin?next=/offices/ubnd-a")
        expected = {"/offices/ubnd-a": [shown(alert["opened_at"]), shown(kiosk["last_seen"])],
                    "/fleet": [shown(kiosk["last_seen"])],
                    "/rejected": [shown(rejected["received_at"])],
                    "/offices/ubnd-a/report": []}
        for path, times in expected.items():
            tab.goto(path)
            text = tab.page.inner_text("main")
            assert text.count(LABEL) == 1, (path, text[-300:])
            assert "UTC" not in text.replace(LABEL, ""), path
            assert re.search(ISO_TIME, text) is None, path
            for moment in times:
                assert moment in text, (path, moment)
    finally:
        tab.close()
