"""The hub's storage: writes each batch of responses exactly once, with its rollups, in one transaction.

SQLite (WAL) by default, PostgreSQL at scale; the schema is managed by Alembic. The only
module that writes the hub's tables (reads live in ``hub/queries.py``).

Exactly once, even with several hub workers on one database: responses are inserted with
``ON CONFLICT (id) DO NOTHING RETURNING id``, so only the transaction that really inserted a
row adds it to the rollups and to its kiosk's seq ranges; SQLite write transactions begin
IMMEDIATE and PostgreSQL locks the batch's kiosk rows (in a fixed order, as it upserts rollups
in key order) so concurrent batches never interleave or deadlock.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import bindparam, case, create_engine, delete, event, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from hailong.contract import MAX_KEPT_PAYLOAD
from hailong.topics import parse_kiosk_topic
from hub import tables as t
from hub.queries import Reader
from hub.roster import Roster
from hub.seqgaps import add_seqs
from hub.surveys import SurveyFile

Outcome = Literal["stored", "duplicate", "conflict"]
# SQLite caps bound parameters per statement; 500 ids per IN (...) stays well below it.
CHUNK = 500
# Flags a response may carry (hub/ingest.py) and the rollup column that counts each.
FLAG_COLUMNS = {"clock-skew": "skewed", "no-transaction": "ungated",
                "unknown-questionnaire": "unknown", "unknown-question": "unknown",
                "answer-type": "unknown"}
# The key of a rollup cell, in the order of the rollup tables' primary keys.
CELL_KEYS = ("office", "day", "counter", "officer", "questionnaire", "channel")
# A response as the rollups see it: its cell, whether complete, its flag columns, its answers.
RollupItem = tuple[tuple[Any, ...], bool, set[str], dict[str, Any]]


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
    # Integrity answers taken out of ``document`` (hub/integrity.py): only ever counted.
    integrity: Mapping[str, str] = field(default_factory=dict)

    @property
    def office(self) -> str:
        return str(self.document["office"])

    @property
    def kiosk(self) -> str:
        return str(self.document["kiosk"])


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


@dataclass(frozen=True, slots=True)
class SurveyImport:
    id: int
    rows: int
    duplicate: bool  # the same file was imported before: nothing new was stored


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)  # one per accepted, in order
    offices: set[str] = field(default_factory=set)  # offices with new responses
    days: set[tuple[str, date]] = field(default_factory=set)  # and the days they count under


def utc(moment: datetime) -> datetime:
    """Aware UTC; SQLite hands back naive datetimes, which the hub always wrote as UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Transactions are begun by _sqlite_begin, not by the driver (see below).
    dbapi_connection.isolation_level = None
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
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_begin(conn: Connection) -> None:
    # A write transaction takes SQLite's write lock at once (BEGIN IMMEDIATE): its reads (which
    # ids exist, a kiosk's seq ranges) then cannot go stale under another hub worker's commit.
    immediate = conn.get_execution_options().get("hailong_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "hub:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


_SQLITE_COLUMNS = ("id", "office", "kiosk", "seq", "counter", "officer", "trigger",
                   "questionnaire", "lang", "started_at", "submitted_at", "received_at", "day",
                   "complete", "receipt_h", "receipt_unit", "receipt_date", "answers", "digest",
                   "flags")
_SQLITE_INSERT = (f"INSERT INTO responses ({', '.join(_SQLITE_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(_SQLITE_COLUMNS))})")


def _sqlite_time(moment: datetime) -> str:
    """A time as SQLAlchemy keeps it in SQLite: naive UTC text with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_row(item: Accepted) -> tuple[Any, ...]:
    """The responses row of ``_SQLITE_COLUMNS`` (the hot path: no per-column conversion)."""
    doc = item.document
    receipt = doc["receipt"] or {}
    return (doc["id"], doc["office"], doc["kiosk"], doc["seq"], doc["counter"],
            doc["officer"] or t.NO_OFFICER, doc["trigger"], doc["questionnaire"], doc["lang"],
            _sqlite_time(datetime.fromisoformat(doc["started_at"])),
            _sqlite_time(datetime.fromisoformat(doc["submitted_at"])),
            _sqlite_time(item.received_at), item.day.isoformat(), 1 if doc["complete"] else 0,
            receipt.get("h"), receipt.get("unit"), receipt.get("date"),
            json.dumps(doc["answers"], separators=(",", ":"), sort_keys=True), item.digest,
            ",".join(item.flags))


def head_revision() -> str | None:
    """The newest migration this version of the hub knows."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


class SchemaOutOfDate(RuntimeError):
    pass


class Store:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.dialect = self.engine.dialect.name
        self.read = Reader(self.engine)
        self._writer = self.engine.execution_options(hailong_write=True)
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
        head = head_revision()
        current = self.current_revision()
        if current != head:
            raise SchemaOutOfDate(
                f"the database schema is at {current or 'nothing'}, the hub needs {head}: run "
                "`hailong hub db upgrade`")

    # -- registry -------------------------------------------------------------------------
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

    # -- surveys --------------------------------------------------------------------------
    def import_survey(self, survey: SurveyFile, who: str, when: datetime,
                      timezone_of: Callable[[str], tzinfo]) -> SurveyImport:
        """Store a checked survey file's respondents with their rollups, in one transaction;
        a file imported before (and not undone) is not imported again."""
        try:
            return self._import_survey(survey, who, when, timezone_of)
        except IntegrityError:  # another import of the same file committed first
            found = self._active_import(survey.digest)
            if found is None:
                raise
            return found

    def _active_import(self, digest: str, conn: Connection | None = None) -> SurveyImport | None:
        si = t.survey_imports
        query = select(si.c.id, si.c.rows).where(si.c.digest == digest, si.c.undone_at.is_(None))
        if conn is None:
            with self.engine.connect() as own:
                row = own.execute(query).first()
        else:
            row = conn.execute(query).first()
        return SurveyImport(int(row.id), int(row.rows), duplicate=True) if row else None

    def _import_survey(self, survey: SurveyFile, who: str, when: datetime,
                       timezone_of: Callable[[str], tzinfo]) -> SurveyImport:
        respondents = survey.respondents
        with self._writer.begin() as conn:
            found = self._active_import(survey.digest, conn)
            if found is not None:
                return found
            import_id = int(conn.execute(t.survey_imports.insert().values(
                digest=survey.digest, file_name=survey.file_name[:255],
                channels=",".join(survey.channels), offices=",".join(survey.offices),
                rows=len(respondents), first_day=min(r.day for r in respondents),
                last_day=max(r.day for r in respondents), imported_by=who[:64],
                imported_at=utc(when)).returning(t.survey_imports.c.id)).scalar_one())
            rows = []
            for r in respondents:
                # A survey answer has a day, not a moment: it counts at noon, office time.
                moment = utc(datetime.combine(r.day, time(12), timezone_of(r.office)))
                answers = json.dumps(dict(r.answers), separators=(",", ":"), sort_keys=True)
                rows.append({
                    "id": f"survey-{import_id}-{r.row}", "office": r.office, "kiosk": "",
                    "seq": 0, "counter": "", "officer": t.NO_OFFICER, "trigger": "survey",
                    "questionnaire": r.questionnaire, "lang": "vi", "started_at": moment,
                    "submitted_at": moment, "received_at": utc(when), "day": r.day,
                    "complete": True, "receipt_h": None, "receipt_unit": None,
                    "receipt_date": None, "answers": answers,
                    "digest": hashlib.sha256(f"{survey.digest}:{r.row}:{answers}".encode())
                    .hexdigest(), "flags": "", "channel": r.channel, "import_id": import_id,
                    "respondent": r.respondent})
            for start in range(0, len(rows), CHUNK):
                conn.execute(t.responses.insert(), rows[start:start + CHUNK])
            self._add_rollups(conn, [
                ((r.office, r.day, "", t.NO_OFFICER, r.questionnaire, r.channel), True, set(),
                 dict(r.answers)) for r in respondents])
        return SurveyImport(import_id, len(respondents), duplicate=False)

    def undo_import(self, import_id: int, who: str, when: datetime) -> int:
        """Take an import's respondents out of the responses and the rollups; the import stays
        listed as undone. The number of respondents removed; LookupError when there is nothing
        to undo."""
        si, r = t.survey_imports, t.responses
        with self._writer.begin() as conn:
            found = conn.execute(select(si).where(si.c.id == import_id)).mappings().first()
            if found is None:
                raise LookupError(f"no survey import {import_id}")
            if found["undone_at"] is not None:
                raise LookupError(f"survey import {import_id} was already undone by "
                                  f"{found['undone_by']}")
            stored = conn.execute(select(
                r.c.office, r.c.day, r.c.counter, r.c.officer, r.c.questionnaire, r.c.channel,
                r.c.complete, r.c.answers).where(r.c.import_id == import_id)).mappings().all()
            self._add_rollups(conn, [
                ((row["office"], row["day"], row["counter"], row["officer"], row["questionnaire"],
                  row["channel"]), bool(row["complete"]), set(), json.loads(row["answers"]))
                for row in stored], sign=-1)
            conn.execute(delete(r).where(r.c.import_id == import_id))
            for table in (t.rollup_responses, t.rollup_ratings, t.rollup_choices):
                conn.execute(delete(table).where(table.c.channel != t.KIOSK_CHANNEL,
                                                 table.c.n <= 0))
            conn.execute(update(si).where(si.c.id == import_id).values(
                undone_by=who[:64], undone_at=utc(when)))
        return len(stored)

    # -- alerts ---------------------------------------------------------------------------
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

    # -- writing --------------------------------------------------------------------------
    def write_batch(self, accepted: Sequence[Accepted], rejections: Sequence[Rejection],
                    statuses: Sequence[StatusUpdate] = ()) -> BatchResult:
        """Store new responses with their rollups, record rejections and statuses; one commit."""
        result = BatchResult(outcomes=["stored"] * len(accepted))
        with self._writer.begin() as conn:
            offices = {a.office: a.received_at for a in accepted}
            offices.update({s.office: s.received_at for s in statuses})
            if offices:
                self._note_offices(conn, offices)
            first_of: dict[str, int] = {}
            candidates: list[Accepted] = []
            for index, item in enumerate(accepted):
                rid = item.document["id"]
                if rid not in first_of:
                    first_of[rid] = index
                    candidates.append(item)
            inserted, stored = self._insert_responses(conn, candidates)
            others = [a.document["id"] for a in candidates if a.document["id"] not in inserted]
            if others and not stored:
                stored = self._existing_digests(conn, others)
            digests = {rid: accepted[i].digest for rid, i in first_of.items() if rid in inserted}
            digests.update(stored)
            conflicts: list[Rejection] = []
            for index, item in enumerate(accepted):
                rid = item.document["id"]
                if index == first_of[rid] and rid in inserted:
                    continue
                if digests.get(rid) == item.digest:
                    result.outcomes[index] = "duplicate"
                else:
                    result.outcomes[index] = "conflict"
                    conflicts.append(Rejection(
                        topic=item.topic, payload=item.payload,
                        reason="conflict: this id is already stored with other content; the "
                        "first one is kept", received_at=item.received_at, response_id=rid))
            fresh = [a for a in candidates if a.document["id"] in inserted]
            if fresh:
                self._update_rollups(conn, fresh)
                self._update_kiosks(conn, fresh)
            if statuses:
                self._apply_statuses(conn, statuses)
            all_rejections = [*rejections, *conflicts]
            if all_rejections:
                self._record_rejections(conn, all_rejections)
            result.offices = {a.office for a in fresh}
            result.days = {(a.office, a.day) for a in fresh}
        return result

    def record_rejections(self, rejections: Sequence[Rejection]) -> None:
        if rejections:
            with self._writer.begin() as conn:
                self._record_rejections(conn, rejections)

    def _record_rejections(self, conn: Connection, rejections: Sequence[Rejection]) -> None:
        conn.execute(t.rejected.insert(), [{
            "received_at": utc(r.received_at), "topic": r.topic[:1000],
            "reason": r.reason[:2000], "payload": r.payload[:MAX_KEPT_PAYLOAD],
            "truncated": len(r.payload) > MAX_KEPT_PAYLOAD, "response_id": r.response_id,
        } for r in rejections])
        per_kiosk: dict[tuple[str, str], list[Any]] = {}
        for rejection in rejections:
            topic = parse_kiosk_topic(rejection.topic)
            if topic is not None:
                entry = per_kiosk.setdefault((topic.office, topic.kiosk), [0, rejection.received_at])
                entry[0] += 1
        if per_kiosk:
            self._ensure_kiosks(conn, {k: v[1] for k, v in per_kiosk.items()})
            conn.execute(update(t.kiosks).where(
                t.kiosks.c.office == bindparam("o"), t.kiosks.c.kiosk == bindparam("k"))
                .values(rejected=t.kiosks.c.rejected + bindparam("n")),
                [{"o": o, "k": k, "n": v[0]} for (o, k), v in sorted(per_kiosk.items())])

    def _existing_digests(self, conn: Connection, ids: Sequence[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        unique = list(dict.fromkeys(ids))
        for start in range(0, len(unique), CHUNK):
            chunk = unique[start:start + CHUNK]
            rows = conn.execute(select(t.responses.c.id, t.responses.c.digest)
                                .where(t.responses.c.id.in_(chunk)))
            found.update({row.id: row.digest for row in rows})
        return found

    def _insert_responses(self, conn: Connection, items: Sequence[Accepted]
                          ) -> tuple[set[str], dict[str, str]]:
        """Insert what is new: the ids this transaction inserted, and the digests it already
        knows of the ids that were stored before."""
        if not items:
            return set(), {}
        items = sorted(items, key=lambda a: a.document["id"])
        if self.dialect == "sqlite":
            # This transaction holds SQLite's write lock (BEGIN IMMEDIATE): nobody can insert
            # between the look-up and the insert, and the driver's executemany is the fastest path.
            known = self._existing_digests(conn, [item.document["id"] for item in items])
            new = [item for item in items if item.document["id"] not in known]
            if new:
                conn.exec_driver_sql(_SQLITE_INSERT, [_sqlite_row(item) for item in new])
            return {item.document["id"] for item in new}, known
        rows = [self._response_row(item) for item in items]
        stmt = self._insert(t.responses).on_conflict_do_nothing(index_elements=["id"])
        inserted: set[str] = set()
        for start in range(0, len(rows), CHUNK):
            result = conn.execute(stmt.returning(t.responses.c.id), rows[start:start + CHUNK])
            inserted.update(result.scalars())
        return inserted, {}

    @staticmethod
    def _response_row(item: Accepted) -> dict[str, Any]:
        doc = item.document
        receipt = doc["receipt"] or {}
        return {
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
            "answers": json.dumps(doc["answers"], separators=(",", ":"), sort_keys=True),
            "digest": item.digest, "flags": ",".join(item.flags),
        }

    def _update_rollups(self, conn: Connection, fresh: Sequence[Accepted]) -> None:
        tallies: dict[tuple[str, date, str, str], int] = defaultdict(int)
        for a in fresh:
            for question, answer in a.integrity.items():
                tallies[(a.office, a.day, question, answer)] += 1
        if tallies:
            self._upsert_add(conn, t.integrity_counts, [
                {"office": o, "day": d, "channel": t.KIOSK_CHANNEL, "question": q, "answer": v,
                 "n": n} for (o, d, q, v), n in sorted(tallies.items())], ("n",))
        self._add_rollups(conn, [
            ((a.document["office"], a.day, a.document["counter"],
              a.document["officer"] or t.NO_OFFICER, a.document["questionnaire"], t.KIOSK_CHANNEL),
             bool(a.document["complete"]), {FLAG_COLUMNS[f] for f in a.flags if f in FLAG_COLUMNS},
             a.document["answers"]) for a in fresh])

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

    def _ensure_kiosks(self, conn: Connection, seen: dict[tuple[str, str], datetime]) -> None:
        stmt = self._insert(t.kiosks).on_conflict_do_nothing(index_elements=["office", "kiosk"])
        conn.execute(stmt, [{
            "office": office, "kiosk": kiosk, "max_seq": 0, "received": 0,
            "first_seen": utc(when), "last_seen": utc(when), "counter": "", "registered": False,
            "state": "unknown", "version": "", "questionnaire": "", "outbox": 0, "scanner": "",
            "rejected": 0,
        } for (office, kiosk), when in sorted(seen.items())])

    def _update_kiosks(self, conn: Connection, fresh: Sequence[Accepted]) -> None:
        """Count the kiosks' new responses and update their highest seq and missing ranges."""
        per_kiosk: dict[tuple[str, str], list[Accepted]] = defaultdict(list)
        for item in fresh:
            per_kiosk[(item.office, item.kiosk)].append(item)
        keys = sorted(per_kiosk)
        self._ensure_kiosks(conn, {k: per_kiosk[k][0].received_at for k in keys})
        k = t.kiosks
        current: dict[tuple[str, str], int] = {}
        gaps: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start:start + CHUNK]
            query = select(k.c.office, k.c.kiosk, k.c.max_seq).where(
                tuple_(k.c.office, k.c.kiosk).in_(chunk)).order_by(k.c.office, k.c.kiosk)
            if self.dialect == "postgresql":
                query = query.with_for_update()
            current.update({(r.office, r.kiosk): r.max_seq for r in conn.execute(query)})
            g = t.kiosk_gaps
            for row in conn.execute(select(g).where(tuple_(g.c.office, g.c.kiosk).in_(chunk))):
                gaps[(row.office, row.kiosk)].append((row.first, row.last))
        updates = []
        changed_gaps: dict[tuple[str, str], list[tuple[int, int]]] = {}
        for key in keys:
            items = per_kiosk[key]
            old_gaps = sorted(gaps.get(key, []))
            new_gaps, max_seq = add_seqs(old_gaps, current.get(key, 0),
                                         (i.document["seq"] for i in items))
            if new_gaps != old_gaps:
                changed_gaps[key] = new_gaps
            latest = max(items, key=lambda i: i.document["seq"])
            updates.append({"o": key[0], "k": key[1], "max_seq": max_seq, "n": len(items),
                            "seen": utc(max(i.received_at for i in items)),
                            "counter": latest.document["counter"]})
        conn.execute(update(k).where(k.c.office == bindparam("o"), k.c.kiosk == bindparam("k"))
                     .values(max_seq=bindparam("max_seq"), received=k.c.received + bindparam("n"),
                             last_seen=bindparam("seen"),
                             # a registered kiosk keeps the roster's counter label
                             counter=case((k.c.registered, k.c.counter),
                                          else_=bindparam("counter"))), updates)
        if changed_gaps:
            g = t.kiosk_gaps
            changed = sorted(changed_gaps)
            for start in range(0, len(changed), CHUNK):
                conn.execute(delete(g).where(tuple_(g.c.office, g.c.kiosk).in_(
                    changed[start:start + CHUNK])))
            rows = [{"office": o, "kiosk": kk, "first": a, "last": b}
                    for (o, kk) in changed for a, b in changed_gaps[(o, kk)]]
            if rows:
                conn.execute(g.insert(), rows)

    def _note_offices(self, conn: Connection, offices: dict[str, datetime]) -> None:
        stmt = self._insert(t.offices).on_conflict_do_nothing(index_elements=["id"])
        conn.execute(stmt, [{"id": office, "name": "", "province": "", "timezone": "",
                             "kind": "admin", "registered": False, "first_seen": utc(seen),
                             "gating": False}
                            for office, seen in sorted(offices.items())])

    def _apply_statuses(self, conn: Connection, statuses: Sequence[StatusUpdate]) -> None:
        latest: dict[tuple[str, str], StatusUpdate] = {}
        for status in statuses:
            latest[(status.office, status.kiosk)] = status
        self._ensure_kiosks(conn, {key: s.received_at for key, s in latest.items()})
        for (office, kiosk), status in sorted(latest.items()):
            doc = status.document
            received = utc(status.received_at)
            oldest = doc.get("outbox_oldest")
            config = doc.get("config") or {}
            values: dict[str, Any] = {
                "state": doc["state"], "state_since": utc(datetime.fromisoformat(doc["since"])),
                "version": doc["version"], "questionnaire": doc["questionnaire"],
                "outbox": doc["outbox"],
                "outbox_oldest": utc(datetime.fromisoformat(oldest)) if oldest else None,
                "scanner": doc["scanner"], "last_seen": received, "status_seq": doc["seq"],
                "clock_skew": (utc(datetime.fromisoformat(doc["now"])) - received).total_seconds(),
                "config_version": config.get("version"), "config_state": config.get("state"),
                "config_error": config.get("error"),
            }
            if doc["state"] == "offline":
                # The will was written when the kiosk connected: its clocks and counts are stale.
                values = {"state": "offline", "state_since": received}
            conn.execute(update(t.kiosks).where(t.kiosks.c.office == office,
                                                t.kiosks.c.kiosk == kiosk).values(**values))

    # -- reading (kept here for callers of the foundation; see hub/queries.py) -----------------
    def office_ids(self) -> list[str]:
        return self.read.office_ids()

    def offices(self) -> list[dict[str, Any]]:
        return self.read.offices()

    def office(self, office_id: str) -> dict[str, Any] | None:
        return self.read.office(office_id)

    def response_count(self, office: str, first: date, last: date) -> int:
        return int(self.read.response_totals(office, first, last)["n"])

    def rating_sums(self, office: str, first: date, last: date) -> list[dict[str, Any]]:
        return self.read.rating_sums(office, first, last)

    def rejected(self, limit: int, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
        return self.read.rejected(limit, offset)

    def response_ids(self, office: str | None = None) -> list[str]:
        return self.read.response_ids(office)
