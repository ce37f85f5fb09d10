"""The daily rollups: the cells a batch adds (or takes away) applied by one upsert per table.

Rows are the truth; the ``rollup_*`` tables are updated in the same transaction as the rows, so
scores read from them never disagree with the rows (hub/store/tables.py). What each cell gains
is worked out without a database (hub/store/rollup_cells.py); this module only applies it.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sqlalchemy.engine import Connection

from hub.store.engine import Database
from hub.store.rollup_cells import (
    CELL_KEYS,
    COUNT_COLUMNS,
    INTEGRITY_KEYS,
    RATING_COLUMNS,
    RollupCells,
    RollupItem,
)

# Each counting table's key columns (in primary-key order) and the columns an upsert adds to.
_COLUMNS = {"rollup_responses": (CELL_KEYS, COUNT_COLUMNS),
            "rollup_ratings": ((*CELL_KEYS, "question"), RATING_COLUMNS),
            "rollup_choices": ((*CELL_KEYS, "question", "choice"), ("n",)),
            "integrity_counts": (INTEGRITY_KEYS, ("n",))}


@cache
def upsert_sql(table: str, placeholder: str) -> str:
    """``INSERT … ON CONFLICT (key) DO UPDATE SET column = column + excluded.column`` for one
    counting table, in the driver's own placeholder style (SQLite and PostgreSQL say it alike)."""
    keys, summed = _COLUMNS[table]
    columns = ", ".join((*keys, *summed))
    values = ", ".join([placeholder] * (len(keys) + len(summed)))
    added = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in summed)
    return (f"INSERT INTO {table} ({columns}) VALUES ({values}) "
            f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {added}")


class RollupWriter(Database):
    def _add_rollups(self, conn: Connection, items: Iterable[RollupItem], sign: int = 1) -> None:
        """Add (or, with ``sign`` -1, take away) responses to the daily rollups of their cells."""
        self._apply_cells(conn, RollupCells().add(items, sign))

    def _apply_cells(self, conn: Connection, cells: RollupCells) -> None:
        """One executemany upsert per table, straight to the driver (psycopg pipelines it):
        SQLAlchemy's per-row parameter processing cost more than the upsert itself."""
        sqlite = self.dialect == "sqlite"
        for table, rows in cells.tables():
            if sqlite:  # SQLite keeps a Date as ISO text, as SQLAlchemy writes it
                rows = [(row[0], row[1].isoformat(), *row[2:]) for row in rows]
            conn.exec_driver_sql(upsert_sql(table, "?" if sqlite else "%s"), rows)
