"""Fault: the kiosk's disk fills up (a real 8 MB tmpfs holding its outbox, filled by a ballast file)
while a citizen rates; the real kiosk app (pygame under the dummy driver, real key events) is
connected to a real Mosquitto and a real hub.

Promised: no thank-you for what could not be stored, a calm "Tạm dừng nhận đánh giá" screen in
both languages instead (no error words), no questionnaire while paused, the pause in the kiosk's
status and on the hub's fleet page in Vietnamese, and once space returns the waiting response
stored (then thanked) and delivered exactly once, and the kiosk taking ratings again by itself.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from hailong.broker import Broker
from hub.admin.accounts import Accounts
from kiosk import flow
from kiosk.i18n import t
from tests.support import RunningHub, hub_settings, sign_in, wait_until
from tests.support.faults import PATIENCE, fill
from tests.support.kiosk import kiosk_settings, running_app
from tools.drive import Driver

pytestmark = pytest.mark.slow

PASSWORD = "mật-khẩu-đủ-dài-2026"


def fleet_entry(hub: RunningHub) -> dict[str, Any]:
    status, document = hub.get("/api/v1/fleet")
    assert status == 200, document
    return next((k for k in document["kiosks"] if k["kiosk"] == "k01"), {})


def shown(drive: Driver) -> list[str]:
    """The texts of the frame on screen; none of them cut to fit."""
    painter = drive.app.painter
    assert painter is not None
    assert not [item.text for item in painter.drawn if item.truncated]
    return [item.text for item in painter.drawn]


def stored_ids(database: Path) -> list[str]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as conn:
        return [row[0] for row in conn.execute("SELECT id FROM responses ORDER BY seq")]


def test_a_full_disk_pauses_the_kiosk_instead_of_thanking_and_it_resumes_by_itself(
        tmp_path: Path, broker: Broker, small_disk: Path, caplog: pytest.LogCaptureFixture) -> None:
    hub = RunningHub(hub_settings(tmp_path / "hub", broker.url))
    settings = kiosk_settings(small_disk, broker.url)
    outbox = Path(settings.database_url().removeprefix("sqlite:///"))
    assert outbox.parent == small_disk
    try:
        with running_app(settings, size=(1024, 600), connect=True) as drive:
            app = drive.app
            wait_until(lambda: fleet_entry(hub).get("state") == "online", PATIENCE,
                       message="the kiosk online at the hub")
            ballast = fill(small_disk)
            drive.keys("\n5")  # start, rate 5 …
            drive.key("-")  # … and send at once: the store fails on the full disk
            assert app.state.screen == "paused" and app.stored == []
            texts = shown(drive)
            for lang in ("vi", "en"):
                assert t(lang, "paused.title") in texts and t(lang, "paused.detail") in texts
            assert texts.index(t("vi", "paused.title")) < texts.index(t("en", "paused.title"))
            assert t("vi", "thanks.title") not in texts
            assert not any("disk" in text or "database" in text for text in texts)
            assert "cannot store a response: database or disk is full" in caplog.text

            drive.keys("\n4")  # nothing opens while paused
            assert app.state.screen == "paused" and app.state.session is None
            entry = wait_until(lambda: fleet_entry(hub).get("storage") == "full"
                               and fleet_entry(hub), PATIENCE,
                               message="the kiosk's status to report its full disk")
            assert entry["state"] == "online"
            with httpx.Client(base_url=hub.url, timeout=PATIENCE) as client:
                Accounts(hub.hub.store.engine).add_user("root", "admin", [], PASSWORD)
                sign_in(client, "root", PASSWORD)
                page = client.get("/fleet").text
            assert "Bộ nhớ đầy: máy tạm dừng nhận đánh giá" in page

            drive.step(flow.STORE_RETRY.total_seconds())  # a retry while still full
            assert app.state.screen == "paused" and stored_ids(outbox) == []

            ballast.unlink()  # space returns
            drive.step(flow.STORE_RETRY.total_seconds())
            assert app.state.screen == "thanks" and t("vi", "thanks.title") in shown(drive)
            [stored] = app.stored
            assert stored_ids(outbox) == [stored["id"]] and stored["seq"] == 1
            wait_until(lambda: fleet_entry(hub).get("received") == 1
                       and fleet_entry(hub).get("storage") is None, PATIENCE,
                       message="the response delivered and the pause over at the hub")
            drive.step(app.rules.thank_you_seconds)
            assert app.state.screen == "idle"
            drive.keys("\n")
            assert app.state.screen == "question"  # taking ratings again
    finally:
        hub.stop()
    with hub.hub.store.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT id, seq FROM responses").all()
    assert [tuple(row) for row in rows] == [(stored["id"], 1)]
