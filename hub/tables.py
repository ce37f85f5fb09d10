"""The hub's tables (SQLAlchemy Core). Alembic migrations in ``hub/migrations`` create them.

Rows are the truth (``responses``); the ``rollup_*`` tables are daily sums per office, counter,
officer, questionnaire and question, updated in the same transaction as the rows so that scores
read from them never disagree with the rows.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

# A missing officer is stored as "" so it can be part of a primary key.
NO_OFFICER = ""

offices = Table(
    "offices", metadata,
    Column("id", String(63), primary_key=True),
    Column("name", Text, nullable=False, default=""),
    Column("province", String(63), nullable=False, default=""),
    Column("timezone", String(64), nullable=False, default=""),
    Column("kind", String(16), nullable=False, default="admin"),
    Column("registered", Boolean, nullable=False, default=False),
    Column("first_seen", DateTime(timezone=True)),
)

kiosks = Table(
    "kiosks", metadata,
    Column("office", String(63), primary_key=True),
    Column("kiosk", String(63), primary_key=True),
    Column("registered", Boolean, nullable=False, default=False),
    Column("counter", String(64), nullable=False, default=""),
    Column("max_seq", Integer, nullable=False, default=0),
    Column("received", Integer, nullable=False, default=0),
    Column("first_seen", DateTime(timezone=True)),
    Column("last_seen", DateTime(timezone=True)),
    Column("state", String(8), nullable=False, default="unknown"),
    Column("state_since", DateTime(timezone=True)),
    Column("version", String(64), nullable=False, default=""),
    Column("questionnaire", String(100), nullable=False, default=""),
    Column("outbox", Integer, nullable=False, default=0),
    Column("outbox_oldest", DateTime(timezone=True)),
    Column("scanner", String(8), nullable=False, default=""),
    Column("clock_skew", Float),
    Column("config_version", String(64)),
    Column("config_state", String(16)),
    Column("config_error", Text),
)

responses = Table(
    "responses", metadata,
    Column("id", String(36), primary_key=True),
    Column("office", String(63), nullable=False),
    Column("kiosk", String(63), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("counter", String(64), nullable=False),
    Column("officer", String(64), nullable=False, default=NO_OFFICER),
    Column("trigger", String(8), nullable=False),
    Column("questionnaire", String(100), nullable=False),
    Column("lang", String(2), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    # The office-local day the response counts under (see docs/protocol.md on clock skew).
    Column("day", Date, nullable=False),
    Column("complete", Boolean, nullable=False),
    # Keyed hash only: the key lives on the kiosks, so the hub cannot recover the dossier code.
    Column("receipt_h", String(64)),
    Column("receipt_unit", String(64)),
    Column("receipt_date", Date),
    Column("answers", Text, nullable=False),
    # SHA-256 of the payload as received: the same id with other content is a conflict.
    Column("digest", String(64), nullable=False),
    Column("flags", String(200), nullable=False, default=""),
    Index("ix_responses_office_day", "office", "day"),
    Index("ix_responses_kiosk_seq", "office", "kiosk", "seq"),
)



def _cell_columns() -> list[Column[object]]:
    return [
        Column("office", String(63), primary_key=True),
        Column("day", Date, primary_key=True),
        Column("counter", String(64), primary_key=True),
        Column("officer", String(64), primary_key=True),
        Column("questionnaire", String(100), primary_key=True),
    ]


rollup_responses = Table(
    "rollup_responses", metadata, *_cell_columns(),
    Column("n", Integer, nullable=False, default=0),
    Column("complete", Integer, nullable=False, default=0),
)

rollup_ratings = Table(
    "rollup_ratings", metadata, *_cell_columns(),
    Column("question", String(63), primary_key=True),
    Column("n", Integer, nullable=False, default=0),
    Column("total", Integer, nullable=False, default=0),
    Column("d1", Integer, nullable=False, default=0),
    Column("d2", Integer, nullable=False, default=0),
    Column("d3", Integer, nullable=False, default=0),
    Column("d4", Integer, nullable=False, default=0),
    Column("d5", Integer, nullable=False, default=0),
)

rollup_choices = Table(
    "rollup_choices", metadata, *_cell_columns(),
    Column("question", String(63), primary_key=True),
    Column("choice", String(63), primary_key=True),
    Column("n", Integer, nullable=False, default=0),
)

rejected = Table(
    "rejected", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("topic", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("truncated", Boolean, nullable=False, default=False),
    Column("response_id", String(64)),
)
