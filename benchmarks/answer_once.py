"""Benchmark: two instances on one database, a burst of slash commands, each one replayed to the other.

Every request is signed as Slack signs it and sent to one instance over HTTP (loopback, the
fake Slack of the tests); the same bytes are then sent again to the other instance, as a
load balancer retrying or someone replaying a captured request would. Each command must be
answered once: by the first instance, in its acknowledgement; the replay gets an empty 200.
Prints the acknowledgement latency of the first deliveries and what the replays got.

    python benchmarks/answer_once.py                               # SQLite, 2,000 commands, 20 clients
    python benchmarks/answer_once.py --database postgresql+psycopg://postgres@127.0.0.1:54329/policybot_test
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
import tempfile
import threading
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_slack import FakeSlackAPI, SlackSender, send  # noqa: E402
from slack_harness import SECRET, TOKEN, make_runtime, running_app  # noqa: E402

from bot.settings import load_settings  # noqa: E402
from bot.store import Store  # noqa: E402

QUERIES = ["target 研发", "lead-unit 科技成果转化示范区", "unit 市金融工作局", "search 人才飞地", "docs", "help"]


def run(commands: int, clients: int, database: str | None) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="answer-once-"))
    settings = dataclasses.replace(load_settings(ROOT / "config" / "settings.yaml", env={}),
                                   cache_dir=folder / "cache")
    overrides = {"database_url": database} if database else {}
    began = dt.datetime.now(dt.timezone.utc)  # a shared database may hold keys of earlier runs
    latencies: list[float] = []
    answered = replays_empty = failures = 0
    lock = threading.Lock()
    with FakeSlackAPI(token=TOKEN) as fake:
        first = make_runtime(settings, fake, folder, **overrides)
        second = make_runtime(settings, fake, folder, engine=first.services.engine, **overrides)
        with running_app(first, fake) as a, running_app(second, fake) as b:
            def client(n: int) -> None:
                nonlocal answered, replays_empty, failures
                slack = SlackSender(a.url, SECRET, fake)  # one per client: its last request is its own
                for i in range(n, commands, clients):
                    started = time.perf_counter()
                    sent, _ = slack.command(QUERIES[i % len(QUERIES)], user=f"U{i:06d}")
                    took = time.perf_counter() - started
                    replay = send(b.url, *slack.last_request)
                    with lock:
                        latencies.append(took)
                        answered += sent.status == 200 and bool(sent.body)
                        replays_empty += replay.status == 200 and not replay.body
                        failures += sent.status != 200 or replay.status != 200

            threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
            started = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.perf_counter() - started
        store = Store.open(database or first.settings.database_url, upgrade=False)
        with store.engine.connect() as conn:
            keys = conn.execute(sa.text("SELECT count(*) FROM seen_keys WHERE key LIKE :prefix AND seen_at >= :since"),
                                {"prefix": "signature:%", "since": began.replace(tzinfo=None)}).scalar()
        store.close()
        first.close()
        second.close()
    latencies.sort()
    return {"commands": commands, "clients": clients, "seconds": elapsed, "answered": answered,
            "replays refused": replays_empty, "failures": failures, "signatures kept": keys,
            "p50": latencies[len(latencies) // 2], "p99": latencies[int(len(latencies) * 0.99)],
            "max": latencies[-1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--database", help="a database URL both instances share (default: a SQLite file)")
    args = parser.parse_args()
    r = run(args.commands, args.clients, args.database)
    print("| commands | clients | answered once | replays refused | failures | ack p50 | ack p99 | ack max | time |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(f"| {r['commands']:,} | {r['clients']} | {r['answered']:,} | {r['replays refused']:,} | {r['failures']} "
          f"| {r['p50'] * 1000:.0f} ms | {r['p99'] * 1000:.0f} ms | {r['max'] * 1000:.0f} ms | {r['seconds']:.1f} s |")
    print(f"signatures kept in seen_keys: {r['signatures kept']:,}")


if __name__ == "__main__":
    main()
