"""Rollup increments of a batch, as a pure function: a hand-computed table, then the store's own
rollup tables on a real SQLite file for a few hundred generated responses."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import select

from hailong.contract import Response
from hub.store import Store
from hub.store import tables as t
from hub.store.rollup_cells import rollup_deltas
from tests.support.hubdata import NOW, accepted, response

D1, D2 = date(2026, 11, 22), date(2026, 11, 23)


@dataclass(frozen=True)
class Stored:
    response: Response
    day: date
    flags: tuple[str, ...] = ()
    integrity: dict[str, str] = field(default_factory=dict)
    channel: str = "kiosk"


def stored(document: dict[str, Any], day: date, flags: tuple[str, ...] = (),
           integrity: dict[str, str] | None = None) -> Stored:
    return Stored(msgspec.convert(document, Response), day, flags, integrity or {})


def test_a_batch_adds_what_was_counted_by_hand() -> None:
    cells = rollup_deltas([
        stored(response(counter="1", answers={"overall": 5, "officer": 4}), D2,
               integrity={"integrity-payment": "no"}),
        stored(response(counter="1", answers={"overall": 2, "reasons": ["wait", "impolite"]},
                        complete=False), D2, ("clock-skew",)),
        stored(response(counter="1", officer="cb-7", answers={"overall": 2,
                                                               "reasons": ["wait"]}), D2,
               ("unknown-questionnaire", "unknown-question", "no-transaction")),
        stored({**response(counter="2", answers={}), "stage": "result"}, D1),
    ])
    a = ("ubnd-a", D2, "1", "", "sipas@1", "kiosk", "")
    officer = ("ubnd-a", D2, "1", "cb-7", "sipas@1", "kiosk", "")
    other = ("ubnd-a", D1, "2", "", "sipas@1", "kiosk", "result")
    #                       n  complete skewed ungated unknown
    assert cells.responses == {a: [2, 1, 1, 0, 0],
                               officer: [1, 1, 0, 1, 1],  # two unknown-… flags count once
                               other: [1, 1, 0, 0, 0]}
    #                                   n  total d1 d2 d3 d4 d5
    assert cells.ratings == {(*a, "overall"): [2, 7, 0, 1, 0, 0, 1],
                             (*a, "officer"): [1, 4, 0, 0, 0, 1, 0],
                             (*officer, "overall"): [1, 2, 0, 1, 0, 0, 0]}
    assert cells.choices == {(*a, "reasons", "wait"): 1, (*a, "reasons", "impolite"): 1,
                             (*officer, "reasons", "wait"): 1}
    # integrity answers: counted per office, day and channel only, never in a response's cell
    assert cells.integrity == {("ubnd-a", D2, "kiosk", "integrity-payment", "no"): 1}
    rows = cells.response_rows()
    assert [row["day"] for row in rows] == [D1, D2, D2]  # key order: how writers lock rows
    assert rows[0] == {"office": "ubnd-a", "day": D1, "counter": "2", "officer": "",
                       "questionnaire": "sipas@1", "channel": "kiosk", "stage": "result",
                       "n": 1, "complete": 1,
                       "skewed": 0, "ungated": 0, "unknown": 0}
    assert cells.rating_rows()[0] == {**{k: v for k, v in rows[1].items() if k in (
        "office", "day", "counter", "officer", "questionnaire", "channel", "stage")},
        "question": "officer", "n": 1, "total": 4, "d1": 0, "d2": 0, "d3": 0, "d4": 1, "d5": 0}


def generated(rng: random.Random, count: int) -> list[tuple[dict[str, Any], date, tuple[str, ...]]]:
    batch = []
    for seq in range(1, count + 1):
        answers: dict[str, Any] = {"overall": rng.randint(1, 5)}
        if rng.random() < 0.5:
            answers["reasons"] = rng.sample(["wait", "impolite", "facilities"], rng.randint(0, 2))
        if rng.random() < 0.7:
            answers["access"] = rng.randint(1, 5)
        if rng.random() < 0.3:
            answers["needs"] = rng.sample(["shorter-wait", "online-filing"], 2)
        document = response(office=rng.choice(["ubnd-a", "ubnd-b"]), kiosk="k01", seq=seq,
                            counter=rng.choice(["1", "2"]), officer=rng.choice([None, "cb-1"]),
                            questionnaire=rng.choice(["sipas@1", "sipas@2", "other@1"]),
                            complete=rng.random() < 0.9, answers=answers,
                            at=NOW - timedelta(days=rng.randint(0, 2)))
        flags = tuple(rng.sample(["clock-skew", "no-transaction", "answer-type"],
                                 rng.randint(0, 2)))
        batch.append((document, NOW.date() - timedelta(days=rng.randint(0, 2)), flags))
    return batch


def rows(store: Store, table: Any) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        return [dict(row) for row in conn.execute(
            select(table).order_by(*table.primary_key.columns)).mappings()]


def test_the_deltas_equal_what_the_store_writes_today(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'hub.db'}")
    store.upgrade()
    batch = generated(random.Random(3), 400)
    for start in (0, 150):  # two batches into one database: their increments add up
        part = batch[start:start + 150] if start == 0 else batch[150:]
        store.write_batch([accepted(doc, day, flags) for doc, day, flags in part], [])
    cells = rollup_deltas(stored(doc, day, flags) for doc, day, flags in batch)
    assert rows(store, t.rollup_responses) == cells.response_rows()
    assert rows(store, t.rollup_ratings) == cells.rating_rows()
    assert rows(store, t.rollup_choices) == cells.choice_rows()
    assert sum(row["n"] for row in cells.response_rows()) == 400
    store.close()
