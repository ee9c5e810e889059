"""The store: migrations on open, subscriptions, digest baselines, claims, the post log, feedback."""
from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot import store as store_module
from bot.store import (BLOCKED, CHECKING, CLAIMED, FAILED, NOT_HELPFUL, POSTED, POSTING, UNCONFIRMED, Audience,
                       DigestState, Feedback, PostRecord, Store, format_feedback)

UTC = dt.timezone.utc
T0 = dt.datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
LEASE = dt.timedelta(minutes=10)
CHANNEL = Audience.channel("C0DIGEST")


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'state' / 'policybot.db'}"


@pytest.fixture
def store(db_url):
    s = Store.open(db_url)
    yield s
    s.close()


def test_open_creates_the_schema_at_head_and_it_matches_the_models(db_url, tmp_path):
    s = Store.open(db_url)  # also creates the missing `state/` folder
    assert (tmp_path / "state" / "policybot.db").is_file()
    with s.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0003"
        assert compare_metadata(MigrationContext.configure(conn), store_module.metadata) == []
    s.close()
    Store.open(db_url).close()  # opening again is a no-op upgrade, not an error


def test_subscriptions_survive_a_restart(db_url):
    first = Store.open(db_url)
    assert first.subscribe(CHANNEL, "  研发投入 ", by="U1", at=T0)
    assert not first.subscribe(CHANNEL, "研发投入", by="U2", at=T0)  # same topic once spaces are collapsed
    assert first.subscribe(CHANNEL, "target 人才 in:成都", by="U1", at=T0 + dt.timedelta(seconds=1))
    assert first.subscribe(Audience.user("U7"), "研发投入", by="U7", at=T0 + dt.timedelta(hours=1))
    first.close()

    again = Store.open(db_url)
    assert again.topics(CHANNEL) == ["研发投入", "target 人才 in:成都"]
    assert again.subscriptions(CHANNEL)[0].created_at == T0
    assert again.subscribers(kind="user") == {Audience.user("U7"): T0 + dt.timedelta(hours=1)}
    assert set(again.subscribers()) == {CHANNEL, Audience.user("U7")}
    assert again.unsubscribe(CHANNEL, "研发投入")
    assert not again.unsubscribe(CHANNEL, "研发投入")
    assert again.topics(CHANNEL) == ["target 人才 in:成都"]
    again.close()


def test_digest_baseline_round_trips(store):
    assert store.last_digest(CHANNEL) is None
    state = DigestState(CHANNEL, T0, {"doc-a": "h1"}, {"doc-a": "《甲》"}, frozenset({"k1", "k2"}), frozenset({"d1"}))
    store.save_digest(state)
    assert store.last_digest(CHANNEL) == state
    later = dataclasses.replace(state, sent_at=T0 + dt.timedelta(days=7), corpus={})
    store.save_digest(later)
    assert store.last_digest(CHANNEL) == later


def test_times_must_be_aware(store):
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        store.subscribe(CHANNEL, "研发", by=None, at=dt.datetime(2026, 1, 1))


def test_a_slot_is_claimed_once(store):
    slot = T0
    assert store.claim("weekly", slot, CHANNEL, instance="a", now=T0, lease=LEASE)
    assert not store.claim("weekly", slot, CHANNEL, instance="b", now=T0, lease=LEASE)
    # Another audience or another slot of the same schedule is a separate claim.
    assert store.claim("weekly", slot, Audience.user("U1"), instance="b", now=T0, lease=LEASE)
    assert store.claim("weekly", slot + dt.timedelta(days=7), CHANNEL, instance="b", now=T0, lease=LEASE)
    assert store.run("weekly", slot, CHANNEL).instance == "a"


def test_a_failed_run_is_retried_once_due_and_by_one_instance(store):
    assert store.claim("weekly", T0, CHANNEL, instance="a", now=T0, lease=LEASE)
    retry_at = T0 + dt.timedelta(minutes=1)
    store.update_run("weekly", T0, CHANNEL, status=FAILED, now=T0, instance="a", error="boom",
                     next_attempt_at=retry_at)
    assert not store.claim("weekly", T0, CHANNEL, instance="b", now=T0 + dt.timedelta(seconds=30), lease=LEASE)
    assert store.claim("weekly", T0, CHANNEL, instance="b", now=retry_at, lease=LEASE)
    assert not store.claim("weekly", T0, CHANNEL, instance="c", now=retry_at, lease=LEASE)
    run = store.run("weekly", T0, CHANNEL)
    assert (run.status, run.instance, run.attempts) == (CLAIMED, "b", 2)


