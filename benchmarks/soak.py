"""Soak and fault-inject the bot as it is deployed, on loopback, and print what held (issue 10).

Starts `policybot serve` (the real app, HTTP mode) over a copy of the seeds, with Slack faked
by the test suite's fake in this process, then replays every probe of issue 10:

- load: slash commands from many concurrent clients, each answered exactly once, acks in time;
- hostile HTTP: an oversized Content-Length, a 256 MiB streamed body, odd timestamps, JSON
  nested 1,000 deep, garbage, idle and silent connections;
- replays: a signed `digest now` and a signed command sent twice, an event retried to a
  second instance sharing the database;
- the corpus while serving: a document replaced by a broken, empty or truncated file, a broken
  sidecar, the folder emptied, `a.txt` beside `a.md`, an unreadable file; answers checked;
- the command line: invalid UTF-8 on stdin and in argv, empty lines, bad numbers and dates,
  a config file not in UTF-8, unknown keys, an unreadable corpus file;
- digests: two runner processes on one SQLite database through a run of 429s; a runner killed
  while its post waits out a 429.

Probes that hold only with the durable digests of issue 10 item 1 say "needs durable digests"
when they fail. Exit 0 when everything else held.

    python benchmarks/soak.py                 # 2,000 commands from 20 clients, about 3 minutes
    python benchmarks/soak.py --commands 200  # a quick run
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from soak_support import NEEDS_DURABLE, ROOT, Row, ServeProcess, copy_seeds, write_config  # noqa: E402

from fake_slack import FakeSlackAPI  # noqa: E402
from slack_harness import TOKEN  # noqa: E402


def table(rows: list[Row]) -> str:
    """Format the rows as a Markdown table."""
    lines = ["| probe | requests sent | answered once | 5xx | peak RSS | digests per slot | result |",
             "|---|---|---|---|---|---|---|"]
    for row in rows:
        rss = f"{row.peak_rss_mb:.0f} MB" if row.peak_rss_mb else "—"
        once = "—" if row.answered_once is None else str(row.answered_once)
        lines.append(f"| {row.probe} | {row.sent} | {once} | {row.server_errors} | {rss} | {row.per_slot or '—'} | "
                     f"{row.verdict} |")
    return "\n".join(lines)


def notes(rows: list[Row]) -> str:
    """List what each probe measured besides the table, and why one that needs durable digests did not hold."""
    lines = []
    for row in rows:
        said = [row.note] if row.note else []
        if row.failures and row.needs_durable:
            said.append("today: " + "; ".join(row.failures))
        if said:
            lines.append(f"- {row.probe}: {'; '.join(said)}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--commands", type=int, default=2000, help="slash commands in the load probe")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients sending them")
    parser.add_argument("--only", choices=("http", "corpus", "cli", "digests"), action="append",
                        help="run only these groups of probes (default: all)")
    args = parser.parse_args()
    groups = set(args.only or ("http", "corpus", "cli", "digests"))
    started = time.monotonic()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="policybot-soak-") as tmp, FakeSlackAPI(token=TOKEN) as fake:
        work = Path(tmp)
        corpus = copy_seeds(work / "corpus")
        config = write_config(work, corpus, work / "policybot.db")
        if groups & {"http", "corpus"}:
            rows += serve_probes(work, config, corpus, fake, groups, args)
        if "cli" in groups:
            from soak_cli import cli_probes, unreadable_probes

            rows += cli_probes(config, work)
            rows.append(unreadable_probes(config, corpus))
        if "digests" in groups:
            from soak_digests import killed_while_waiting_out_429, two_instances_through_429s

            rows.append(two_instances_through_429s(fake, work))
            rows.append(killed_while_waiting_out_429(fake, work))
    print(table(rows))
    print()
    print(notes(rows))
    held = sum(1 for row in rows if row.verdict == "held")
    waiting = sum(1 for row in rows if row.verdict == NEEDS_DURABLE)
    failed = len(rows) - held - waiting
    print(f"\n{held} held, {waiting} {NEEDS_DURABLE}, {failed} failed; {time.monotonic() - started:.0f} s "
          f"(python {sys.version.split()[0]}, {ROOT.name})")
    return 1 if failed else 0


def serve_probes(work: Path, config: Path, corpus: Path, fake, groups: set[str], args) -> list[Row]:
    """Run the probes against `policybot serve`: load, hostile HTTP and replays, the corpus while serving."""
    from soak_corpus import corpus_probes
    from soak_http import hostile, load, replays

    rows: list[Row] = []
    server = ServeProcess(work, config, fake, "serve-a")
    try:
        if "http" in groups:
            rows.append(load(server, args.commands, args.clients))
            rows += hostile(server)
            second = ServeProcess(work, config, fake, "serve-b")  # another instance on the same database
            try:
                rows += replays(server, second)
            finally:
                second.stop()
        if "corpus" in groups:
            rows += corpus_probes(server, corpus)
        if server.tracebacks():
            rows.append(Row("server log", 0, failures=(f"{server.tracebacks()} traceback(s)",)))
    finally:
        server.stop()
    return rows


if __name__ == "__main__":
    sys.exit(main())
