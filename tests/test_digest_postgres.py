"""Several instances sharing one database post each digest exactly once: real PostgreSQL, and SQLite.

The PostgreSQL tests need a server: `export POLICYBOT_TEST_POSTGRES_URL="$(sh tests/postgres_server.sh)"`
(as root on Debian; it installs and starts one). Without it they are skipped; the SQLite
variant of the two-process test always runs. Each PostgreSQL test gets a database of its own.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from fake_slack import FakeSlackAPI

from bot import store as store_module
from bot.store import Audience, Store
from digest_support import (CHANNEL, MONDAY, NEW_CLAUSE_WORDS, add_new_document, copy_seeds, message_text,
                            posts_to)

ENV = "POLICYBOT_TEST_POSTGRES_URL"
INSTANCE = Path(__file__).with_name("digest_instance.py")
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


class Instance:
    """A `digest_instance.py` process: one bot instance's runner."""

    def __init__(self, corpus: Path, cache: Path, db: str, slack: str, start: dt.datetime):
        self.process = subprocess.Popen(
            [sys.executable, str(INSTANCE), "--corpus", str(corpus), "--cache", str(cache), "--db", db,
             "--slack", slack, "--start", start.isoformat()],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")

    def wait_ready(self) -> None:
        line = self.process.stdout.readline()
        assert line.strip() == "ready", f"instance did not start (exit {self.process.poll()})"

    def send_tick(self, when: dt.datetime) -> None:
        self.process.stdin.write(f"tick {when.isoformat()}\n")
        self.process.stdin.flush()

    def result(self) -> list[dict]:
        line = self.process.stdout.readline()
        assert line, f"instance ended (exit {self.process.poll()})"
        return json.loads(line)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process.stdout.close()
        self.process.stdin.close()


def tick_all(instances: list[Instance], when: dt.datetime) -> list[str]:
    """Tick every instance at the same moment; return every outcome's status."""
    for instance in instances:
        instance.send_tick(when)
    return [o["status"] for instance in instances for o in instance.result()]


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
