"""Actions in the database: an office's plan, added and updated by its heads and the admins."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from hub.store import tables as t
from hub.store.engine import Database, utc


class ActionWriter(Database):
    def add_action(self, office: str, values: dict[str, Any], who: str, when: datetime) -> int:
        """Record a new action (``values`` checked by hub/scores/actions.py); its id."""
        moment = utc(when)
        with self._writer.begin() as conn:
            row = conn.execute(t.actions.insert().values(
                office=office, **values, created_at=moment, created_by=who, updated_at=moment,
                updated_by=who, done_at=moment if values.get("status") == "done" else None)
                .returning(t.actions.c.id)).first()
        assert row is not None
        return int(row[0])

    def update_action(self, office: str, action_id: int, values: dict[str, Any], who: str,
                      when: datetime) -> bool:
        """Change an action of this office; moving it to done stamps ``done_at``, moving it
        away from done clears it. False when the office has no such action."""
        moment = utc(when)
        a = t.actions
        with self._writer.begin() as conn:
            old = conn.execute(select(a.c.status).where(a.c.id == action_id,
                                                        a.c.office == office)).first()
            if old is None:
                return False
            changes: dict[str, Any] = {**values, "updated_at": moment, "updated_by": who}
            status = values.get("status", old[0])
            if status == "done" and old[0] != "done":
                changes["done_at"] = moment
            elif status != "done":
                changes["done_at"] = None
            conn.execute(update(a).where(a.c.id == action_id).values(**changes))
        return True

