"""slack_sdk's installation and OAuth state stores, over the app's own database.

The tables are those of slack_sdk's SQLAlchemy stores (created by the app's Alembic
migrations); the queries are `bot.store`'s, so SQLAlchemy keeps one door and no asyncio
extra is needed. Bolt calls these to save an installation at the end of the install flow, to
find a workspace's bot token for each request, and to forget a workspace that uninstalled.
"""
from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable

from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore
from slack_sdk.oauth.state_store import OAuthStateStore

from bot.store import Store

log = logging.getLogger("policybot.installations")

BOT_FIELDS = ("app_id", "enterprise_id", "enterprise_name", "team_id", "team_name", "bot_token", "bot_id",
              "bot_user_id", "bot_scopes", "bot_refresh_token", "bot_token_expires_at", "is_enterprise_install",
              "installed_at")
INSTALLATION_FIELDS = BOT_FIELDS + (
    "enterprise_url", "user_id", "user_token", "user_scopes", "user_refresh_token", "user_token_expires_at",
    "incoming_webhook_url", "incoming_webhook_channel", "incoming_webhook_channel_id",
    "incoming_webhook_configuration_url", "token_type")


def _team(team_id: str | None, is_enterprise_install: bool | None) -> str | None:
    # An organisation-wide installation is kept without a team, as slack_sdk keeps it.
    return None if is_enterprise_install else team_id


class DatabaseInstallationStore(InstallationStore):
    """Installations of the app, by client id, in the app's database."""

    def __init__(self, store: Store, client_id: str):
        self.store = store
        self.client_id = client_id

    @property
    def logger(self) -> logging.Logger:
        return log

    def save(self, installation: Installation) -> None:
        row = {**installation.to_dict(), "client_id": self.client_id}
        bot = installation.to_bot() if installation.bot_token else None
        self.store.save_installation(row, {**bot.to_dict(), "client_id": self.client_id} if bot else None)

    def save_bot(self, bot: Bot) -> None:
        self.store.save_installation_bot({**bot.to_dict(), "client_id": self.client_id})

    def find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                 is_enterprise_install: bool | None = False) -> Bot | None:
        row = self.store.latest_bot(self.client_id, enterprise_id, _team(team_id, is_enterprise_install))
        return Bot(**{k: row[k] for k in BOT_FIELDS}) if row else None

    def find_installation(self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None,
                          is_enterprise_install: bool | None = False) -> Installation | None:
        team = _team(team_id, is_enterprise_install)
        row = self.store.latest_installation(self.client_id, enterprise_id, team, user_id)
        if row is None:
            return None
        installation = Installation(**{k: row[k] for k in INSTALLATION_FIELDS})
        bot = self.find_bot(enterprise_id=enterprise_id, team_id=team)
        if bot is not None and bot.bot_token != installation.bot_token:  # a newer bot token than this installer's
            installation.bot_id, installation.bot_user_id = bot.bot_id, bot.bot_user_id
            installation.bot_token, installation.bot_scopes = bot.bot_token, bot.bot_scopes
            installation.bot_refresh_token = bot.bot_refresh_token
            installation.bot_token_expires_at = bot.bot_token_expires_at
        return installation

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.store.delete_bots(self.client_id, enterprise_id, team_id)

    def delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> None:
        self.store.delete_installations(self.client_id, enterprise_id, team_id, user_id=user_id, bots=False)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.store.delete_installations(self.client_id, enterprise_id, team_id)


class DatabaseOAuthStateStore(OAuthStateStore):
    """The `state` of install flows under way, each used once and within its time."""

    def __init__(self, store: Store, expiration_seconds: int,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)):
        self.store = store
        self.expiration_seconds = expiration_seconds
        self.clock = clock

    @property
    def logger(self) -> logging.Logger:
        return log

    def issue(self, *args, **kwargs) -> str:
        state = secrets.token_urlsafe(24)
        self.store.issue_oauth_state(state, self.clock() + dt.timedelta(seconds=self.expiration_seconds))
        return state

    def consume(self, state: str) -> bool:
        return self.store.consume_oauth_state(state, self.clock())
