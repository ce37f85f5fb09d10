"""A real hub (real Mosquitto, SQLite, uvicorn on loopback, aiosmtpd): an alert mailed across a
restart exactly once, its failure shown in /healthz and on the alerts page, and a closed
alert's counter starting afresh."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from hailong import contract
from hailong.broker import Broker
from hailong.topics import kiosk_topic
from hub.admin.accounts import Accounts
from hub.admin.contacts import Contacts
from tests.support import RawClient, RunningHub, hub_settings, sign_in, wait_until, write_toml
from tests.support.hubdata import response
from tests.support.notify import SmtpServer

pytestmark = pytest.mark.slow  # whole hubs, started and restarted

PASSWORD = "mật khẩu đủ dài"
ROSTER = """
[[offices]]
id = "ubnd-a"
name = "UBND phường Bến Thành"
province = "ho-chi-minh"

[[kiosks]]
office = "ubnd-a"
id = "k01"
counter = "1"
"""


def rate(broker: Broker, first_seq: int, values: list[int]) -> None:
    raw = RawClient(broker.url)
    for offset, value in enumerate(values):
        raw.publish(kiosk_topic("ubnd-a", "k01", "response"), contract.encode(response(
            "ubnd-a", "k01", first_seq + offset, answers={"overall": value},
            at=datetime.now(UTC))))
    raw.close()


def notice_rows(hub: RunningHub) -> list[dict[str, object]]:
    from sqlalchemy import select

    from hub.store.tables import notify_outbox
    return hub.hub.store.read._all(select(notify_outbox))


def test_a_mail_queued_while_the_server_is_down_arrives_exactly_once_across_a_hub_restart(
        tmp_path: Path, broker: Broker, smtp_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_factory(start=False)
    roster = write_toml(tmp_path / "roster.toml", ROSTER)
    settings = hub_settings(tmp_path / "hub", broker.url, roster=str(roster), notify=(
        f'smtp_host = "127.0.0.1"\nsmtp_port = {server.port}\nsecurity = "none"\n'
        'mail_from = "hailong@example.gov.vn"\nlink_base = "https://hailong.example.gov.vn"\n'
        "retry_base = 0.2\nretry_max = 0.5"))
    hub = RunningHub(settings)
    try:
        Accounts(hub.hub.store.engine).add_user("lan", "head", ["ubnd-a"], PASSWORD)
        Contacts(hub.hub.store.engine).set_contact("lan", "lan@example.gov.vn", True)
        rate(broker, 1, [1, 1, 2, 1])
        wait_until(lambda: any(int(r["attempts"]) >= 1 for r in notice_rows(hub)),
                   message="a failed first attempt")
        status, health = hub.get("/healthz", {})
        assert status == 200 and health["status"] == "ok"  # a down mail server is no outage
        assert health["notify"]["retrying"] == 1
        assert "cannot reach the mail server" in health["notify"]["last_error"]
        with httpx.Client(base_url=hub.url, timeout=30) as client:
            sign_in(client, "lan", PASSWORD)
            page = client.get("/offices/ubnd-a/alerts")
        assert page.status_code == 200
        # a head sees that the mail is stuck, never an address (hub/web/alert_pages.troubled)
        assert "Thư báo chưa gửi được" in page.text and "Thư tới một người nhận" in page.text
        assert "lan@example.gov.vn" not in page.text
    finally:
        hub.stop()
    server.start()
    again = RunningHub(settings)
    try:
        wait_until(lambda: len(server.mailbox.messages) == 1, message="the mail after restart")
        wait_until(lambda: [r["state"] for r in notice_rows(again)] == ["sent"],
                   message="the notice marked sent")
        assert again.hub.sender.send_due() == 0
    finally:
        again.stop()
    third = RunningHub(settings)  # and a further restart sends nothing again
    try:
        assert third.hub.sender.send_due() == 0
    finally:
        third.stop()
    assert len(server.mailbox.messages) == 1
    mail = server.mailbox.messages[0][1]
    assert mail["Subject"] == "[Hài lòng] Cảnh báo tại UBND phường Bến Thành: Quầy 1"
    assert re.search(r"https://hailong\.example\.gov\.vn/offices/ubnd-a/alerts#alert-\d+",
                     mail.get_content())


def test_a_closed_alert_does_not_reopen_from_the_answers_before_its_close(
        tmp_path: Path, broker: Broker) -> None:
    roster = write_toml(tmp_path / "roster.toml", ROSTER)
    hub = RunningHub(hub_settings(tmp_path / "hub", broker.url, roster=str(roster)))
    try:
        rate(broker, 1, [1, 1, 1, 1])

        def open_alerts() -> list[dict[str, object]]:
            return hub.get("/api/v1/offices/ubnd-a/alerts?state=open")[1]["alerts"]

        wait_until(lambda: len(open_alerts()) == 1, message="the alert")
        alert_id = open_alerts()[0]["id"]
        closed = httpx.post(f"{hub.url}/api/v1/offices/ubnd-a/alerts/{alert_id}/close",
                            headers=hub.auth, json={"note": "Đã bố trí thêm cán bộ"})
        assert closed.json() == {"closed": alert_id}
        rate(broker, 5, [1])  # five low answers in the window, but one after the close
        wait_until(lambda: hub.hub.ingestor.counters.stored == 5, message="the fifth rating")
        assert hub.hub.live.check_alerts("ubnd-a") == []
        rate(broker, 6, [1, 2, 1])  # four low answers after the close: a new alert
        wait_until(lambda: len(open_alerts()) == 1, message="a new alert")
        assert open_alerts()[0]["id"] != alert_id
        document = hub.get("/api/v1/offices/ubnd-a/alerts?state=closed")[1]["alerts"][0]
        assert document["closed_by"] == "tests" and document["note"] == "Đã bố trí thêm cán bộ"
        assert [e["action"] for e in document["events"]] == ["close"]
    finally:
        hub.stop()
