"""Alerts in the database: one open alert per counter, opened by the rule and closed by a person."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from hub.store import tables as t
from hub.store.engine import Database, utc


class AlertWriter(Database):
    def open_alert(self, office: str, counter: str, question: str, opened_at: datetime,
                   window_from: datetime, n: int, low: int) -> int | None:
        """Record an alert unless the counter already has an open one; its id, or None."""
        with self._writer.begin() as conn:
            stmt = self._insert(t.alerts).values(
                office=office, counter=counter, question=question, opened_at=utc(opened_at),
                window_from=utc(window_from), window_to=utc(opened_at), n=n, low=low, note="")
            stmt = stmt.on_conflict_do_nothing(index_elements=["office", "counter"],
                                               index_where=t.alerts.c.closed_at.is_(None))
            row = conn.execute(stmt.returning(t.alerts.c.id)).first()
        return int(row[0]) if row else None

    def close_alert(self, office: str, alert_id: int, when: datetime, note: str = "") -> bool:
        with self._writer.begin() as conn:
            done = conn.execute(update(t.alerts).where(
                t.alerts.c.id == alert_id, t.alerts.c.office == office,
                t.alerts.c.closed_at.is_(None)).values(closed_at=utc(when), note=note[:2000]))
        return bool(done.rowcount)
