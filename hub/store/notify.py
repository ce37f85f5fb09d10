"""The notification outbox in the database: queued with the alert that caused it, claimed,
sent, retried with backoff or given up. Restarts and several hub processes send each once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from hub.store import tables as t
from hub.store.engine import Database, utc

# A claimed notification is not offered again for this long: the sender that claimed it is
# sending (an SMTP dialogue times out well before). A sender that died mid-send leaves it to be
# sent again after the lease, so a crash can repeat a mail but never lose one.
LEASE = timedelta(minutes=5)


def queue_notices(conn: Connection, rows: Sequence[dict[str, Any]]) -> int:
    """Add notices in the caller's transaction; one already queued (same alert, channel and
    recipient) is left as it is. How many were added."""
    if not rows:
        return 0
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    stmt = insert(t.notify_outbox).on_conflict_do_nothing(
        index_elements=["alert_id", "channel", "recipient"])
    return int(conn.execute(stmt, list(rows)).rowcount or 0)


def last_notice(conn: Connection, office: str, kind: str) -> datetime | None:
    """When the office's last notification of this kind that was not folded was queued."""
    o = t.notify_outbox
    found = conn.execute(select(func.max(o.c.created_at)).where(
        o.c.office == office, o.c.kind == kind, o.c.state != "folded")).scalar()
    return utc(found) if found is not None else None


def folded_since(conn: Connection, office: str, kind: str, since: datetime | None) -> int:
    """Alerts of this office and kind folded (not sent on their own) since ``since``."""
    o = t.notify_outbox
    query = select(func.count(func.distinct(o.c.alert_id))).where(
        o.c.office == office, o.c.kind == kind, o.c.state == "folded")
    if since is not None:
        query = query.where(o.c.created_at >= utc(since))
    return int(conn.execute(query).scalar_one())


def names_of(conn: Connection, office: str, counter: str) -> tuple[str, str]:
    """The office's and the counter's names as the roster gives them ("" when it does not)."""
    office_name = conn.execute(select(t.offices.c.name).where(t.offices.c.id == office)).scalar()
    counter_name = conn.execute(select(t.counters.c.name).where(
        t.counters.c.office == office, t.counters.c.label == counter)).scalar()
    return office_name or "", counter_name or ""


class NotifyWriter(Database):
    def claim_notice(self, notice_id: int, now: datetime) -> bool:
        """Take a due notice for sending; False when another sender took it first."""
        o = t.notify_outbox
        with self._writer.begin() as conn:
            done = conn.execute(update(o).where(
                o.c.id == notice_id, o.c.state == "pending", o.c.next_at <= utc(now))
                .values(next_at=utc(now + LEASE)))
        return bool(done.rowcount)

    def notice_sent(self, notice_id: int, now: datetime) -> None:
        o = t.notify_outbox
        with self._writer.begin() as conn:
            conn.execute(update(o).where(o.c.id == notice_id).values(
                state="sent", sent_at=utc(now), attempts=o.c.attempts + 1))

    def notice_failed(self, notice_id: int, error: str, retry_at: datetime | None) -> None:
        """A failed attempt: tried again at ``retry_at``, or given up when it is None."""
        o = t.notify_outbox
        values: dict[str, Any] = {"attempts": o.c.attempts + 1, "last_error": error[:500]}
        values.update({"next_at": utc(retry_at)} if retry_at is not None else {"state": "failed"})
        with self._writer.begin() as conn:
            conn.execute(update(o).where(o.c.id == notice_id).values(**values))
