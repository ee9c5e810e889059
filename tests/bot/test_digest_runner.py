"""Digests on real cron schedules, driven by a clock the test sets, posted to the fake Slack.

The conversation tests run the real app over HTTP (slack_harness) so `/policy subscribe`,
`digest preview|now`, `reload` and the feedback buttons go through the same path as in Slack;
the scheduler posts with the production WebClient (429 retry handler included).
"""
from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from fake_slack import FakeSlackAPI
from slack_harness import TOKEN, running_app
from slack_sdk import WebClient

from bot.cron import crontab_weekdays, parse_crontab
from bot.digest_runner import DigestRunner, latest_slot, schedule_key
from bot.errors import ConfigError
from bot.jobs import start_jobs
from bot.settings import DigestSchedule, load_settings
from bot.corpus.library import CorpusLibrary
from bot.watcher import CorpusWatcher
from bot.store import FAILED, NOT_HELPFUL, POSTED, SKIPPED, Audience, format_feedback
from digest_support import (ADMIN, CHANNEL, MONDAY, NEW_CLAUSE_WORDS, SHANGHAI, WEEKLY, Clock, World,
                            add_new_document, copy_seeds, digest_settings, message_text, posts_to, reply_to_command,
                            start_world)
from handlers.publisher import SlackPublisher
from handlers.workspaces import Workspaces

UTC = dt.timezone.utc
FRIDAY = MONDAY - dt.timedelta(days=3)  # the bot starts here, before the first slot
WEEK = dt.timedelta(days=7)


def at(moment: dt.datetime, **delta) -> dt.datetime:
    return moment + dt.timedelta(**delta)


@pytest.fixture
def world(settings, tmp_path):
    folder = copy_seeds(tmp_path / "corpus")
    here = digest_settings(settings, folder, settings.cache_dir, f"sqlite:///{tmp_path / 'policybot.db'}")
    with FakeSlackAPI(token=TOKEN) as fake:
        world = start_world(here, Clock(FRIDAY), fake, tmp_path)
        yield world
        world.runtime.close()


def with_schedules(world: World, *schedules: DigestSchedule, **changes) -> World:
    return world.restart(schedules=schedules, **changes)


# ---------------------------------------------------------------- slots

def test_latest_slot_follows_the_cron_in_its_time_zone():
    weekly = parse_crontab(WEEKLY, "Asia/Shanghai")
    long_ago = dt.datetime(2020, 1, 1, tzinfo=UTC)
    assert latest_slot(weekly, MONDAY, long_ago) == MONDAY
    assert latest_slot(weekly, at(MONDAY, seconds=-1), long_ago) == MONDAY - WEEK
    assert latest_slot(weekly, at(MONDAY, days=6), long_ago) == MONDAY
    # Nothing before the floor (the moment the schedule was first seen) counts.
    assert latest_slot(weekly, at(MONDAY, hours=1), at(MONDAY, minutes=1)) is None
    assert latest_slot(weekly, MONDAY, MONDAY) == MONDAY
    minutely = parse_crontab("*/15 * * * *", "Asia/Shanghai")
    assert latest_slot(minutely, at(MONDAY, minutes=44), long_ago) == at(MONDAY, minutes=30)
    yearly = parse_crontab("0 9 1 1 *", "Asia/Shanghai")
    assert latest_slot(yearly, MONDAY, long_ago) == dt.datetime(2026, 1, 1, 9, tzinfo=SHANGHAI)
    new_york = parse_crontab("30 8 * * *", "America/New_York")
    assert latest_slot(new_york, dt.datetime(2026, 11, 2, 13, 31, tzinfo=UTC), long_ago) == \
        dt.datetime(2026, 11, 2, 13, 30, tzinfo=UTC)  # 08:30 EST, the day after the clocks went back


def test_weekdays_are_numbered_as_in_crontab_not_as_in_apscheduler_3():
    assert MONDAY.weekday() == 0
    assert [crontab_weekdays(f) for f in ("1", "0", "7", "1-5", "5-7", "*/2", "sat,sun", "0-6")] == \
        ["mon", "sun", "sun", "mon,tue,wed,thu,fri", "sun,fri,sat", "sun,tue,thu,sat", "sun,sat", "*"]
    long_ago = dt.datetime(2020, 1, 1, tzinfo=UTC)
    sunday = parse_crontab("0 9 * * 0", "Asia/Shanghai")
    assert latest_slot(sunday, MONDAY, long_ago) == at(MONDAY, days=-1)
    # Day of month and day of week both given: either matches, as in crontab.
    first_or_monday = parse_crontab("0 9 1 * 1", "Asia/Shanghai")
    assert latest_slot(first_or_monday, at(MONDAY, days=-1), long_ago) == MONDAY - WEEK
    assert latest_slot(first_or_monday, at(MONDAY, days=8), long_ago) == dt.datetime(2026, 12, 1, 9, tzinfo=SHANGHAI)
    for bad in ("0 9 * * 8", "0 9 * * 5-1", "0 9 * *", "0 9 * * mon/0"):
        with pytest.raises(ValueError):
            parse_crontab(bad, "Asia/Shanghai")


