"""One bot instance's digest runner in its own process, driven line by line (for the multi-instance tests).

    python tests/digest_instance.py --corpus DIR --cache DIR --db URL --slack URL --start ISO

Prints `ready` once the corpus is loaded and the store migrated. Then reads commands on stdin:
`tick <ISO time>` runs the corpus check and the runner's tick at that time and prints the outcomes as one JSON line;
`quit` ends. The runner and everything under it are the production code paths.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from bot.app import build_runtime  # noqa: E402
from bot.settings import DigestSchedule, load_settings  # noqa: E402
from digest_support import CHANNEL, WEEKLY, Clock  # noqa: E402

TOKEN = "xoxb-test-token-0123456789"


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("--corpus", "--cache", "--db", "--slack", "--start"):
        parser.add_argument(name, required=True)
    args = parser.parse_args()
    base = load_settings(ROOT / "config" / "settings.yaml", env={})
    settings = dataclasses.replace(base, corpus_dir=Path(args.corpus), cache_dir=Path(args.cache),
                                   database_url=args.db, schedules=(DigestSchedule(CHANNEL, WEEKLY),))
    clock = Clock(dt.datetime.fromisoformat(args.start))
    runtime = build_runtime(settings, {"SLACK_BOT_TOKEN": TOKEN, "SLACK_API_URL": args.slack}, serving=False,
                            clock=clock)
    runner = runtime.services.digests
    runner.register()
    print("ready", flush=True)
    for line in sys.stdin:
        command, _, value = line.strip().partition(" ")
        if command == "quit":
            break
        if command == "tick":
            clock.set(dt.datetime.fromisoformat(value))
            runtime.services.watcher.check()  # the two jobs `serve` runs every minute
            outcomes = runner.tick()
            print(json.dumps([{"status": o.status, "audience": o.audience.key,
                               "slot": o.slot.isoformat() if o.slot else None} for o in outcomes]), flush=True)
    runtime.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
