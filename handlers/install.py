"""Distribution over OAuth: the install flow a workspace goes through to add the app.

When `SLACK_CLIENT_ID` and `SLACK_CLIENT_SECRET` are set, `/slack/install` shows the "Add to
Slack" page and `/slack/oauth_redirect` completes the installation (`oauth.v2.access`); the
installation, with the workspace's bot token, is kept in the app's database through
slack_sdk's installation store (`handlers.workspaces`). Bolt then answers each request with
the token of the workspace it came from.
"""
from __future__ import annotations

import urllib.parse

from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot import strings as s

from handlers.workspaces import Workspaces

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
# Exactly the bot scopes of config/slack-manifest.yaml (a test keeps the two equal).
BOT_SCOPES = (
    "commands",           # /policy, and the "Find in policies" message shortcut
    "chat:write",         # answers, digests, the DM when a digest stops
    "im:history",         # direct messages (message.im), a DM thread's first message, a DM digest after a restart
    "im:write",           # open the DM of a user's digest to look for it after a restart
    "app_mentions:read",  # @policybot (app_mention)
    "links:read",         # viewer links posted in messages (link_shared)
    "links:write",        # the clause under such a link (chat.unfurl)
    "users:read",         # each user's locale, to answer in Chinese or English
    "channels:read",      # is the bot in this public channel? (conversations.info)
    "groups:read",        # ... in this private channel?
    "channels:history",   # a thread's first message; a digest an instance stopped while posting
    "groups:history",     # ... in private channels
    "mpim:history",       # ... in group DMs
    "files:read",         # documents an admin shares in the bot's DM
)


def authorization_url(api_url: str) -> str:
    """Slack's authorize page on the same host as the Web API (`https://slack.com/api/` → `…/oauth/v2/authorize`)."""
    parts = urllib.parse.urlsplit(api_url)
    path = parts.path.rstrip("/")
    base = path[: -len("/api")] if path.endswith("/api") else path
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"{base}/oauth/v2/authorize", "", ""))


def not_installed_message() -> str:
    """What someone in a workspace without an installation is told (their language is unknown then: both)."""
    return f"{s.NOT_INSTALLED('zh')}\n{s.NOT_INSTALLED('en')}"


def oauth_settings(workspaces: Workspaces, *, client_secret: str, api_url: str,
                   redirect_uri: str | None = None) -> OAuthSettings:
    """Bolt's OAuth settings over the installations and states kept in the app's database."""
    installations = workspaces.installations
    if installations is None or workspaces.states is None:
        raise ValueError("OAuth needs the workspaces of a distributed app (Workspaces.installed)")
    return OAuthSettings(
        client_id=installations.client_id, client_secret=client_secret, scopes=list(BOT_SCOPES), user_scopes=[],
        redirect_uri=redirect_uri, install_path=INSTALL_PATH, redirect_uri_path=REDIRECT_PATH,
        authorization_url=authorization_url(api_url), installation_store=installations,
        installation_store_bot_only=True, state_store=workspaces.states)
