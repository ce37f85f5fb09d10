"""stages: the moment of the dossier rated on responses and in the rollups' keys

Revision ID: 0400
Revises: 0300
Create Date: 2026-12-04 10:00:00
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0400"
down_revision = "0300"
branch_labels = None
depends_on = None

# The rollups' columns besides their keys, as 0001, 0002 and 0200 made them.
VALUES = {
    "rollup_responses": ("n", "complete", "skewed", "ungated", "unknown"),
    "rollup_ratings": ("n", "total", "d1", "d2", "d3", "d4", "d5"),
    "rollup_choices": ("n",),
}
# Their keys as 0200 left them; ``stage`` goes in after ``channel``.
ROLLUPS = {
    "rollup_responses": ("office", "day", "counter", "officer", "questionnaire", "channel"),
    "rollup_ratings": ("office", "day", "counter", "officer", "questionnaire", "channel",
                       "question"),
    "rollup_choices": ("office", "day", "counter", "officer", "questionnaire", "channel",
                       "question", "choice"),
}
TYPES: dict[str, Any] = {
    "day": sa.Date(), "office": sa.String(63), "counter": sa.String(64),
    "officer": sa.String(64), "questionnaire": sa.String(100), "question": sa.String(63),
    "choice": sa.String(63)}


def _stage() -> sa.Column[str]:
    # "" (not NULL: it is part of a primary key) for a response that does not say its stage
    return sa.Column("stage", sa.String(length=8), nullable=False, server_default="")


def _set_primary_key(table: str, columns: list[str]) -> None:
    """The rollup's key becomes ``columns``; without ``stage`` among them the column goes."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint(f"{table}_pkey", table, type_="primary")
        op.create_primary_key(f"{table}_pkey", table, columns)
        if "stage" not in columns:
            op.drop_column(table, "stage")
        return
    # SQLite cannot alter a primary key: the batch copies the table into one with the new key.
    shape = sa.Table(
        table, sa.MetaData(),
        *(sa.Column(name, TYPES[name], nullable=False)
          for name in columns if name not in ("channel", "stage")),
        sa.Column("channel", sa.String(length=16), nullable=False, server_default="kiosk"),
        *([_stage()] if "stage" in columns else []),
        *(sa.Column(name, sa.Integer(), nullable=False, server_default="0")
          for name in VALUES[table]),
        sa.PrimaryKeyConstraint(*columns, name=f"{table}_pkey"))
    with op.batch_alter_table(table, recreate="always", copy_from=shape):
        pass


def upgrade() -> None:
    with op.batch_alter_table("responses") as batch:
        batch.add_column(sa.Column("stage", sa.String(length=8), nullable=True))
    for table, key in ROLLUPS.items():
        op.add_column(table, _stage())
        _set_primary_key(table, [*key[:6], "stage", *key[6:]])


def downgrade() -> None:
    for table, key in ROLLUPS.items():
        # the stages' cells of one cell fold back into it
        values = ", ".join(f"SUM({v}) AS {v}" for v in VALUES[table])
        keys = ", ".join(key)
        op.execute(f"CREATE TEMPORARY TABLE folded AS SELECT {keys}, {values} FROM {table} "
                   f"GROUP BY {keys}")
        op.execute(f"DELETE FROM {table}")
        _set_primary_key(table, list(key))
        op.execute(f"INSERT INTO {table} ({keys}, {', '.join(VALUES[table])}) "
                   f"SELECT * FROM folded")
        op.execute("DROP TABLE folded")
    with op.batch_alter_table("responses") as batch:
        batch.drop_column("stage")
