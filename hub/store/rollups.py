"""The daily rollups: responses added to (or taken from) the sums of their cells, by upsert.

Rows are the truth; the ``rollup_*`` tables are updated in the same transaction as the rows, so
scores read from them never disagree with the rows (hub/store/tables.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Connection

from hub.store import tables as t
from hub.store.engine import Database

# Flags a response may carry (hub/ingest/ingest.py) and the rollup column that counts each.
FLAG_COLUMNS = {"clock-skew": "skewed", "no-transaction": "ungated",
                "unknown-questionnaire": "unknown", "unknown-question": "unknown",
                "answer-type": "unknown"}
# The key of a rollup cell, in the order of the rollup tables' primary keys.
CELL_KEYS = ("office", "day", "counter", "officer", "questionnaire", "channel", "stage")
# A response as the rollups see it: its cell, whether complete, its flag columns, its answers.
RollupItem = tuple[tuple[Any, ...], bool, set[str], dict[str, Any]]


class RollupWriter(Database):
    def _add_rollups(self, conn: Connection, items: Iterable[RollupItem], sign: int = 1) -> None:
        """Add (or, with ``sign`` -1, take away) responses to the daily rollups of their cells."""
        counts: dict[tuple[Any, ...], dict[str, int]] = defaultdict(
            lambda: {"n": 0, "complete": 0, "skewed": 0, "ungated": 0, "unknown": 0})
        ratings: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * 7)
        choices: dict[tuple[Any, ...], int] = defaultdict(int)
        for cell, complete, flag_columns, answers in items:
            count = counts[cell]
            count["n"] += sign
            count["complete"] += sign if complete else 0
            for column in flag_columns:
                count[column] += sign
            for question, answer in answers.items():
                if isinstance(answer, int):
                    acc = ratings[(*cell, question)]
                    acc[0] += sign
                    acc[1] += sign * answer
                    acc[1 + answer] += sign
                else:
                    for choice in answer:
                        choices[(*cell, question, choice)] += sign
        summed = ("n", "complete", "skewed", "ungated", "unknown")
        self._upsert_add(conn, t.rollup_responses, [
            {**dict(zip(CELL_KEYS, key, strict=True)), **v} for key, v in sorted(counts.items())],
            summed)
        if ratings:
            self._upsert_add(conn, t.rollup_ratings, [
                {**dict(zip((*CELL_KEYS, "question"), key, strict=True)), "n": v[0], "total": v[1],
                 "d1": v[2], "d2": v[3], "d3": v[4], "d4": v[5], "d5": v[6]}
                for key, v in sorted(ratings.items())], ("n", "total", "d1", "d2", "d3", "d4", "d5"))
        if choices:
            self._upsert_add(conn, t.rollup_choices, [
                {**dict(zip((*CELL_KEYS, "question", "choice"), key, strict=True)), "n": n}
                for key, n in sorted(choices.items())], ("n",))

    def _upsert_add(self, conn: Connection, table: Any, rows: list[dict[str, Any]],
                    summed: Iterable[str]) -> None:
        stmt = self._insert(table)
        keys = [c.name for c in table.primary_key.columns]
        stmt = stmt.on_conflict_do_update(
            index_elements=keys,
            set_={name: table.c[name] + stmt.excluded[name] for name in summed})
        conn.execute(stmt, rows)