def test_a_bad_cron_is_a_clear_error_naming_the_key(tmp_path):
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.yaml").write_text(
        "digests:\n  schedules:\n    - channel: C1\n      cron: '0 9 * * 1'\n"
        "    - channel: C2\n      cron: '0 25 * * mon'\n      sections: [documents, gossip]\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config / "settings.yaml", env={})
    problems = "\n".join(caught.value.problems)
    assert "key 'digests.schedules[1].cron' is not a valid cron expression: '0 25 * * mon'" in problems
    assert "key 'digests.schedules[1].sections' has unknown section(s) ['gossip']" in problems
    assert "schedules[0]" not in problems


def test_the_runner_refuses_a_bad_cron_before_starting(world):
    with pytest.raises(ConfigError, match=r"key 'digests.schedules\[1\].cron' is not a valid cron expression"):
        with_schedules(world, DigestSchedule(CHANNEL, WEEKLY), DigestSchedule("C2", "61 * * * *"))


# ---------------------------------------------------------------- the conversation

def test_subscribe_then_a_new_document_is_posted_once_with_the_new_clause(world):
    runner = world.runner
    runner.register()
    with running_app(world.runtime, world.fake) as running:
        reply = reply_to_command(running, "subscribe 研发投入")
        assert "已在本频道订阅「研发投入」" in json.dumps(reply, ensure_ascii=False)  # the workspace speaks Chinese
        assert "`0 9 * * 1` (Asia/Shanghai)" in json.dumps(reply, ensure_ascii=False)
        listed = reply_to_command(running, "subscriptions")
        assert "• 研发投入" in json.dumps(listed, ensure_ascii=False)

    assert runner.tick() == []  # Friday: last Monday's slot predates the bot
    world.clock.set(at(MONDAY, seconds=20))
    (first,) = runner.tick()
    assert first.status == "posted" and first.slot == MONDAY
    assert runner.tick() == []

    add_new_document(world.settings.corpus_dir)
    world.clock.set(at(MONDAY, days=1))
    assert world.runtime.services.watcher.check().added == ("leshan-2026-rd-investment-plan",)
    assert runner.tick() == []  # reported at the next slot
    assert any(d.id.startswith("leshan") for d in world.services.engine.documents)

    world.clock.set(at(MONDAY, days=7, seconds=5))
    (second,) = runner.tick()
    assert second.status == "posted" and second.slot == MONDAY + WEEK
    world.clock.advance(minutes=30)
    assert runner.tick() == []

    posts = posts_to(world.fake, CHANNEL)
    assert len(posts) == 2
    assert NEW_CLAUSE_WORDS not in message_text(posts[0])
    latest = message_text(posts[1])
    assert NEW_CLAUSE_WORDS in latest and "乐山市关于加大全社会研发投入的实施方案" in latest
    assert "新增或修改文件 1 份" in latest
    assert world.fake.problems() == []
    assert [p.status for p in world.services.store.posts()] == ["posted", "posted"]


def test_a_restart_in_between_never_posts_twice_nor_loses_subscriptions(world):
    audience = Audience.channel(CHANNEL)
    world.services.store.subscribe(audience, "研发投入", by="U0ASKER", at=FRIDAY)
    world.runner.register()
    world.clock.set(at(MONDAY, seconds=1))
    assert [o.status for o in world.runner.tick()] == ["posted"]

    world = world.restart()
    assert world.services.store.topics(audience) == ["研发投入"]
    assert world.runner.tick() == []
    world.clock.set(at(MONDAY, minutes=5))
    assert world.runner.tick() == []

    add_new_document(world.settings.corpus_dir)
    world = world.restart()
    world.clock.set(at(MONDAY, days=7))
    assert [o.status for o in world.runner.tick()] == ["posted"]
    posts = posts_to(world.fake, CHANNEL)
    assert len(posts) == 2 and NEW_CLAUSE_WORDS in message_text(posts[1])


