"""The hub's storage: writes each batch of responses exactly once, with its rollups, in one transaction.

SQLite (WAL) by default, PostgreSQL at scale; the schema is managed by Alembic. The only
module that writes the hub's tables.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from hailong.contract import MAX_KEPT_PAYLOAD
from hub import tables as t
from hub.roster import Roster

Outcome = Literal["stored", "duplicate", "conflict"]
# SQLite caps bound parameters per statement; 500 ids per IN (...) stays well below it.
CHUNK = 500


@dataclass(frozen=True, slots=True)
class Accepted:
    """A response that passed validation, with what the hub derived from it."""

    topic: str
    payload: bytes
    document: dict[str, Any]
    digest: str
    received_at: datetime
    day: date
    flags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rejection:
    topic: str
    reason: str
    payload: bytes
    received_at: datetime
    response_id: str | None = None


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    office: str
    kiosk: str
    document: dict[str, Any]
    received_at: datetime


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)  # one per accepted, in order
    offices: set[str] = field(default_factory=set)


def utc(moment: datetime) -> datetime:
    """Aware UTC; SQLite hands back naive datetimes, which the hub always wrote as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: a batch is on disk before its acks go out, even across a power cut.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "hub:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


class SchemaOutOfDate(RuntimeError):
    pass


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        self._insert = postgresql.insert if self.dialect == "postgresql" else sqlite.insert

    def close(self) -> None:
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------------------
    def upgrade(self) -> None:
        with self.engine.begin() as conn:
            command.upgrade(alembic_config(conn), "head")

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def check_schema(self) -> None:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        current = self.current_revision()
        if current != head:
            raise SchemaOutOfDate(
                f"the database schema is at {current or 'nothing'}, the hub needs {head}: run "
                "`hailong hub db upgrade`")

    # -- roster ---------------------------------------------------------------------------
    def apply_roster(self, roster: Roster) -> None:
        with self.engine.begin() as conn:
            for office in roster.offices:
                values = {"name": office.name, "province": office.province,
                          "timezone": office.timezone, "kind": office.kind, "registered": True}
                stmt = self._insert(t.offices).values(id=office.id, **values)
                conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=values))
            for kiosk in roster.kiosks:
                values = {"registered": True, "counter": kiosk.counter}
                stmt = self._insert(t.kiosks).values(office=kiosk.office, kiosk=kiosk.id, **values)
                conn.execute(stmt.on_conflict_do_update(index_elements=["office", "kiosk"],
                                                        set_=values))

    # -- writing --------------------------------------------------------------------------
    def write_batch(self, accepted: Sequence[Accepted], rejections: Sequence[Rejection],
                    statuses: Sequence[StatusUpdate] = ()) -> BatchResult:
        """Store new responses with their rollups, record rejections and statuses; one commit."""
        result = BatchResult()
        with self.engine.begin() as conn:
            known = self._existing_digests(conn, [a.document["id"] for a in accepted])
            fresh: list[Accepted] = []
            conflicts: list[Rejection] = []
            for item in accepted:
                rid = item.document["id"]
                if rid in known:
                    if known[rid] == item.digest:
                        result.outcomes.append("duplicate")
                    else:
                        result.outcomes.append("conflict")
                        conflicts.append(Rejection(
                            topic=item.topic, payload=item.payload,
                            reason="conflict: this id is already stored with other content; the "
                            "first one is kept", received_at=item.received_at, response_id=rid))
                    continue
                known[rid] = item.digest
                result.outcomes.append("stored")
                fresh.append(item)
            if fresh:
                self._insert_responses(conn, fresh)
                self._update_rollups(conn, fresh)
                self._update_kiosks_from_responses(conn, fresh)
            offices = {a.document["office"]: a.received_at for a in accepted}
            offices.update({s.office: s.received_at for s in statuses})
            if offices:
                self._note_offices(conn, offices)
            if statuses:
                self._apply_statuses(conn, statuses)
            all_rejections = [*rejections, *conflicts]
            if all_rejections:
                conn.execute(t.rejected.insert(), [{
                    "received_at": utc(r.received_at), "topic": r.topic[:1000],
                    "reason": r.reason[:2000], "payload": r.payload[:MAX_KEPT_PAYLOAD],
                    "truncated": len(r.payload) > MAX_KEPT_PAYLOAD, "response_id": r.response_id,
                } for r in all_rejections])
            result.offices = {a.document["office"] for a in fresh}
        return result

    def record_rejections(self, rejections: Sequence[Rejection]) -> None:
        if rejections:
            self.write_batch((), rejections)

    def _existing_digests(self, conn: Connection, ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start:start + CHUNK]
            rows = conn.execute(select(t.responses.c.id, t.responses.c.digest)
                                .where(t.responses.c.id.in_(chunk)))
            found.update({row.id: row.digest for row in rows})
        return found

    def _insert_responses(self, conn: Connection, fresh: Sequence[Accepted]) -> None:
        rows = []
        for item in fresh:
            doc = item.document
            receipt = doc["receipt"] or {}
            rows.append({
                "id": doc["id"], "office": doc["office"], "kiosk": doc["kiosk"],
                "seq": doc["seq"], "counter": doc["counter"],
                "officer": doc["officer"] or t.NO_OFFICER, "trigger": doc["trigger"],
                "questionnaire": doc["questionnaire"], "lang": doc["lang"],
                "started_at": utc(datetime.fromisoformat(doc["started_at"])),
                "submitted_at": utc(datetime.fromisoformat(doc["submitted_at"])),
                "received_at": utc(item.received_at), "day": item.day,
                "complete": doc["complete"], "receipt_h": receipt.get("h"),
                "receipt_unit": receipt.get("unit"),
                "receipt_date": date.fromisoformat(receipt["date"]) if receipt.get("date") else None,
                "answers": json.dumps(doc["answers"], separators=(",", ":")),
                "digest": item.digest, "flags": ",".join(item.flags),
            })
        conn.execute(t.responses.insert(), rows)

    def _update_rollups(self, conn: Connection, fresh: Sequence[Accepted]) -> None:
        counts: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
        ratings: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0] * 7)
        choices: dict[tuple[Any, ...], int] = defaultdict(int)
        for item in fresh:
            doc = item.document
            cell = (doc["office"], item.day, doc["counter"], doc["officer"] or t.NO_OFFICER,
                    doc["questionnaire"])
            count = counts[cell]
            count[0] += 1
            count[1] += 1 if doc["complete"] else 0
            for question, answer in doc["answers"].items():
                if isinstance(answer, int):
                    acc = ratings[(*cell, question)]
                    acc[0] += 1
                    acc[1] += answer
                    acc[1 + answer] += 1
                else:
                    for choice in answer:
                        choices[(*cell, question, choice)] += 1
        cell_keys = ("office", "day", "counter", "officer", "questionnaire")
        self._upsert_add(conn, t.rollup_responses, [
            {**dict(zip(cell_keys, key, strict=True)), "n": v[0], "complete": v[1]}
            for key, v in counts.items()], ("n", "complete"))
        if ratings:
            self._upsert_add(conn, t.rollup_ratings, [
                {**dict(zip((*cell_keys, "question"), key, strict=True)), "n": v[0], "total": v[1],
                 "d1": v[2], "d2": v[3], "d3": v[4], "d4": v[5], "d5": v[6]}
                for key, v in ratings.items()], ("n", "total", "d1", "d2", "d3", "d4", "d5"))
        if choices:
            self._upsert_add(conn, t.rollup_choices, [
                {**dict(zip((*cell_keys, "question", "choice"), key, strict=True)), "n": n}
                for key, n in choices.items()], ("n",))

    def _upsert_add(self, conn: Connection, table: Any, rows: list[dict[str, Any]],
                    summed: Iterable[str]) -> None:
        stmt = self._insert(table)
        keys = [c.name for c in table.primary_key.columns]
        stmt = stmt.on_conflict_do_update(
            index_elements=keys,
            set_={name: table.c[name] + stmt.excluded[name] for name in summed})
        conn.execute(stmt, rows)

    def _update_kiosks_from_responses(self, conn: Connection, fresh: Sequence[Accepted]) -> None:
        per_kiosk: dict[tuple[str, str], dict[str, Any]] = {}
        for item in fresh:
            doc = item.document
            key = (doc["office"], doc["kiosk"])
            entry = per_kiosk.setdefault(key, {"max_seq": 0, "received": 0, "seen": item.received_at,
                                               "counter": doc["counter"]})
            entry["max_seq"] = max(entry["max_seq"], doc["seq"])
            entry["received"] += 1
            entry["seen"] = max(entry["seen"], item.received_at)
        stmt = self._insert(t.kiosks)
        stmt = stmt.on_conflict_do_update(index_elements=["office", "kiosk"], set_={
            "max_seq": func.max(t.kiosks.c.max_seq, stmt.excluded.max_seq)
            if self.dialect == "sqlite" else func.greatest(t.kiosks.c.max_seq, stmt.excluded.max_seq),
            "received": t.kiosks.c.received + stmt.excluded.received,
            "last_seen": stmt.excluded.last_seen,
        })
        conn.execute(stmt, [{
            "office": office, "kiosk": kiosk, "max_seq": e["max_seq"], "received": e["received"],
            "first_seen": utc(e["seen"]), "last_seen": utc(e["seen"]), "counter": e["counter"],
            "registered": False, "state": "unknown", "version": "", "questionnaire": "",
            "outbox": 0, "scanner": "",
        } for (office, kiosk), e in per_kiosk.items()])

    def _note_offices(self, conn: Connection, offices: dict[str, datetime]) -> None:
        stmt = self._insert(t.offices).on_conflict_do_nothing(index_elements=["id"])
        conn.execute(stmt, [{"id": office, "name": "", "province": "", "timezone": "",
                             "kind": "admin", "registered": False, "first_seen": utc(seen)}
                            for office, seen in offices.items()])

    def _apply_statuses(self, conn: Connection, statuses: Sequence[StatusUpdate]) -> None:
        latest: dict[tuple[str, str], StatusUpdate] = {}
        for update in statuses:
            latest[(update.office, update.kiosk)] = update
        for (office, kiosk), update in latest.items():
            doc = update.document
            received = utc(update.received_at)
            skew = (utc(datetime.fromisoformat(doc["now"])) - received).total_seconds()
            oldest = doc.get("outbox_oldest")
            config = doc.get("config") or {}
            values = {
                "state": doc["state"], "state_since": utc(datetime.fromisoformat(doc["since"])),
                "version": doc["version"], "questionnaire": doc["questionnaire"],
                "outbox": doc["outbox"],
                "outbox_oldest": utc(datetime.fromisoformat(oldest)) if oldest else None,
                "scanner": doc["scanner"], "clock_skew": skew, "last_seen": received,
                "config_version": config.get("version"), "config_state": config.get("state"),
                "config_error": config.get("error"),
            }
            if doc["state"] == "offline":
                # The will was written when the kiosk connected: its clock fields are stale.
                values["clock_skew"] = None
                values["state_since"] = received
                del values["last_seen"]
            stmt = self._insert(t.kiosks).values(
                office=office, kiosk=kiosk, registered=False, counter="", max_seq=0, received=0,
                first_seen=received, **{**values, "last_seen": received})
            conn.execute(stmt.on_conflict_do_update(index_elements=["office", "kiosk"], set_=values))

    # -- reading --------------------------------------------------------------------------
    def office_ids(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(select(t.offices.c.id).order_by(t.offices.c.id)).scalars())

    def offices(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.offices).order_by(t.offices.c.id)).mappings().all()
        return [dict(row) for row in rows]

    def office(self, office_id: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.offices).where(t.offices.c.id == office_id)).mappings().first()
        return dict(row) if row else None

    def response_count(self, office: str, first: date, last: date) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(select(func.coalesce(func.sum(t.rollup_responses.c.n), 0)).where(
                t.rollup_responses.c.office == office, t.rollup_responses.c.day >= first,
                t.rollup_responses.c.day <= last)).scalar_one()
        return int(value)

    def rating_sums(self, office: str, first: date, last: date) -> list[dict[str, Any]]:
        """Per question: n, total and the distribution over the days, summed across cells."""
        r = t.rollup_ratings
        with self.engine.connect() as conn:
            rows = conn.execute(select(
                r.c.question, func.sum(r.c.n).label("n"), func.sum(r.c.total).label("total"),
                func.sum(r.c.d1).label("d1"), func.sum(r.c.d2).label("d2"),
                func.sum(r.c.d3).label("d3"), func.sum(r.c.d4).label("d4"),
                func.sum(r.c.d5).label("d5"),
            ).where(r.c.office == office, r.c.day >= first, r.c.day <= last)
             .group_by(r.c.question).order_by(r.c.question)).mappings().all()
        return [dict(row) for row in rows]

    def rejected(self, limit: int, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        with self.engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(t.rejected)).scalar_one()
            rows = conn.execute(select(t.rejected).order_by(t.rejected.c.id.desc())
                                .limit(limit).offset(offset)).mappings().all()
        return int(total), [dict(row) for row in rows]

    def response_ids(self, office: str | None = None) -> list[str]:
        with self.engine.connect() as conn:
            stmt = select(t.responses.c.id)
            if office is not None:
                stmt = stmt.where(t.responses.c.office == office)
            return list(conn.execute(stmt).scalars())

