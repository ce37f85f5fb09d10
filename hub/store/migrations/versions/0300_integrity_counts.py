"""integrity counts: answers to the integrity questions, kept apart from the responses

Revision ID: 0300
Revises: 0200
Create Date: 2026-12-03 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0300"
down_revision = "0200"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integrity_counts",
        sa.Column("office", sa.String(length=63), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("question", sa.String(length=63), nullable=False),
        sa.Column("answer", sa.String(length=63), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office", "day", "channel", "question", "answer"),
    )


def downgrade() -> None:
    op.drop_table("integrity_counts")