def test_a_digest_missed_while_down_is_posted_once_not_once_per_slot(world):
    world.runner.register()  # the bot ran on Friday, then stopped
    world.clock.set(at(MONDAY, days=16, hours=3))  # three Mondays later (a Wednesday)
    world = world.restart()
    runner = world.runner
    (outcome,) = runner.tick()
    assert outcome.status == "posted" and outcome.slot == MONDAY + 2 * WEEK
    assert runner.tick() == []
    runs = world.services.store.runs()
    assert [(r.slot, r.status) for r in runs] == [(MONDAY + 2 * WEEK, POSTED)]
    assert len(posts_to(world.fake, CHANNEL)) == 1


def test_slack_429_is_waited_out_and_the_digest_still_posted_once(world):
    runner = world.runner
    runner.register()
    world.fake.rate_limit("chat.postMessage", times=1, retry_after=1)
    world.clock.set(at(MONDAY, seconds=1))
    (outcome,) = runner.tick()
    assert outcome.status == "posted"
    calls = world.fake.calls_to("chat.postMessage", ok_only=False)
    assert [c.status for c in calls] == [429, 200]
    assert calls[1].at - calls[0].at >= 1.0
    assert len(posts_to(world.fake, CHANNEL)) == 1


def test_a_429_that_outlasts_the_retries_is_retried_after_retry_after_at_a_later_tick(world):
    # A client without retry handlers: the 429 reaches the runner, which records it.
    services = world.services
    runner = DigestRunner(services.settings, services.engine, services.store,
                          SlackPublisher(Workspaces(WebClient(token=TOKEN, base_url=world.fake.api_url)),
                                         world.runtime.languages), world.clock)
    runner.register()
    world.fake.rate_limit("chat.postMessage", times=1, retry_after=120)
    world.clock.set(at(MONDAY, seconds=1))
    (failed,) = runner.tick()
    assert failed.status == "failed" and "ratelimited" in failed.error
    world.clock.advance(seconds=60)
    assert runner.tick() == []  # Slack asked for two minutes
    world.clock.advance(seconds=61)
    (posted,) = runner.tick()
    assert posted.status == "posted" and posted.slot == MONDAY
    assert len(posts_to(world.fake, CHANNEL)) == 1


def test_other_failures_are_recorded_and_retried_at_the_next_tick(world, caplog):
    runner = world.runner
    runner.register()
    world.fake.fail("chat.postMessage", "internal_error")  # Slack has a bad minute
    world.clock.set(at(MONDAY, seconds=1))
    with caplog.at_level("ERROR", logger="policybot.digests"):
        (failed,) = runner.tick()
    assert failed.status == "failed" and "internal_error" in failed.error
    assert "internal_error" in caplog.text
    run = world.services.store.run(schedule_key(world.settings.schedules[0]), MONDAY, Audience.channel(CHANNEL))
    assert run.status == FAILED and run.next_attempt_at is not None
    assert [p.status for p in world.services.store.posts()] == ["failed"]
    assert world.services.store.last_digest(Audience.channel(CHANNEL)) is None

    world.clock.advance(minutes=1)  # the next sweep
    (posted,) = runner.tick()
    assert posted.status == "posted"
    assert [p.status for p in world.services.store.posts()] == ["failed", "posted"]
    assert world.services.store.run(run.schedule_key, MONDAY, run.audience).attempts == 2
    assert len(posts_to(world.fake, CHANNEL)) == 1


def test_nothing_new_is_one_short_line_or_skipped_as_configured(world):
    skipping = DigestSchedule("C0QUIET", WEEKLY, skip_empty=True)
    world = with_schedules(world, DigestSchedule(CHANNEL, WEEKLY), skipping)
    runner = world.runner
    runner.register()
    world.clock.set(at(MONDAY, seconds=1))
    assert [o.status for o in runner.tick()] == ["posted", "posted"]  # first digests are never empty
    world.clock.set(at(MONDAY, days=7, seconds=1))
    assert [(o.audience.id, o.status) for o in runner.tick()] == [(CHANNEL, "posted"), ("C0QUIET", "skipped")]
    short = posts_to(world.fake, CHANNEL)[1]
    assert short.params["text"].startswith("自上期摘要(2026年11月23日 09:00)以来,政策文件没有新内容")
    assert len(posts_to(world.fake, "C0QUIET")) == 1
    assert world.services.store.run(schedule_key(skipping), MONDAY + WEEK, Audience.channel("C0QUIET")).status \
        == SKIPPED


