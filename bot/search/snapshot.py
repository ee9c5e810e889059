"""One generation of the index: postings, tables and clause store, built once, saved, opened.

A Snapshot is never changed after it is opened; a reload opens another and swaps it
in with one assignment, so a request in flight always sees one consistent corpus.
Everything a query touches is an array mapped from the generation's folder or a
small lookup made at open; clauses are read from the store only for the page shown.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from bot.errors import DocumentError
from bot.model import Clause, Document, ParsedDocument
from bot.query import QueryContext, latin_aliases, region_aliases
from bot.search.files import load_array, read_json, save_array, write_json
from bot.search.index import ClauseIndex, clause_index_text
from bot.search.ranking import ClauseFlags
from bot.search.store import ClauseStore
from bot.search.tables import TargetTable, UnitTable
from bot.search.understanding import Lexicon
from bot.segment import Segmenter

TOPIC_CHARS = (2, 30)  # headings and metrics of this length are offered as topics
_FLAGS = ("has_targets", "has_tasks", "goal_section", "has_figure")


def clause_id_hash(clause_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(clause_id.encode("utf-8"), digest_size=8).digest(), "little")


@dataclass
class Snapshot:
    """An opened generation: what every query of one corpus version reads."""

    folder: Path
    index: ClauseIndex
    store: ClauseStore
    flags: ClauseFlags
    doc_start: np.ndarray  # document i's clauses are [doc_start[i], doc_start[i + 1])
    units: UnitTable
    targets: TargetTable
    context: QueryContext
    topics: list[str]
    lexicon: Lexicon
    id_hash: np.ndarray  # blake2b of each clause id, ascending, with the clause's position
    id_pos: np.ndarray

    @property
    def documents(self) -> tuple[Document, ...]:
        return self.store.documents

    @property
    def errors(self) -> tuple[DocumentError, ...]:
        return self.store.errors

    @cached_property
    def doc_pos(self) -> dict[str, int]:
        return {d.id: i for i, d in enumerate(self.documents)}

    @cached_property
    def by_region(self) -> dict[str, list[int]]:
        out: dict[str, list[int]] = {}
        for i, d in enumerate(self.documents):
            out.setdefault(d.region or "", []).append(i)
        return out

    # -- reading -------------------------------------------------------------------
    def clause_at(self, pos: int) -> Clause:
        return self.store.clause(pos)

    def document_of(self, pos: int) -> Document:
        return self.documents[int(self.flags.clause_doc[pos])]

    def clauses_of(self, doc_pos: int) -> tuple[Clause, ...]:
        return self.store.clauses(int(self.doc_start[doc_pos]), int(self.doc_start[doc_pos + 1]))

    def find_clause(self, clause_id: str) -> int | None:
        """Position of the clause with this id, or None."""
        key = np.uint64(clause_id_hash(clause_id))
        at = int(np.searchsorted(self.id_hash, key))
        while at < len(self.id_hash) and self.id_hash[at] == key:
            pos = int(self.id_pos[at])
            if self.store.clause(pos).id == clause_id:
                return pos
            at += 1
        return None

    def text_keys(self) -> frozenset[str]:
        return frozenset(str(k) for k in load_array(self.folder, "text-keys", mmap=False))

    def parsed_document(self, source: str) -> ParsedDocument | None:
        """The document read from file `source`, with its clauses: a last good version a reload may keep."""
        pos = next((i for i, d in enumerate(self.documents) if d.source == source), None)
        if pos is None:
            return None
        document = self.documents[pos]
        return ParsedDocument(**{f: getattr(document, f) for f in Document.__dataclass_fields__},
                              clauses=self.clauses_of(pos))

    # -- build and open --------------------------------------------------------------
    @staticmethod
    def build(folder: Path, documents: Sequence[ParsedDocument], errors: Sequence[DocumentError],
              segmenter: Segmenter, *, k1: float, b: float, kept: Sequence[str] = (),
              on_progress: Callable[[int, int], None] | None = None) -> None:
        """Index `documents` and write the whole generation into `folder` (which must exist)."""
        clauses = [c for d in documents for c in d.clauses]

        def write_the_rest() -> None:
            """Everything but the postings: written while the build's pool counts terms."""
            ClauseStore.save(folder, [d.summary() for d in documents], clauses, errors, kept)
            UnitTable.build(clauses).save(folder)
            TargetTable.build(clauses).save(folder)
            doc_start = np.zeros(len(documents) + 1, dtype=np.int64)
            doc_start[1:] = np.cumsum([len(d.clauses) for d in documents])
            save_array(folder, "doc-start", doc_start)
            flags = {
                "has_targets": (bool(c.targets) or c.is_goal_section for c in clauses),
                "has_tasks": (bool(c.units) for c in clauses),
                "goal_section": (c.is_goal_section for c in clauses),
                "has_figure": (any(t.value is not None for t in c.targets) for c in clauses),
            }
            for name, values in flags.items():
                save_array(folder, f"clause-{name}", np.fromiter(values, bool, len(clauses)))
            hashes = np.fromiter((clause_id_hash(c.id) for c in clauses), np.uint64, len(clauses))
            order = np.argsort(hashes, kind="stable")
            save_array(folder, "id-hash", hashes[order])
            save_array(folder, "id-pos", order.astype(np.int32))
            save_array(folder, "text-keys", np.array([c.text_key for c in clauses], dtype=str))
            write_json(folder / "context.json", _context(documents))
            topics = [c.heading for c in clauses if c.heading and len(c.heading) <= TOPIC_CHARS[1]]
            topics += [t.metric for c in clauses for t in c.targets
                       if TOPIC_CHARS[0] <= len(t.metric) <= TOPIC_CHARS[1]]
            write_json(folder / "topics.json", list(dict.fromkeys(topics)))

        index = ClauseIndex.build([clause_index_text(c) for c in clauses], segmenter, k1=k1, b=b,
                                  on_progress=on_progress, meanwhile=write_the_rest)
        index.save(folder)

    @classmethod
    def open(cls, folder: Path) -> "Snapshot":
        """Open a saved generation: arrays mapped, documents and small lookups read now."""
        index = ClauseIndex.load(folder)
        store = ClauseStore.open(folder)
        doc_start = load_array(folder, "doc-start")
        clause_doc = np.repeat(np.arange(len(doc_start) - 1, dtype=np.int32), np.diff(doc_start))
        flags = ClauseFlags(clause_doc, *(load_array(folder, f"clause-{name}") for name in _FLAGS))
        context = read_json(folder / "context.json")
        return cls(
            folder=folder, index=index, store=store, flags=flags, doc_start=doc_start,
            units=UnitTable.load(folder), targets=TargetTable.load(folder),
            context=QueryContext(regions=context["regions"], documents=context["documents"],
                                 _latin=context["latin"]),
            topics=read_json(folder / "topics.json"), lexicon=Lexicon(index.words()),
            id_hash=load_array(folder, "id-hash"), id_pos=load_array(folder, "id-pos"),
        )


def _context(documents: Iterable[Document]) -> dict:
    """Regions and titles a query may name; pinyin names worked out now, not on a user's query."""
    regions: dict[str, str] = {}
    titles: dict[str, str] = {}
    for d in documents:
        titles[d.id] = d.title
        if d.region:
            for alias in region_aliases(d.region):
                regions.setdefault(alias, d.region)
    return {"regions": regions, "documents": titles, "latin": latin_aliases(regions)}