def test_an_abandoned_claim_is_taken_over_and_an_interrupted_post_is_checked_before_reposting(store):
    assert store.claim("weekly", T0, CHANNEL, instance="a", now=T0, lease=LEASE)
    assert not store.claim("weekly", T0, CHANNEL, instance="b", now=T0 + LEASE / 2, lease=LEASE)
    assert store.claim("weekly", T0, CHANNEL, instance="b", now=T0 + LEASE, lease=LEASE)

    later = T0 + dt.timedelta(days=7)
    baseline = DigestState(CHANNEL, later, {"doc": "h1"}, {"doc": "标题"}, frozenset({"k1"}), frozenset())
    assert store.claim("weekly", later, CHANNEL, instance="a", now=later, lease=LEASE)
    store.update_run("weekly", later, CHANNEL, status=POSTING, now=later, instance="a", baseline=baseline)
    much_later = later + 3 * LEASE
    # Never claimed again as if nothing had been posted: Slack may show it.
    assert not store.claim("weekly", later, CHANNEL, instance="b", now=much_later, lease=LEASE)
    assert store.unconfirm_stale_posts(later + LEASE / 2, LEASE) == []
    stale = store.unconfirm_stale_posts(much_later, LEASE)
    assert [r.slot for r in stale] == [later]
    assert store.run("weekly", later, CHANNEL).status == UNCONFIRMED
    assert store.unconfirm_stale_posts(much_later, LEASE) == []

    (run,) = store.unconfirmed_runs(much_later)
    assert store.take_unconfirmed(run, instance="b", now=much_later)
    assert not store.take_unconfirmed(run, instance="c", now=much_later)  # one instance checks
    assert store.run("weekly", later, CHANNEL).status == CHECKING
    # A checker that stops is replaced after the lease, like a poster.
    assert [r.slot for r in store.unconfirm_stale_posts(much_later + LEASE, LEASE)] == [later]
    (run,) = store.unconfirmed_runs(much_later + LEASE)
    assert store.take_unconfirmed(run, instance="c", now=much_later + LEASE)
    assert store.confirm_posted(run, instance="c", now=much_later + LEASE, message_ts="1.000100")
    done = store.run("weekly", later, CHANNEL)
    assert (done.status, done.message_ts) == (POSTED, "1.000100")
    # The baseline of the post that was found is the audience's last digest now.
    assert store.last_digest(CHANNEL) == baseline


def test_rows_carry_their_workspace(store):
    audience = Audience.channel("C0TEAM", "T0OTHER")
    assert audience == Audience.channel("C0TEAM")  # the team describes, it does not identify
    store.subscribe(audience, "研发", by="U1", at=T0)
    assert store.subscriptions(Audience.channel("C0TEAM"))[0].audience.team == "T0OTHER"
    assert store.subscribers() == {audience: T0} and next(iter(store.subscribers())).team == "T0OTHER"
    store.claim("weekly", T0, audience, instance="a", now=T0, lease=LEASE)
    store.log_post(PostRecord(T0, audience, "scheduled", "posted"))
    store.save_digest(DigestState(audience, T0))
    store.add_feedback(Feedback(at=T0, user_id="U1", query="q", verdict=NOT_HELPFUL, team_id="T0OTHER"))
    assert store.team_of(Audience.channel("C0TEAM")) == "T0OTHER"
    with store.engine.connect() as conn:
        for table in ("subscriptions", "digest_runs", "post_log", "digest_state", "feedback"):
            assert conn.execute(sa.text(f"SELECT team_id FROM {table}")).scalars().all() == ["T0OTHER"], table
    assert store.runs()[0].audience.team == "T0OTHER" and store.posts()[0].audience.team == "T0OTHER"


def test_rows_from_before_workspaces_are_given_to_the_one_workspace(store):
    store.subscribe(Audience.channel("C0OLD"), "研发", by="U1", at=T0)
    store.claim("weekly", T0, Audience.channel("C0OLD"), instance="a", now=T0, lease=LEASE)
    store.subscribe(Audience.channel("C0NEW", "T0ELSE"), "研发", by="U1", at=T0)
    assert store.adopt_rows("T0ONE") == 2
    assert store.team_of(Audience.channel("C0OLD")) == "T0ONE" and store.runs()[0].audience.team == "T0ONE"
    assert store.team_of(Audience.channel("C0NEW")) == "T0ELSE"
    assert store.adopt_rows("T0ONE") == 0


def test_a_channel_owner_schedule_and_block(store):
    audience = Audience.channel("C0OWN", "T1")
    assert store.owner_of(audience) is None
    store.subscribe(audience, "研发", by="U0FIRST", at=T0)
    assert store.owner_of(audience) == "U0FIRST"  # a channel that predates owners: its first subscriber
    assert store.claim_ownership(audience, "U0SECOND", at=T0) == "U0FIRST"
    other = Audience.channel("C0NEW", "T1")
    assert store.claim_ownership(other, "U0SECOND", at=T0) == "U0SECOND"
    assert store.claim_ownership(other, "U0THIRD", at=T0) == "U0SECOND"

    store.set_schedule(audience, "0 9 * * 1", "Asia/Shanghai", by="U0FIRST", at=T0)
    found = store.audience_settings(audience)
    assert (found.cron, found.timezone, found.schedule_by, found.scheduled) == \
        ("0 9 * * 1", "Asia/Shanghai", "U0FIRST", True)
    store.stop_digests(audience, by="U0FIRST", at=T0 + dt.timedelta(hours=1))
    found = store.audience_settings(audience)
    assert found.digests_off and not found.scheduled and found.cron is None

    assert store.claim("weekly", T0, audience, instance="a", now=T0, lease=LEASE)
    store.update_run("weekly", T0, audience, status=BLOCKED, now=T0, instance="a", error="not_in_channel")
    assert store.block(audience, "not_in_channel", at=T0)
    assert not store.block(audience, "not_in_channel", at=T0)  # reported once
    assert store.audience_settings(audience).blocked_error == "not_in_channel"
    assert not store.claim("weekly", T0, audience, instance="b", now=T0 + LEASE, lease=LEASE)
    assert store.unblock(audience, at=T0 + LEASE)
    assert store.audience_settings(audience).blocked_error is None
    # Invited back: the refused slot may be posted now.
    assert store.claim("weekly", T0, audience, instance="b", now=T0 + LEASE, lease=LEASE)
    assert [a.audience for a in store.all_audience_settings()] == [other, audience]  # by id


