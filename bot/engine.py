"""The query service every front end calls: keep the index current, answer queries.

The engine only orchestrates: `bot.search.cache` says which generation of the index
matches the corpus folder, `bot.search.builder` builds one, `bot.search.snapshot` opens it,
`bot.search.understanding` reads a query's topic, `bot.search.ranking` orders the
clauses and `bot.search.presentation` makes the excerpts of the page shown.
The corpus only moves forward: a file that stops reading keeps its last good
version, and a folder that empties or vanishes keeps the index it had.
"""
from __future__ import annotations

import datetime as dt
import gc
import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from bot.errors import ConfigError, DocumentError
from bot.model import QUERY_INTENTS, Answer, Clause, Document, Filters, Hit, Intent, Query, Target
from bot.query import parse_query
from bot.search import presentation
from bot.search.builder import (CHILD_BUILD_FROM, build_generation, build_in_child, cache_for, last_good_version,
                                segmenter_for)
from bot.search.cache import CorpusScan, scan_corpus
from bot.search.fuzzy import closest
from bot.search.ranking import Candidate, Ranker
from bot.search.snapshot import Snapshot
from bot.search.understanding import QueryUnderstanding, Understood, allowed_documents, excluding_filters
from bot.segment import Segmenter
from bot.settings import Settings

log = logging.getLogger(__name__)
SUGGESTIONS = 5  # topics offered when nothing passes the relevance bar
SUGGESTION_POOL = 20  # best-scoring clauses whose headings are offered first
SUGGESTION_CHARS = 40  # a heading longer than this is not a topic to offer
# What `warm` asks, one query of each kind, so no first user loads a table or a codec.
WARM_QUERIES = ("search 科技创新", "target 研发 2025", "lead 知识产权", "unit 科技局", "docs", "知識產權 chengdu")


@dataclass(frozen=True)
class ReloadReport:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    errors: tuple[DocumentError, ...] = ()
    kept: tuple[str, ...] = ()  # files that failed to load and still serve their last good version
    warning: str | None = None  # why the corpus folder was not read (emptied, vanished)

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


