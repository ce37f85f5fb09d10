"""kiosk storage: a kiosk's status says when its outbox cannot store ratings (issue 18)

Revision ID: 0518
Revises: 0500
Create Date: 2026-12-03 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0518"
down_revision = "0500"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # null: storing works (or the kiosk never said otherwise); "full" / "error": it is paused
    with op.batch_alter_table("kiosks") as batch:
        batch.add_column(sa.Column("storage", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("kiosks") as batch:
        batch.drop_column("storage")
