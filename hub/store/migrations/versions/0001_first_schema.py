"""first schema: offices, kiosks, responses, rollups, rejected

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:15:09.457423
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kiosks",
        sa.Column("office", sa.String(length=63), nullable=False),
        sa.Column("kiosk", sa.String(length=63), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("counter", sa.String(length=64), nullable=False),
        sa.Column("max_seq", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=True),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("state_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("questionnaire", sa.String(length=100), nullable=False),
        sa.Column("outbox", sa.Integer(), nullable=False),
        sa.Column("outbox_oldest", sa.DateTime(timezone=True), nullable=True),
        sa.Column("scanner", sa.String(length=8), nullable=False),
        sa.Column("clock_skew", sa.Float(), nullable=True),
        sa.Column("config_version", sa.String(length=64), nullable=True),
        sa.Column("config_state", sa.String(length=16), nullable=True),
        sa.Column("config_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("office", "kiosk"),
    )
    op.create_table(
        "offices",
        sa.Column("id", sa.String(length=63), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("province", sa.String(length=63), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "rejected",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("truncated", sa.Boolean(), nullable=False),
        sa.Column("response_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rejected", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rejected_received_at"), ["received_at"], unique=False)

    op.create_table(
        "responses",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("office", sa.String(length=63), nullable=False),
        sa.Column("kiosk", sa.String(length=63), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("counter", sa.String(length=64), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=False),
        sa.Column("trigger", sa.String(length=8), nullable=False),
        sa.Column("questionnaire", sa.String(length=100), nullable=False),
        sa.Column("lang", sa.String(length=2), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("complete", sa.Boolean(), nullable=False),
        sa.Column("receipt_h", sa.String(length=64), nullable=True),
        sa.Column("receipt_unit", sa.String(length=64), nullable=True),
        sa.Column("receipt_date", sa.Date(), nullable=True),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("flags", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.create_index("ix_responses_kiosk_seq", ["office", "kiosk", "seq"], unique=False)
        batch_op.create_index("ix_responses_office_day", ["office", "day"], unique=False)

    op.create_table(
        "rollup_choices",
        sa.Column("office", sa.String(length=63), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("counter", sa.String(length=64), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=False),
        sa.Column("questionnaire", sa.String(length=100), nullable=False),
        sa.Column("question", sa.String(length=63), nullable=False),
        sa.Column("choice", sa.String(length=63), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office", "day", "counter", "officer", "questionnaire", "question", "choice"),
    )
    op.create_table(
        "rollup_ratings",
        sa.Column("office", sa.String(length=63), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("counter", sa.String(length=64), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=False),
        sa.Column("questionnaire", sa.String(length=100), nullable=False),
        sa.Column("question", sa.String(length=63), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("d1", sa.Integer(), nullable=False),
        sa.Column("d2", sa.Integer(), nullable=False),
        sa.Column("d3", sa.Integer(), nullable=False),
        sa.Column("d4", sa.Integer(), nullable=False),
        sa.Column("d5", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office", "day", "counter", "officer", "questionnaire", "question"),
    )
    op.create_table(
        "rollup_responses",
        sa.Column("office", sa.String(length=63), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("counter", sa.String(length=64), nullable=False),
        sa.Column("officer", sa.String(length=64), nullable=False),
        sa.Column("questionnaire", sa.String(length=100), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("complete", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office", "day", "counter", "officer", "questionnaire"),
    )


def downgrade() -> None:
    op.drop_table("rollup_responses")
    op.drop_table("rollup_ratings")
    op.drop_table("rollup_choices")
    with op.batch_alter_table("responses", schema=None) as batch_op:
        batch_op.drop_index("ix_responses_office_day")
        batch_op.drop_index("ix_responses_kiosk_seq")

    op.drop_table("responses")
    with op.batch_alter_table("rejected", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejected_received_at"))

    op.drop_table("rejected")
    op.drop_table("offices")
    op.drop_table("kiosks")
