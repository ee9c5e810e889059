"""Documents added through `policybot add` or Slack, shared by every instance.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30

Spelled out rather than imported from bot.store, like 0001, so this revision keeps
creating the same table whatever the models become.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "corpus_documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("meta", sa.JSON, nullable=False),
        sa.Column("added_by", sa.String(64)),
        sa.Column("added_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("name", name="uq_corpus_documents_name"),
    )


def downgrade() -> None:
    op.drop_table("corpus_documents")
