"""`policybot` commands: ask, docs, check, serve, digest, feedback, index, add."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import re
import sys
import time
from pathlib import Path
from typing import Callable, Iterator, TextIO

from bot import strings
from bot.errors import ConfigError, PolicybotError
from bot.settings import Settings, load_settings
from bot.strings import Catalog, language_of

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


def _write_skipped(out: TextIO, errors, kept: tuple[str, ...]) -> None:
    """One line per document that did not load, saying whether its last good version still serves."""
    for error in errors:
        still = " (its last good version is still served)" if error.source in kept else ""
        out.write(f"skipped {error.source}: {error.reason}{still}\n")


def _engine(settings: Settings):
    from bot.app import build_engine

    return build_engine(settings, progress=_progress("indexing"), warm=False)


class UsageError(PolicybotError):
    """An option the command cannot use; reported like argparse's own errors, exit 2."""


def _query_lines() -> Iterator[tuple[str, bool]]:
    """Standard input, one query a line, each decoded on its own: (text, False) for a line not in UTF-8."""
    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:  # a text stream (tests, some embeddings): already decoded
        yield from ((line.rstrip("\r\n"), True) for line in sys.stdin)
        return
    for raw in stream:
        try:
            yield raw.decode("utf-8").rstrip("\r\n"), True
        except UnicodeDecodeError:
            yield raw.decode("utf-8", "replace").rstrip("\r\n"), False


def _is_text(value: str) -> bool:
    """False for an argument the shell handed over in another encoding (Python keeps its bytes as surrogates)."""
    return not any("\udc80" <= ch <= "\udcff" for ch in value)


def cmd_ask(args, settings: Settings, out: TextIO) -> int:
    """Answer queries: readable text, or one JSON object a line that keeps the batch aligned with its input."""
    from bot.links import ClauseLinks

    limit = args.limit or settings.default_limit
    if limit > settings.max_limit:
        raise UsageError(f"--limit must be between 1 and {settings.max_limit} (search.max_limit)")
    from_stdin = args.query == ["-"] or (args.json and not args.query)
    if not from_stdin and not all(_is_text(q) for q in args.query):
        raise UsageError("the query is not valid UTF-8 text")
    engine = _engine(settings)
    links = ClauseLinks(settings.public_url)
    queries = _query_lines() if from_stdin else iter([(" ".join(args.query), True)])
    if args.json:
        for text, valid in queries:
            t = Catalog(args.lang)
            line = (_json_answer(engine, links, text, limit, args.offset, t) if valid
                    else {"query": text, "error": t(strings.NOT_UTF8)})
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            out.flush()
        return 0
    from bot.render_text import render_answer

    ansi = out.isatty()
    t = Catalog(args.lang)
    refused = False
    for n, (text, valid) in enumerate(queries, 1):
        if not valid:
            print(f"policybot: line {n}: {t(strings.NOT_UTF8)}", file=sys.stderr)
            continue
        if text.strip():
            answer = engine.ask(text, limit=limit, offset=args.offset)
            refused = refused or answer.query.error is not None
            out.write(render_answer(answer, engine.vocabulary, ansi=ansi, t=t, documents=engine.documents,
                                    links=links) + "\n")
    return 2 if refused and not from_stdin else 0


def _json_answer(engine, links, text: str, limit: int, offset: int, t: Catalog) -> dict:
    """One line of `ask --json`: the answer, or why there is none; never an exception (the batch goes on)."""
    if not text.strip():
        return {"query": text, "error": t(strings.EMPTY_QUERY)}
    try:
        answer = engine.ask(text, limit=limit, offset=offset)
    except Exception as exc:  # one bad line must not lose the rest of the batch
        log.error("query %r failed: %s: %s", text[:100], type(exc).__name__, exc)
        return {"query": text, "error": f"internal error ({type(exc).__name__})"}
    if answer.query.error:
        return {"query": text, "error": t(strings.QUERY_ERRORS[answer.query.error], detail=answer.query.error_detail)}
    payload = answer.to_json()
    for result in payload["results"]:
        result["url"] = links.clause_url(result["id"])  # the viewer, when server.public_url is set
    return payload


