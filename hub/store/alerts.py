"""Alerts in the database: one open alert per counter, opened by the rule, acknowledged and closed
by a person (each with a note, kept in ``alert_events``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from hub.store import tables as t
from hub.store.engine import Database, utc

log = logging.getLogger(__name__)
# A note is a sentence or a paragraph of what was done; longer is pasted by mistake.
NOTE_MAX = 2000

# Called inside the transaction that opened an alert, with its row: queues its notifications
# (hub/notify/planner.py), so that an alert and its notices are stored together or not at all.
OnOpened = Callable[[Connection, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acknowledges or closes: a signed-in user or an API token, by name."""

    name: str
    kind: Literal["user", "token"] = "user"


class AlertWriter(Database):
    def open_alert(self, office: str, counter: str, question: str, opened_at: datetime,
                   window_from: datetime, n: int, low: int,
                   on_opened: OnOpened | None = None) -> int | None:
        """Record an alert unless the counter already has an open one; its id, or None."""
        with self._writer.begin() as conn:
            stmt = self._insert(t.alerts).values(
                office=office, counter=counter, question=question, opened_at=utc(opened_at),
                window_from=utc(window_from), window_to=utc(opened_at), n=n, low=low, note="")
            stmt = stmt.on_conflict_do_nothing(index_elements=["office", "counter"],
                                               index_where=t.alerts.c.closed_at.is_(None))
            row = conn.execute(stmt.returning(t.alerts.c.id)).first()
            if row is not None and on_opened is not None:
                alert = conn.execute(select(t.alerts).where(t.alerts.c.id == row[0])).mappings().one()
                try:  # a notification that cannot be queued must not cost the alert itself
                    with conn.begin_nested():
                        on_opened(conn, dict(alert))
                except Exception:
                    log.exception("the notifications of alert %s could not be queued", row[0])
        return int(row[0]) if row else None

    def acknowledge_alert(self, office: str, alert_id: int, when: datetime, note: str = "",
                          actor: Actor = Actor("api", "token")) -> bool:
        """Mark an open alert as seen and being handled; False when it is not open (or not
        this office's). Acknowledging again adds a note to the history."""
        a = t.alerts
        with self._writer.begin() as conn:
            found = conn.execute(select(a.c.acked_at).where(
                a.c.id == alert_id, a.c.office == office, a.c.closed_at.is_(None))).first()
            if found is None:
                return False
            if found[0] is None:
                conn.execute(update(a).where(a.c.id == alert_id).values(acked_at=utc(when)))
            self._event(conn, office, alert_id, "ack", actor, note, when)
        return True

    def close_alert(self, office: str, alert_id: int, when: datetime, note: str = "",
                    actor: Actor = Actor("api", "token")) -> bool:
        with self._writer.begin() as conn:
            done = conn.execute(update(t.alerts).where(
                t.alerts.c.id == alert_id, t.alerts.c.office == office,
                t.alerts.c.closed_at.is_(None)).values(closed_at=utc(when), note=note[:NOTE_MAX]))
            if done.rowcount:
                self._event(conn, office, alert_id, "close", actor, note, when)
        return bool(done.rowcount)

    @staticmethod
    def _event(conn: Connection, office: str, alert_id: int, action: str, actor: Actor,
               note: str, when: datetime) -> None:
        conn.execute(t.alert_events.insert().values(
            alert_id=alert_id, office=office, action=action, actor=actor.name[:64],
            actor_kind=actor.kind, note=note[:NOTE_MAX], at=utc(when)))
