"""The hub's storage: writes each batch of responses exactly once, with its rollups, in one transaction.

SQLite (WAL) by default, PostgreSQL at scale; the schema is managed by Alembic. The only
module that writes the hub's tables (reads live in ``hub/store/queries.py``).

Exactly once, even with several hub workers on one database: responses are inserted with
``ON CONFLICT (id) DO NOTHING RETURNING id``, so only the transaction that really inserted a
row adds it to the rollups and to its kiosk's seq ranges; SQLite write transactions begin
IMMEDIATE and PostgreSQL locks the batch's kiosk rows (in a fixed order, as it upserts rollups
in key order) so concurrent batches never interleave or deadlock.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

import msgspec
from msgspec import UNSET
from sqlalchemy import bindparam, case, delete, select, tuple_, update
from sqlalchemy.engine import Connection

from hailong.contract import MAX_KEPT_PAYLOAD, Response, Status
from hailong.topics import parse_kiosk_topic
from hub.store import tables as t
from hub.store.engine import CHUNK, utc
from hub.store.rollup_cells import rollup_deltas
from hub.store.rollups import RollupWriter
from hub.store.seqgaps import add_seqs

Outcome = Literal["stored", "duplicate", "conflict"]


@dataclass(frozen=True, slots=True)
class Accepted:
    """A response that passed validation, with what the hub derived from it."""

    topic: str
    payload: bytes
    response: Response
    digest: str
    received_at: datetime
    day: date
    flags: tuple[str, ...] = ()
    # Integrity answers taken out of ``document`` (hub/store/integrity.py): only ever counted.
    integrity: Mapping[str, str] = field(default_factory=dict)
    # kiosk, or web / web-poster for the hub's own mobile questionnaire (docs/web-channel.md)
    channel: str = t.KIOSK_CHANNEL

    @property
    def id(self) -> str:
        return self.response.id

    @property
    def office(self) -> str:
        return self.response.office

    @property
    def kiosk(self) -> str:
        return self.response.kiosk


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
    status: Status
    received_at: datetime


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)  # one per accepted, in order
    offices: set[str] = field(default_factory=set)  # offices with new responses
    days: set[tuple[str, date]] = field(default_factory=set)  # and the days they count under


_COLUMNS = ("id", "office", "kiosk", "seq", "counter", "officer", "trigger", "questionnaire",
            "lang", "started_at", "submitted_at", "received_at", "day", "complete", "receipt_h",
            "receipt_unit", "receipt_date", "answers", "digest", "flags", "stage", "channel")
_SQLITE_INSERT = (f"INSERT INTO responses ({', '.join(_COLUMNS)}) "
                  f"VALUES ({', '.join('?' * len(_COLUMNS))})")
_SQLITE_DIGESTS = ("SELECT id, digest FROM responses WHERE id IN "
                   "(SELECT value FROM json_each(?))")
_PG_DIGESTS = "SELECT id, digest FROM responses WHERE id = ANY(%s)"
# PostgreSQL: the batch is copied (COPY, one round trip) into a temporary table emptied at each
# commit, then moved in one statement that skips the ids already stored and returns the others.
_PG_INCOMING = ("CREATE TEMPORARY TABLE IF NOT EXISTS incoming_responses ON COMMIT DELETE ROWS "
                f"AS SELECT {', '.join(_COLUMNS)} FROM responses WITH NO DATA")
_PG_COPY = f"COPY incoming_responses ({', '.join(_COLUMNS)}) FROM STDIN"
_PG_MOVE = (f"INSERT INTO responses ({', '.join(_COLUMNS)}) SELECT {', '.join(_COLUMNS)} "
            "FROM incoming_responses ORDER BY id ON CONFLICT (id) DO NOTHING RETURNING id")


# The answers column: compact JSON with sorted keys (question and choice ids are ASCII, so this
# is byte for byte what ``json.dumps(…, separators=(",", ":"), sort_keys=True)`` wrote before).
_ANSWERS = msgspec.json.Encoder(order="sorted")


def answers_json(response: Response) -> str:
    return _ANSWERS.encode(response.answers).decode()


def _given(value: Any) -> Any:
    """An optional field's value, None when the message left it out."""
    return None if value is UNSET else value


def _sqlite_time(moment: datetime) -> str:
    """A time as SQLAlchemy keeps it in SQLite: naive UTC text with microseconds."""
    return moment.astimezone(UTC).isoformat(" ", "microseconds")[:26]  # without "+00:00"


def _sqlite_row(item: Accepted, received: dict[datetime, str]) -> tuple[Any, ...]:
    """The responses row of ``_COLUMNS`` (the hot path: no per-column conversion; a batch's
    messages share their received time, converted once in ``received``)."""
    r = item.response
    receipt = r.receipt
    received_at = received.get(item.received_at)
    if received_at is None:
        received_at = received[item.received_at] = _sqlite_time(item.received_at)
    return (r.id, r.office, r.kiosk, r.seq, r.counter, r.officer or t.NO_OFFICER, r.trigger,
            r.questionnaire, r.lang, _sqlite_time(datetime.fromisoformat(r.started_at)),
            _sqlite_time(datetime.fromisoformat(r.submitted_at)),
            received_at, item.day.isoformat(), 1 if r.complete else 0,
            receipt and receipt.h, receipt and receipt.unit, receipt and receipt.date,
            answers_json(r), item.digest, ",".join(item.flags), _given(r.stage), item.channel)


