"""Several instances answer once: an event retried to another instance, a replayed request, `digest now`,
and a post whose instance stopped is looked for in the channel before it is posted again.

Two instances here are two runtimes and two app servers over one database, as behind a
load balancer; the requests are signed as Slack signs them.
"""
from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from fake_slack import send
from slack_harness import running_app

from bot.digest_runner import LEASE, schedule_key
from bot.settings import DigestSchedule
from bot.store import POSTING, Audience
from digest_support import ADMIN, CHANNEL, FRIDAY, MONDAY, posts_to, reply_to_command, worlds_on_one_database


def at(moment: dt.datetime, **delta) -> dt.datetime:
    return moment + dt.timedelta(**delta)


@pytest.fixture
def worlds(settings, tmp_path):
    """Two instances of the bot on one database and one corpus folder, with one fake Slack."""
    with worlds_on_one_database(settings, tmp_path, 2) as pair:
        yield pair


def replies_in(fake, channel: str) -> list:
    return [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == channel]


# ---------------------------------------------------------------- events and requests

def test_an_event_retried_to_another_instance_is_answered_once(worlds):
    first, second = worlds
    with running_app(first.runtime, first.fake) as a, running_app(second.runtime, second.fake) as b:
        _, event = a.slack.direct_message("target 研发", event_id="Ev0RETRIED")
        # Slack thought the first delivery went unanswered; the balancer sends the retry elsewhere.
        assert b.slack.event(event, event_id="Ev0RETRIED", retry_num=1).status == 200
        # A mention in a DM also arrives as message.im: another event id, the same message.
        b.slack.event({**event, "type": "app_mention"}, event_id="Ev0MENTION")
        a.settle()
        b.settle()
        assert len(replies_in(first.fake, "D0ASKER")) == 1
        # A new message is a new question.
        b.slack.direct_message("lead 知识产权", ts=f"{float(event['ts']) + 1:.6f}")
        b.settle()
        assert len(replies_in(first.fake, "D0ASKER")) == 2


def test_a_replayed_digest_now_posts_once_on_any_instance(worlds, caplog):
    first, second = worlds
    with running_app(first.runtime, first.fake) as a, running_app(second.runtime, second.fake) as b:
        done = json.dumps(reply_to_command(a, "digest now", user=ADMIN), ensure_ascii=False)
        assert "摘要已发布到本频道" in done
        captured = a.slack.last_request
        with caplog.at_level(logging.INFO, logger="policybot.requests"):
            for url in (b.url, a.url):  # within the five minutes the signature stays valid
                replayed = send(url, *captured)
                assert (replayed.status, replayed.body) == (200, b"")
        a.settle()
        b.settle()
        assert '"event": "replay"' in caplog.text
        # A query replayed is not answered again either.
        sent, _ = a.slack.command("target 研发")
        assert "研发" in sent.text
        assert send(b.url, *a.slack.last_request).body == b""
    assert len(posts_to(first.fake, CHANNEL)) == 1
    assert [p.kind for p in first.services.store.posts()] == ["manual"]


def test_digest_now_from_two_admins_on_two_instances_in_one_minute_posts_once(worlds):
    first, second = worlds
    with running_app(first.runtime, first.fake) as a, running_app(second.runtime, second.fake) as b:
        assert "摘要已发布到本频道" in json.dumps(reply_to_command(a, "digest now", user=ADMIN), ensure_ascii=False)
        again = json.dumps(reply_to_command(b, "digest now", user=ADMIN), ensure_ascii=False)
        assert "本频道刚刚发布过摘要,请一分钟后再试。" in again
        first.clock.advance(minutes=1)
        assert "摘要已发布到本频道" in json.dumps(reply_to_command(b, "digest now", user=ADMIN), ensure_ascii=False)
    assert len(posts_to(first.fake, CHANNEL)) == 2


# ---------------------------------------------------------------- a post left half done

def _left_posting(world, slot: dt.datetime) -> None:
    """What an instance that stopped mid-post leaves behind: its run `posting`, nothing recorded after."""
    store, key = world.services.store, schedule_key(world.settings.schedules[0])
    audience = Audience.channel(CHANNEL, "T0POLICY")
    assert store.claim(key, slot, audience, instance="gone:1", now=at(slot, seconds=1), lease=LEASE)
    store.update_run(key, slot, audience, status=POSTING, now=at(slot, seconds=1), instance="gone:1")


def test_a_post_whose_history_cannot_be_read_is_checked_again_never_posted_blind(worlds):
    world, _ = worlds
    world.runner.register()
    _left_posting(world, MONDAY)
    world.fake.fail("conversations.history", "internal_error")
    world.clock.set(at(MONDAY, minutes=12))
    (outcome,) = world.runner.tick()
    assert outcome.status == "failed" and "internal_error" in outcome.error
    assert posts_to(world.fake, CHANNEL) == []
    world.clock.advance(seconds=20)
    assert world.runner.tick() == []  # not due again yet
    world.clock.advance(minutes=1)
    assert [o.status for o in world.runner.tick()] == ["posted"]
    assert len(posts_to(world.fake, CHANNEL)) == 1


def test_only_the_message_tagged_with_that_slot_counts_as_posted(worlds):
    world, _ = worlds
    world.runner.register()
    fake = world.fake
    _left_posting(world, MONDAY)
    key = schedule_key(world.settings.schedules[0])
    last_week = {"event_type": "policybot_digest", "event_payload": {
        "schedule": key, "slot": (MONDAY - dt.timedelta(days=7)).astimezone(dt.timezone.utc).isoformat(),
        "audience": f"channel:{CHANNEL}"}}
    # In the window: a digest of another slot (pinned again, say) and someone's message.
    fake.workspaces.posted({"channel": CHANNEL, "text": "old digest", "metadata": last_week},
                           f"{at(MONDAY, seconds=2).timestamp():.6f}")
    fake.workspaces.posted({"channel": CHANNEL, "text": "policybot_digest"}, f"{at(MONDAY, seconds=3).timestamp():.6f}")
    world.clock.set(at(MONDAY, minutes=12))
    assert [o.status for o in world.runner.tick()] == ["posted"]
    assert len(posts_to(fake, CHANNEL)) == 1
    history = fake.calls_to("conversations.history")[0].params
    assert history["channel"] == CHANNEL and history["include_all_metadata"] in (True, "true", "1")
    assert float(history["oldest"]) == at(MONDAY, seconds=1, minutes=-2).timestamp()


def test_a_dm_digest_is_looked_for_in_the_dm(worlds):
    world, _ = worlds
    world = world.restart(schedules=(DigestSchedule("dm", "0 9 * * 1"),))
    store = world.services.store
    reader = Audience.user("U0READER", "T0POLICY")
    store.subscribe(reader, "研发投入", by="U0READER", at=FRIDAY)
    world.runner.register()
    world.clock.set(at(MONDAY, seconds=5))
    (posted,) = world.runner.tick()
    # As if its instance had stopped before recording it.
    key = schedule_key(world.settings.schedules[0])
    store.update_run(key, MONDAY, reader, status=POSTING, now=at(MONDAY, seconds=5), instance=world.runner.instance)
    world.clock.set(at(MONDAY, minutes=12))
    (found,) = world.runner.tick()
    assert (found.status, found.message_ts) == ("recovered", posted.message_ts)
    assert world.fake.calls_to("conversations.open")[0].params["users"] == "U0READER"
    assert world.fake.calls_to("conversations.history")[0].params["channel"] == "D0READER"
    assert len(posts_to(world.fake, "U0READER")) == 1
    world.runtime.close()
