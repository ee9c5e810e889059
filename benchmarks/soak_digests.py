"""The soak's digest probes: instances sharing one SQLite database post each slot once, whatever happens.

Each instance is `tests/digest_instance.py`, the production runner in a process of its own,
driven a tick at a time on a clock the probe sets; Slack is the fake in the soak's process.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from soak_support import ROOT, Row, copy_seeds, peak_rss_mb

from digest_support import CHANNEL, MONDAY, posts_to

WEEK = dt.timedelta(days=7)
LEASE = dt.timedelta(minutes=10)  # bot.digest_runner.LEASE: after it, a claim whose post never finished is looked at


class Instance:
    """One bot instance's digest runner, in its own process."""

    def __init__(self, work: Path, database: str, slack_api: str, start: dt.datetime):
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "digest_instance.py"), "--corpus", str(work / "corpus"),
             "--cache", str(work / "cache"), "--db", database, "--slack", slack_api, "--start", start.isoformat()],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("a digest instance did not start")

    def send_tick(self, when: dt.datetime) -> None:
        self.process.stdin.write(f"tick {when.isoformat()}\n")
        self.process.stdin.flush()

    def outcomes(self) -> list[dict]:
        line = self.process.stdout.readline()
        return json.loads(line) if line else []

    def tick(self, when: dt.datetime) -> list[dict]:
        self.send_tick(when)
        return self.outcomes()

    @property
    def peak_rss_mb(self) -> float | None:
        return peak_rss_mb(self.process.pid)

    def quit(self) -> None:
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
            self.process.wait(30)

    def kill(self) -> None:
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(10)


def two_instances_through_429s(fake, work: Path) -> Row:
    """Tick two instances together each week while Slack answers the first posts with 429."""
    folder = work / "digests-two"
    copy_seeds(folder / "corpus")
    database = f"sqlite:///{folder / 'digests.db'}"
    start = MONDAY - dt.timedelta(days=3)
    instances = [Instance(folder, database, fake.api_url, start) for _ in range(2)]
    per_slot, failures, outcomes = [], [], []
    try:
        for week in range(3):
            fake.rate_limit("chat.postMessage", times=2, retry_after=1)  # a run of 429s at slot time
            before = len(posts_to(fake, CHANNEL))
            when = MONDAY + week * WEEK + dt.timedelta(seconds=2)
            ticks = [threading.Thread(target=lambda i=i: outcomes.extend(i.tick(when))) for i in instances]
            for thread in ticks:
                thread.start()
            for thread in ticks:
                thread.join(120)
            per_slot.append(len(posts_to(fake, CHANNEL)) - before)
        peak = max(i.peak_rss_mb or 0 for i in instances)
    finally:
        for instance in instances:
            instance.quit()
    if per_slot != [1, 1, 1]:
        failures.append(f"posts per slot {per_slot}")
    limited = sum(1 for c in fake.calls_to("chat.postMessage", ok_only=False) if c.status == 429)
    return Row("digests: 2 instances, 1 SQLite database, 3 slots, 429s", 6, sum(per_slot), 0, peak,
               per_slot=", ".join(map(str, per_slot)), failures=tuple(failures),
               note=f"{limited} posts answered 429 and waited out; outcomes {sorted(o['status'] for o in outcomes)}")


def killed_while_waiting_out_429(fake, work: Path) -> Row:
    """Kill an instance while its post waits out a 429 (a deploy at slot time): the slot must still post."""
    folder = work / "digests-killed"
    copy_seeds(folder / "corpus")
    database = f"sqlite:///{folder / 'digests.db'}"
    fake.rate_limit("chat.postMessage", times=1, retry_after=60)
    before = len(posts_to(fake, CHANNEL))
    first = Instance(folder, database, fake.api_url, MONDAY - dt.timedelta(days=3))
    first.send_tick(MONDAY + dt.timedelta(seconds=1))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(c.status == 429 for c in fake.calls_to("chat.postMessage",
                                                                                          ok_only=False)[-1:]):
        time.sleep(0.1)
    peak = first.peak_rss_mb
    first.kill()  # mid-wait: nothing was posted
    fake.rate_limit("chat.postMessage", times=0)
    second = Instance(folder, database, fake.api_url, MONDAY + dt.timedelta(minutes=1))
    try:
        for minutes in (2, LEASE.total_seconds() // 60 + 2, LEASE.total_seconds() // 60 + 20):
            second.tick(MONDAY + dt.timedelta(minutes=minutes))
        peak = max(peak or 0, second.peak_rss_mb or 0)
    finally:
        second.quit()
    posted = len(posts_to(fake, CHANNEL)) - before
    return Row("digests: instance killed while a post waits out a 429", 2, posted, 0, peak, per_slot=str(posted),
               failures=() if posted == 1 else (f"slot posted {posted} times",), needs_durable=True,
               note="another instance takes the slot over after the lease")
