"""The registry in the database: the roster's offices, kiosks, counters and officers, and the
dossier counts (the response rate's denominator)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import delete, update

from hub.roster import Roster
from hub.store import tables as t
from hub.store.engine import Database


class RegistryWriter(Database):
    def apply_roster(self, roster: Roster) -> None:
        """Mark what the roster lists as registered (with its names), and what it no longer
        lists as unregistered; nothing seen on the wire is ever deleted."""
        with self._writer.begin() as conn:
            conn.execute(update(t.offices).values(registered=False))
            for office in roster.offices:
                values = {"name": office.name, "province": office.province,
                          "timezone": office.timezone, "kind": office.kind, "registered": True,
                          "gating": office.gating}
                stmt = self._insert(t.offices).values(id=office.id, **values)
                conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))
            conn.execute(update(t.kiosks).values(registered=False))
            for kiosk in roster.kiosks:
                values = {"registered": True, "counter": kiosk.counter}
                stmt = self._insert(t.kiosks).values(office=kiosk.office, kiosk=kiosk.id, **values)
                conn.execute(stmt.on_conflict_do_update(index_elements=["office", "kiosk"],
                                                        set_=values))
            for table, entries, key in ((t.counters, roster.counters, "label"),
                                        (t.officers, roster.officers, "code")):
                conn.execute(delete(table))
                if entries:
                    conn.execute(table.insert(), [
                        {"office": e.office, key: getattr(e, key), "name": e.name,
                         "registered": True} for e in entries])

    def set_dossier_counts(self, counts: Sequence[tuple[str, date, int]]) -> int:
        """Record dossiers received per office and day (a later figure replaces an earlier)."""
        if not counts:
            return 0
        rows = [{"office": o, "day": d, "count": c} for o, d, c in sorted(set(counts))]
        with self._writer.begin() as conn:
            stmt = self._insert(t.dossier_counts)
            conn.execute(stmt.on_conflict_do_update(index_elements=["office", "day"],
                                                    set_={"count": stmt.excluded["count"]}), rows)
        return len(rows)
