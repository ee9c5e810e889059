"""`policybot` commands: ask, docs, check, serve, digest, feedback, index."""
from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from typing import Callable, TextIO

from bot.errors import ConfigError, PolicybotError
from bot.settings import Settings, load_settings

log = logging.getLogger("policybot")


def _progress(label: str) -> Callable[[int, int], None]:
    """A progress bar on a terminal, plain log lines otherwise."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar: dict = {}

        def update(done: int, total: int) -> None:
            if "bar" not in bar:
                bar["bar"] = tqdm(total=total, desc=label, unit="clause", leave=False)
            bar["bar"].n = done
            bar["bar"].refresh()
            if done >= total:
                bar["bar"].close()

        return update

    last = {"t": 0.0}

    def log_line(done: int, total: int) -> None:
        now = time.monotonic()
        if total < 1000:
            return  # a small corpus is done before a line would help
        if done >= total or now - last["t"] > 2:
            last["t"] = now
            log.info("%s: %d/%d", label, done, total)

    return log_line


def _engine(settings: Settings, progress: bool = True):
    from bot.engine import PolicyEngine

    return PolicyEngine.from_settings(settings, progress=_progress("indexing") if progress else None)


def cmd_ask(args, settings: Settings, out: TextIO) -> int:
    engine = _engine(settings)
    limit = args.limit or settings.default_limit
    if args.query == ["-"] or (args.json and not args.query):
        queries = (line.strip() for line in sys.stdin)
    else:
        queries = iter([" ".join(args.query)])
    if args.json:
        for text in queries:
            if not text:
                continue
            answer = engine.ask(text, limit=limit, offset=args.offset)
            out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
            out.flush()
        return 0
    from bot.render_text import render_answer

    ansi = out.isatty()
    for text in queries:
        out.write(render_answer(engine.ask(text, limit=limit, offset=args.offset), ansi=ansi) + "\n")
    return 0


def cmd_docs(args, settings: Settings, out: TextIO) -> int:
    from bot.render_text import render_document_summary

    engine = _engine(settings)
    for doc in engine.documents:
        out.write(render_document_summary(doc) + "\n")
    for error in engine.load_errors:
        out.write(f"skipped {error.source}: {error.reason}\n")
    return 0


def cmd_check(args, settings: Settings, out: TextIO) -> int:
    """Report per document what could not be parsed; exit 1 when a document was skipped."""
    from bot.corpus.reader import load_corpus

    load = load_corpus(settings.corpus_dir)
    for doc in load.documents:
        status = "ok" if not doc.problems else f"{len(doc.problems)} problem(s)"
        out.write(f"{doc.source}: {status} · {doc.clause_count} clauses · {doc.target_count} targets · "
                  f"{doc.task_count} tasks · title 《{doc.title}》 · region {doc.region or '?'} · "
                  f"date {doc.date or '?'}\n")
        for problem in doc.problems:
            out.write(f"  - problem: {problem}\n")
        for note in doc.notes:
            out.write(f"  · {note}\n")
    for error in load.errors:
        out.write(f"{error.source}: SKIPPED · {error.reason}\n")
    out.write(f"config {settings.source}: ok\n")
    return 1 if load.errors else 0


def cmd_index(args, settings: Settings, out: TextIO) -> int:
    started = time.perf_counter()
    engine = _engine(settings)
    clauses = sum(d.clause_count for d in engine.documents)
    out.write(f"indexed {len(engine.documents)} documents, {clauses} clauses in "
              f"{time.perf_counter() - started:.2f}s (cache: {settings.cache_dir})\n")
    return 0


def cmd_reload(args, settings: Settings, out: TextIO) -> int:
    """Re-read the corpus folder into the saved index; exit 1 when the folder was empty or missing."""
    from bot.engine import PolicyEngine

    engine = PolicyEngine(settings)
    engine.load(progress=_progress("indexing"), refresh=False)  # the index as saved, to compare with
    report = engine.reload(force=args.force)
    for label, ids in (("added", report.added), ("changed", report.changed), ("removed", report.removed)):
        out.write(f"{label}: {', '.join(ids) or '-'}\n")
    for error in report.errors:
        kept = " (its last good version is still served)" if error.source in report.kept else ""
        out.write(f"skipped {error.source}: {error.reason}{kept}\n")
    if report.warning:
        out.write(f"not reloaded: {report.warning}\n")
        return 1
    out.write(f"indexed {len(engine.documents)} documents\n")
    return 0


def cmd_serve(args, settings: Settings, out: TextIO) -> int:
    from bot.server import serve

    return serve(settings, host=args.host or settings.host, port=args.port or settings.port) or 0


def cmd_digest(args, settings: Settings, out: TextIO) -> int:
    from bot.digest import run_digest_command

    return run_digest_command(settings, channel=args.channel, dry_run=args.dry_run,
                              out=lambda text: out.write(text + "\n"))


def cmd_feedback(args, settings: Settings, out: TextIO) -> int:
    from bot import store

    import datetime as dt

    since = dt.date.fromisoformat(args.since) if args.since else None
    rows = store.list_feedback(settings, since=since)
    out.write(store.format_feedback(rows) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", metavar="DIR", help="corpus folder (default: config, or $POLICYBOT_CORPUS)")
    common.add_argument("--config", metavar="FILE", help="settings file (default: config/settings.yaml)")
    common.add_argument("-v", "--verbose", action="store_true", help="log more")

    parser = argparse.ArgumentParser(prog="policybot", description="Policy clause index and Slack bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", parents=[common], help="answer a query on the command line")
    ask.add_argument("query", nargs="*", help='the query, e.g. "target 研发"; - reads one query a line from stdin')
    ask.add_argument("--json", action="store_true", help="one JSON object a line")
    ask.add_argument("--limit", type=int, help="results per query")
    ask.add_argument("--offset", type=int, default=0, help="skip this many results")
    ask.set_defaults(func=cmd_ask)
    sub.add_parser("docs", parents=[common], help="list indexed documents").set_defaults(func=cmd_docs)
    sub.add_parser("check", parents=[common], help="report what could not be parsed").set_defaults(func=cmd_check)
    sub.add_parser("index", parents=[common], help="build (and cache) the index").set_defaults(func=cmd_index)
    reload = sub.add_parser("reload", parents=[common], help="re-read the corpus folder into the index")
    reload.add_argument("--force", action="store_true",
                        help="accept an emptied or missing corpus folder (empties the index)")
    reload.set_defaults(func=cmd_reload)
    serve = sub.add_parser("serve", parents=[common], help="run the Slack app")
    serve.add_argument("--host", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="HTTP port (default 3000)")
    serve.set_defaults(func=cmd_serve)
    digest = sub.add_parser("digest", parents=[common], help="render or post a digest")
    digest.add_argument("--channel", help="only this channel")
    digest.add_argument("--dry-run", action="store_true", help="print instead of posting")
    digest.set_defaults(func=cmd_digest)
    feedback = sub.add_parser("feedback", parents=[common], help="list answers marked not helpful")
    feedback.add_argument("--since", metavar="YYYY-MM-DD")
    feedback.set_defaults(func=cmd_feedback)
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not args.verbose:
        logging.getLogger("bot.corpus.reader").setLevel(logging.ERROR)
        logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration step otherwise
    try:
        settings = load_settings(args.config, corpus_override=args.corpus)
        return int(args.func(args, settings, out) or 0)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"policybot: config error: {problem}", file=sys.stderr)
        return 2
    except PolicybotError as exc:
        print(f"policybot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `policybot ask ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