def test_a_sqlite_file_is_written_ahead_so_a_commit_waits_for_no_fsync(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_keys_are_taken_once_until_they_expire(db_url):
    a, b = Store.open(db_url), Store.open(db_url)
    ttl = dt.timedelta(minutes=5)
    assert a.claim_keys(["event:Ev1", "message:C1:1.0"], now=T0, ttl=ttl, team="T1")
    assert not b.claim_keys(["event:Ev1"], now=T0 + dt.timedelta(minutes=1), ttl=ttl)
    # All or nothing: one known key refuses the lot, and records none of the others.
    assert not b.claim_keys(["message:C1:1.0", "event:Ev2"], now=T0, ttl=ttl)
    assert b.claim_keys(["event:Ev2"], now=T0, ttl=ttl)
    assert a.claim_keys(["event:Ev1"], now=T0 + ttl, ttl=ttl)  # expired: taken again
    assert a.prune_seen_keys(T0 + 3 * ttl) == 3
    assert a.claim_keys([], now=T0, ttl=ttl)
    a.close()
    b.close()


def test_concurrent_claims_on_sqlite_have_one_winner(db_url):
    stores = [Store.open(db_url) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    wins: list[str] = []

    def contend(i: int, s: Store) -> None:
        for n in range(10):
            barrier.wait()
            slot = T0 + dt.timedelta(days=7 * n)
            if s.claim("weekly", slot, CHANNEL, instance=f"i{i}", now=T0, lease=LEASE):
                wins.append(f"{n}:{i}")

    threads = [threading.Thread(target=contend, args=(i, s)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(int(w.split(":")[0]) for w in wins) == list(range(10))
    for s in stores:
        s.close()


def test_post_log_keeps_every_attempt(store):
    store.log_post(PostRecord(T0, CHANNEL, "scheduled", "failed", "weekly", T0, error="ratelimited"))
    store.log_post(PostRecord(T0 + dt.timedelta(minutes=1), CHANNEL, "scheduled", POSTED, "weekly", T0,
                              message_ts="1.000001", parts=2))
    assert [(p.status, p.parts, p.error) for p in store.posts(CHANNEL)] == [("failed", 0, "ratelimited"),
                                                                           (POSTED, 2, None)]
    assert store.posts(Audience.channel("COTHER")) == []


def test_feedback_is_listed_since_a_date_with_what_was_shown(store):
    old = Feedback(T0 - dt.timedelta(days=10), "U1", "target 研发", NOT_HELPFUL, "target", "C1", ("x#1",),
                   (("x#1", "《甲》一、"),))
    new = Feedback(T0, "U2", "lead-unit 知识产权", NOT_HELPFUL, "lead-unit", "D2", ("y#2", "gone#9"),
                   (("y#2", "《乙》二、(一)"), ("gone#9", None)))
    liked = Feedback(T0, "U3", "search 人才飞地", "helpful", "search", "C1", ("z#3",), (("z#3", "《丙》三、"),))
    for item in (old, new, liked):
        store.add_feedback(item)
    assert store.feedback(verdict=NOT_HELPFUL) == [old, new]

    rows = store.feedback(since=dt.datetime(2026, 11, 20, tzinfo=UTC), verdict=NOT_HELPFUL)
    assert rows == [new]
    text = format_feedback(rows)
    assert "U2 · not helpful (lead-unit): lead-unit 知识产权" in text
    assert "- 《乙》二、(一) [y#2]" in text and "(no longer indexed) [gone#9]" in text
    assert format_feedback([]) == "No feedback recorded for that period."


def test_feedback_cli_lists_not_helpful_queries(store, db_url, monkeypatch, capsys):
    from bot.cli import main

    store.add_feedback(Feedback(T0, "U2", "target 研发", NOT_HELPFUL, "target", "C1", ("a#1",), (("a#1", "《甲》"),)))
    monkeypatch.setenv("POLICYBOT_DATABASE_URL", db_url)
    assert main(["feedback", "--since", "2026-11-01"]) == 0
    out = capsys.readouterr().out
    assert "target 研发" in out and "《甲》 [a#1]" in out
