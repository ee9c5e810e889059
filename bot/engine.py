"""The query service every front end calls: parse a query, search, page, answer.

A Snapshot (documents + index) is built once and never changed; `reload()`
builds a new one and swaps it in with one assignment, so a request in flight
always sees one consistent corpus.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import logging
import os
import pickle
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import numpy as np

from bot.corpus.reader import CorpusLoad, corpus_key_parts, load_corpus
from bot.corpus.text import split_sentences
from bot.errors import DocumentError
from bot.index import Concept, ClauseIndex
from bot.model import QUERY_INTENTS, Answer, Clause, Document, Filters, Hit, Intent, Query, Span, Target
from bot.query import QueryContext, parse_query, region_aliases
from bot.segment import Segmenter, bigrams
from bot.settings import Settings

log = logging.getLogger(__name__)
CACHE_VERSION = "1"
EXCERPT_CHARS = 200
MAX_CANDIDATES = 400  # ranked clauses kept per query: enough pages, bounded work


@dataclass(frozen=True)
class _Candidate:
    """A ranked clause before its excerpt is made (only the page shown gets one)."""

    pos: int
    score: float
    targets: tuple[Target, ...] = ()


@dataclass(frozen=True)
class ReloadReport:
    added: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]
    errors: tuple[DocumentError, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.added or self.changed or self.removed)


@dataclass
class Snapshot:
    """One loaded corpus and its index; never mutated after construction."""

    documents: tuple[Document, ...]
    errors: tuple[DocumentError, ...]
    index: ClauseIndex
    clauses: tuple[Clause, ...] = ()
    clause_doc: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    by_id: dict[str, int] = field(default_factory=dict)
    context: QueryContext = field(default_factory=QueryContext)
    units: dict[str, list[int]] = field(default_factory=dict)
    topics: list[str] = field(default_factory=list)
    target_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    task_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    word_shapes: dict[tuple[int, str], list[str]] = field(default_factory=dict)  # for typo repair
    all_documents: list[int] = field(default_factory=list)
    by_region: dict[str, list[int]] = field(default_factory=dict)
    doc_start: list[int] = field(default_factory=list)  # document i's clauses are [doc_start[i], doc_start[i + 1])

    def near_word(self, text: str) -> str | None:
        """A corpus word that differs from `text` by one character (`专精特心` → `专精特新`)."""
        for key in ((len(text), text[:2]), (len(text), text[-2:])):
            for word in self.word_shapes.get(key, ()):
                if sum(a != b for a, b in zip(word, text)) == 1:
                    return word
        return None

    @classmethod
    def build(cls, load: CorpusLoad, segmenter: Segmenter,
              on_progress: Callable[[int, int], None] | None = None) -> "Snapshot":
        clauses = tuple(c for d in load.documents for c in d.clauses)
        index = ClauseIndex(clauses, segmenter, on_progress=on_progress)
        doc_pos = {d.id: i for i, d in enumerate(load.documents)}
        snap = cls(tuple(d.summary() for d in load.documents), load.errors, index, clauses,
                   np.fromiter((doc_pos[c.doc_id] for c in clauses), dtype=np.int32, count=len(clauses)))
        snap.by_id = {c.id: i for i, c in enumerate(clauses)}
        snap.all_documents = list(range(len(load.documents)))
        for i, d in enumerate(load.documents):
            snap.by_region.setdefault(d.region or "", []).append(i)
        snap.doc_start = [0] + list(itertools.accumulate(len(d.clauses) for d in load.documents))
        for d in load.documents:
            snap.context.documents[d.id] = d.title
            if d.region:
                for alias in region_aliases(d.region):
                    snap.context.regions.setdefault(alias, d.region)
        for i, c in enumerate(clauses):
            for unit in c.units:
                snap.units.setdefault(unit, []).append(i)
        topics = [c.heading for c in clauses if c.heading and len(c.heading) <= 30]
        topics += [t.metric for c in clauses for t in c.targets if 2 <= len(t.metric) <= 30]
        snap.topics = list(dict.fromkeys(topics))
        for word in index.vocab:
            if 3 <= len(word) <= 10 and "\u4e00" <= word[0] <= "\u9fff" and "\u4e00" <= word[-1] <= "\u9fff":
                snap.word_shapes.setdefault((len(word), word[:2]), []).append(word)
                snap.word_shapes.setdefault((len(word), word[-2:]), []).append(word)
        snap.target_mask = np.fromiter((bool(c.targets) or c.is_goal_section for c in clauses), bool, len(clauses))
        snap.task_mask = np.fromiter((bool(c.units) for c in clauses), bool, len(clauses))
        return snap

    def document(self, clause_pos: int) -> Document:
        return self.documents[int(self.clause_doc[clause_pos])]

    def clauses_of(self, doc_pos: int) -> tuple[Clause, ...]:
        return self.clauses[self.doc_start[doc_pos]:self.doc_start[doc_pos + 1]]


class PolicyEngine:
    """Holds the parsed corpus and its index; answers queries; swaps both on reload."""

    def __init__(self, settings: Settings, segmenter: Segmenter | None = None):
        self.settings = settings
        self.vocabulary = settings.vocabulary
        extra = tuple(w for group in self.vocabulary.synonyms for w in group if not w.isascii())
        self.segmenter = segmenter or Segmenter(settings.user_dictionary, backend=settings.segmenter,
                                                extra_words=extra)
        self._synonyms = self._synonym_map()
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings, *, progress: Callable[[int, int], None] | None = None
                      ) -> "PolicyEngine":
        engine = cls(settings)
        engine.load(progress=progress)
        return engine

    # -- corpus ----------------------------------------------------------------
    def load(self, progress: Callable[[int, int], None] | None = None) -> Snapshot:
        """Read the corpus folder (or its cached index) and make it current."""
        with self._lock:
            cache = self.settings.cache_dir / f"snapshot-{self._cache_key()}.pickle"
            snapshot = self._load_cached(cache)
            if snapshot is not None:  # a build logs its skipped files as it reads them; a cached index has them too
                for error in snapshot.errors:
                    log.warning("skipped %s: %s", error.source, error.reason)
            snapshot = snapshot or self._build(cache, progress)
            self._snapshot = snapshot
            return snapshot

    def _cache_key(self) -> str:
        digest = hashlib.sha256(CACHE_VERSION.encode())
        digest.update(self.segmenter.backend.encode())
        # The code that parses and indexes is part of the key: a new version rebuilds.
        package = Path(__file__).parent
        code = sorted(package.glob("corpus/**/*.py")) + [package / n for n in ("engine.py", "index.py", "segment.py",
                                                                            "model.py")]
        for path in [self.settings.user_dictionary] + code:
            digest.update(path.read_bytes() if path.is_file() else b"")
        digest.update(repr(self.vocabulary.synonyms).encode())
        for part in corpus_key_parts(self.settings.corpus_dir):
            digest.update(part)
        return digest.hexdigest()[:24]

    def _load_cached(self, path: Path) -> Snapshot | None:
        try:
            if path.is_file():
                with path.open("rb") as f:
                    snap = pickle.load(f)
                snap.index.segmenter = self.segmenter
                return snap
        except Exception as exc:  # a stale or broken cache is rebuilt, never fatal
            log.info("index cache not used: %s", exc)
        return None

    def _build(self, cache: Path, progress) -> Snapshot:
        self.segmenter.warm()
        load = load_corpus(self.settings.corpus_dir)
        snap = Snapshot.build(load, self.segmenter, on_progress=progress)
        try:
            self.settings.cache_dir.mkdir(parents=True, exist_ok=True)
            for old in self.settings.cache_dir.glob("snapshot-*.pickle"):
                old.unlink(missing_ok=True)
            segmenter, snap.index.segmenter = snap.index.segmenter, None
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")  # processes may build at once
            with tmp.open("wb") as f:
                pickle.dump(snap, f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(cache)
            snap.index.segmenter = segmenter
        except OSError as exc:
            snap.index.segmenter = self.segmenter
            log.warning("could not write the index cache: %s", exc)
        return snap

    def reload(self) -> ReloadReport:
        """Re-read the corpus folder; report which documents were added, changed, removed."""
        before = {d.id: d.content_hash for d in self.documents}
        after_snap = self.load()
        after = {d.id: d.content_hash for d in after_snap.documents}
        return ReloadReport(
            added=tuple(sorted(set(after) - set(before))),
            changed=tuple(sorted(k for k in set(after) & set(before) if after[k] != before[k])),
            removed=tuple(sorted(set(before) - set(after))),
            errors=after_snap.errors,
        )

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

    def corpus_hashes(self) -> dict[str, str]:
        return {d.id: d.content_hash for d in self.documents}

    def warm(self) -> None:
        """Load the segmenter and run one query, so the first user does not wait."""
        self.segmenter.warm()
        self.ask("search 科技创新")

    def clause(self, clause_id: str) -> tuple[Clause, Document] | None:
        snap = self.snapshot
        pos = snap.by_id.get(clause_id)
        return None if pos is None else (snap.clauses[pos], snap.document(pos))

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == doc_id), None)

    def clauses_of(self, doc_id: str) -> tuple[Clause, ...]:
        """Return a document's clauses in reading order (none for an unknown id)."""
        snap = self.snapshot
        pos = next((i for i, d in enumerate(snap.documents) if d.id == doc_id), None)
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
        wanted = None if documents is None else set(documents)
        for pos, document in enumerate(snap.documents):
            if wanted is not None and document.id not in wanted or not document.target_count:
                continue
            for clause in snap.clauses_of(pos):
                for target in clause.targets:
                    if due_between and (target.due is None or not due_between[0] <= target.due <= due_between[1]):
                        continue
                    yield target, clause, document

    def clause_keys(self) -> frozenset[str]:
        """A key per clause text (`Clause.text_key`): what a digest compares with the last one."""
        return frozenset(c.text_key for c in self.snapshot.clauses)

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
        docs_allowed = self._allowed_documents(snap, query.filters)
        if query.intent == Intent.DOCS:
            return Answer(query, (), matched=bool(docs_allowed), total=len(docs_allowed),
                          documents=tuple(snap.documents[i] for i in docs_allowed))
        if query.intent == Intent.UNIT:
            ranked, marks = self._rank_units(snap, query, docs_allowed), []
        else:
            ranked, marks = self._rank_clauses(snap, query, docs_allowed)
        if not ranked:
            return Answer(query, (), matched=False, suggestions=tuple(self._suggest(snap, query)))
        page = tuple(self._hit(snap, c, marks, query) for c in ranked[offset:offset + limit])
        return Answer(query, page, matched=True, total=len(ranked), offset=offset)

    # -- helpers -----------------------------------------------------------------
    def _translate_phrases(self, topic: str) -> str:
        """Replace a multi-word English synonym (`technology transfer`) by its Chinese term."""
        lowered = topic.lower()
        for group in self.vocabulary.synonyms:
            chinese = next((w for w in group if not w.isascii()), None)
            for member in group:
                if chinese and " " in member and member.lower() in lowered:
                    start = lowered.index(member.lower())
                    topic = topic[:start] + chinese + topic[start + len(member):]
                    lowered = topic.lower()
        return topic

    def _synonym_map(self) -> dict[str, tuple[str, ...]]:
        out: dict[str, tuple[str, ...]] = {}
        for group in self.vocabulary.synonyms:
            lowered = tuple(w.lower() for w in group)
            for w in lowered:
                out[w] = tuple(dict.fromkeys(out.get(w, ()) + tuple(x for x in lowered if x != w)))
        return out

    def documents_matching(self, filters: Filters) -> tuple[Document, ...]:
        """Return the documents a query's filters (in:, doc:, type:, year:) leave, in corpus order."""
        snap = self.snapshot
        return tuple(snap.documents[i] for i in self._allowed_documents(snap, filters))

    def _allowed_documents(self, snap: Snapshot, f: Filters) -> list[int]:
        if f.is_empty():
            return snap.all_documents
        allowed = set(snap.all_documents)
        if f.regions:
            allowed &= {i for region in f.regions for i in snap.by_region.get(region, ())}
        if f.doc_ids:
            allowed &= {i for i, d in enumerate(snap.documents) if d.id in f.doc_ids}
        if f.kind:
            allowed = {i for i in allowed if (kind := snap.documents[i].kind) and (f.kind in kind or kind in f.kind)}
        if f.year:
            allowed = {i for i in allowed if (date := snap.documents[i].date) and date.year == f.year}
        return sorted(allowed)

    def _concepts(self, snap: Snapshot, topic: str) -> tuple[list[Concept], list[int], list[str], int]:
        """Split a topic into concepts (with synonyms), bigram terms, and words to mark."""
        index = snap.index
        topic = self._translate_phrases(topic)
        words = [part for w in self.segmenter.query_words(topic) for part in _split_latin(w)
                 if part.lower() not in self.vocabulary.stopwords]
        # An English word the corpus never uses and no synonym explains says nothing about it.
        words = [w for w in words if not w.isascii()
                 or len(w) > 1 and (index.term_id(w.lower()) is not None or w.lower() in self._synonyms)]
        multi = [w for w in words if len(w) > 1]
        if multi:
            words = multi
        words = list(dict.fromkeys(words))
        maximal = self._repair_typos(snap, [w for w in words if not any(w != o and w in o for o in words)], topic)
        concepts: list[Concept] = []
        marks: list[str] = []
        for word in maximal:
            alternatives = [(word, 1.0)] + [(s, 0.8) for s in self._synonyms.get(word.lower(), ())]
            parts = [w for w in words if w != word and w in word]
            terms = []
            for alt, weight in alternatives:
                tid = index.term_id(alt.lower())
                if tid is not None:
                    terms.append((tid, weight))
                    marks.append(alt)
            fallback: tuple[int, ...] = ()
            partial = False
            if terms:
                idf = index.idf(terms[0][0])  # the word's own, or its first known synonym's
            else:
                part_ids = [index.term_id(p) for p in parts]
                terms = [(t, 0.6) for t in part_ids if t is not None]
                marks.extend(p for p, t in zip(parts, part_ids) if t is not None)
                fallback = tuple(index.bigram_ids(word))
                partial = True
                # A word the corpus never uses is the most specific part of the query.
                idf = float(np.mean([index.idf(t) for t in fallback])) if fallback else index.max_idf
            concepts.append(Concept(word, tuple(terms), fallback, idf, partial=partial,
                                    bigram_count=len(set(bigrams(word)))))
        bigram_terms = index.bigram_ids(topic)
        unknown = len(set(bigrams(topic))) - len(bigram_terms)
        return concepts, bigram_terms, marks, unknown

    @staticmethod
    def _repair_typos(snap: Snapshot, words: list[str], topic: str) -> list[str]:
        """Replace a word the corpus never uses by a corpus word one character away.

        A wrong character usually splits a term (`专精特心` → 专精 + 特心), so the
        unknown piece is tried alone and joined to each neighbour as it stands in the query.
        """
        index = snap.index
        out = list(words)
        for i, word in enumerate(words):
            if index.term_id(word.lower()) is not None or not "\u4e00" <= word[0] <= "\u9fff":
                continue
            tries = [(i, i, word)]
            if i > 0 and words[i - 1] + word in topic:
                tries.append((i - 1, i, words[i - 1] + word))
            if i + 1 < len(words) and word + words[i + 1] in topic:
                tries.append((i, i + 1, word + words[i + 1]))
            for lo, hi, text in tries:
                if len(text) >= 3 and (fixed := snap.near_word(text)):
                    out[lo:hi + 1] = [fixed] + [""] * (hi - lo)
                    break
        return [w for w in dict.fromkeys(out) if w]

    def _mask(self, snap: Snapshot, docs_allowed: list[int], base: np.ndarray | None) -> np.ndarray | None:
        if len(docs_allowed) == len(snap.documents):
            return base  # no filter: skip a pass over every clause
        per_document = np.zeros(len(snap.documents), dtype=bool)
        per_document[docs_allowed] = True
        mask = per_document[snap.clause_doc]
        return mask & base if base is not None else mask

    def _rank_clauses(self, snap: Snapshot, query: Query, docs_allowed: list[int]
                      ) -> tuple[list[_Candidate], list[str]]:
        base = snap.target_mask if query.intent == Intent.TARGET else snap.task_mask if query.intent == Intent.LEAD_UNIT \
            else None
        mask = self._mask(snap, docs_allowed, base)
        if not query.topic:
            if query.intent == Intent.SEARCH:
                return [], []
            positions = np.flatnonzero(mask if mask is not None else np.ones(snap.index.size, bool))
            # Every target of the filter: clauses with figures first, each in reading order.
            positions = sorted(positions, key=lambda p: not any(t.value is not None for t in snap.clauses[p].targets))
            found = (self._candidate(snap, int(p), 1.0, [], query) for p in positions)
            return [c for c in itertools.islice((c for c in found if c is not None), MAX_CANDIDATES)], []
        concepts, bigram_terms, marks, unknown = self._concepts(snap, query.topic)
        if not concepts and not bigram_terms:
            return [], []
        docs, scores, coverage = snap.index.score(concepts, bigram_terms, mask, unknown)
        combined = np.where(coverage >= self.settings.min_relevance, scores * (0.25 + coverage), 0)
        best = snap.index.top(combined, MAX_CANDIDATES)
        marks = marks + [c.label for c in concepts]
        found = (self._candidate(snap, int(docs[i]), float(combined[i]), marks, query) for i in best)
        candidates = [c for c in found if c is not None]
        if query.intent == Intent.TARGET and candidates:
            lowered = [m.lower() for m in marks]
            about = [c for c in candidates if any(_target_about(t, lowered) for t in c.targets)]
            candidates = about or candidates  # a clause whose figures are about something else is noise
            best = max(c.score for c in candidates)
            candidates = _round_robin_by_document(
                sorted(candidates, key=lambda c: -_target_fit(snap.clauses[c.pos], c, lowered, best)), snap)
        return candidates, marks

    def _rank_units(self, snap: Snapshot, query: Query, docs_allowed: list[int]) -> list[_Candidate]:
        name = query.topic.replace(" ", "")
        if not name:
            return []
        allowed = set(docs_allowed)
        names = [name] + [name.replace(short, full) for short, full in self.vocabulary.unit_abbreviations
                          if short in name and full not in name]
        # 人力资源社会保障局 and 人力资源和社会保障局 are one unit written two ways.
        names = [n.replace("和", "") for n in names]
        matches = [u for u in snap.units
                   if any(n in (bare := u.replace("和", "")) or (len(u) >= 3 and bare in n) for n in names)]
        if not matches:
            matches = [u for u in snap.units if max(snap.index.similarity(n, u) for n in names) >= 0.8]
        positions = {p for unit in matches for p in snap.units[unit] if int(snap.clause_doc[p]) in allowed}
        candidates = []
        for pos in positions:
            lead = any(u in matches for u in snap.clauses[pos].lead_units)
            candidates.append(_Candidate(pos, 1.0 if lead else 0.5))
        # By document (corpus order), the tasks it leads first, then in reading order.
        candidates.sort(key=lambda c: (int(snap.clause_doc[c.pos]), -c.score, snap.clauses[c.pos].order))
        return candidates

    def _candidate(self, snap: Snapshot, pos: int, score: float, marks: list[str], query: Query
                   ) -> _Candidate | None:
        if query.intent != Intent.TARGET:
            return _Candidate(pos, score)
        targets = self._relevant_targets(snap.clauses[pos], marks, query)
        if query.horizon_year and not targets:
            return None
        return _Candidate(pos, score, targets)

    def _hit(self, snap: Snapshot, candidate: _Candidate, marks: list[str], query: Query) -> Hit:
        """Turn a ranked candidate into a Hit, with the excerpt: done only for the page shown."""
        clause = snap.clauses[candidate.pos]
        if query.intent == Intent.UNIT:
            excerpt = _first_sentences(clause)
        elif candidate.targets:
            excerpt = _clip("".join(dict.fromkeys(t.sentence for t in candidate.targets)))
        else:
            excerpt = _best_excerpt(clause, marks)
        return Hit(clause, snap.document(candidate.pos), candidate.score, excerpt, _spans(excerpt, marks),
                   candidate.targets)

    def _relevant_targets(self, clause: Clause, marks: list[str], query: Query) -> tuple[Target, ...]:
        targets = clause.targets
        if query.horizon_year:
            targets = tuple(t for t in targets if t.due and t.due.year == query.horizon_year
                            or t.horizon and str(query.horizon_year) in t.horizon)
        if marks and targets:
            lowered = [m.lower() for m in marks]
            about = tuple(t for t in targets if _target_about(t, lowered))
            if about:
                return about
        return targets

    def _suggest(self, snap: Snapshot, query: Query) -> list[str]:
        """Closest topics: headings of the best clauses below the bar, else fuzzy heading matches."""
        if query.intent == Intent.UNIT:
            return snap.index.closest(query.topic, list(snap.units), limit=5, cutoff=40)
        if not query.topic:
            return []
        concepts, bigram_terms, _, unknown = self._concepts(snap, query.topic)
        suggestions: list[str] = []
        if concepts or bigram_terms:
            docs, scores, _ = snap.index.score(concepts, bigram_terms, None, unknown, pool=20)
            for pos in docs:
                clause = snap.clauses[int(pos)]
                title = clause.heading or (clause.path[-1] if clause.path else None)
                if title and len(title) <= 40 and title not in suggestions:
                    suggestions.append(title)
        return suggestions[:5] or snap.index.closest(query.topic, snap.topics, limit=5, cutoff=60)


