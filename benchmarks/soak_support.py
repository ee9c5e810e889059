"""What the soak's probes share: a row of the table, `policybot serve` in a child process, memory.

The app under test is the real one, started as operators start it (`policybot serve` with a
partial config over config/settings.yaml), its Slack pointed at the test suite's fake Slack
in the soak's own process. Everything listens on 127.0.0.1.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the fake Slack and the helpers of the test suite

from fake_slack import FakeSlackAPI, SlackSender, slack_encoded  # noqa: E402
from slack_harness import SECRET, TOKEN  # noqa: E402

from bot import strings  # noqa: E402
from bot.server import EVENTS_PATH  # noqa: E402
from bot.strings import Catalog  # noqa: E402

ADMIN = "U0ADMIN"
SEEDS = ROOT / "seeds"
NEEDS_DURABLE = "needs durable digests"  # the verdict of a probe another branch makes hold


@dataclass
class Row:
    """One line of the soak's table."""

    probe: str
    sent: int
    answered_once: int | None = None  # of the requests sent, how many got exactly one answer
    server_errors: int = 0  # HTTP 5xx
    peak_rss_mb: float | None = None
    per_slot: str = ""  # digests posted per slot, `1, 1, 1`
    failures: tuple[str, ...] = ()
    needs_durable: bool = False  # held only with the durable digests of issue 10 item 1
    note: str = ""

    @property
    def verdict(self) -> str:
        if not self.failures:
            return "held"
        return NEEDS_DURABLE if self.needs_durable else "FAILED: " + "; ".join(self.failures)


def peak_rss_mb(pid: int) -> float | None:
    """Return the peak resident memory of a live process (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def copy_seeds(folder: Path) -> Path:
    shutil.copytree(SEEDS, folder)
    return folder


def write_config(work: Path, corpus: Path, database: Path) -> Path:
    """Write a partial config, laid over config/settings.yaml: this corpus, cache and database, one admin."""
    path = work / "settings.yaml"
    path.write_text(f"corpus_dir: {corpus}\ncache_dir: {work / 'cache'}\nslack:\n  admins: [{ADMIN}]\n"
                    f"database:\n  url: sqlite:///{database}\n", encoding="utf-8")
    return path


def working_notices() -> set[str]:
    """Return the notice an ack carries when the answer is late (then it comes through the response_url)."""
    return {Catalog(language)(strings.WORKING) for language in ("zh", "en")}


class ServeProcess:
    """`policybot serve` in a child process, its log in a file, Slack faked by `fake`."""

    def __init__(self, work: Path, config: Path, fake: FakeSlackAPI, name: str):
        self.fake = fake
        self.port = free_port()
        self.log_path = work / f"{name}.log"
        env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": fake.api_url, "PYTHONUNBUFFERED": "1"}
        env.pop("SLACK_APP_TOKEN", None)  # HTTP mode, never Socket Mode
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve", "--config", str(config),
                                         "--port", str(self.port)], cwd=ROOT, env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = self.base + EVENTS_PATH
        self.slack = SlackSender(self.url, SECRET, fake)
        self._wait_ready()

    def _wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"policybot serve exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("policybot serve did not start")

    @property
    def peak_rss_mb(self) -> float | None:
        return peak_rss_mb(self.process.pid)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def tracebacks(self) -> int:
        return self.log().count("Traceback")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


class Asker:
    """Sends `/policy` commands to a served app and counts the answers each got (ack or response_url)."""

    def __init__(self, server: ServeProcess):
        self.server = server
        self.notices = working_notices()

    def send(self, text: str, *, user: str = "U0SOAK", channel: str = "C0SOAK", **kwargs):
        """Send a command as Slack encodes it; return (HTTP status, ack body or None, response_url name, seconds)."""
        started = time.perf_counter()
        sent, name = self.server.slack.command(slack_encoded(text), user=user, channel=channel, **kwargs)
        took = time.perf_counter() - started
        body = sent.json() if sent.status == 200 and sent.body else None
        answered = body if body and body.get("blocks") and body.get("text") not in self.notices else None
        return sent.status, answered, name, took

    def answers(self, name: str, acked: dict | None) -> list[dict]:
        """Return every answer a command got: the ack's, then each message posted to its response_url."""
        posted = [c.params for c in self.server.fake.calls if c.kind == "response_url" and c.name == name]
        return ([acked] if acked else []) + posted

    def ask(self, text: str, *, user: str = "U0SOAK", wait: float = 15) -> tuple[int, str, int]:
        """Send one command and wait for its answer; return (HTTP status, the answer as text, answers)."""
        status, acked, name, _ = self.send(text, user=user)
        if acked is None and status == 200:
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and not self.answers(name, None):
                time.sleep(0.05)
        answers = self.answers(name, acked)
        return status, "\n".join(json.dumps(a, ensure_ascii=False) for a in answers), len(answers)
