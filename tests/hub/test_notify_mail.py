"""Alert mails against a real SMTP server on loopback (aiosmtpd): one that accepts, one that
refuses, one that is down and comes up; folding within 15 minutes; the webhook, signed, against
a real HTTP receiver. The store, the planner and the sender are the hub's own."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Connection

from hub.admin.accounts import Principal
from hub.i18n import Texts
from hub.notify.messages import QUIET, backoff
from hub.notify.planner import AlertNotifier
from hub.notify.sender import NotifySender
from hub.notify.settings import NotifySection
from hub.store import Store
from hub.store.notify import queue_notices
from hub.web.alert_pages import troubled
from tests.support import wait_until
from tests.support.notify import Calls, Mailbox, SmtpServer

# Real SMTP servers and the sender's retries with their waits: seconds each.
pytestmark = pytest.mark.slow

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
FROM = "Hài lòng <hailong@example.gov.vn>"
SECRET = "a-webhook-secret-of-the-province"


def notify_settings(port: int, **extra: object) -> NotifySection:
    values: dict[str, object] = {
        "smtp_host": "127.0.0.1", "smtp_port": port, "security": "none", "mail_from": FROM,
        "link_base": "https://hailong.example.gov.vn", "retry_base": 0.2, "retry_max": 0.4,
        "max_attempts": 50, "timeout": 10}
    values.update(extra)
    return NotifySection.model_validate(values)


def open_alert(store: Store, settings: NotifySection, sender: NotifySender,
               counter: str = "1", at: datetime | None = None, office: str = "ubnd-a") -> int:
    notifier = AlertNotifier(settings, lambda _o: ZONE, lambda _o, _q: "Câu hỏi chung",
                             sender.wake)
    now = at or datetime.now(UTC)
    alert_id = store.open_alert(office, counter, "overall", now, now - timedelta(minutes=15),
                                4, 3, notifier)
    assert alert_id is not None
    return alert_id


def outbox(store: Store) -> list[dict[str, object]]:
    from sqlalchemy import select

    from hub.store.tables import notify_outbox
    return store.read._all(select(notify_outbox).order_by(notify_outbox.c.id))


def test_an_opened_alert_mails_the_office_heads_and_admins_who_opted_in_once_in_vietnamese(
        notify_store_each: Store, smtp_factory: Callable[..., SmtpServer]) -> None:
    notify_store = notify_store_each
    server = smtp_factory()
    settings = notify_settings(server.port)
    sender = NotifySender(notify_store, settings)
    sender.start()
    try:
        alert_id = open_alert(notify_store, settings, sender)
        wait_until(lambda: len(server.mailbox.messages) == 2, message="two mails")
        wait_until(lambda: all(r["state"] == "sent" for r in outbox(notify_store)),
                   message="the notices marked sent")
        assert sender.send_due() == 0  # nothing left to send: each mail went once
    finally:
        sender.stop()
    got = {rcpt[0] for rcpt, _m in server.mailbox.messages}
    # the office's head and the admin; not the head who did not opt in, another office's head
    # or the province viewer
    assert got == {"lan@ubnd-a.example.gov.vn", "root@example.gov.vn"}
    mail = server.mailbox.to("lan@ubnd-a.example.gov.vn")[0]
    assert mail["Subject"] == "[Hài lòng] Cảnh báo tại UBND phường Bến Thành: Quầy 1"
    raw_subject = mail.get_all("Subject")
    assert raw_subject is not None
    body = mail.get_content()
    assert "3 trên 4 lượt gần nhất không hài lòng (Câu hỏi chung)" in body
    assert f"https://hailong.example.gov.vn/offices/ubnd-a/alerts#alert-{alert_id}" in body
    assert "Quầy: Quầy 1" in body
    assert mail["From"].addresses[0].addr_spec == "hailong@example.gov.vn"
    assert len(server.mailbox.attempts) == 2


def test_the_subject_travels_encoded_and_decodes_to_the_same_vietnamese(
        notify_store: Store, smtp_factory: Callable[..., SmtpServer]) -> None:
    from email import message_from_bytes
    from email.policy import compat32

    raw: list[bytes] = []

    class RawBox(Mailbox):
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            raw.append(envelope.original_content or envelope.content)  # type: ignore[attr-defined]
            return await super().handle_DATA(server, session, envelope)

    server = smtp_factory(RawBox())
    settings = notify_settings(server.port)
    sender = NotifySender(notify_store, settings)
    open_alert(notify_store, settings, sender)
    assert sender.send_due() == 2
    header = message_from_bytes(raw[0], policy=compat32)["Subject"]
    assert header.isascii() and "=?utf-8?" in header.lower()  # RFC 2047 on the wire
    assert server.mailbox.messages[0][1]["Subject"].startswith("[Hài lòng] Cảnh báo tại")


def test_a_refusing_server_is_retried_with_growing_waits_then_given_up_and_shown(
        notify_store: Store, smtp_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_factory(Mailbox(refuse="550 5.7.1 <lan@ubnd-a.example.gov.vn> không nhận"))
    settings = notify_settings(server.port, max_attempts=4, retry_base=0.2, retry_max=5,
                               smtp_port=server.port)
    sender = NotifySender(notify_store, settings)
    sender.start()
    try:
        open_alert(notify_store, settings, sender)
        wait_until(lambda: {r["state"] for r in outbox(notify_store)} == {"failed"},
                   message="both notices given up")
    finally:
        sender.stop()
    rows = outbox(notify_store)
    assert [r["attempts"] for r in rows] == [4, 4]
    assert all("550" in str(r["last_error"]) for r in rows)
    assert server.mailbox.messages == []
    # one notice's attempts: the waits between them are at least 0.2, 0.4, 0.8 s
    times = [at for at, rcpt in server.mailbox.attempts if rcpt == "lan@ubnd-a.example.gov.vn"]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == 4
    for attempt, gap in enumerate(gaps, start=1):
        assert gap >= backoff(attempt, 0.2, 5) - 0.01, (attempt, gaps)
    summary = notify_store.read.notify_summary()
    assert summary["failed"] == 2 and "550" in summary["last_error"]
    assert "ubnd-a.example" not in summary["last_error"]  # /healthz is open: no address
    troubles = notify_store.read.notify_troubles("ubnd-a", 10)
    assert {t["recipient"] for t in troubles} == {"lan@ubnd-a.example.gov.vn",
                                                  "root@example.gov.vn"}
    # the alerts page: an admin sees who and why; a head that two are stuck, no address
    admin = Principal("user", "root", "admin", frozenset())
    head = Principal("user", "lan", "head", frozenset({"ubnd-a"}))
    assert {troubled(t, Texts("vi"), admin)["recipient"] for t in troubles} == \
        {"lan@ubnd-a.example.gov.vn", "root@example.gov.vn"}
    shown = [troubled(t, Texts("vi"), head) for t in troubles]
    assert [(t["recipient"], t["last_error"], t["state"]) for t in shown] == \
        [("một người nhận", "", "failed")] * 2


def test_a_server_that_is_down_is_retried_and_gets_the_mail_once_it_starts(
        notify_store: Store, smtp_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_factory(start=False)
    settings = notify_settings(server.port)
    sender = NotifySender(notify_store, settings)
    sender.start()
    try:
        open_alert(notify_store, settings, sender)
        wait_until(lambda: all(int(r["attempts"]) >= 2 for r in outbox(notify_store)),
                   message="two refused connections")
        assert all("cannot reach the mail server" in str(r["last_error"])
                   for r in outbox(notify_store))
        assert notify_store.read.notify_summary()["retrying"] == 2
        server.start()
        wait_until(lambda: len(server.mailbox.messages) == 2, message="the mails, once up")
        wait_until(lambda: all(r["state"] == "sent" for r in outbox(notify_store)),
                   message="the notices marked sent")
    finally:
        sender.stop()
    assert sorted(rcpt[0] for rcpt, _m in server.mailbox.messages) == [
        "lan@ubnd-a.example.gov.vn", "root@example.gov.vn"]


def test_alerts_of_one_kind_within_15_minutes_are_folded_into_the_next_mail(
        notify_store: Store, smtp_factory: Callable[..., SmtpServer]) -> None:
    server = smtp_factory()
    settings = notify_settings(server.port)
    start = datetime.now(UTC)
    sender = NotifySender(notify_store, settings, clock=lambda: start + timedelta(minutes=6))
    open_alert(notify_store, settings, sender, counter="1", at=start)
    open_alert(notify_store, settings, sender, counter="2", at=start + timedelta(minutes=5))
    open_alert(notify_store, settings, sender, counter="3", office="ubnd-b",
               at=start + timedelta(minutes=5))  # another office: its own mail
    assert sender.send_due() == 4  # lan and root for ubnd-a, binh and root for ubnd-b
    states = [(r["office"], r["state"]) for r in outbox(notify_store)]
    assert states.count(("ubnd-a", "folded")) == 2
    later = start + QUIET + timedelta(minutes=1)
    late = NotifySender(notify_store, settings, clock=lambda: later + timedelta(seconds=1))
    open_alert(notify_store, settings, late, counter="4", at=later)
    assert late.send_due() == 2
    mail = server.mailbox.to("lan@ubnd-a.example.gov.vn")[-1]
    assert "Quầy 4" in mail["Subject"]
    assert "Ngoài ra, 1 cảnh báo cùng loại đã mở tại đơn vị từ thư trước" in mail.get_content()
    assert len(server.mailbox.to("lan@ubnd-a.example.gov.vn")) == 2


def test_the_webhook_gets_a_signed_json_post_retried_after_a_503_and_delivered_once(
        notify_store: Store, webhook_receiver: tuple[str, Calls]) -> None:
    url, calls = webhook_receiver
    calls.fail_first = 1
    settings = NotifySection.model_validate({
        "webhook_url": url, "webhook_secret": SECRET, "retry_base": 0.2, "retry_max": 0.4,
        "link_base": "https://hailong.example.gov.vn"})
    sender = NotifySender(notify_store, settings)
    sender.start()
    try:
        alert_id = open_alert(notify_store, settings, sender)
        wait_until(lambda: [r["state"] for r in outbox(notify_store)] == ["sent"],
                   message="the webhook delivered")
    finally:
        sender.stop()
    assert len(calls.requests) == 2
    (first, _), (headers, body) = calls.requests
    assert headers["x-hailong-delivery"] == first["x-hailong-delivery"]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-hailong-signature"], expected)
    document = json.loads(body)
    assert document["event"] == "alert.opened"
    assert document["alert"]["id"] == alert_id and document["alert"]["counter"] == "1"
    assert document["office_name"] == "UBND phường Bến Thành"
    assert document["link"].endswith(f"/offices/ubnd-a/alerts#alert-{alert_id}")
    assert "3 trên 4 lượt gần nhất không hài lòng" in document["text"]


@pytest.mark.allow_logged_exceptions
def test_an_alert_opens_even_when_its_notifications_cannot_be_queued(
        notify_store: Store) -> None:
    def broken(conn: Connection, row: dict[str, Any]) -> None:
        queue_notices(conn, [{"alert_id": row["id"], "office": "ubnd-a", "kind": "overall",
                              "channel": "email", "recipient": "lan@ubnd-a.example.gov.vn",
                              "subject": "", "body": "", "state": "pending", "attempts": 0,
                              "created_at": row["opened_at"], "next_at": row["opened_at"],
                              "last_error": ""}])
        raise RuntimeError("a bug in the planner, after a row was queued")

    now = datetime.now(UTC)
    alert_id = notify_store.open_alert("ubnd-a", "1", "overall", now, now - timedelta(minutes=15),
                                       4, 3, broken)
    assert alert_id is not None
    assert notify_store.read.alert(alert_id)["counter"] == "1"
    assert outbox(notify_store) == []  # the half-queued notices went back with the savepoint