class PolicyEngine:
    """Holds the current index generation, answers queries, and moves to a new one on reload."""

    def __init__(self, settings: Settings, segmenter: Segmenter | None = None):
        self.settings = settings
        self.vocabulary = settings.vocabulary
        self.segmenter = segmenter or segmenter_for(settings)
        self.understanding = QueryUnderstanding(self.vocabulary, self.segmenter, settings.ranking)
        self._cache = cache_for(settings, self.segmenter)
        self._snapshot: Snapshot | None = None
        self._last_built: Path | None = None  # the generation this process built (it logged its skips)
        self._warning: str | None = None  # why the last look at the folder kept the index it had
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, *, progress: Callable[[int, int], None] | None = None
                      ) -> "PolicyEngine":
        engine = cls(settings)
        engine.load(progress=progress)
        return engine

    # -- corpus ----------------------------------------------------------------
    def load(self, progress: Callable[[int, int], None] | None = None, *, refresh: bool = True) -> Snapshot:
        """Make the index of the corpus folder current: the saved one when it matches, else a new build.

        Args:
            progress: called with (clauses indexed, total) while building.
            refresh: False opens the saved index as it is, without looking at the folder.
        """
        with self._lock:
            self.segmenter.warm()  # the dictionary loads now, not on a user's first query
            before = self._snapshot
            snapshot, self._warning = self._refresh(progress, force=False, refresh=refresh)
            if snapshot is not before and snapshot.folder != self._last_built:
                # A saved index opened as it is: its skipped files are news to this process too.
                for error in snapshot.errors:
                    kept = "; serving its last good version" if error.source in snapshot.store.kept else ""
                    log.warning("skipped %s: %s%s", error.source, error.reason, kept)
            self._swap(snapshot)
            return snapshot

    def reload(self, *, force: bool = False) -> ReloadReport:
        """Re-read the corpus folder; report which documents were added, changed, removed.

        Args:
            force: accept an emptied or vanished folder (an empty index) instead of keeping the current one.
        """
        with self._lock:
            before = {d.id: d.content_hash for d in self.documents}
            snapshot, warning = self._refresh(None, force=force, refresh=True)
            self._warning = warning
            self._swap(snapshot)
        after = {d.id: d.content_hash for d in snapshot.documents}
        return ReloadReport(
            added=tuple(sorted(set(after) - set(before))),
            changed=tuple(sorted(k for k in set(after) & set(before) if after[k] != before[k])),
            removed=tuple(sorted(set(before) - set(after))),
            errors=snapshot.errors,
            kept=snapshot.store.kept,
            warning=warning,
        )

    def _refresh(self, progress, *, force: bool, refresh: bool) -> tuple[Snapshot, str | None]:
        """Return the generation matching the corpus folder (opened or built), and a warning when kept."""
        current = self._cache.current()
        if current is not None and not refresh and (opened := self._open_quietly(current)) is not None:
            return opened, None
        previous = self._snapshot if self._snapshot is not None else self._open_quietly(current)
        known = self._cache.manifest(current).get("files") if current is not None else None
        try:
            scan = scan_corpus(self.settings.corpus_dir, known)
        except ConfigError:
            if previous is not None and previous.documents and not force:
                return previous, self._keep_warning(previous, "is missing")
            if not force:
                raise
            scan = CorpusScan({}, 0)
        if not scan.documents and previous is not None and previous.documents and not force:
            return previous, self._keep_warning(previous, "has no documents")
        if current is not None and self._cache.matches(current, scan):
            if previous is not None and previous.folder == current:
                return previous, None
            if (opened := self._open_quietly(current)) is not None:  # built by another process
                return opened, None
        return self._build(scan, previous, progress), None

    def _keep_warning(self, previous: Snapshot, what: str) -> str:
        warning = (f"corpus folder {self.settings.corpus_dir} {what}: kept the {len(previous.documents)} "
                   f"documents already indexed (`policybot reload --force` empties the index)")
        log.warning("%s", warning)
        return warning

    def _open_quietly(self, generation: Path | None) -> Snapshot | None:
        if generation is None:
            return None
        try:
            return Snapshot.open(generation)
        except Exception as exc:  # a damaged generation is built again; only its last good versions are lost
            log.warning("index generation %s not readable (%s); building a new one", generation.name, exc)
            self._cache.discard(generation)
            return None

    def _build(self, scan: CorpusScan, previous: Snapshot | None, progress) -> Snapshot:
        if scan.documents >= CHILD_BUILD_FROM:
            generation = build_in_child(self.settings, scan, previous.folder if previous else None, progress)
        else:
            generation = build_generation(self.settings, self._cache, self.segmenter, scan, previous, progress)
        self._last_built = generation
        return Snapshot.open(generation)

    def _swap(self, snapshot: Snapshot) -> None:
        self._snapshot = snapshot
        # What is loaded lives until the next reload: keep full collections from walking it.
        # Unfreezing first lets this collection free what the previous snapshot left in cycles.
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    @property
    def snapshot(self) -> Snapshot:
        if self._snapshot is None:
            self.load()
        assert self._snapshot is not None
        return self._snapshot

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.snapshot.documents

    @property
    def load_errors(self) -> tuple[DocumentError, ...]:
        return self.snapshot.errors

    @property
    def kept(self) -> tuple[str, ...]:
        """Return the failing files (of `load_errors`) whose last good version is still served."""
        return self.snapshot.store.kept

    @property
    def corpus_warning(self) -> str | None:
        """Return why the last look at the corpus folder kept the index it had (emptied, vanished), or None."""
        return self._warning

    def last_good_versions(self, errors: Iterable[DocumentError]) -> dict[str, Document]:
        """Say which failing files the saved index still serves, without building one.

        Returns:
            the last good version of each file of `errors` the index holds, by the file's source.
        """
        with self._lock:
            snapshot = self._snapshot or self._open_quietly(self._cache.current())
        if snapshot is None:
            return {}
        found = {error.source: last_good_version(error.source, snapshot) for error in errors}
        return {source: document for source, document in found.items() if document is not None}

    def corpus_hashes(self) -> dict[str, str]:
        return {d.id: d.content_hash for d in self.documents}

    def warm(self) -> None:
        """Load the segmenter and ask one query of each kind, so the first user does not wait."""
        self.segmenter.warm()
        for text in WARM_QUERIES:
            self.ask(text)

    def clause(self, clause_id: str) -> tuple[Clause, Document] | None:
        snap = self.snapshot
        pos = snap.find_clause(clause_id)
        return None if pos is None else (snap.clause_at(pos), snap.document_of(pos))

    def document(self, doc_id: str) -> Document | None:
        snap = self.snapshot
        pos = snap.doc_pos.get(doc_id)
        return None if pos is None else snap.documents[pos]

    def clauses_of(self, doc_id: str) -> tuple[Clause, ...]:
        """Return a document's clauses in reading order (none for an unknown id)."""
        snap = self.snapshot
        pos = snap.doc_pos.get(doc_id)
        return () if pos is None else snap.clauses_of(pos)

    def iter_targets(self, *, documents: Iterable[str] | None = None,
                     due_between: tuple[dt.date, dt.date] | None = None
                     ) -> Iterator[tuple[Target, Clause, Document]]:
        """Yield every target with its clause and document, in corpus order.

        Args:
            documents: only these document ids.
            due_between: only targets whose due date falls in this closed range.
        """
        snap = self.snapshot
        table = snap.targets
        chosen = np.ones(len(table), bool)
        if documents is not None:
            wanted = np.zeros(len(snap.documents), bool)
            wanted[[snap.doc_pos[d] for d in set(documents) if d in snap.doc_pos]] = True
            chosen &= wanted[snap.flags.clause_doc[table.clause]]
        if due_between:
            chosen &= table.due_between(due_between[0].toordinal(), due_between[1].toordinal())
        read: tuple[int, Clause] | None = None  # the clause of the last target: its next ones share it
        for target in np.flatnonzero(chosen):
            pos = int(table.clause[target])
            if read is None or read[0] != pos:
                read = (pos, snap.clause_at(pos))
            yield read[1].targets[int(table.slot[target])], read[1], snap.document_of(pos)

    def clause_keys(self) -> frozenset[str]:
        """A key per clause text (`Clause.text_key`): what a digest compares with the last one."""
        return self.snapshot.text_keys()

    def documents_matching(self, filters: Filters) -> tuple[Document, ...]:
        """Return the documents a query's filters (in:, doc:, type:, year:) leave, in corpus order."""
        snap = self.snapshot
        return tuple(snap.documents[i] for i in allowed_documents(filters, snap.documents, snap.by_region))

    # -- queries -----------------------------------------------------------------
    def parse(self, text: str) -> Query:
        return parse_query(text, self.vocabulary, self.snapshot.context, max_chars=self.settings.max_query_chars)

    def ask(self, text: str, *, limit: int | None = None, offset: int = 0) -> Answer:
        """Answer one query text (what follows `/policy`)."""
        return self.answer(self.parse(text), limit=limit, offset=offset)

    def answer(self, query: Query, *, limit: int | None = None, offset: int = 0) -> Answer:
        snap = self.snapshot
        limit = max(1, limit or self.settings.default_limit)  # front ends cap it to what they can show
        offset = max(0, offset)
        if query.error or query.intent not in QUERY_INTENTS:
            return Answer(query, (), matched=query.error is None)
        allowed = allowed_documents(query.filters, snap.documents, snap.by_region)
        if not allowed and snap.documents:  # the filters leave nothing to search: say which, and what there is
            return Answer(query, (), matched=False,
                          excluded=excluding_filters(query.filters, snap.documents, snap.by_region))
        if query.intent == Intent.DOCS:
            return Answer(query, (), matched=bool(allowed), total=len(allowed),
                          documents=tuple(snap.documents[i] for i in allowed))
        ranker = Ranker(snap.index, snap.flags, snap.units, snap.targets, self.settings.ranking,
                        self.settings.min_relevance)
        doc_mask = None
        if len(allowed) < len(snap.documents):
            doc_mask = np.zeros(len(snap.documents), bool)
            doc_mask[allowed] = True
        understood = None
        if query.topic and query.intent != Intent.UNIT:
            understood = self.understanding.understand(query.topic, snap.index, snap.lexicon)
        ranked = self._rank(snap, ranker, query, understood, doc_mask)
        broadened = False
        if not ranked and query.intent in (Intent.TARGET, Intent.LEAD_UNIT) and understood is not None:
            # No target (or task) is about the topic; the clauses that say it still answer the question.
            ranked = self._rank(snap, ranker, replace(query, intent=Intent.SEARCH), understood, doc_mask)
            broadened = bool(ranked)
        if not ranked:
            return Answer(query, (), matched=False,
                          suggestions=tuple(self._suggest(snap, ranker, query, understood, doc_mask)),
                          elsewhere=self._elsewhere(snap, ranker, query, understood) if doc_mask is not None else ())
        marks = understood.marks if understood is not None else ()
        shown_as = Intent.SEARCH if broadened else query.intent
        page = tuple(self._hit(snap, c, marks, shown_as) for c in ranked[offset:offset + limit])
        return Answer(query, page, matched=True, total=len(ranked), offset=offset, broadened=broadened)

    # -- helpers -----------------------------------------------------------------
    def _rank(self, snap: Snapshot, ranker: Ranker, query: Query, understood: Understood | None,
              doc_mask: np.ndarray | None) -> list[Candidate]:
        if query.intent == Intent.UNIT:
            return ranker.unit_tasks(self.understanding.matching_units(query.topic, snap.units.names), doc_mask)
        base = {Intent.TARGET: snap.flags.has_targets, Intent.LEAD_UNIT: snap.flags.has_tasks}.get(query.intent)
        mask = base if doc_mask is None else doc_mask[snap.flags.clause_doc] & (base if base is not None else True)
        if understood is not None and understood.empty:
            return []
        if query.intent == Intent.TARGET:
            return ranker.target_clauses(understood, mask, query.horizon_year)
        if understood is None:
            return ranker.tasks(mask) if query.intent == Intent.LEAD_UNIT else []
        return ranker.clauses(understood, mask)

    def _hit(self, snap: Snapshot, candidate: Candidate, marks: tuple[str, ...], intent: Intent) -> Hit:
        """Turn a ranked candidate into a Hit, with the excerpt: done only for the page shown."""
        clause = snap.clause_at(candidate.pos)
        targets = tuple(clause.targets[i] for i in candidate.target_slots)
        if intent == Intent.UNIT:
            excerpt = presentation.first_sentences(clause)
        elif targets:
            excerpt = presentation.target_sentences(targets)
        else:
            excerpt = presentation.best_excerpt(clause, list(marks))
        return Hit(clause, snap.document_of(candidate.pos), candidate.score, excerpt,
                   presentation.mark_spans(excerpt, marks), targets)

    def _suggest(self, snap: Snapshot, ranker: Ranker, query: Query, understood: Understood | None,
                 doc_mask: np.ndarray | None) -> list[str]:
        """Closest topics inside the filters: headings of the best clauses below the bar, else fuzzy matches.

        Nothing is offered from a document the filters leave out: the same filters would not find it.
        """
        weights = self.settings.ranking
        if query.intent == Intent.UNIT:
            names = snap.units.names if doc_mask is None else snap.units.names_in(doc_mask[snap.flags.clause_doc])
            return closest(query.topic, names, limit=SUGGESTIONS, cutoff=weights.suggest_unit_cutoff)
        if not query.topic:
            return []
        suggestions: list[str] = []
        if understood is not None and not understood.empty:
            clause_mask = None if doc_mask is None else doc_mask[snap.flags.clause_doc]
            docs, _, _ = ranker.score(understood, clause_mask, SUGGESTION_POOL)
            for pos in docs:
                clause = snap.clause_at(int(pos))
                title = clause.heading or (clause.path[-1] if clause.path else None)
                if title and len(title) <= SUGGESTION_CHARS and title not in suggestions:
                    suggestions.append(title)
        if suggestions or doc_mask is not None:  # the corpus's topics are not known by document
            return suggestions[:SUGGESTIONS]
        return closest(query.topic, snap.topics, limit=SUGGESTIONS, cutoff=weights.suggest_topic_cutoff)

    def _elsewhere(self, snap: Snapshot, ranker: Ranker, query: Query, understood: Understood | None
                   ) -> tuple[str, ...]:
        """Where a query the filters leave unanswered is answered without them: cities, else titles."""
        ranked = self._rank(snap, ranker, query, understood, None)
        if not ranked and query.intent in (Intent.TARGET, Intent.LEAD_UNIT) and understood is not None:
            ranked = self._rank(snap, ranker, replace(query, intent=Intent.SEARCH), understood, None)
        documents = dict.fromkeys(int(snap.flags.clause_doc[c.pos]) for c in ranked)  # best first
        places = (snap.documents[i].region or f"《{snap.documents[i].title}》" for i in documents)
        return tuple(dict.fromkeys(places))[:SUGGESTIONS]

