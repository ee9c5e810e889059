"""Distribution over OAuth: a workspace installs the app, then is answered (and digested) with its own token.

The install flow runs against the fake Slack's `oauth.v2.access`; installations are kept in the
app's database. Token mode (one workspace, SLACK_BOT_TOKEN) stays the default and is what every
other Slack test runs.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie

import pytest
from fake_slack import FakeSlackAPI
from slack_harness import SECRET, TOKEN, running_app

from bot.app import SlackEnvironment, build_runtime
from bot.errors import ConfigError
from bot.settings import DigestSchedule
from bot.store import Audience
from digest_support import FRIDAY, MONDAY, Clock, copy_seeds, digest_settings, posts_to
from handlers.install import BOT_SCOPES, authorization_url

CLIENT_ID, CLIENT_SECRET = "1234567890.0987654321", "client-secret-for-tests"
SECOND = "T0SECOND"
ROOM = "C0SECONDROOM"


def get(url: str, cookie: str | None = None) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


@pytest.fixture
def distributed(settings, tmp_path):
    """The app with SLACK_CLIENT_ID and SLACK_CLIENT_SECRET set (no bot token), served over HTTP."""
    folder = copy_seeds(tmp_path / "corpus")
    here = digest_settings(settings, folder, settings.cache_dir, f"sqlite:///{tmp_path / 'policybot.db'}",
                           schedules=())
    with FakeSlackAPI(token=TOKEN) as fake:
        fake.workspaces.oauth_client(CLIENT_ID, CLIENT_SECRET)
        clock = Clock(FRIDAY)
        fake.clock = lambda: clock().timestamp()
        env = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": fake.api_url}
        runtime = build_runtime(here, env, clock=clock)
        try:
            with running_app(runtime, fake) as running:
                yield running, clock
        finally:
            runtime.close()


def install(running, team: str) -> tuple[int, str]:
    """Go through the install flow as an admin of `team` would: the install page, Slack, the redirect."""
    base = running.url.rsplit("/slack/", 1)[0]
    status, page, headers = get(f"{base}/slack/install")
    assert status == 200
    cookie = SimpleCookie(headers["set-cookie"])
    state = cookie["slack-app-oauth-state"].value
    authorize = page[page.index(authorization_url(running.fake.api_url)):].split('"', 1)[0]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(authorize.replace("&amp;", "&")).query)
    assert query["client_id"] == [CLIENT_ID] and query["state"] == [state]
    assert query["scope"][0].split(",") == list(BOT_SCOPES)
    code = running.fake.workspaces.issue_code(team)  # the admin approved; Slack redirects back with a code
    status, page, _ = get(f"{base}/slack/oauth_redirect?code={code}&state={state}",
                          cookie=f"slack-app-oauth-state={state}")
    return status, page


def test_a_workspace_installs_the_app_and_is_answered_with_its_own_token(distributed):
    running, clock = distributed
    fake, store = running.fake, running.services.store
    status, page = install(running, SECOND)
    assert status == 200 and "Thank you" in page
    (token,) = [t for t, i in fake.workspaces.installations.items() if i.team == SECOND]
    assert store.latest_bot(CLIENT_ID, None, SECOND)["bot_token"] == token
    assert fake.calls_to("oauth.v2.access")[0].params["code"].startswith("code-T0SECOND")

    # A slash command from that workspace: Slack is asked with its token.
    sent, _ = running.slack.command("subscribe 研发投入", team=SECOND, channel=ROOM, user="U0SECONDLEAD")
    assert sent.status == 200 and "已在本频道订阅" in sent.text
    (info,) = fake.calls_to("conversations.info")
    assert (info.params["channel"], info.token) == (ROOM, token)
    assert store.subscriptions(Audience.channel(ROOM))[0].audience.team == SECOND
    # A DM from it is answered with its token too.
    running.slack.direct_message("target 研发", team=SECOND, channel="D0SECOND", user="U0SECONDLEAD")
    running.settle()
    (answer,) = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "D0SECOND"]
    assert answer.token == token

    # Its channel's digest goes out with its token, from the schedule set in Slack.
    running.slack.command("digest schedule 0 9 * * 1", team=SECOND, channel=ROOM, user="U0SECONDLEAD")
    clock.set(MONDAY + dt.timedelta(seconds=5))
    assert [(o.audience.id, o.status) for o in running.services.digests.tick()] == [(ROOM, "posted")]
    (digest,) = posts_to(fake, ROOM)
    assert digest.token == token and digest.params["metadata"]["event_type"] == "policybot_digest"
    with store.engine.connect() as conn:
        teams = {table: conn.exec_driver_sql(f"SELECT DISTINCT team_id FROM {table}").scalars().all()
                 for table in ("subscriptions", "digest_runs", "post_log", "digest_state", "audiences")}
    assert teams == {table: [SECOND] for table in teams}


def test_the_install_state_is_used_once_and_an_unknown_workspace_is_not_answered(distributed):
    running, _ = distributed
    base = running.url.rsplit("/slack/", 1)[0]
    status, _ = install(running, SECOND)
    assert status == 200
    # A forged or replayed redirect: no cookie, or a state already used.
    code = running.fake.workspaces.issue_code("T0EVIL")
    assert get(f"{base}/slack/oauth_redirect?code={code}&state=made-up")[0] >= 400
    assert "T0EVIL" not in {i.team for i in running.fake.workspaces.installations.values()}

    sent, name = running.slack.command("target 研发", team="T0NEVER")
    assert sent.status == 200
    told = running.fake.wait_for_call(name)[0].params["text"]
    assert told.startswith("policybot 没有安装在这个工作区") and "an admin needs to install it again" in told
    assert [c.name for c in running.fake.calls if c.kind == "api" and c.name != "auth.test"] == ["oauth.v2.access"]


def test_an_uninstalled_workspace_stops_its_digests(distributed):
    running, clock = distributed
    install(running, SECOND)
    running.slack.command("subscribe 研发投入", team=SECOND, channel=ROOM, user="U0SECONDLEAD")
    running.slack.command("digest schedule 0 9 * * 1", team=SECOND, channel=ROOM, user="U0SECONDLEAD")
    running.slack.event({"type": "app_uninstalled"}, team=SECOND)
    running.settle()
    assert running.services.store.latest_bot(CLIENT_ID, None, SECOND) is None
    clock.set(MONDAY + dt.timedelta(seconds=5))
    (outcome,) = running.services.digests.tick()
    assert (outcome.status, outcome.code) == ("blocked", "not_installed")
    clock.set(MONDAY + dt.timedelta(days=7, seconds=5))
    assert running.services.digests.tick() == []
    assert posts_to(running.fake, ROOM) == []


@pytest.mark.parametrize("env, problem", [
    ({"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_SIGNING_SECRET": SECRET}, "SLACK_CLIENT_SECRET is not set"),
    ({"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "x", "SLACK_APP_TOKEN": "xapp-1"},
     "SLACK_APP_TOKEN is set with SLACK_CLIENT_ID"),
    ({"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": "x"}, "SLACK_SIGNING_SECRET is not set"),
])
def test_distribution_settings_are_checked(env, problem):
    with pytest.raises(ConfigError) as caught:
        SlackEnvironment.from_env(env)
    assert any(problem in p for p in caught.value.problems)
    assert not any("SLACK_BOT_TOKEN" in p for p in caught.value.problems if env.get("SLACK_CLIENT_SECRET"))


def test_configured_channel_schedules_name_their_workspace_when_distributed(settings, tmp_path):
    env = {"SLACK_CLIENT_ID": CLIENT_ID, "SLACK_CLIENT_SECRET": CLIENT_SECRET, "SLACK_SIGNING_SECRET": SECRET}
    here = dataclasses.replace(settings, schedules=(DigestSchedule("C0ANY", "0 9 * * 1"), DigestSchedule("dm", "0 9 * * 1"),
                                                     DigestSchedule("C0PLACED", "0 9 * * 1", team="T0PLACED")),
                               database_url=f"sqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ConfigError) as caught:
        build_runtime(here, env)
    assert caught.value.problems == ["key 'digests.schedules[0].team' is required when the app is installed in "
                                     "several workspaces (SLACK_CLIENT_ID is set): the id of the channel's "
                                     "workspace, T..."]


def test_the_authorize_page_is_on_the_web_apis_host():
    assert authorization_url("https://slack.com/api/") == "https://slack.com/oauth/v2/authorize"
    assert authorization_url("https://slack-gov.com/api") == "https://slack-gov.com/oauth/v2/authorize"
    assert json.dumps(authorization_url("http://127.0.0.1:8080/api/")) == '"http://127.0.0.1:8080/oauth/v2/authorize"'
