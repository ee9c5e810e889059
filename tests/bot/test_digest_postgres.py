"""Several instances sharing one database post each digest exactly once: real PostgreSQL, and SQLite.

The PostgreSQL tests need a server: `export POLICYBOT_TEST_POSTGRES_URL="$(sh tests/postgres_server.sh)"`
(as root on Debian; it installs and starts one). Without it they are skipped; the SQLite
variant of the two-process test always runs. Each PostgreSQL test gets a database of its own.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fake_slack import FakeSlackAPI

from bot import store as store_module
from bot.store import Audience, Store
from digest_support import (CHANNEL, MONDAY, NEW_CLAUSE_WORDS, Instance, add_new_document, copy_seeds,
                            message_text, posts_to, tick_all)

ENV = "POLICYBOT_TEST_POSTGRES_URL"
TOKEN = "xoxb-test-token-0123456789"
UTC = dt.timezone.utc
LEASE = dt.timedelta(minutes=10)


def _server_url() -> str:
    url = os.environ.get(ENV, "").strip()
    if not url:
        pytest.skip(f"no PostgreSQL: set {ENV} (e.g. to the URL tests/postgres_server.sh prints)")
    engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL at {ENV} is not reachable: {exc.orig}")
    finally:
        engine.dispose()
    return url


@pytest.fixture
def postgres_url():
    """A fresh, empty database on the test server; dropped afterwards."""
    server = sa.engine.make_url(_server_url())
    name = f"policybot_{secrets.token_hex(4)}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_instances_starting_together_migrate_once(postgres_url):
    barrier = threading.Barrier(4)
    stores: list[Store] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            barrier.wait()
            stores.append(Store.open(postgres_url))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and len(stores) == 4
    with stores[0].engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all() == ["0003"]
        assert compare_metadata(MigrationContext.configure(conn), store_module.metadata) == []
    for s in stores:
        s.close()


def test_claims_under_contention_have_exactly_one_winner(postgres_url):
    stores = [Store.open(postgres_url) for _ in range(4)]
    barrier = threading.Barrier(len(stores))
    wins: list[int] = []
    t0 = MONDAY.astimezone(UTC)

    def contend(i: int, s: Store) -> None:
        for n in range(25):
            barrier.wait()
            if s.claim("weekly", t0 + dt.timedelta(days=7 * n), Audience.channel(CHANNEL), instance=f"i{i}",
                       now=t0, lease=LEASE):
                wins.append(n)

    threads = [threading.Thread(target=contend, args=(i, s)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(wins) == list(range(25))
    for s in stores:
        s.close()


def test_subscriptions_and_baselines_are_shared(postgres_url):
    a, b = Store.open(postgres_url), Store.open(postgres_url)
    audience = Audience.channel(CHANNEL)
    assert a.subscribe(audience, "研发投入", by="U1", at=MONDAY)
    assert not b.subscribe(audience, "研发投入", by="U2", at=MONDAY)
    assert b.topics(audience) == ["研发投入"]
    assert b.subscriptions(audience)[0].created_at == MONDAY
    a.close()
    b.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_db(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shared.db'}"
    return request.getfixturevalue("postgres_url")


def test_two_serve_processes_post_each_scheduled_digest_once(shared_db, tmp_path, settings):
    corpus = copy_seeds(tmp_path / "corpus")
    setup = Store.open(shared_db)
    setup.subscribe(Audience.channel(CHANNEL), "研发投入", by="U0ASKER", at=MONDAY - dt.timedelta(days=3))
    setup.close()
    start = MONDAY - dt.timedelta(days=3)
    with FakeSlackAPI(token=TOKEN) as fake:
        instances = [Instance(corpus, settings.cache_dir, shared_db, fake.api_url, start) for _ in range(2)]
        try:
            for instance in instances:
                instance.wait_ready()
            assert tick_all(instances, MONDAY + dt.timedelta(seconds=1)) == ["posted"]
            assert tick_all(instances, MONDAY + dt.timedelta(minutes=1)) == []

            add_new_document(corpus)
            # Each instance watches the folder; the next slot reports the new document, once.
            assert tick_all(instances, MONDAY + dt.timedelta(days=7, seconds=1)) == ["posted"]

            # One instance restarts; the slot it missed the start of is still not posted twice.
            instances[0].stop()
            instances[0] = Instance(corpus, settings.cache_dir, shared_db, fake.api_url, start)
            instances[0].wait_ready()
            assert tick_all(instances, MONDAY + dt.timedelta(days=7, minutes=2)) == []
        finally:
            for instance in instances:
                instance.stop()
        posts = posts_to(fake, CHANNEL)
        assert len(posts) == 2
        assert NEW_CLAUSE_WORDS in message_text(posts[1])
        assert fake.problems() == []
    check = Store.open(shared_db)
    assert [p.status for p in check.posts()] == ["posted", "posted"]
    assert len({r.instance for r in check.runs()}) >= 1
    check.close()


# ---------------------------------------------------------------- an instance killed mid-post

def _one_subscribed_channel(shared_db: str, tmp_path) -> Path:
    corpus = copy_seeds(tmp_path / "corpus")
    setup = Store.open(shared_db)
    setup.subscribe(Audience.channel(CHANNEL), "研发投入", by="U0ASKER", at=MONDAY - dt.timedelta(days=3))
    setup.close()
    return corpus


def _run_of_the_slot(shared_db: str):
    check = Store.open(shared_db)
    try:
        (run,) = check.runs()
        return run, check.last_digest(Audience.channel(CHANNEL)), [p.status for p in check.posts()]
    finally:
        check.close()


@contextmanager
def doomed_and_survivor(shared_db: str, tmp_path: Path, settings) -> Iterator[tuple]:
    """Two `serve` processes on one subscribed channel, their clock at Friday; the fake Slack's ts follow it."""
    corpus = _one_subscribed_channel(shared_db, tmp_path)
    start = MONDAY - dt.timedelta(days=3)
    with FakeSlackAPI(token=TOKEN) as fake:
        now = [start]
        fake.clock = lambda: now[0].timestamp()
        instances = [Instance(corpus, settings.cache_dir, shared_db, fake.api_url, start) for _ in range(2)]
        try:
            for instance in instances:
                instance.wait_ready()
            yield fake, now, *instances
        finally:
            for instance in instances:
                instance.stop()