def test_two_instances_on_one_database_post_each_slot_once(world):
    second = start_world(world.settings, world.clock, world.fake, world.folder)
    runners = [world.runner, second.runner]
    for r in runners:
        r.register()
    for week in range(3):
        world.clock.set(at(MONDAY, days=7 * week, seconds=2))
        barrier = threading.Barrier(2)
        outcomes: list = []

        def tick(runner: DigestRunner) -> None:
            barrier.wait()
            outcomes.extend(runner.tick())

        threads = [threading.Thread(target=tick, args=(r,)) for r in runners]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert [o.status for o in outcomes] == ["posted"], week
    assert len(posts_to(world.fake, CHANNEL)) == 3
    second.runtime.close()


def test_dm_subscribers_get_their_digest_as_a_dm_from_the_next_slot(world):
    world = with_schedules(world, DigestSchedule("dm", WEEKLY))
    runner = world.runner
    runner.register()
    world.fake.set_locale("U0READER", "en-GB")  # a reader whose Slack is in English, in a Chinese workspace
    with running_app(world.runtime, world.fake) as running:
        running.slack.direct_message("subscribe 研发投入", user="U0READER", channel="D0READER")
        answer = running.fake.wait_for_call("chat.postMessage")[0]
        assert answer.params["channel"] == "D0READER"
        assert "Subscribed in your DMs to 研发投入" in message_text(answer)
    assert world.services.store.topics(Audience.user("U0READER")) == ["研发投入"]

    world.clock.set(at(MONDAY, seconds=3))
    (outcome,) = runner.tick()
    assert outcome.audience == Audience.user("U0READER")
    # chat.postMessage to a user id posts in the bot's DM with that user, in the user's language.
    (dm,) = posts_to(world.fake, "U0READER")
    assert dm.params["text"].startswith("Your first digest")
    # Someone subscribing after the slot waits for the next one: no late digest.
    world.services.store.subscribe(Audience.user("U0LATE"), "知识产权", by="U0LATE", at=at(MONDAY, hours=2))
    world.clock.set(at(MONDAY, hours=3))
    assert runner.tick() == []
    world.clock.set(at(MONDAY, days=7))
    assert sorted(o.audience.id for o in runner.tick()) == ["U0LATE", "U0READER"]


def test_corpus_watcher_sees_files_added_edited_and_removed(engine, tmp_path):
    folder = copy_seeds(tmp_path / "corpus")
    watcher = CorpusWatcher(engine, CorpusLibrary(folder, None))
    assert not watcher.changed()
    path = add_new_document(folder)
    assert watcher.changed() and not watcher.changed()
    path.write_text(path.read_text(encoding="utf-8") + "补充一句。\n", encoding="utf-8")
    assert watcher.changed()
    path.unlink()
    assert watcher.changed()


# ---------------------------------------------------------------- in Slack: preview, now, reload, feedback

def test_digest_preview_now_and_reload_from_slack(world):
    world.services.store.subscribe(Audience.channel(CHANNEL), "研发投入", by="U0ASKER", at=FRIDAY)
    # The app posts `digest now` with its own client, to the fake Slack the harness started.
    with running_app(world.runtime, world.fake) as running:
        preview = reply_to_command(running, "digest preview")
        text = json.dumps(preview, ensure_ascii=False)
        assert "本频道下一期摘要的预览,只有你能看到" in text and "研发投入" in text
        assert preview.get("response_type", "ephemeral") == "ephemeral"
        assert posts_to(running.fake, CHANNEL) == []

        refused = reply_to_command(running, "digest now")
        assert "只有 policybot 管理员可以使用 `/policy digest now`" in json.dumps(refused, ensure_ascii=False)
        assert posts_to(running.fake, CHANNEL) == []
        done = reply_to_command(running, "digest now", user=ADMIN)
        assert "摘要已发布到本频道" in json.dumps(done, ensure_ascii=False)
        assert len(posts_to(running.fake, CHANNEL)) == 1

        refused = json.dumps(reply_to_command(running, "reload"), ensure_ascii=False)
        assert "只有 policybot 管理员可以使用 `/policy reload`" in refused
        add_new_document(world.settings.corpus_dir)
        reloaded = json.dumps(reply_to_command(running, "reload", user=ADMIN), ensure_ascii=False)
        assert "新增:leshan-2026-rd-investment-plan" in reloaded and "共 6 份文件" in reloaded
        assert running.fake.problems() == []
    assert [p.kind for p in world.services.store.posts()] == ["manual"]


