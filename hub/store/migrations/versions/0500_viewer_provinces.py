"""viewer provinces: the provinces a province viewer (user or token) may read

Revision ID: 0500
Revises: 0400
Create Date: 2026-12-20 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0500"
down_revision = "0400"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_provinces",
        sa.Column("user_name", sa.String(length=64), nullable=False),
        sa.Column("province", sa.String(length=63), nullable=False),
        sa.ForeignKeyConstraint(["user_name"], ["users.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("user_name", "province"),
    )
    op.create_table(
        "token_provinces",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("province", sa.String(length=63), nullable=False),
        sa.ForeignKeyConstraint(["token"], ["tokens.name"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token", "province"),
    )


def downgrade() -> None:
    op.drop_table("token_provinces")
    op.drop_table("user_provinces")