def test_a_process_killed_while_it_waits_out_a_429_does_not_lose_the_weeks_digest(shared_db, tmp_path, settings):
    with doomed_and_survivor(shared_db, tmp_path, settings) as (fake, now, doomed, survivor):
        fake.rate_limit("chat.postMessage", times=1, retry_after=60)
        now[0] = MONDAY + dt.timedelta(seconds=1)
        doomed.send_tick(now[0])
        fake.wait_for(lambda calls: any(c.name == "chat.postMessage" and c.status == 429 for c in calls), 30)
        doomed.kill()  # a deploy while the client sleeps out Retry-After
        assert _run_of_the_slot(shared_db)[0].status == "posting"

        now[0] = MONDAY + dt.timedelta(minutes=2)  # within the lease the post may still be on its way
        assert tick_all([survivor], now[0]) == []
        now[0] = MONDAY + dt.timedelta(minutes=12)  # after it: not in the channel, so it is posted
        assert tick_all([survivor], now[0]) == ["posted"]
        now[0] = MONDAY + dt.timedelta(minutes=13)
        assert tick_all([survivor], now[0]) == []
        (post,) = posts_to(fake, CHANNEL)
        assert NEW_CLAUSE_WORDS not in message_text(post) and "研发投入" in message_text(post)
        assert post.params["metadata"] == {"event_type": "policybot_digest", "event_payload": {
            "schedule": f"{CHANNEL} 0 9 * * 1 Asia/Shanghai", "slot": MONDAY.astimezone(UTC).isoformat(),
            "audience": f"channel:{CHANNEL}"}}
        ts = post_ts(fake, post)
    run, baseline, posts = _run_of_the_slot(shared_db)
    assert run.status == "posted" and run.message_ts == ts
    assert baseline is not None and posts == ["posted"]