def test_feedback_buttons_store_the_click_and_thank_the_user_privately(world):
    value = json.dumps({"q": "target 研发", "i": "target",
                        "ids": ["chengdu-2021-sci-tech-innovation-decision#p0", "gone#1"]})
    world.fake.set_locale("U0CRITIC", "en-US")
    with running_app(world.runtime, world.fake) as running:
        sent, name = running.slack.block_action("feedback_not_helpful", value, user="U0CRITIC")
        assert sent.status == 200
        ack = running.fake.wait_for_call(name)[0].params
        assert ack["response_type"] == "ephemeral" and ack["replace_original"] is False
        assert "noted as not helpful" in ack["text"]
        _, name = running.slack.block_action("feedback_helpful", value, user="U0FAN")
        assert running.fake.wait_for_call(name)[0].params["text"] == "谢谢,已记录为有帮助。"
    (item,) = world.services.store.feedback(verdict=NOT_HELPFUL)
    assert (item.user_id, item.query, item.intent, item.verdict) == ("U0CRITIC", "target 研发", "target", NOT_HELPFUL)
    assert item.clause_ids == ("chengdu-2021-sci-tech-innovation-decision#p0", "gone#1")
    assert item.shown[0][1].startswith("《中共成都市委") and item.shown[1] == ("gone#1", None)
    assert item.channel_id == "C0GENERAL" and item.at == FRIDAY and item.team_id == "T0POLICY"
    assert len(world.services.store.feedback()) == 2
    assert "U0CRITIC · not helpful (target): target 研发" in format_feedback([item])


# ---------------------------------------------------------------- APScheduler in the process

def test_start_jobs_catches_up_at_start_and_runs_the_cron_job(world):
    world.runner.register()  # first seen on Friday
    world.clock.set(at(MONDAY, hours=2))  # started after Monday's slot: it was missed
    handle = start_jobs(world.runner, world.runtime.services.watcher, sweep_seconds=3600, watch_seconds=3600)
    try:
        jobs = {job.id: job for job in handle.scheduler.get_jobs()}
        assert set(jobs) == {"digest-0", "digest-sweep", "corpus-watch"}
        assert str(jobs["digest-0"].trigger.timezone) == "Asia/Shanghai"
        world.fake.wait_for(lambda calls: len(posts_to(world.fake, CHANNEL)) == 1, timeout=15)

        world.clock.set(at(MONDAY, days=7, seconds=1))
        handle.scheduler.modify_job("digest-0", next_run_time=dt.datetime.now(UTC))  # "it is 09:00 now"
        world.fake.wait_for(lambda calls: len(posts_to(world.fake, CHANNEL)) == 2, timeout=15)
    finally:
        handle.shutdown()
    assert not handle.scheduler.running  # shutdown waited for the jobs: nothing more can be posted
    assert len(posts_to(world.fake, CHANNEL)) == 2
    assert [r.slot for r in world.services.store.runs()] == [MONDAY, MONDAY + WEEK]


def test_a_failed_corpus_reload_keeps_the_old_corpus_and_is_tried_again(world, monkeypatch, caplog):
    watcher = world.runtime.services.watcher
    engine = world.services.engine
    real_reload = engine.reload
    monkeypatch.setattr(engine, "reload", lambda: (_ for _ in ()).throw(OSError("disk went away")))
    add_new_document(world.settings.corpus_dir)
    with caplog.at_level("ERROR", logger="policybot.corpus"):
        assert watcher.check() is None
    assert "corpus reload failed" in caplog.text
    assert not any(d.id.startswith("leshan") for d in engine.documents)
    monkeypatch.setattr(engine, "reload", real_reload)
    assert watcher.check().added == ("leshan-2026-rd-investment-plan",)
    assert any(d.id.startswith("leshan") for d in engine.documents)


def test_policybot_digest_dry_run_from_the_command_line(tmp_path, monkeypatch):
    import io

    from bot.cli import main

    monkeypatch.setenv("POLICYBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    out = io.StringIO()
    assert main(["digest", "--channel", "C0CLI", "--dry-run"], out=out) == 0
    text = out.getvalue()
    assert text.startswith("政策摘要 · channel:C0CLI") and "本频道的第一期摘要" in text


def test_app_home_lists_the_users_own_subscriptions(world):
    world.services.store.subscribe(Audience.user("U0READER"), "知识产权 <保护>", by="U0READER", at=FRIDAY)
    with running_app(world.runtime, world.fake) as running:
        running.slack.app_home_opened(user="U0READER")
        view = running.fake.wait_for_call("views.publish")[0].params["view"]
        text = view if isinstance(view, str) else json.dumps(view, ensure_ascii=False)
        assert "知识产权 &lt;保护&gt;" in text
        running.slack.app_home_opened(user="U0NOBODY")
        view = running.fake.wait_for_call("views.publish", count=2)[1].params["view"]
        assert "还没有订阅" in (view if isinstance(view, str) else json.dumps(view, ensure_ascii=False))
        assert running.fake.problems() == []
