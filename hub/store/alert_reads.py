"""Reads of alerts, their history and their notifications: the alerts page, the API, the rule's
restart after a close, and the notification queue's health."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from hub.store import tables as t
from hub.store.moments import utc

# An e-mail address inside a server's answer: /healthz is open to anyone, addresses are not.
ADDRESS = re.compile(r"[^\s<>@'\"]+@[^\s<>@'\"]+")
# Alert states a reader may ask for: "open" counts acknowledged ones too (they still block a
# new alert at the counter); "acknowledged" is the open ones somebody has taken in hand.
ALERT_STATES = ("open", "acknowledged", "closed", "all")


class AlertReads:
    engine: Engine

    def _all(self, query: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(row) for row in conn.execute(query).mappings()]

    def alerts(self, office: str, state: str, limit: int, counter: str | None = None,
               kind: str | None = None, since: datetime | None = None,
               until: datetime | None = None) -> list[dict[str, Any]]:
        """An office's alerts, newest first, filtered by state, counter, kind (the question the
        rule watched) and opening time (``since`` included, ``until`` excluded)."""
        a = t.alerts
        query = select(a).where(a.c.office == office)
        if state == "open":
            query = query.where(a.c.closed_at.is_(None))
        elif state == "acknowledged":
            query = query.where(a.c.closed_at.is_(None), a.c.acked_at.is_not(None))
        elif state == "closed":
            query = query.where(a.c.closed_at.is_not(None))
        if counter is not None:
            query = query.where(a.c.counter == counter)
        if kind is not None:
            query = query.where(a.c.question == kind)
        if since is not None:
            query = query.where(a.c.opened_at >= utc(since))
        if until is not None:
            query = query.where(a.c.opened_at < utc(until))
        return self._all(query.order_by(a.c.opened_at.desc(), a.c.id.desc()).limit(limit))

    def alert(self, alert_id: int) -> dict[str, Any]:
        return self._all(select(t.alerts).where(t.alerts.c.id == alert_id))[0]

    def alert_events(self, alert_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        """The history (acknowledgements, closing) of each alert, oldest first."""
        ids = sorted(set(alert_ids))
        found: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
        if not ids:
            return found
        e = t.alert_events
        for row in self._all(select(e).where(e.c.alert_id.in_(ids)).order_by(e.c.at, e.c.id)):
            found[row["alert_id"]].append(row)
        return found

    def alert_facets(self, office: str) -> dict[str, list[str]]:
        """The counters and kinds an office's alerts have had (the page's filter choices)."""
        a = t.alerts
        with self.engine.connect() as conn:
            counters = conn.execute(select(a.c.counter).where(a.c.office == office)
                                    .distinct().order_by(a.c.counter)).scalars().all()
            kinds = conn.execute(select(a.c.question).where(a.c.office == office)
                                 .distinct().order_by(a.c.question)).scalars().all()
        return {"counters": list(counters), "kinds": list(kinds)}

    def last_closed(self, office: str, since: datetime) -> dict[str, datetime]:
        """Per counter, the latest close of an alert after ``since``: the rule's window of that
        counter restarts there (docs/dashboard.md)."""
        a = t.alerts
        rows = self._all(select(a.c.counter, func.max(a.c.closed_at).label("closed_at"))
                         .where(a.c.office == office, a.c.closed_at >= utc(since))
                         .group_by(a.c.counter))
        return {row["counter"]: utc(row["closed_at"]) for row in rows if row["closed_at"]}

    # -- notifications ----------------------------------------------------------------------
    def notify_due(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        o = t.notify_outbox
        return self._all(select(o).where(o.c.state == "pending", o.c.next_at <= utc(now))
                         .order_by(o.c.next_at, o.c.id).limit(limit))

    def notify_next_due(self) -> datetime | None:
        o = t.notify_outbox
        with self.engine.connect() as conn:
            found = conn.execute(select(func.min(o.c.next_at))
                                 .where(o.c.state == "pending")).scalar()
        return utc(found) if found is not None else None

    def notify_troubles(self, office: str, limit: int) -> list[dict[str, Any]]:
        """An office's notifications that failed at least once and are not sent: retrying or
        given up, newest first."""
        o = t.notify_outbox
        return self._all(select(o).where(o.c.office == office, o.c.attempts > 0,
                                         o.c.state.in_(("pending", "failed")))
                         .order_by(o.c.created_at.desc(), o.c.id.desc()).limit(limit))

    def notify_summary(self) -> dict[str, Any]:
        """Counts per state, and the newest error of a notification not yet sent."""
        o = t.notify_outbox
        with self.engine.connect() as conn:
            counts: dict[str, int] = dict(conn.execute(  # type: ignore[arg-type]
                select(o.c.state, func.count()).group_by(o.c.state)).all())
            retrying = conn.execute(select(func.count()).where(
                o.c.state == "pending", o.c.attempts > 0)).scalar_one()
            last = conn.execute(select(o.c.last_error, o.c.channel).where(
                o.c.state.in_(("pending", "failed")), o.c.attempts > 0)
                .order_by(o.c.next_at.desc(), o.c.id.desc()).limit(1)).first()
        return {"pending": int(counts.get("pending", 0)), "retrying": int(retrying),
                "failed": int(counts.get("failed", 0)), "sent": int(counts.get("sent", 0)),
                "folded": int(counts.get("folded", 0)),
                "last_error": f"{last[1]}: {ADDRESS.sub('…@…', last[0])}" if last else None}
