"""Workspaces on every row, channels' own digest settings, keys seen once, OAuth installations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07

- `team_id` on subscriptions, digest_state, schedules_seen, digest_runs, post_log and feedback
  (rows written before are of the one workspace of token mode: `''`, filled in as they are
  rewritten);
- `digest_runs.baseline`: what a digest being posted covers, so that an instance that finds the
  post in the channel after its poster stopped can record it;
- `audiences`: a channel's owner, own schedule, digests switched off, a permanent refusal;
- `seen_keys`: event ids, request signatures and commands taken once across instances;
- `slack_installations`, `slack_bots`, `slack_oauth_states`: slack_sdk's SQLAlchemy installation
  and OAuth state stores, for distribution to several workspaces.

Spelled out rather than imported from bot.store, like 0001 and 0002.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TEAM_TABLES = ("subscriptions", "digest_state", "schedules_seen", "digest_runs", "post_log", "feedback")


def slack_bot_columns() -> list[sa.Column]:
    """The bot's columns, shared by slack_sdk's installations and bots tables."""
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime),
        sa.Column("is_enterprise_install", sa.Boolean, nullable=False),
        sa.Column("installed_at", sa.DateTime, nullable=False),
    ]


def upgrade() -> None:
    for table in TEAM_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("team_id", sa.String(32), nullable=False, server_default=""))
    with op.batch_alter_table("digest_runs") as batch:
        batch.add_column(sa.Column("baseline", sa.JSON))
    op.create_table(
        "audiences",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("audience", sa.String(64), nullable=False),
        sa.Column("owner_id", sa.String(32)),
        sa.Column("owner_since", sa.DateTime),
        sa.Column("cron", sa.String(120)),
        sa.Column("timezone", sa.String(64)),
        sa.Column("schedule_by", sa.String(32)),
        sa.Column("schedule_at", sa.DateTime),
        sa.Column("digests_off", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("blocked_error", sa.String(64)),
        sa.Column("blocked_at", sa.DateTime),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("audience", name="uq_audiences_audience"),
    )
    op.create_table(
        "seen_keys",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False, server_default=""),
        sa.Column("seen_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_seen_keys_expires_at", "seen_keys", ["expires_at"])
    op.create_table(
        "slack_installations",
        *slack_bot_columns(),
        sa.Column("enterprise_url", sa.String(200)),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("user_token", sa.String(200)),
        sa.Column("user_scopes", sa.String(1000)),
        sa.Column("user_refresh_token", sa.String(200)),
        sa.Column("user_token_expires_at", sa.DateTime),
        sa.Column("incoming_webhook_url", sa.String(200)),
        sa.Column("incoming_webhook_channel", sa.String(200)),
        sa.Column("incoming_webhook_channel_id", sa.String(200)),
        sa.Column("incoming_webhook_configuration_url", sa.String(200)),
        sa.Column("token_type", sa.String(32)),
    )
    op.create_index("slack_installations_idx", "slack_installations",
                    ["client_id", "enterprise_id", "team_id", "user_id", "installed_at"])
    op.create_table("slack_bots", *slack_bot_columns())
    op.create_index("slack_bots_idx", "slack_bots", ["client_id", "enterprise_id", "team_id", "installed_at"])
    op.create_table(
        "slack_oauth_states",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(200), nullable=False),
        sa.Column("expire_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("slack_oauth_states")
    op.drop_index("slack_bots_idx", "slack_bots")
    op.drop_table("slack_bots")
    op.drop_index("slack_installations_idx", "slack_installations")
    op.drop_table("slack_installations")
    op.drop_index("ix_seen_keys_expires_at", "seen_keys")
    op.drop_table("seen_keys")
    op.drop_table("audiences")
    with op.batch_alter_table("digest_runs") as batch:
        batch.drop_column("baseline")
    for table in reversed(TEAM_TABLES):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("team_id")
