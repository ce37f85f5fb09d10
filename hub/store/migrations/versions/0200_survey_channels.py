"""survey channels: a channel on responses and in the rollups' keys, and the survey imports

Revision ID: 0200
Revises: 0100
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0200"
down_revision = "0100"
branch_labels = None
depends_on = None

# The rollups' columns besides their keys, as 0001 and 0002 made them.
VALUES = {
    "rollup_responses": ("n", "complete", "skewed", "ungated", "unknown"),
    "rollup_ratings": ("n", "total", "d1", "d2", "d3", "d4", "d5"),
    "rollup_choices": ("n",),
}
ROLLUPS = {
    "rollup_responses": ("office", "day", "counter", "officer", "questionnaire"),
    "rollup_ratings": ("office", "day", "counter", "officer", "questionnaire", "question"),
    "rollup_choices": ("office", "day", "counter", "officer", "questionnaire", "question",
                       "choice"),
}


def _channel() -> sa.Column[str]:
    return sa.Column("channel", sa.String(length=16), nullable=False, server_default="kiosk")


def _set_primary_key(table: str, columns: list[str]) -> None:
    """The rollup's key becomes ``columns``; without ``channel`` among them the column goes."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.create_primary_key(f"{table}_pkey", table, columns)
        if "channel" not in columns:
            op.drop_column(table, "channel")
        return
    # SQLite cannot alter a primary key: the batch copies the table into one with the new key.
    types: dict[str, Any] = {
        "day": sa.Date(), "office": sa.String(63), "counter": sa.String(64),
        "officer": sa.String(64), "questionnaire": sa.String(100), "question": sa.String(63),
        "choice": sa.String(63)}
    shape = sa.Table(
        table, sa.MetaData(),
        *(sa.Column(name, types[name], nullable=False) for name in columns if name != "channel"),
        *([_channel()] if "channel" in columns else []),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default="0")
          for name in VALUES[table]),
        sa.PrimaryKeyConstraint(*columns, name=f"{table}_pkey"))
    with op.batch_alter_table(table, recreate="always", copy_from=shape):
        pass


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(_channel())
        batch.add_column(sa.Column("import_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("respondent", sa.String(length=64), nullable=True))
        # Partial: kiosk responses (nearly every row) have no import and cost the index nothing.
        batch.create_index("ix_responses_import", ["import_id"], unique=False,
                           sqlite_where=sa.text("import_id IS NOT NULL"),
                           postgresql_where=sa.text("import_id IS NOT NULL"))
    for table, key in ROLLUPS.items():
        op.add_column(table, _channel())
        _set_primary_key(table, [*key[:5], "channel", *key[5:]])
    op.create_table(
        "survey_imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("channels", sa.Text(), nullable=False),
        sa.Column("offices", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_by", sa.String(length=64), nullable=True),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ux_survey_imports_digest", "survey_imports", ["digest"], unique=True,
                    sqlite_where=sa.text("undone_at IS NULL"),
                    postgresql_where=sa.text("undone_at IS NULL"))


def downgrade() -> None:
    op.drop_index("ux_survey_imports_digest", table_name="survey_imports")
    op.drop_table("survey_imports")
    op.execute("DELETE FROM responses WHERE channel <> 'kiosk'")
    for table, key in ROLLUPS.items():
        op.execute(f"DELETE FROM {table} WHERE channel <> 'kiosk'")
        _set_primary_key(table, list(key))
    with op.batch_alter_table("responses") as batch:
        batch.drop_index("ix_responses_import")
        batch.drop_column("respondent")
        batch.drop_column("import_id")
        batch.drop_column("channel")
