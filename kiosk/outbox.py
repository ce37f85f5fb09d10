"""The kiosk's outbox: every response is durable on disk before "thank you", until the hub acks it.

A SQLite file (WAL, synchronous=FULL) through SQLAlchemy. ``store`` allocates the response's
``seq`` in the same transaction that writes it, so seqs have no gaps and a crash leaves either a
whole response or none. Rows stay until the hub's ack names their id, are resent with
exponential backoff until then, and are pruned some days after the ack.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    case,
    create_engine,
    event,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine

from hailong import contract

metadata = MetaData()

counters = Table(
    "counters", metadata,
    Column("name", String, primary_key=True),
    Column("value", Integer, nullable=False),
)

responses = Table(
    "responses", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False, unique=True),
    Column("payload", LargeBinary, nullable=False),
    Column("submitted_at", String, nullable=False),
    Column("created_at", Float, nullable=False),
    # pending → acked, or pending → rejected (kept aside for the service screen).
    Column("state", String(8), nullable=False, default="pending", index=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False, default=0.0),
    Column("done_at", Float),
    Column("reason", Text),
)

_LAST_SEQ = select(counters.c.value).where(counters.c.name == "seq")

# Hashes of dossier codes already rated here ("one rating per dossier and stage"); kept longer
# than the responses themselves, and only ever as the keyed hash. ``h`` is "<hash>:<stage>"; a
# bare hash (written before stages, or a response whose stage the citizen did not say) stands for
# the receiving stage, the first moment of a dossier.
rated_receipts = Table(
    "rated_receipts", metadata,
    Column("h", String(64), primary_key=True),
    Column("rated_at", Float, nullable=False),
)

# First resend after 15 s: the hub acks within tens of milliseconds when it is up, so 15 s of
# silence means the message or the ack was lost; doubling from there caps at 10 minutes (after
# the 6th try) so a days-long outage costs a few messages an hour per row rather than a flood.
RESEND_FIRST = 15
RESEND_MAX = 600
RESEND_DOUBLINGS = 6  # 15 << 6 = 960 > 600: from here on the cap applies

# Seconds until the next try of a row sent ``attempts`` times before, as SQL on the old value.
_RESEND_DELAY = case(
    (responses.c.attempts >= RESEND_DOUBLINGS, RESEND_MAX),
    else_=literal(RESEND_FIRST).op("<<")(responses.c.attempts),
)


@dataclass(frozen=True, slots=True)
class Pending:
    seq: int
    id: str
    payload: bytes


@dataclass(frozen=True, slots=True)
class OutboxStats:
    last_seq: int
    depth: int
    oldest: str | None
    rejected: int


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    # FULL: the commit is on the platter before "thank you" shows, even on power loss.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Outbox:
    def __init__(self, url: str) -> None:
        if not url.startswith("sqlite:///"):
            raise ValueError(f"the outbox is a SQLite file (sqlite:///PATH), not {url!r}")
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url)
        event.listen(self.engine, "connect", _sqlite_pragmas)
        metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            if conn.execute(_LAST_SEQ).first() is None:
                conn.execute(insert(counters).values(name="seq", value=0))

    def close(self) -> None:
        self.engine.dispose()

    def store(self, build: Callable[[int], dict[str, Any]], receipt_hash: str | None = None,
              now: float | None = None, stage: str | None = None) -> dict[str, Any]:
        """Allocate the next seq, build the response with it, validate and commit; return it."""
        now = time.time() if now is None else now
        with self.engine.begin() as conn:
            conn.execute(update(counters).where(counters.c.name == "seq")
                         .values(value=counters.c.value + 1))
            seq = conn.execute(_LAST_SEQ).scalar_one()
            document = build(seq)
            payload = contract.encode(document)
            contract.decode_response(payload)  # the hub's own decoder: it will accept this
            conn.execute(insert(responses).values(
                seq=seq, id=document["id"], payload=payload,
                submitted_at=document["submitted_at"], created_at=now, state="pending",
                attempts=0, next_attempt_at=0.0))
            if receipt_hash:
                _mark_rated(conn, receipt_hash, stage, now)
        return document

    def mark_rated(self, receipt_hash: str, stage: str | None, now: float | None = None) -> None:
        """Record a dossier rated elsewhere (on a phone, told by the hub's ``rated`` message)."""
        with self.engine.begin() as conn:
            _mark_rated(conn, receipt_hash, stage, time.time() if now is None else now)

    def rated_stages(self, receipt_hash: str) -> frozenset[str]:
        """The stages at which this dossier was rated here."""
        keys = {receipt_hash: "receive", f"{receipt_hash}:result": "result"}
        with self.engine.connect() as conn:
            rows = conn.execute(select(rated_receipts.c.h).where(rated_receipts.c.h.in_(keys)))
            return frozenset(keys[row.h] for row in rows)

    def already_rated(self, receipt_hash: str) -> bool:
        """Whether this dossier was rated here at any stage."""
        return bool(self.rated_stages(receipt_hash))

    def due(self, now: float, limit: int, exclude: Iterable[str] = ()) -> list[Pending]:
        """Pending responses whose next attempt is due, oldest first."""
        skip = set(exclude)
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(responses.c.seq, responses.c.id, responses.c.payload)
                .where(responses.c.state == "pending", responses.c.next_attempt_at <= now)
                .order_by(responses.c.seq).limit(limit + len(skip))).all()
        return [Pending(r.seq, r.id, r.payload) for r in rows if r.id not in skip][:limit]

    def next_due(self) -> float | None:
        """When the earliest pending response is next due (None when nothing is pending)."""
        with self.engine.connect() as conn:
            value = conn.execute(select(func.min(responses.c.next_attempt_at))
                                 .where(responses.c.state == "pending")).scalar()
        return None if value is None else float(value)

    def mark_sent(self, ids: Sequence[str], now: float) -> None:
        if not ids:
            return
        with self.engine.begin() as conn:
            for chunk in _chunks(ids):
                conn.execute(update(responses).where(responses.c.id.in_(chunk)).values(
                    attempts=responses.c.attempts + 1, next_attempt_at=now + _RESEND_DELAY))

    def make_due(self, now: float) -> int:
        """Every pending response due now, its back-off started afresh (a hub has come back);
        returns how many are pending."""
        with self.engine.begin() as conn:
            result = conn.execute(update(responses).where(responses.c.state == "pending")
                                  .values(attempts=0, next_attempt_at=now))
        return int(result.rowcount)

    def acknowledge(self, ids: Sequence[str], now: float | None = None) -> int:
        """Mark ids as delivered; returns how many pending rows that settled."""
        now = time.time() if now is None else now
        settled = 0
        with self.engine.begin() as conn:
            for chunk in _chunks(ids):
                result = conn.execute(update(responses)
                                      .where(responses.c.id.in_(chunk),
                                             responses.c.state == "pending")
                                      .values(state="acked", done_at=now))
                settled += result.rowcount
        return settled

    def reject(self, reasons: Sequence[tuple[str, str]], now: float | None = None) -> int:
        """Set refused responses aside with the hub's reason; they are not resent."""
        now = time.time() if now is None else now
        settled = 0
        with self.engine.begin() as conn:
            for rid, reason in reasons:
                result = conn.execute(update(responses)
                                      .where(responses.c.id == rid, responses.c.state == "pending")
                                      .values(state="rejected", done_at=now, reason=reason[:500]))
                settled += result.rowcount
        return settled

    def stats(self) -> OutboxStats:
        with self.engine.connect() as conn:
            last_seq = conn.execute(_LAST_SEQ).scalar_one()
            depth, oldest = conn.execute(
                select(func.count(), func.min(responses.c.submitted_at))
                .where(responses.c.state == "pending")).one()
            rejected = conn.execute(select(func.count())
                                    .where(responses.c.state == "rejected")).scalar_one()
        return OutboxStats(int(last_seq), int(depth), oldest, int(rejected))

    def prune(self, now: float, retention_days: int, receipt_days: int = 365) -> int:
        """Forget acked rows after the retention period; rejected rows are kept for inspection."""
        cutoff = now - retention_days * 86400
        with self.engine.begin() as conn:
            result = conn.execute(responses.delete().where(
                responses.c.state == "acked", responses.c.done_at < cutoff))
            conn.execute(rated_receipts.delete().where(
                rated_receipts.c.rated_at < now - receipt_days * 86400))
        return result.rowcount


def _mark_rated(conn: Connection, receipt_hash: str, stage: str | None, now: float) -> None:
    key = receipt_hash if stage in (None, "receive") else f"{receipt_hash}:{stage}"
    conn.execute(sqlite_insert(rated_receipts).values(h=key, rated_at=now)
                 .on_conflict_do_nothing())


def _chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
