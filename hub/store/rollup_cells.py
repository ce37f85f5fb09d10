"""What a batch of newly stored responses adds to the daily rollups, worked out without a database.

The rollups count responses per cell (office × day × counter × officer × questionnaire ×
channel): how many, how many complete and flagged (``rollup_responses``), each rating
question's count, sum and 1–5 distribution (``rollup_ratings``), each choice's count
(``rollup_choices``). :func:`rollup_deltas` turns typed responses into those increments, so the
writer only has to apply each table's rows in one upsert, and tests can check the arithmetic
against hand-computed tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from hailong.contract import Response
from hub.store.tables import NO_OFFICER, NO_STAGE

# Flags a response may carry (hub/ingest/ingest.py) and the rollup column that counts each.
FLAG_COLUMNS = {"clock-skew": "skewed", "no-transaction": "ungated",
                "unknown-questionnaire": "unknown", "unknown-question": "unknown",
                "answer-type": "unknown"}
# The key of a rollup cell, in the order of the rollup tables' primary keys.
CELL_KEYS = ("office", "day", "counter", "officer", "questionnaire", "channel", "stage")
# The key of an integrity answer's count (hub/store/integrity.py): no counter, officer or stage.
INTEGRITY_KEYS = ("office", "day", "channel", "question", "answer")
COUNT_COLUMNS = ("n", "complete", "skewed", "ungated", "unknown")
RATING_COLUMNS = ("n", "total", "d1", "d2", "d3", "d4", "d5")

Cell = tuple[str, date, str, str, str, str, str]
# A response as the rollups see it: its cell, whether complete, its flag columns, its answers.
RollupItem = tuple[Cell, bool, Iterable[str], dict[str, Any]]


class Counted(Protocol):
    """A response the hub has just stored, with the day it counts under and its flags."""

    @property
    def response(self) -> Response: ...

    @property
    def day(self) -> date: ...

    @property
    def flags(self) -> tuple[str, ...]: ...

    @property
    def integrity(self) -> Mapping[str, str]: ...

    @property
    def channel(self) -> str: ...


@dataclass
class RollupCells:
    """Increments of the three rollup tables, by primary key."""

    responses: dict[Cell, list[int]] = field(default_factory=dict)  # COUNT_COLUMNS
    ratings: dict[tuple[Any, ...], list[int]] = field(default_factory=dict)  # RATING_COLUMNS
    choices: dict[tuple[Any, ...], int] = field(default_factory=dict)
    integrity: dict[tuple[Any, ...], int] = field(default_factory=dict)  # INTEGRITY_KEYS → n

    def add(self, items: Iterable[RollupItem], sign: int = 1) -> RollupCells:
        """Count ``items`` in (or, with ``sign`` -1, out of) their cells."""
        for cell, complete, flag_columns, answers in items:
            counts = self.responses.get(cell)
            if counts is None:
                counts = self.responses[cell] = [0, 0, 0, 0, 0]
            counts[0] += sign
            if complete:
                counts[1] += sign
            for column in flag_columns:
                counts[COUNT_COLUMNS.index(column)] += sign
            for question, answer in answers.items():
                # ``type(…) is int``: a yes/no answer sent as a JSON boolean is no 1–5 rating.
                if type(answer) is int:
                    rated: tuple[Any, ...] = (*cell, question)
                    acc = self.ratings.get(rated)
                    if acc is None:
                        acc = self.ratings[rated] = [0, 0, 0, 0, 0, 0, 0]
                    acc[0] += sign
                    acc[1] += sign * answer
                    acc[1 + answer] += sign
                elif isinstance(answer, list):
                    for choice in answer:
                        chosen: tuple[Any, ...] = (*cell, question, choice)
                        self.choices[chosen] = self.choices.get(chosen, 0) + sign
        return self

    def tables(self) -> list[tuple[str, list[tuple[Any, ...]]]]:
        """Each table with rows to add, its rows as (*key, *summed columns) tuples in key order
        (concurrent writers lock alike)."""
        found = []
        for name, cells in (("rollup_responses", self.responses), ("rollup_ratings", self.ratings),
                            ("rollup_choices", {k: [n] for k, n in self.choices.items()}),
                            ("integrity_counts", {k: [n] for k, n in self.integrity.items()})):
            if cells:
                found.append((name, [(*key, *values) for key, values in sorted(cells.items())]))
        return found

    def response_rows(self) -> list[dict[str, Any]]:
        """``rollup_responses`` rows to add, in key order (concurrent writers lock alike)."""
        return [{**dict(zip(CELL_KEYS, key, strict=True)),
                 **dict(zip(COUNT_COLUMNS, counts, strict=True))}
                for key, counts in sorted(self.responses.items())]

    def rating_rows(self) -> list[dict[str, Any]]:
        return [{**dict(zip((*CELL_KEYS, "question"), key, strict=True)),
                 **dict(zip(RATING_COLUMNS, acc, strict=True))}
                for key, acc in sorted(self.ratings.items())]

    def choice_rows(self) -> list[dict[str, Any]]:
        return [{**dict(zip((*CELL_KEYS, "question", "choice"), key, strict=True)), "n": n}
                for key, n in sorted(self.choices.items())]


def rollup_item(counted: Counted) -> RollupItem:
    """A kiosk response's cell, completeness, flag columns and answers."""
    r = counted.response
    return ((r.office, counted.day, r.counter, r.officer or NO_OFFICER, r.questionnaire,
             counted.channel, r.stage or NO_STAGE), r.complete,
            {FLAG_COLUMNS[f] for f in counted.flags if f in FLAG_COLUMNS}, r.answers)


def rollup_deltas(responses: Iterable[Counted]) -> RollupCells:
    """What newly stored kiosk responses add to the rollups and the integrity counts (a
    duplicate must not be passed: the writer counts only what its transaction inserted)."""
    cells = RollupCells()
    items = []
    for counted in responses:
        items.append(rollup_item(counted))
        for question, answer in counted.integrity.items():
            key = (counted.response.office, counted.day, counted.channel, question, answer)
            cells.integrity[key] = cells.integrity.get(key, 0) + 1
    return cells.add(items)
