"""Build a generation of the index from the corpus folder: here, or in a child process.

A large corpus is built in a child process, so that the process serving queries never
holds the parsed documents (hundreds of MB at scale) and only opens what the child
saved. A file that fails to load keeps the last good version the previous generation has.
"""
from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import queue
import shutil
from collections.abc import Callable
from typing import TYPE_CHECKING
from pathlib import Path

from bot.errors import PolicybotError
from bot.model import Document, ParsedDocument
from bot.search.cache import CorpusScan, IndexCache, build_version, code_of
from bot.search.snapshot import Snapshot
from bot.segment import Segmenter
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.corpus.reader import CorpusLoad

log = logging.getLogger("bot.engine")  # what a reload skips is part of the engine's log
SIDECAR_SUFFIXES = (".yaml", ".yml")
CHILD_BUILD_FROM = 200  # documents; a smaller corpus is built faster than a child process starts
CHILD_POLL_SECONDS = 0.5

Progress = Callable[[int, int], None]


class IndexBuildError(PolicybotError):
    """The child process building the index failed; the message is its error."""


def segmenter_for(settings: Settings) -> Segmenter:
    """The segmenter of these settings: its dictionary plus the Chinese words of the synonyms."""
    extra = tuple(w for group in settings.vocabulary.synonyms for w in group if not w.isascii())
    return Segmenter(settings.user_dictionary, backend=settings.segmenter, extra_words=extra)


def cache_for(settings: Settings, segmenter: Segmenter) -> IndexCache:
    """Where the generations of this corpus folder live, for what these settings build."""
    dictionary = settings.user_dictionary.read_bytes() if settings.user_dictionary.is_file() else b""
    weights = settings.ranking
    build = build_version([segmenter.backend.encode(), dictionary, repr(settings.vocabulary.synonyms).encode(),
                           repr((weights.bm25_k1, weights.bm25_b)).encode(),
                           *code_of(Path(__file__).resolve().parent.parent)])
    return IndexCache(settings.cache_dir, settings.corpus_dir, build)


def build_generation(settings: Settings, cache: IndexCache, segmenter: Segmenter, scan: CorpusScan,
                     previous: Snapshot | None, progress: Progress | None = None) -> Path:
    """Parse the corpus folder, index it, save and publish the generation; return its folder."""
    # The parsers are imported here: a process that opens a saved index never needs them.
    from bot.corpus.reader import CorpusLoad, load_corpus

    segmenter.warm()
    load = load_corpus(settings.corpus_dir, log_skips=False) if scan.documents else CorpusLoad((), ())
    documents, kept = keep_last_good(load, previous)
    building = cache.start()
    weights = settings.ranking
    try:
        Snapshot.build(building, documents, load.errors, segmenter, k1=weights.bm25_k1, b=weights.bm25_b,
                       kept=kept, on_progress=progress)
        return cache.publish(building, scan)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def build_in_child(settings: Settings, scan: CorpusScan, previous: Path | None,
                   progress: Progress | None = None) -> Path:
    """Run `build_generation` in a child process; relay its progress and log here; return the folder.

    Raises:
        IndexBuildError: the child failed or died.
    """
    context = multiprocessing.get_context("spawn")  # a fork would copy a serving process's threads
    messages = context.Queue()
    child = context.Process(target=_child_main, args=(settings, scan, previous, messages),
                            name="policybot-index-build")
    child.start()
    try:
        while True:
            try:
                kind, payload = messages.get(timeout=CHILD_POLL_SECONDS)
            except queue.Empty:
                if not child.is_alive():
                    raise IndexBuildError(f"the index build process stopped (exit code {child.exitcode})") from None
                continue
            if kind == "log":
                logger = logging.getLogger(payload.name)
                if logger.isEnabledFor(payload.levelno):
                    logger.handle(payload)
            elif kind == "progress" and progress:
                progress(*payload)
            elif kind == "done":
                return Path(payload)
            elif kind == "error":
                raise IndexBuildError(payload)
    finally:
        child.join(timeout=10)
        messages.close()


def _child_main(settings: Settings, scan: CorpusScan, previous: Path | None, messages) -> None:
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(_Tagged(messages, "log"))]
    root.setLevel(logging.INFO)
    try:
        segmenter = segmenter_for(settings)
        snapshot = Snapshot.open(previous) if previous is not None else None
        folder = build_generation(settings, cache_for(settings, segmenter), segmenter, scan, snapshot,
                                  progress=lambda done, total: messages.put(("progress", (done, total))))
        messages.put(("done", str(folder)))
    except BaseException as exc:  # everything goes back to the parent, which raises it
        messages.put(("error", f"{type(exc).__name__}: {exc}"))


class _Tagged:
    """A queue wrapper that tags what a QueueHandler puts, so logs and results share one queue."""

    def __init__(self, messages, tag: str):
        self.messages = messages
        self.tag = tag

    def put_nowait(self, item) -> None:
        self.messages.put((self.tag, item))


def keep_last_good(load: CorpusLoad, previous: Snapshot | None) -> tuple[tuple[ParsedDocument, ...], tuple[str, ...]]:
    """Return the documents to index: those loaded, plus the last good version of each that failed.

    A file that fails to read or parse (or whose sidecar does) keeps the version the
    previous index had, so a broken copy or a half-written file never drops a document.

    Returns:
        (documents in file order, sources of the errors whose last good version is kept).
    """
    documents = list(load.documents)
    kept: list[str] = []
    loaded = {d.id for d in documents}
    for error in load.errors:
        old = None
        if previous is not None:
            try:
                old = previous.parsed_document(_document_source(error.source, previous))
            except Exception as exc:  # a generation of an older format: nothing to keep
                log.warning("cannot read the last good version of %s: %s", error.source, exc)
        if old is not None and old.id not in loaded:
            documents.append(old)
            loaded.add(old.id)
            kept.append(error.source)
            log.warning("skipped %s: %s; serving its last good version (%d clauses)",
                        error.source, error.reason, len(old.clauses))
        else:
            log.warning("skipped %s: %s", error.source, error.reason)
    if kept:
        documents.sort(key=lambda d: d.source)
    return tuple(documents), tuple(kept)


def last_good_version(source: str, snapshot: Snapshot) -> Document | None:
    """Return the document an index holds for a failing file (or the one beside a broken sidecar), or None."""
    wanted = _document_source(source, snapshot)
    return next((d for d in snapshot.documents if d.source == wanted), None)


def _document_source(source: str, previous: Snapshot) -> str:
    """The document a failing file belongs to: itself, or the document beside a broken sidecar."""
    path = Path(source)
    if path.suffix.lower() not in SIDECAR_SUFFIXES:
        return source
    stem = path.with_suffix("").as_posix()
    return next((d.source for d in previous.documents if Path(d.source).with_suffix("").as_posix() == stem), source)
