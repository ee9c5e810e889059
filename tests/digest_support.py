"""Shared by the digest tests: a clock the test sets, a corpus to edit, services on a real database."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fake_slack import FakeSlackAPI
from slack_harness import TOKEN, make_runtime

from bot.app import Runtime
from bot.digest_runner import DigestRunner
from bot.settings import DigestSchedule, Settings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
INSTANCE = Path(__file__).with_name("digest_instance.py")
SHANGHAI = dt.timezone(dt.timedelta(hours=8))
CHANNEL = "C0DIGEST"
ADMIN = "U0ADMIN"
WEEKLY = "0 9 * * 1"  # Mondays 09:00, Asia/Shanghai
# Monday 2026-11-23 09:00 in Shanghai, the first slot the tests care about.
MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)

NEW_DOCUMENT_NAME = "leshan-2026-rd-investment-plan.txt"
NEW_DOCUMENT = """乐山市关于加大全社会研发投入的实施方案
(2026年3月1日)
为深入实施创新驱动发展战略,加快提升全社会研发投入强度,结合乐山实际,制定本方案。
一、总体目标
到2026年底,全社会研发经费投入强度达到2.5%以上,规模以上工业企业研发机构覆盖率达到40%。
二、重点任务
(一)实施企业研发投入倍增计划。对年度研发投入增长超过20%的企业给予一次性奖励,引导企业建立研发准备金制度。(牵头单位:市科技局;配合单位:市财政局、市税务局)
(二)建设中试熟化平台。支持企业与高校院所共建中试基地,推动科技成果就地转化。(牵头单位:市经济和信息化局)
"""
NEW_CLAUSE_WORDS = "研发投入倍增计划"
FRIDAY = MONDAY - dt.timedelta(days=3)  # the bot starts here, before the first slot


class Clock:
    """A clock the test moves by hand; call it for the current (aware) time."""

    def __init__(self, start: dt.datetime):
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, when: dt.datetime) -> None:
        self.now = when

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


def copy_seeds(folder: Path) -> Path:
    shutil.copytree(SEEDS, folder)
    return folder


def add_new_document(folder: Path) -> Path:
    path = folder / NEW_DOCUMENT_NAME
    path.write_text(NEW_DOCUMENT, encoding="utf-8")
    return path


def digest_settings(base: Settings, corpus: Path, cache: Path, database_url: str, *,
                    schedules: tuple[DigestSchedule, ...] | None = None, **changes) -> Settings:
    """Project settings pointed at a test corpus, cache and database, with one weekly schedule."""
    if schedules is None:
        schedules = (DigestSchedule(CHANNEL, WEEKLY, "Asia/Shanghai"),)
    return dataclasses.replace(base, corpus_dir=corpus, cache_dir=cache, database_url=database_url,
                               schedules=schedules, admins=frozenset({ADMIN}), **changes)


def posts_to(fake, channel: str) -> list:
    """The top-level messages the fake Slack accepted for `channel` (thread replies excluded)."""
    return [c for c in fake.calls_to("chat.postMessage")
            if c.params.get("channel") == channel and not c.params.get("thread_ts")]


def message_text(call) -> str:
    """Everything a posted message shows, as one string, bold marks (`*`, zero-width spaces) removed."""
    import json

    blocks = call.params.get("blocks")
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    text = call.params.get("text", "") + "\n" + json.dumps(blocks or [], ensure_ascii=False)
    return text.replace("\u200b", "").replace("*", "")


@dataclass
class World:
    """One bot process: its runtime over a corpus folder and database, a clock, the fake Slack."""

    runtime: Runtime
    clock: Clock
    fake: FakeSlackAPI
    folder: object

    @property
    def settings(self):
        return self.runtime.settings

    @property
    def services(self):
        return self.runtime.services

    @property
    def runner(self) -> DigestRunner:
        return self.runtime.services.digests

    def restart(self, **changes) -> "World":
        """A new process: new engine, new runner, new connection pool; same database and corpus folder."""
        self.runtime.close()
        return start_world(dataclasses.replace(self.settings, **changes), self.clock, self.fake, self.folder)


def start_world(settings, clock, fake, folder, **options) -> World:
    """Start one bot process's runtime on `folder` (its corpus, its database) with the fake Slack."""
    return World(make_runtime(settings, fake, folder, clock=clock, **options), clock, fake, folder)


@contextmanager
def worlds_on_one_database(settings, tmp_path: Path, count: int = 1, *, start: dt.datetime = FRIDAY,
                           **changes) -> Iterator[list[World]]:
    """`count` bot instances on one corpus folder and one database, a fake Slack, one clock set to `start`.

    The fake's message ts follow the same clock, as Slack's follow the real one.
    """
    folder = copy_seeds(tmp_path / "corpus")
    here = digest_settings(settings, folder, settings.cache_dir, "sqlite://", **changes)
    with FakeSlackAPI(token=TOKEN) as fake:
        clock = Clock(start)
        fake.clock = lambda: clock().timestamp()
        worlds = [start_world(here, clock, fake, tmp_path) for _ in range(count)]
        try:
            yield worlds
        finally:
            for world in worlds:
                world.runtime.close()


def reply_to_command(running, text: str, *, user: str = "U0ASKER", channel: str = CHANNEL) -> dict:
    """Send `/policy <text>`; return the reply, from the ack or from the response_url."""
    sent, name = running.slack.command(text, user=user, channel=channel)
    assert sent.status == 200
    body = sent.json() if sent.body else {}
    if body.get("blocks") and "Working on it" not in json.dumps(body):
        return body
    return running.fake.wait_for_call(name, timeout=15)[0].params


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

    def kill(self) -> None:
        """Stop the process at once, as a deploy or the OOM killer would: no cleanup, nothing flushed."""
        self.process.kill()
        self.process.wait(15)

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