def test_a_process_killed_after_slack_took_the_post_is_not_posted_twice(shared_db, tmp_path, settings):
    with doomed_and_survivor(shared_db, tmp_path, settings) as (fake, now, doomed, survivor):
        fake.delay("chat.postMessage", 60)  # Slack shows the message; its answer never reaches the poster
        now[0] = MONDAY + dt.timedelta(seconds=1)
        doomed.send_tick(now[0])
        fake.wait_for_call("chat.postMessage", timeout=30)
        doomed.kill()
        fake.delay("chat.postMessage", 0)

        now[0] = MONDAY + dt.timedelta(minutes=12)
        assert tick_all([survivor], now[0]) == ["recovered"]
        # Its baseline was kept with the run: next week's digest says what is new since this one.
        now[0] = MONDAY + dt.timedelta(days=7, seconds=1)
        assert tick_all([survivor], now[0]) == ["posted"]
        first, second = posts_to(fake, CHANNEL)
        assert first.params["metadata"]["event_payload"]["slot"] == MONDAY.astimezone(UTC).isoformat()
        assert "自上期摘要(2026年11月23日 09:00)以来,政策文件没有新内容" in message_text(second)
    check = Store.open(shared_db)
    try:
        assert [(r.slot, r.status) for r in check.runs()] == [(MONDAY.astimezone(UTC), "posted"),
                                                              ((MONDAY + dt.timedelta(days=7)).astimezone(UTC),
                                                               "posted")]
        assert [p.status for p in check.posts()] == ["posted", "posted"]
    finally:
        check.close()


def post_ts(fake, call) -> str:
    """The ts Slack gave a message the fake accepted."""
    channel = fake.workspaces.channels[call.params["channel"]]
    return next(m["ts"] for m in channel.messages if m.get("metadata") == call.params.get("metadata"))


# ---------------------------------------------------------------- migration 0003 on a database in use

def test_a_database_at_0002_is_upgraded_with_its_rows(shared_db):
    from alembic import command
    from alembic.config import Config

    engine = sa.create_engine(shared_db)
    config = Config()
    config.set_main_option("script_location", str(store_module.MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
        connection.execute(sa.text("INSERT INTO subscriptions (audience, topic, created_by, created_at) "
                                   "VALUES ('channel:C1', '研发', 'U1', '2026-01-01 00:00:00')"))
        connection.execute(sa.text(
            "INSERT INTO digest_runs (schedule_key, slot, audience, status, instance, attempts, claimed_at, "
            "updated_at) VALUES ('C1 0 9 * * 1 Asia/Shanghai', '2026-01-05 01:00:00', 'channel:C1', 'posting', "
            "'old:1', 1, '2026-01-05 01:00:01', '2026-01-05 01:00:01')"))
    engine.dispose()
    store = Store.open(shared_db)
    try:
        (subscription,) = store.subscriptions(Audience.channel("C1"))
        assert (subscription.topic, subscription.audience.team) == ("研发", "")
        assert store.owner_of(Audience.channel("C1")) == "U1"
        # A post interrupted before the upgrade is checked like any other.
        later = dt.datetime(2026, 1, 5, 2, tzinfo=UTC)
        assert [r.status for r in store.unconfirm_stale_posts(later, LEASE)] == ["posting"]
        assert store.claim_keys(["event:Ev1"], now=later, ttl=LEASE) and store.all_audience_settings() == []
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0003"
            assert compare_metadata(MigrationContext.configure(conn), store_module.metadata) == []
    finally:
        store.close()
    # And back, keeping the rows of 0002, then forward again.
    for target in ("0002", "head"):
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            (command.downgrade if target == "0002" else command.upgrade)(config, target)
    engine.dispose()
    store = Store.open(shared_db)
    try:
        assert store.topics(Audience.channel("C1")) == ["研发"]
    finally:
        store.close()
