"""Fault: a database made by the first hub release (revision 0001), full of a day's data, upgraded.

A day of responses (several kiosks, counters and officers, flags, seq gaps, duplicates,
conflicts and malformed messages) is written by today's hub into a reference database at head.
The same data, in the columns revision 0001 had, is put into a database at 0001, as the hub of
that release left it. Upgraded to head, that database must score exactly as before and as the
reference: the same scores, breakdowns, credibility flags and kiosks, nothing lost.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import MetaData, func, select, text

from hailong.questionnaire import load_catalog
from hub.scores.documents import Documents
from hub.settings import CredibilitySection
from hub.store import Rejection, Store, alembic_config, head_revision
from tests.support.hubdata import accepted, response
from tests.support.pgcluster import PostgresCluster

DAY = date(2026, 11, 23)
VN = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICES = ("ubnd-a", "ubnd-b")
MORNING = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 08:00 office time


def a_day_of_data(store: Store, seed: int = 23) -> None:
    """What a busy office pair sends in a day, written by today's hub (it files the rollups,
    kiosks and seq gaps as it always does)."""
    rng = random.Random(seed)
    documents = []
    for office in OFFICES:
        for kiosk in ("k01", "k02", "k03"):
            seqs = [s for s in range(1, 61) if rng.random() > 0.08]  # a few never arrived
            for seq in seqs:
                answers: dict[str, Any] = {"overall": rng.choice((1, 2, 3, 4, 4, 5, 5, 5))}
                if answers["overall"] <= 3:
                    answers["reasons"] = rng.sample(["wait", "impolite", "facilities"], 2)
                for question in ("access", "procedure", "officer", "result"):
                    if rng.random() < 0.8:
                        answers[question] = rng.randint(1, 5)
                if rng.random() < 0.05:
                    answers["mystery"] = 3  # an answer to a question the hub does not know
                documents.append(response(
                    office, kiosk, seq, answers=answers, counter=kiosk[-1],
                    officer=rng.choice([None, "cb-01", "cb-02"]),
                    at=MORNING + timedelta(minutes=seq * 8 + rng.randint(0, 5)),
                    complete=rng.random() > 0.1))
    batches = [documents[i:i + 37] for i in range(0, len(documents), 37)]
    for batch in batches:
        items = [accepted(d, day=DAY, flags=_flags(d, rng)) for d in batch]
        store.write_batch(items, [])
    resent = rng.sample(documents, 20)  # resends: stored once
    conflicting = [{**d, "answers": {"overall": 1}} for d in rng.sample(documents, 5)]
    store.write_batch([accepted(d, day=DAY) for d in [*resent, *conflicting]], [
        Rejection(f"hailong/v1/{office}/k0{n % 3 + 1}/response", "not JSON", b"{", MORNING)
        for n, office in enumerate(OFFICES * 4)])


def _flags(document: dict[str, Any], rng: random.Random) -> tuple[str, ...]:
    flags = ["unknown-question"] if "mystery" in document["answers"] else []
    if rng.random() < 0.04:
        flags.append("clock-skew")
    return tuple(flags)


def as_at_first_release(reference: Store, url: str) -> Store:
    """A database at revision 0001 holding the reference's data in the columns 0001 had."""
    old = Store(url)
    with old.engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0001")
    shape, source = MetaData(), MetaData()
    with old.engine.begin() as conn, reference.engine.connect() as ref:
        shape.reflect(bind=conn)
        source.reflect(bind=ref)
        for name, table in shape.tables.items():
            if name == "alembic_version":
                continue
            # Ids of the rejected list are the database's own (a serial on PostgreSQL).
            columns = [c.name for c in table.columns if not (name == "rejected" and c.name == "id")]
            rows = [dict(r._mapping) for r in ref.execute(
                select(*(source.tables[name].c[c] for c in columns)))]
            if rows:
                conn.execute(table.insert(), rows)
    assert old.current_revision() == "0001"
    return old


def ratings_by_question(store: Store) -> dict[tuple[str, str], tuple[int, ...]]:
    """The rating rollups summed per office and question, read with plain SQL (any revision)."""
    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT office, question, SUM(n), SUM(total), SUM(d1), SUM(d2), SUM(d3), SUM(d4), "
            "SUM(d5) FROM rollup_ratings GROUP BY office, question"))
        return {(r[0], r[1]): tuple(int(v) for v in r[2:]) for r in rows}


def what_the_hub_shows(store: Store) -> dict[str, Any]:
    documents = Documents(store.read, lambda office: VN, load_catalog(), 5, CredibilitySection(),
                          clock=lambda: MORNING + timedelta(hours=10))
    shown: dict[str, Any] = {}
    for office in OFFICES:
        shown[office] = {
            "scores": documents.scores(office, DAY, DAY),
            **{f"by {by}": documents.breakdown(office, DAY, DAY, by)
               for by in ("counter", "officer", "question", "stage")},
            "flags": documents.flags(office, DAY, DAY),
            "kiosks": documents.kiosks(office),
            "rejected": store.read.rejected(100)[0],
        }
    with store.engine.connect() as conn:
        shown["rows"] = conn.execute(text("SELECT COUNT(*), COUNT(DISTINCT id) FROM responses")).one()
    return shown


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_urls(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'reference.db'}", f"sqlite:///{tmp_path / 'old.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.create_database(), cluster.create_database()


def test_a_first_release_database_full_of_a_day_upgrades_to_the_same_scores(
        two_urls: tuple[str, str]) -> None:
    reference = Store(two_urls[0])
    reference.upgrade()
    a_day_of_data(reference)
    old = as_at_first_release(reference, two_urls[1])
    before = ratings_by_question(old)
    with old.engine.connect() as conn:
        rows_before = conn.execute(select(func.count()).select_from(text("responses"))).scalar_one()
    assert before == ratings_by_question(reference) and rows_before > 300

    old.upgrade()
    assert old.current_revision() == head_revision()
    old.check_schema()
    assert ratings_by_question(old) == before
    upgraded, expected = what_the_hub_shows(old), what_the_hub_shows(reference)
    for office in OFFICES:
        assert sum(k["missing"] for k in expected[office]["kiosks"]["kiosks"]) > 0  # seq gaps
        assert expected[office]["flags"]["clock_skew"]["responses"] > 0
        for name, document in expected[office].items():
            assert upgraded[office][name] == document, f"{office}: {name} changed in the upgrade"
    assert upgraded["rows"] == expected["rows"]
    reference.close()
    old.close()
