"""web channel: an index on the receipt hash, so a link or a form for a dossier already rated
(any channel, at that stage) is refused with one look-up

Revision ID: 0800
Revises: 0700
Create Date: 2026-12-03 22:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0800"
down_revision = "0700"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_responses_receipt", "responses", ["receipt_h"],
                    sqlite_where=sa.text("receipt_h IS NOT NULL"),
                    postgresql_where=sa.text("receipt_h IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_responses_receipt", table_name="responses")
