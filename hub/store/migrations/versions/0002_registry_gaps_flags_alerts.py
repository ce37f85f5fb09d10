"""registry of counters and officers, seq gaps, flag counts, alerts, dossier counts

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("offices", sa.Column("gating", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.add_column("kiosks", sa.Column("status_seq", sa.Integer(), nullable=True))
    op.add_column("kiosks", sa.Column("rejected", sa.Integer(), nullable=False, server_default="0"))
    for name in ("skewed", "ungated", "unknown"):
        op.add_column("rollup_responses", sa.Column(name, sa.Integer(), nullable=False,
                                                    server_default="0"))
    op.create_table(
        "counters",
        sa.Column("office", sa.String(length=63), nullable=False),
        sa.Column("label", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("office", "label"),
    )
    op.create_table(
        "officers",
        sa.Column("office", sa.String(length=63), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("registered", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("office", "code"),
    )
    op.create_table(
        "kiosk_gaps",
        sa.Column("office", sa.String(length=63), nullable=False),
        sa.Column("kiosk", sa.String(length=63), nullable=False),
        sa.Column("first", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office", "kiosk", "first"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("office", sa.String(length=63), nullable=False),
        sa.Column("counter", sa.String(length=64), nullable=False),
        sa.Column("question", sa.String(length=63), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_to", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("low", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_alerts_office_opened", "alerts", ["office", "opened_at"])
    op.create_index("ux_alerts_open", "alerts", ["office", "counter"], unique=True,
                    sqlite_where=sa.text("closed_at IS NULL"),
                    postgresql_where=sa.text("closed_at IS NULL"))
    op.create_table(
        "dossier_counts",
        sa.Column("office", sa.String(length=63), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office", "day"),
    )
    _count_what_0001_stored()


# The flags each new rollup column counts (FLAG_COLUMNS, hub/store/rollup_cells.py), as SQL on ``flags``.
_FLAGGED = {
    "skewed": "r.flags LIKE '%clock-skew%'",
    "ungated": "r.flags LIKE '%no-transaction%'",
    "unknown": "(r.flags LIKE '%unknown-%' OR r.flags LIKE '%answer-type%')",
}


def _count_what_0001_stored() -> None:
    """Fill the new counts from what 0001 already held, so an upgraded database shows what a
    new one would: the flags of stored responses, each kiosk's missing seqs, its refusals."""
    same_cell = " AND ".join(f"r.{key} = rollup_responses.{key}" for key in (
        "office", "day", "counter", "officer", "questionnaire"))
    op.execute("UPDATE rollup_responses SET " + ", ".join(
        f"{column} = (SELECT COUNT(*) FROM responses r WHERE {same_cell} AND {flagged})"
        for column, flagged in _FLAGGED.items()))
    op.execute(
        'INSERT INTO kiosk_gaps (office, kiosk, "first", "last") '
        "SELECT office, kiosk, prev + 1, seq - 1 FROM ("
        " SELECT office, kiosk, seq, LAG(seq, 1, 0) OVER (PARTITION BY office, kiosk ORDER BY seq)"
        " AS prev FROM responses) seqs WHERE seq > prev + 1")
    op.execute("UPDATE kiosks SET rejected = (SELECT COUNT(*) FROM rejected r WHERE r.topic LIKE "
               "'hailong/v1/' || kiosks.office || '/' || kiosks.kiosk || '/%')")


def downgrade() -> None:
    op.drop_table("dossier_counts")
    op.drop_index("ux_alerts_open", table_name="alerts")
    op.drop_index("ix_alerts_office_opened", table_name="alerts")
    op.drop_table("alerts")
    op.drop_table("kiosk_gaps")
    op.drop_table("officers")
    op.drop_table("counters")
    with op.batch_alter_table("rollup_responses") as batch:
        for name in ("skewed", "ungated", "unknown"):
            batch.drop_column(name)
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("rejected")
        batch.drop_column("status_seq")
    with op.batch_alter_table("offices") as batch:
        batch.drop_column("gating")
