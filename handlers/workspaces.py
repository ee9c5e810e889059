"""The Slack workspaces the app serves, and a Web API client for each.

With one workspace (token mode, the default) every call uses the bot token of
`SLACK_BOT_TOKEN`. Distributed over OAuth, each workspace that installed the app has its
own bot token, kept by slack_sdk's installation store in the app's database; a digest for a
channel is posted with the token of that channel's workspace.
"""
from __future__ import annotations

import logging
import threading

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.store import Store
from handlers.installations import DatabaseInstallationStore, DatabaseOAuthStateStore

log = logging.getLogger("policybot.workspaces")

STATE_SECONDS = 10 * 60  # an install started longer ago than this must start again


class NotInstalled(LookupError):
    """No installation of the app holds a bot token for the workspace."""


class Workspaces:
    """Web API clients by workspace: one bot token, or one per installation.

    Args:
        client: the client of token mode, or, distributed, the client whose settings (base URL,
            retry handlers, timeout) every workspace's client copies.
        installations: the installation store when distributed; None in token mode.
        states: the OAuth state store of the install flow when distributed.
    """

    def __init__(self, client: WebClient, installations: DatabaseInstallationStore | None = None,
                 states: DatabaseOAuthStateStore | None = None):
        self.client = client
        self.installations = installations
        self.states = states
        self._clients: dict[str, WebClient] = {}
        self._team: str | None = None
        self._lock = threading.Lock()

    @classmethod
    def installed(cls, client: WebClient, store: Store, client_id: str) -> "Workspaces":
        """Workspaces that installed the app over OAuth, kept in the app's database."""
        return cls(client, DatabaseInstallationStore(store, client_id), DatabaseOAuthStateStore(store, STATE_SECONDS))

    @property
    def distributed(self) -> bool:
        return self.installations is not None

    def client_for(self, team: str) -> WebClient:
        """The client that posts in `team`.

        Raises:
            NotInstalled: distributed, and the workspace has no installation (never, or uninstalled).
        """
        if self.installations is None:
            return self.client
        bot = self.installations.find_bot(enterprise_id=None, team_id=team or None) if team else None
        if bot is None or not bot.bot_token:
            raise NotInstalled(f"the app is not installed in workspace {team or '(unknown)'}")
        with self._lock:
            found = self._clients.get(bot.bot_token)
            if found is None:
                found = self._clients[bot.bot_token] = WebClient(
                    token=bot.bot_token, base_url=self.client.base_url, timeout=self.client.timeout,
                    retry_handlers=list(self.client.retry_handlers or []), team_id=team)
            return found

    def default_team(self) -> str:
        """The workspace of the bot token in token mode (asked once); '' when distributed or unknown."""
        if self.installations is not None:
            return ""
        with self._lock:
            if self._team is None:
                try:
                    self._team = self.client.auth_test().get("team_id") or ""
                except Exception as exc:  # asked again next time; rows stay without a team meanwhile
                    log.warning("auth.test failed, workspace unknown for now: %s", _reason(exc))
                    return ""
            return self._team


def _reason(exc: Exception) -> str:
    return str(exc.response.get("error")) if isinstance(exc, SlackApiError) else f"{type(exc).__name__}: {exc}"