def cmd_docs(args, settings: Settings, out: TextIO) -> int:
    from bot.render_text import render_document_summary

    engine = _engine(settings)
    for doc in engine.documents:
        out.write(render_document_summary(doc, Catalog(args.lang)) + "\n")
    _write_skipped(out, engine.load_errors, engine.kept)
    if engine.corpus_warning:
        out.write(f"warning: {engine.corpus_warning}\n")
    return 0


def cmd_check(args, settings: Settings, out: TextIO) -> int:
    """Report per document what could not be parsed, and of each skipped file whether the index still
    serves its last good version; exit 1 when a file was skipped."""
    from bot.corpus.reader import load_corpus
    from bot.engine import PolicyEngine
    from bot.render_text import render_metadata

    load = load_corpus(settings.corpus_dir)
    for doc in load.documents:
        status = "ok" if not doc.problems else f"{len(doc.problems)} problem(s)"
        out.write(f"{doc.source}: {status} · {doc.clause_count} clauses · {doc.target_count} targets · "
                  f"{doc.task_count} tasks · {doc.unit_count} units\n")
        for line in render_metadata(doc):
            out.write(f"  {line}\n")
        for problem in doc.problems:
            out.write(f"  - problem: {problem}\n")
        for note in doc.notes:
            out.write(f"  · {note}\n")
    served = PolicyEngine(settings).last_good_versions(load.errors) if load.errors else {}
    for error in load.errors:
        out.write(f"{error.source}: SKIPPED · {error.reason} · {_served_note(served.get(error.source))}\n")
    out.write(f"config {settings.source}: ok\n")
    return 1 if load.errors else 0


def _served_note(last_good) -> str:
    """Say what the saved index serves of a file that fails: its last good version, or nothing."""
    if last_good is None:
        return "not in the index"
    return (f"its last good version is still served ({last_good.clause_count} clauses, "
            f"indexed as {last_good.id})")