def _postgres_row(item: Accepted) -> tuple[Any, ...]:
    """The responses row of ``_COLUMNS`` for COPY: the kiosk's RFC 3339 times as sent, which
    PostgreSQL reads into its timestamptz columns itself."""
    r = item.response
    receipt = r.receipt
    return (r.id, r.office, r.kiosk, r.seq, r.counter, r.officer or t.NO_OFFICER, r.trigger,
            r.questionnaire, r.lang, r.started_at, r.submitted_at, item.received_at, item.day,
            r.complete, receipt and receipt.h, receipt and receipt.unit, receipt and receipt.date,
            answers_json(r), item.digest, ",".join(item.flags), _given(r.stage), item.channel)


class BatchWriter(RollupWriter):
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
                rid = item.id
                if rid not in first_of:
                    first_of[rid] = index
                    candidates.append(item)
            inserted, stored = self._insert_responses(conn, candidates)
            others = [a.id for a in candidates if a.id not in inserted]
            if others and not stored:
                stored = self._existing_digests(conn, others)
            digests = {rid: accepted[i].digest for rid, i in first_of.items() if rid in inserted}
            digests.update(stored)
            conflicts: list[Rejection] = []
            for index, item in enumerate(accepted):
                rid = item.id
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
            fresh = [a for a in candidates if a.id in inserted]
            if fresh:
                self._apply_cells(conn, rollup_deltas(fresh))
                # web ratings belong to no kiosk: no seq to track, no kiosk to show in the fleet
                from_kiosks = [a for a in fresh if a.channel == t.KIOSK_CHANNEL]
                if from_kiosks:
                    self._update_kiosks(conn, from_kiosks)
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
        per_kiosk: Counter[tuple[str, str]] = Counter()
        for rejection in rejections:
            topic = parse_kiosk_topic(rejection.topic)
            if topic is not None:
                per_kiosk[(topic.office, topic.kiosk)] += 1
        if per_kiosk:
            # Only a kiosk already known (roster, provisioning, a valid status or response)
            # counts a refusal: a rejected message alone never makes a kiosk appear.
            conn.execute(update(t.kiosks).where(
                t.kiosks.c.office == bindparam("o"), t.kiosks.c.kiosk == bindparam("k"))
                .values(rejected=t.kiosks.c.rejected + bindparam("n")),
                [{"o": o, "k": k, "n": n} for (o, k), n in sorted(per_kiosk.items())])

    def _existing_digests(self, conn: Connection, ids: Sequence[str]) -> dict[str, str]:
        """The digests of the ids already stored: one statement of one parameter (the ids as a
        JSON array, or an array), the same text every batch so the driver reuses its plan."""
        unique = list(dict.fromkeys(ids))
        if self.dialect == "sqlite":
            rows = conn.exec_driver_sql(_SQLITE_DIGESTS, (json.dumps(unique),))
        else:
            rows = conn.exec_driver_sql(_PG_DIGESTS, (unique,))
        return {rid: digest for rid, digest in rows}

    def _insert_responses(self, conn: Connection, items: Sequence[Accepted]
                          ) -> tuple[set[str], dict[str, str]]:
        """Insert what is new: the ids this transaction inserted, and the digests it already
        knows of the ids that were stored before."""
        if not items:
            return set(), {}
        items = sorted(items, key=lambda a: a.id)
        if self.dialect == "sqlite":
            # This transaction holds SQLite's write lock (BEGIN IMMEDIATE): nobody can insert
            # between the look-up and the insert, and the driver's executemany is the fastest path.
            known = self._existing_digests(conn, [item.id for item in items])
            new = [item for item in items if item.id not in known]
            received: dict[datetime, str] = {}
            if new:
                conn.exec_driver_sql(_SQLITE_INSERT, [_sqlite_row(item, received) for item in new])
            return {item.id for item in new}, known
        driver = conn.connection.driver_connection  # psycopg's own connection, for COPY
        if driver is None:
            raise RuntimeError("the database connection is closed")
        with driver.cursor() as cursor:
            cursor.execute(_PG_INCOMING)
            with cursor.copy(_PG_COPY) as copy:
                for item in items:
                    copy.write_row(_postgres_row(item))
            cursor.execute(_PG_MOVE)
            return {row[0] for row in cursor.fetchall()}, {}

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
                                         (i.response.seq for i in items))
            if new_gaps != old_gaps:
                changed_gaps[key] = new_gaps
            latest = max(items, key=lambda i: i.response.seq)
            updates.append({"o": key[0], "k": key[1], "max_seq": max_seq, "n": len(items),
                            "seen": utc(max(i.received_at for i in items)),
                            "counter": latest.response.counter})
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
            s = status.status
            received = utc(status.received_at)
            oldest = s.outbox_oldest
            config = s.config or None  # absent (UNSET) and null alike
            values: dict[str, Any] = {
                "state": s.state, "state_since": utc(datetime.fromisoformat(s.since)),
                "version": s.version, "questionnaire": s.questionnaire, "outbox": s.outbox,
                "outbox_oldest": utc(datetime.fromisoformat(oldest)) if oldest else None,
                "scanner": s.scanner, "last_seen": received, "status_seq": s.seq,
                "clock_skew": (utc(datetime.fromisoformat(s.now)) - received).total_seconds(),
                "config_version": _given(config.version) if config else None,
                "config_state": _given(config.state) if config else None,
                "config_error": _given(config.error) if config else None,
                "storage": _given(s.storage),
            }
            if s.state == "offline":
                # The will was written when the kiosk connected: its clocks and counts are stale.
                values = {"state": "offline", "state_since": received}
            conn.execute(update(t.kiosks).where(t.kiosks.c.office == office,
                                                t.kiosks.c.kiosk == kiosk).values(**values))
