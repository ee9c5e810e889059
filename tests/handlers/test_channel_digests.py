"""Self-service channel digests, end to end: signed `/policy` requests against the fake Slack.

A channel sets its own schedule (`digest schedule <cron> [tz]`) or switches digests off;
every instance sharing the database serves the change from its next tick. Before a
subscription or a schedule the bot checks it is in the channel; who may change a channel's
digest is `slack.channel_changes`; a permanent refusal stops the digest and tells whoever
set it up, instead of retrying every hour for ever.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from slack_harness import running_app

from bot.errors import ConfigError
from bot.settings import load_settings
from bot.store import Audience
from digest_support import (ADMIN, CHANNEL, FRIDAY, MONDAY, ROOT, message_text, posts_to, reply_to_command,
                            start_world, worlds_on_one_database)

TEAM_ROOM = "C0TEAMROOM"  # a channel with no configured schedule
LEAD, OTHER = "U0LEAD", "U0OTHER"


def at(moment: dt.datetime, **delta) -> dt.datetime:
    return moment + dt.timedelta(**delta)


def said(reply: dict) -> str:
    return json.dumps(reply, ensure_ascii=False)


@pytest.fixture
def world(settings, tmp_path):
    with worlds_on_one_database(settings, tmp_path) as (world,):
        yield world


def attempts_to(fake, channel: str) -> list:
    """Every chat.postMessage tried at `channel`, refused ones included."""
    return [c for c in fake.calls_to("chat.postMessage", ok_only=False) if c.params.get("channel") == channel]


# ---------------------------------------------------------------- schedules set in Slack

def test_a_channel_sets_its_own_schedule_and_every_instance_serves_it_without_a_restart(world):
    other = start_world(world.settings, world.clock, world.fake, world.folder)  # a second instance, same database
    try:
        for w in (world, other):
            w.runner.register()
        with running_app(world.runtime, world.fake) as running:
            reply = said(reply_to_command(running, "digest schedule 0 9 * * 1 Asia/Shanghai", channel=TEAM_ROOM,
                                          user=LEAD))
            assert "本频道的摘要时间已设为 `0 9 * * 1`(Asia/Shanghai),下一期:2026-11-23 09:00。" in reply
            reply_to_command(running, "subscribe 研发投入", channel=TEAM_ROOM, user=LEAD)
        assert world.runner.tick() == []  # Friday: nothing due

        # Monday 09:00: the instance that never saw the command posts, the other finds it done.
        world.clock.set(at(MONDAY, seconds=5))
        assert [(o.audience.id, o.status) for o in other.runner.tick()] == [(CHANNEL, "posted"), (TEAM_ROOM, "posted")]
        assert world.runner.tick() == []
        assert len(posts_to(world.fake, TEAM_ROOM)) == 1 and "研发投入" in message_text(posts_to(world.fake, TEAM_ROOM)[0])

        # Changed on one instance (daily 08:30, the zone kept), followed by the other at its next tick.
        with running_app(world.runtime, world.fake) as running:
            reply = said(reply_to_command(running, "摘要 定时 30 8 * * *", channel=TEAM_ROOM, user=LEAD))
            assert "`30 8 * * *`(Asia/Shanghai),下一期:2026-11-24 08:30" in reply
        world.clock.set(at(MONDAY, days=1, minutes=-30, seconds=5))
        assert [(o.audience.id, o.status) for o in other.runner.tick()] == [(TEAM_ROOM, "posted")]

        # Off: no digest at its next slot on either instance; the topics stay for when it comes back.
        with running_app(other.runtime, world.fake) as running:
            reply = said(reply_to_command(running, "digest off", channel=TEAM_ROOM, user=LEAD))
            assert "本频道的摘要已停止;关注的主题都保留。" in reply
        world.clock.set(at(MONDAY, days=2, minutes=-30, seconds=5))
        assert world.runner.tick() + other.runner.tick() == []
        assert len(posts_to(world.fake, TEAM_ROOM)) == 2
        assert world.services.store.topics(Audience.channel(TEAM_ROOM)) == ["研发投入"]
    finally:
        other.runtime.close()


def test_a_stored_schedule_replaces_the_configured_one_and_off_silences_both(world):
    world.runner.register()
    with running_app(world.runtime, world.fake) as running:
        reply = said(reply_to_command(running, "digest schedule 0 8 * * 2", channel=CHANNEL, user=LEAD))
        assert "`0 8 * * 2`(Asia/Shanghai)" in reply
        assert "它取代了配置文件中的时间 `0 9 * * 1` (Asia/Shanghai)。" in reply
        listed = said(reply_to_command(running, "subscriptions", channel=CHANNEL, user=LEAD))
        assert "`0 8 * * 2` (Asia/Shanghai)" in listed and "0 9 * * 1" not in listed
    world.clock.set(at(MONDAY, seconds=5))  # the configured slot: not this channel's any more
    assert world.runner.tick() == []
    world.clock.set(at(MONDAY, hours=23, seconds=5))  # Tuesday 08:00
    assert [o.status for o in world.runner.tick()] == ["posted"]

    with running_app(world.runtime, world.fake) as running:
        reply_to_command(running, "digest off", channel=CHANNEL, user=LEAD)
        listed = said(reply_to_command(running, "subscriptions", channel=CHANNEL, user=LEAD))
        assert "这里没有定时摘要" in listed
    world.clock.set(at(MONDAY, days=7, seconds=5))  # neither the stored nor the configured schedule posts
    assert world.runner.tick() == []
    assert len(posts_to(world.fake, CHANNEL)) == 1


@pytest.mark.parametrize("text, says", [
    ("digest schedule", "用法:`/policy digest schedule <cron> [时区]`"),
    ("digest schedule 0 25 * * 1", "`0 25 * * 1` 不是有效的 cron 表达式"),
    ("digest schedule 0 9 * *", "`0 9 * *` 不是有效的 cron 表达式(expected 5 fields"),
    ("digest schedule 0 9 * * 1 Mars/Olympus_Mons", "不认识时区 `Mars/Olympus_Mons`"),
    # Typed text reaches the app as Slack encodes it; shown back, it is escaped again.
    ("digest schedule 0 9 * * 1 Asia/&lt;b&gt;", "不认识时区 `Asia/&lt;b&gt;`"),
])
def test_a_schedule_that_cannot_work_is_refused_and_nothing_is_stored(world, text, says):
    with running_app(world.runtime, world.fake) as running:
        assert says in said(reply_to_command(running, text, channel=TEAM_ROOM, user=LEAD))
        assert running.fake.problems() == []
    assert world.services.store.audience_settings(Audience.channel(TEAM_ROOM)) is None


# ---------------------------------------------------------------- is the bot in the channel?

def test_subscribing_where_the_bot_is_not_says_how_to_invite_it(world):
    fake = world.fake
    fake.workspaces.channel("C0OUTSIDE", member=False)
    fake.workspaces.channel("G0PRIVATE", member=False)  # Slack hides a private channel from non-members
    fake.workspaces.channel("C0OLD", archived=True)
    invite = "请在频道中输入 `/invite @policybot` 邀请我,然后再试一次。"
    with running_app(world.runtime, fake) as running:
        for channel in ("C0OUTSIDE", "G0PRIVATE"):
            assert invite in said(reply_to_command(running, "subscribe 研发投入", channel=channel, user=LEAD))
            assert invite in said(reply_to_command(running, "digest schedule 0 9 * * 1", channel=channel, user=LEAD))
        assert "这个频道已归档" in said(reply_to_command(running, "subscribe 研发投入", channel="C0OLD", user=LEAD))
        store = world.services.store
        assert store.subscribers() == {} and store.all_audience_settings() == []
        assert {c.params["channel"] for c in fake.calls_to("conversations.info", ok_only=False)} == \
            {"C0OUTSIDE", "G0PRIVATE", "C0OLD"}

        fake.workspaces.channel("C0OUTSIDE", member=True)  # someone typed /invite @policybot
        assert "已在本频道订阅" in said(reply_to_command(running, "subscribe 研发投入",
                                                                     channel="C0OUTSIDE", user=LEAD))
        # A user's own DM needs no check.
        before = len(fake.calls_to("conversations.info", ok_only=False))
        running.slack.direct_message("subscribe 知识产权", user=OTHER, channel="D0OTHER")
        running.settle()
        assert len(fake.calls_to("conversations.info", ok_only=False)) == before
    assert store.topics(Audience.channel("C0OUTSIDE")) == ["研发投入"]
    assert store.topics(Audience.user(OTHER)) == ["知识产权"]


# ---------------------------------------------------------------- who may change a channel's digest

def test_only_the_owner_or_an_admin_changes_a_channel_by_default(world):
    assert world.settings.channel_changes == "owner"
    with running_app(world.runtime, world.fake) as running:
        reply_to_command(running, "subscribe 研发投入", channel=TEAM_ROOM, user=LEAD)  # the first: the owner
        for text in ("subscribe 知识产权", "unsubscribe 研发投入", "digest schedule 0 9 * * 1", "digest off"):
            refused = said(reply_to_command(running, text, channel=TEAM_ROOM, user=OTHER))
            assert "只有设置本频道摘要的 <@U0LEAD> 或管理员可以修改" in refused, text
        assert "已在本频道订阅" in said(reply_to_command(running, "subscribe 知识产权",
                                                                     channel=TEAM_ROOM, user=LEAD))
        assert "本频道不再关注" in said(reply_to_command(running, "unsubscribe 知识产权",
                                                            channel=TEAM_ROOM, user=ADMIN))
        # Anyone may read the list, and run their own DM digest.
        assert "研发投入" in said(reply_to_command(running, "subscriptions", channel=TEAM_ROOM, user=OTHER))
        running.slack.direct_message("digest schedule 0 7 * * *", user=OTHER, channel="D0OTHER")
        running.settle()
    store = world.services.store
    assert store.topics(Audience.channel(TEAM_ROOM)) == ["研发投入"]
    assert store.owner_of(Audience.channel(TEAM_ROOM)) == LEAD
    assert store.audience_settings(Audience.user(OTHER)).cron == "0 7 * * *"


def test_channel_changes_by_admins_or_by_anyone(world):
    admins_only = world.restart(channel_changes="admins")
    with running_app(admins_only.runtime, admins_only.fake) as running:
        refused = said(reply_to_command(running, "subscribe 研发投入", channel=TEAM_ROOM, user=LEAD))
        assert "只有管理员可以修改频道关注的主题和摘要时间:<@U0ADMIN>。" in refused
        assert "已在本频道订阅" in said(reply_to_command(running, "subscribe 研发投入", channel=TEAM_ROOM, user=ADMIN))
    anyone = admins_only.restart(channel_changes="anyone")
    with running_app(anyone.runtime, anyone.fake) as running:
        assert "本频道不再关注" in said(reply_to_command(running, "unsubscribe 研发投入", channel=TEAM_ROOM,
                                                            user=OTHER))
    anyone.runtime.close()


def test_the_setting_is_validated(tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.yaml").write_text(
        f"vocabulary: {ROOT / 'config' / 'vocabulary.yaml'}\nuser_dictionary: {ROOT / 'config' / 'userdict.txt'}\n"
        "slack:\n  channel_changes: everyone\n"
        "digests:\n  schedules:\n    - channel: C1\n      cron: '0 9 * * 1'\n      team: acme\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config / "settings.yaml", env={})
    problems = "\n".join(caught.value.problems)
    assert "key 'slack.channel_changes' must be one of anyone, owner, admins, not 'everyone'" in problems
    assert "key 'digests.schedules[0].team' must be a Slack workspace id (T0123ABCD), not 'acme'" in problems


# ---------------------------------------------------------------- Slack refuses for good

def _set_up_team_room(world) -> None:
    with running_app(world.runtime, world.fake) as running:
        reply_to_command(running, "subscribe 研发投入", channel=TEAM_ROOM, user=LEAD)
        reply_to_command(running, "digest schedule 0 9 * * 1", channel=TEAM_ROOM, user=LEAD)


@pytest.mark.parametrize("code, refuse, told", [
    ("not_in_channel", lambda fake: fake.workspaces.channel(TEAM_ROOM, member=False), "我已不在该频道中"),
    ("is_archived", lambda fake: fake.workspaces.channel(TEAM_ROOM, archived=True), "该频道已归档"),
    ("channel_not_found", lambda fake: fake.fail("chat.postMessage", "channel_not_found"), "找不到该频道"),
    ("invalid_auth", lambda fake: fake.fail("chat.postMessage", "invalid_auth"), "请管理员重新安装应用"),
])
def test_a_permanent_refusal_stops_the_retries_marks_the_channel_and_tells_who_set_it_up(world, code, refuse, told):
    _set_up_team_room(world)
    fake, store = world.fake, world.services.store
    refuse(fake)
    world.clock.set(at(MONDAY, seconds=5))
    outcomes = {o.audience.id: o for o in world.runner.tick()}
    assert outcomes[TEAM_ROOM].status == "blocked" and outcomes[TEAM_ROOM].code == code
    assert store.audience_settings(Audience.channel(TEAM_ROOM)).blocked_error == code
    (notice,) = posts_to(fake, LEAD)  # a DM to whoever set the schedule
    assert f"发往 <#{TEAM_ROOM}> 的政策摘要已停止:" in notice.params["text"] and told in notice.params["text"]

    # No retry: not at the next sweep, not in an hour, not at next week's slot; the owner is told once.
    for later in (dict(minutes=1), dict(hours=1, minutes=1), dict(days=7, seconds=5)):
        world.clock.set(at(MONDAY, **later))
        assert TEAM_ROOM not in {o.audience.id for o in world.runner.tick()}
    assert len(attempts_to(fake, TEAM_ROOM)) == 1 and len(posts_to(fake, LEAD)) == 1
    assert [p.status for p in store.posts(Audience.channel(TEAM_ROOM))] == ["blocked"]
    with running_app(world.runtime, fake) as running:  # whoever lists the topics sees it too
        listed = said(reply_to_command(running, "subscriptions", channel=TEAM_ROOM, user=OTHER))
        assert "本频道的摘要已停止:" in listed and told in listed


def test_invited_back_the_channel_gets_the_digest_it_missed(world):
    _set_up_team_room(world)
    fake = world.fake
    fake.workspaces.channel(TEAM_ROOM, member=False)  # someone removed the bot
    world.clock.set(at(MONDAY, seconds=5))
    assert {o.audience.id: o.status for o in world.runner.tick()}[TEAM_ROOM] == "blocked"
    fake.workspaces.channel(TEAM_ROOM, member=True)
    world.clock.set(at(MONDAY, hours=2))
    assert TEAM_ROOM not in {o.audience.id for o in world.runner.tick()}  # still stopped until someone acts
    with running_app(world.runtime, fake) as running:
        reply_to_command(running, "subscribe 知识产权", channel=TEAM_ROOM, user=LEAD)  # the check finds the bot back
    assert world.services.store.audience_settings(Audience.channel(TEAM_ROOM)).blocked_error is None
    world.clock.advance(minutes=1)
    assert [(o.audience.id, o.slot) for o in world.runner.tick()] == [(TEAM_ROOM, MONDAY)]
    assert len(posts_to(fake, TEAM_ROOM)) == 1


def test_a_user_whose_account_is_gone_stops_getting_dm_digests(world):
    world = world.restart(schedules=(dataclasses.replace(world.settings.schedules[0], channel="dm"),))
    world.services.store.subscribe(Audience.user("U0GONE", "T0POLICY"), "研发投入", by="U0GONE", at=FRIDAY)
    world.runner.register()
    world.fake.fail("chat.postMessage", "account_inactive")
    world.clock.set(at(MONDAY, seconds=5))
    (outcome,) = world.runner.tick()
    assert (outcome.status, outcome.code) == ("blocked", "account_inactive")
    world.clock.set(at(MONDAY, days=7, seconds=5))
    assert world.runner.tick() == []
    assert len(world.fake.calls_to("chat.postMessage", ok_only=False)) == 1  # nobody else to tell


def test_digest_now_where_the_bot_is_not_says_how_to_invite_it_and_blocks_nothing(world):
    world.fake.workspaces.channel(TEAM_ROOM, member=False)
    with running_app(world.runtime, world.fake) as running:
        reply = said(reply_to_command(running, "digest now", channel=TEAM_ROOM, user=ADMIN))
    assert "/invite @policybot" in reply
    assert world.services.store.audience_settings(Audience.channel(TEAM_ROOM)) is None


def test_help_lists_the_new_subcommands(world):
    with running_app(world.runtime, world.fake) as running:
        text = said(reply_to_command(running, "help"))
    for usage in ("`/policy digest schedule &lt;cron&gt; [时区]`", "`/policy digest off`", "`/policy add &lt;网址&gt;`"):
        assert usage in text, usage