def _split_latin(word: str) -> list[str]:
    """`ip-protection` → ip, protection; `R&D` stays whole."""
    return [p for p in word.split("-") if p] if word.isascii() and "-" in word else [word]


def _mentions(sentence: str, lowered_marks: list[str]) -> bool:
    if any(m in sentence for m in lowered_marks):
        return True
    # Only Latin marks (r&d) need the sentence lowercased; Chinese has no case.
    return any(m.isascii() for m in lowered_marks) and any(m in sentence.lower() for m in lowered_marks)


def _target_about(target: Target, lowered_marks: list[str]) -> bool:
    """A figure is about the topic when its sentence says it; a goal without one, its own words."""
    return _mentions(target.sentence if target.value is not None else target.metric, lowered_marks)


def _target_fit(clause: Clause, hit: "_Candidate", marks: list[str], best: float) -> float:
    """Rank a target hit higher when its figures, not just its text, are about the topic.

    Clause-level BM25 favours short clauses; a long 发展目标 section is still the
    place a reader wants first, so the text score only breaks ties among equals.
    """
    about = any(_target_about(t, marks) for t in hit.targets)
    numeric = any(t.value is not None for t in hit.targets)
    return (hit.score / best if best else 0) + (2.0 if about else 0) \
        + (1.0 if clause.is_goal_section else 0) + (0.5 if numeric else 0)


