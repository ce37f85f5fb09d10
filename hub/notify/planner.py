"""Queues the notifications of an alert in the transaction that opens it: a mail per opted-in
head and admin, one webhook call, or a folded record when the office had one of this kind
within the last 15 minutes (hub/notify/messages.py ``QUIET``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any

from sqlalchemy.engine import Connection

from hub.admin.contacts import recipients
from hub.notify.messages import AlertNotice, alert_link, folds, mail_text, webhook_body
from hub.notify.settings import NotifySection
from hub.scores.documents import alert_document
from hub.store.engine import utc
from hub.store.notify import folded_since, last_notice, names_of, queue_notices


class AlertNotifier:
    """``on_opened`` for :meth:`hub.store.Store.open_alert`; ``question_text(office, id)``
    gives the words of the question an alert watches."""

    def __init__(self, settings: NotifySection, zone_of: Callable[[str], tzinfo],
                 question_text: Callable[[str, str], str],
                 wake: Callable[[], None] = lambda: None) -> None:
        self.settings = settings
        self.zone_of = zone_of
        self.question_text = question_text
        self.wake = wake

    @property
    def enabled(self) -> bool:
        return self.settings.mail or self.settings.webhook

    def __call__(self, conn: Connection, row: dict[str, Any]) -> None:
        if not self.enabled:
            return
        office, kind = row["office"], row["question"]
        now = utc(row["opened_at"])
        last = last_notice(conn, office, kind)
        folded = folds(last, now)
        office_name, counter_name = names_of(conn, office, row["counter"])
        notice = AlertNotice(alert_document(row), office_name, counter_name,
                             self.question_text(office, kind), self.zone_of(office),
                             alert_link(self.settings.link_base, office, row["id"]),
                             0 if folded else folded_since(conn, office, kind, last))
        subject, text = mail_text(notice)
        base = {"alert_id": row["id"], "office": office, "kind": kind, "subject": subject,
                "state": "folded" if folded else "pending", "attempts": 0, "created_at": now,
                "next_at": now, "last_error": ""}
        rows = []
        if self.settings.mail:
            rows += [{**base, "channel": "email", "recipient": address, "body": text}
                     for address in recipients(conn, office)]
        if self.settings.webhook:
            rows.append({**base, "channel": "webhook", "recipient": self.settings.webhook_url,
                         "body": webhook_body(notice, subject, text)})
        if queue_notices(conn, rows) and not folded:
            self.wake()