def cmd_export(args, settings: Settings, out: TextIO) -> int:
    """Write targets, tasks or clauses as CSV (Excel-ready) or JSON lines."""
    from bot.export import ExportError, build_export, write_export

    engine = _engine(settings)
    try:
        export = build_export(engine, args.what, " ".join(args.query))
        if args.output:
            with open(args.output, "w", encoding="utf-8", newline="") as f:
                count = write_export(export, f, args.format)
            print(f"policybot: {count} {args.what} written to {args.output}", file=sys.stderr)
        else:
            write_export(export, out, args.format)
    except ExportError as exc:
        print(f"policybot: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"policybot: error: cannot write {args.output}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0


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
    _write_skipped(out, report.errors, report.kept)
    if report.warning:
        out.write(f"not reloaded: {report.warning}\n")
        return 1
    out.write(f"indexed {len(engine.documents)} documents\n")
    return 0


def cmd_serve(args, settings: Settings, out: TextIO) -> int:
    from bot.server import serve

    return serve(settings, host=args.host or settings.host, port=args.port or settings.port) or 0


def cmd_digest(args, settings: Settings, out: TextIO) -> int:
    """Print (dry run) or post the digest of one channel, or of every configured schedule.

    Lets a deployment drive digests from cron or a Kubernetes CronJob. Posting reads
    SLACK_BOT_TOKEN (and SLACK_API_URL); two runs in the same minute post once.
    Exit 0 when everything was printed, posted or skipped as empty; 1 when a post failed (or Slack
    refused it for good: the channel's digests then stop until someone sets them up again);
    2 when there is nothing to digest (no channel given and no schedule configured).
    """
    from bot.app import build_runtime, open_store
    from bot.digest_runner import digest_for, plan
    from bot.links import ClauseLinks
    from bot.digest_text import format_digest
    from bot.services import utc_now

    store = open_store(settings)
    try:
        plans = plan(settings, store, args.channel)
        if plans and args.dry_run:  # needs neither Slack nor a token
            engine, now = _engine(settings), utc_now()
            for item in plans:
                out.write(format_digest(digest_for(settings, engine, store, item.audience, item.schedule, now),
                                        Catalog(args.lang), ClauseLinks(settings.public_url)))
                out.write("\n\n")
    finally:
        store.close()
    if not plans:
        out.write("No digest to make: give --channel, or declare digests.schedules in config/settings.yaml.\n")
        return 2
    if args.dry_run:
        return 0
    runtime = build_runtime(settings, serving=False)
    try:
        outcomes = [runtime.services.digests.post_cli(item) for item in plans]
    finally:
        runtime.close()
    for outcome in outcomes:
        out.write(outcome.describe() + "\n")
    return 1 if any(outcome.status in ("failed", "blocked") for outcome in outcomes) else 0


def cmd_feedback(args, settings: Settings, out: TextIO) -> int:
    from bot.app import open_store
    from bot.store import NOT_HELPFUL, format_feedback

    since = dt.datetime.combine(args.since, dt.time(), dt.timezone.utc) if args.since else None
    store = open_store(settings)
    try:
        rows = store.feedback(since=since, verdict=NOT_HELPFUL)
    finally:
        store.close()
    out.write(format_feedback(rows) + "\n")
    return 0


def cmd_add(args, settings: Settings, out: TextIO) -> int:
    """Add files or fetched pages to the corpus folder and the shared database; exit 1 if one was refused."""
    from bot.corpus.fetch import FetchError, FetchLimits
    from bot.corpus.library import AddError, CorpusLibrary
    from bot.app import open_store

    # The operator's own command: intranet addresses are fair game here, unlike in Slack.
    limits = FetchLimits(max_bytes=int(args.max_mb * 1024 * 1024), timeout=args.timeout, allow_private=True)
    store = open_store(settings)
    library = CorpusLibrary(settings.corpus_dir, store)
    failed = 0
    try:
        for item in args.items:
            try:
                if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", item):
                    result = library.add_url(item, limits=limits)
                else:
                    result = library.add(_read_input(item), Path(item).name)
            except (AddError, FetchError) as exc:
                failed += 1
                out.write(f"{item}: NOT ADDED · {exc}\n")
                continue
            doc = result.document
            out.write(f"{result.name}: {result.status} as {doc.id} · {doc.clause_count} clauses · "
                      f"{doc.target_count} targets · {doc.task_count} tasks · title 《{doc.title}》 · "
                      f"region {doc.region or '?'} · date {doc.date or '?'}"
                      + (f" · {doc.page_count} page{'s' if doc.page_count > 1 else ''}" if doc.page_count else "")
                      + (f" · from {doc.source_url}" if doc.source_url else "") + "\n")
            for problem in doc.problems:
                out.write(f"  - problem: {problem}\n")
            for note in doc.notes:
                out.write(f"  · {note}\n")
    finally:
        store.close()
    return 1 if failed else 0


def _read_input(item: str) -> bytes:
    from bot.corpus.library import AddError

    try:
        return Path(item).read_bytes()
    except OSError as exc:
        raise AddError(f"cannot read the file ({exc.strerror})") from None


def _whole_number(minimum: int, maximum: int | None = None):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < minimum or maximum is not None and value > maximum:
            bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, not {value}")
        return value
    return parse


def _positive_number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: write it as YYYY-MM-DD") from None


def _language(value: str) -> str:
    language = language_of(value)
    if language is None:
        raise argparse.ArgumentTypeError(f"not a language policybot speaks: {value!r} (zh or en)")
    return language


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--corpus", metavar="DIR", help="corpus folder (default: config, or $POLICYBOT_CORPUS)")
    common.add_argument("--config", metavar="FILE", help="settings file (default: config/settings.yaml)")
    common.add_argument("-v", "--verbose", action="store_true", help="log more")
    common.add_argument("--lang", type=_language, default="zh", metavar="zh|en",
                        help="language of the output (default: zh, Chinese)")

    parser = argparse.ArgumentParser(prog="policybot", description="Policy clause index and Slack bot.")
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", parents=[common], help="answer a query on the command line")
    ask.add_argument("query", nargs="*", help='the query, e.g. "target 研发"; - reads one query a line from stdin')
    ask.add_argument("--json", action="store_true", help="one JSON object a line")
    ask.add_argument("--limit", type=_whole_number(1), help="results per query (1 to search.max_limit)")
    ask.add_argument("--offset", type=_whole_number(0), default=0, help="skip this many results")
    ask.set_defaults(func=cmd_ask)
    sub.add_parser("docs", parents=[common], help="list indexed documents").set_defaults(func=cmd_docs)
    sub.add_parser("check", parents=[common], help="report what could not be parsed").set_defaults(func=cmd_check)
    sub.add_parser("index", parents=[common], help="build (and cache) the index").set_defaults(func=cmd_index)
    export = sub.add_parser("export", parents=[common], help="targets, tasks or clauses as CSV or JSON lines")
    export.add_argument("what", choices=("targets", "tasks", "clauses"))
    export.add_argument("query", nargs="*", help="filters and an optional topic, e.g. in:成都 year:2021 研发")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv",
                        help="csv (UTF-8 with BOM, opens in Excel; default) or jsonl")
    export.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    export.set_defaults(func=cmd_export)
    reload = sub.add_parser("reload", parents=[common], help="re-read the corpus folder into the index")
    reload.add_argument("--force", action="store_true",
                        help="accept an emptied or missing corpus folder (empties the index)")
    reload.set_defaults(func=cmd_reload)
    serve = sub.add_parser("serve", parents=[common], help="run the Slack app")
    serve.add_argument("--host", help="bind address (default 127.0.0.1)")
    serve.add_argument("--port", type=_whole_number(0, 65535), help="HTTP port (default 3000)")
    serve.set_defaults(func=cmd_serve)
    digest = sub.add_parser("digest", parents=[common], help="render or post a digest")
    digest.add_argument("--channel", help="only this channel")
    digest.add_argument("--dry-run", action="store_true", help="print instead of posting")
    digest.set_defaults(func=cmd_digest)
    add = sub.add_parser("add", parents=[common], help="add documents (files or http(s) addresses) to the corpus")
    add.add_argument("items", nargs="+", metavar="FILE|URL",
                     help="a .txt/.md/.pdf/.docx/.html/.ofd file, or the address of a page or file to fetch")
    add.add_argument("--max-mb", type=_positive_number, default=50,
                     help="refuse a download larger than this (default 50)")
    add.add_argument("--timeout", type=_positive_number, default=60,
                     help="give up a download after this many seconds")
    add.set_defaults(func=cmd_add)
    feedback = sub.add_parser("feedback", parents=[common], help="list answers marked not helpful")
    feedback.add_argument("--since", metavar="YYYY-MM-DD", type=_date)
    feedback.set_defaults(func=cmd_feedback)
    return parser


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not args.verbose:
        logging.getLogger("alembic").setLevel(logging.WARNING)  # one line per migration step otherwise
    try:
        settings = load_settings(args.config, corpus_override=args.corpus)
        return int(args.func(args, settings, out) or 0)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"policybot: config error: {problem}", file=sys.stderr)
        return 2
    except UsageError as exc:
        print(f"policybot {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except PolicybotError as exc:
        print(f"policybot: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `policybot ask ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0
    except Exception as exc:  # a bug: one line for the user, the traceback only when asked for
        log.debug("traceback", exc_info=exc)
        print(f"policybot: internal error: {type(exc).__name__}: {exc}"
              + ("" if args.verbose else " (run again with -v for the details)"), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
