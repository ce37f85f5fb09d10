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

from sqlalchemy import bindparam, case, delete, select, tuple_, update
from sqlalchemy.engine import Connection

from hailong.contract import MAX_KEPT_PAYLOAD
from hailong.topics import parse_kiosk_topic
from hub.store import tables as t
from hub.store.engine import CHUNK, utc
from hub.store.rollups import FLAG_COLUMNS, RollupWriter
from hub.store.seqgaps import add_seqs

Outcome = Literal["stored", "duplicate", "conflict"]


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
    # Integrity answers taken out of ``document`` (hub/store/integrity.py): only ever counted.
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


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)  # one per accepted, in order
    offices: set[str] = field(default_factory=set)  # offices with new responses
    days: set[tuple[str, date]] = field(default_factory=set)  # and the days they count under


_SQLITE_COLUMNS = ("id", "office", "kiosk", "seq", "counter", "officer", "trigger",
                   "questionnaire", "lang", "started_at", "submitted_at", "received_at", "day",
                   "complete", "receipt_h", "receipt_unit", "receipt_date", "answers", "digest",
                   "flags", "stage")
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
            ",".join(item.flags), doc.get("stage"))


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
            "digest": item.digest, "flags": ",".join(item.flags), "stage": doc.get("stage"),
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
              a.document["officer"] or t.NO_OFFICER, a.document["questionnaire"], t.KIOSK_CHANNEL,
              a.document.get("stage") or t.NO_STAGE),
             bool(a.document["complete"]), {FLAG_COLUMNS[f] for f in a.flags if f in FLAG_COLUMNS},
             a.document["answers"]) for a in fresh])

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