def _round_robin_by_document(candidates: list[_Candidate], snap: Snapshot) -> list[_Candidate]:
    """Best hit of each document first, so cities can be compared side by side."""
    per_doc: dict[int, list[_Candidate]] = {}
    for candidate in candidates:
        per_doc.setdefault(int(snap.clause_doc[candidate.pos]), []).append(candidate)
    out: list[_Candidate] = []
    while per_doc:
        for doc in list(per_doc):
            out.append(per_doc[doc].pop(0))
            if not per_doc[doc]:
                del per_doc[doc]
    return out


def _clip(text: str, limit: int = EXCERPT_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _first_sentences(clause: Clause) -> str:
    sentences = split_sentences(clause.text)
    out = ""
    for s in sentences:
        out += s
        if len(out) >= 60:
            break
    return _clip(out)


def _best_excerpt(clause: Clause, marks: list[str]) -> str:
    """The sentence (and its neighbour, when short) that says most of the query."""
    sentences = split_sentences(clause.text)
    if not sentences:
        return _clip(clause.text)
    keys = [m for m in dict.fromkeys(marks) if m]

    def weight(sentence: str) -> float:
        lowered = sentence.lower()
        return sum(len(k) ** 1.5 for k in keys if k.lower() in lowered)

    best = max(range(len(sentences)), key=lambda i: (weight(sentences[i]), -i))
    excerpt = sentences[best]
    if len(excerpt) < 50 and best + 1 < len(sentences):
        excerpt += sentences[best + 1]
    if len(excerpt) > EXCERPT_CHARS and keys:
        first = min((excerpt.lower().find(k.lower()) for k in keys if k.lower() in excerpt.lower()), default=0)
        start = max(0, first - 40)
        excerpt = ("…" if start else "") + excerpt[start:]
    return _clip(excerpt)


def _spans(text: str, marks: list[str]) -> tuple[Span, ...]:
    """Where the query's words stand in `text`, merged and ordered."""
    found: list[tuple[int, int]] = []
    lowered = text.lower()
    for word in {m.lower() for m in marks if m and len(m.strip()) > 0}:
        if len(word) == 1 and not word.isascii():
            continue
        for m in re.finditer(re.escape(word), lowered):
            found.append((m.start(), m.end()))
    found.sort()
    merged: list[list[int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(Span(s, e) for s, e in merged)
