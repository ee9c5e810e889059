"""Subscriptions, last digest per audience, digest claims, post log, feedback.

Revision ID: 0001
Revises:
Create Date: 2026-05-20

The tables are spelled out here rather than imported from bot.store, so this revision
keeps creating the schema of version 0001 whatever the models become later.
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
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("audience", sa.String(64), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("created_by", sa.String(32)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("audience", "topic", name="uq_subscriptions_audience_topic"),
    )
    op.create_table(
        "digest_state",
        sa.Column("audience", sa.String(64), primary_key=True),
        sa.Column("sent_at", sa.DateTime, nullable=False),
        sa.Column("corpus_hashes", sa.JSON, nullable=False),
        sa.Column("document_titles", sa.JSON, nullable=False),
        sa.Column("clause_keys", sa.JSON, nullable=False),
        sa.Column("due_keys", sa.JSON, nullable=False),
    )
    op.create_table(
        "schedules_seen",
        sa.Column("schedule_key", sa.String(255), primary_key=True),
        sa.Column("first_seen_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "digest_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("schedule_key", sa.String(255), nullable=False),
        sa.Column("slot", sa.DateTime, nullable=False),
        sa.Column("audience", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("instance", sa.String(128), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("claimed_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime),
        sa.Column("message_ts", sa.String(32)),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("schedule_key", "slot", "audience", name="uq_digest_runs_slot"),
    )
    op.create_table(
        "post_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("audience", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("schedule_key", sa.String(255)),
        sa.Column("slot", sa.DateTime),
        sa.Column("message_ts", sa.String(32)),
        sa.Column("parts", sa.Integer, nullable=False),
        sa.Column("instance", sa.String(128)),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_post_log_at", "post_log", ["at"])
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("channel_id", sa.String(32)),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("intent", sa.String(32)),
        sa.Column("clause_ids", sa.JSON, nullable=False),
        sa.Column("shown", sa.JSON, nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
    )
    op.create_index("ix_feedback_at", "feedback", ["at"])


def downgrade() -> None:
    op.drop_index("ix_feedback_at", "feedback")
    op.drop_table("feedback")
    op.drop_index("ix_post_log_at", "post_log")
    op.drop_table("post_log")
    op.drop_table("digest_runs")
    op.drop_table("schedules_seen")
    op.drop_table("digest_state")
    op.drop_table("subscriptions")
