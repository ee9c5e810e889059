"""The Slack app manifest asks for what the app uses, and no more."""
from __future__ import annotations

from bot.settings import PROJECT_ROOT, load_yaml_file

MANIFEST = load_yaml_file(PROJECT_ROOT / "config" / "slack-manifest.yaml")


def test_the_policy_command_has_a_usage_hint_that_works():
    (command,) = MANIFEST["features"]["slash_commands"]
    assert command["command"] == "/policy"
    assert "target 研发" in command["usage_hint"] and "help" in command["usage_hint"]


def test_minimal_bot_scopes():
    # users:read for each user's locale; the history scopes for conversations.replies (a thread's first message).
    assert sorted(MANIFEST["oauth_config"]["scopes"]["bot"]) == sorted(
        ["commands", "chat:write", "im:history", "im:write", "app_mentions:read", "links:read", "links:write",
         "users:read", "channels:read", "groups:read", "channels:history", "groups:history", "mpim:history",
         "files:read"])
    assert "user" not in MANIFEST["oauth_config"]["scopes"]


def test_the_message_shortcut_is_the_one_the_app_listens_for():
    from handlers.modal_blocks import SHORTCUT_FIND

    (shortcut,) = MANIFEST["features"]["shortcuts"]
    assert shortcut == {"name": "在政策中查找 / Find in policies", "type": "message", "callback_id": SHORTCUT_FIND,
                        "description": shortcut["description"]}
    assert len(shortcut["description"]) <= 150


def test_slash_command_text_arrives_as_slack_markup_like_every_other_surface():
    (command,) = MANIFEST["features"]["slash_commands"]
    assert command["should_escape"] is True


def test_the_install_flow_asks_for_the_manifests_scopes():
    from handlers.install import BOT_SCOPES, REDIRECT_PATH

    assert list(BOT_SCOPES) == MANIFEST["oauth_config"]["scopes"]["bot"]
    manifest_text = (PROJECT_ROOT / "config" / "slack-manifest.yaml").read_text(encoding="utf-8")
    assert f"#   - https://policybot.example.org{REDIRECT_PATH}" in manifest_text


def test_events_interactivity_and_socket_mode():
    settings = MANIFEST["settings"]
    assert sorted(settings["event_subscriptions"]["bot_events"]) == [
        "app_home_opened", "app_mention", "app_uninstalled", "link_shared", "message.im", "tokens_revoked"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    home = MANIFEST["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"] and not home["messages_tab_read_only_enabled"]


def test_viewer_links_unfurl():
    """link_shared arrives only for the app's unfurl domains: the viewer's host must be one."""
    (domain,) = MANIFEST["features"]["unfurl_domains"]
    assert "." in domain and "/" not in domain and ":" not in domain
