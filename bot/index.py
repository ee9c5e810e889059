"""The clause index: BM25 over words and character bigrams, built once, immutable.

Words (jieba, search mode) give precision; character bigrams make a query with a
wrong or OCR-damaged character still land on the right clause. Postings are
flat numpy arrays (CSR by term), so a query is a few slices and one bincount.
This module is also the only place ranking lives, and the only rapidfuzz door.
"""
from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from rapidfuzz import fuzz, process

from bot.model import Clause
from bot.segment import Segmenter, bigrams

BIGRAM_PREFIX = "\x02"
K1, B = 1.2, 0.75
BLOCK = 4096  # clauses per build block (local ids fit in uint16)


@dataclass(frozen=True)
class Concept:
    """One thing the query asks about, with the terms that count as saying it."""

    label: str
    terms: tuple[tuple[int, float], ...]  # (term id, weight): the word, its synonyms
    fallback: tuple[int, ...] = ()  # bigram term ids, for a word the corpus never uses
    idf: float = 1.0
    partial: bool = False  # terms are only parts of the word: they rank, but do not prove it is said
    bigram_count: int = 0  # bigrams the word has, known to the corpus or not


def clause_index_text(clause: Clause) -> str:
    """What of a clause is searchable: its heading, section titles and text."""
    section = clause.path[-1] if clause.path else ""
    heading = clause.heading or ""
    body = clause.text if not heading or clause.text.startswith(heading) else f"{heading}。{clause.text}"
    return f"{section}\n{body}"


class ClauseIndex:
    """BM25 index over clauses; clause i of the list given is document i."""

    def __init__(self, clauses: Sequence[Clause], segmenter: Segmenter,
                 on_progress: Callable[[int, int], None] | None = None):
        self.segmenter = segmenter
        self.size = len(clauses)
        self.vocab: dict[str, int] = {}
        lengths = np.zeros(self.size, dtype=np.float32)
        # Postings are gathered in blocks of clauses, each sorted by term and spilled to a
        # temporary folder, then merged into one CSR array: memory holds the final arrays
        # and one block, not every block as well.
        with tempfile.TemporaryDirectory(prefix="policybot-index-") as spill:
            blocks, df = [], np.zeros(0, dtype=np.int64)
            for start in range(0, self.size, BLOCK):
                path = Path(spill) / f"block-{start}.npz"
                block_df = self._spill_block(clauses, start, lengths, path)
                df = np.concatenate([df, np.zeros(len(block_df) - len(df), np.int64)]) + block_df
                blocks.append((start, path))
                if on_progress:
                    on_progress(min(start + BLOCK, self.size), self.size)
            self.offsets = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
            self.post_doc = np.empty(int(self.offsets[-1]), dtype=np.int32)
            # Per-posting BM25 term weight, so a query only multiplies by idf; float16 is plenty to rank.
            self.post_w = np.empty(int(self.offsets[-1]), dtype=np.float16)
            self._merge_blocks(blocks, lengths)
        self.df = df.astype(np.int32)
        self.idf_all = np.log(1 + (self.size - self.df + 0.5) / (self.df + 0.5)).astype(np.float32)

    def _spill_block(self, clauses: Sequence[Clause], start: int, lengths: np.ndarray, path: Path) -> np.ndarray:
        """Count the terms of clauses [start, start + BLOCK), save them sorted by term; return their df."""
        rows_term, rows_tf = [], []
        for i in range(start, min(start + BLOCK, self.size)):
            text = clause_index_text(clauses[i])
            counts = Counter(self.segmenter.words(text))
            counts.update(BIGRAM_PREFIX + g for g in bigrams(text))
            rows_term.append(np.fromiter((self.vocab.setdefault(t, len(self.vocab)) for t in counts), np.int32,
                                         len(counts)))
            rows_tf.append(np.fromiter(counts.values(), np.uint16, len(counts)))
            lengths[i] = sum(counts.values())
        terms = np.concatenate(rows_term)
        local_docs = np.repeat(np.arange(len(rows_term), dtype=np.uint16),
                               np.fromiter(map(len, rows_term), np.int64, len(rows_term)))
        order = np.argsort(terms, kind="stable")
        np.savez(path, terms=terms[order], docs=local_docs[order], tfs=np.concatenate(rows_tf)[order])
        return np.bincount(terms, minlength=len(self.vocab))

    def _merge_blocks(self, blocks: list[tuple[int, Path]], lengths: np.ndarray) -> None:
        """Place each block's postings after the earlier blocks' ones of the same term."""
        avg = max(float(lengths.mean()), 1e-9) if self.size else 1.0
        cursor = self.offsets[:-1].copy()
        for start, path in blocks:
            with np.load(path) as block:
                terms, local_docs, tf = block["terms"], block["docs"], block["tfs"].astype(np.float32)
            block_df = np.bincount(terms, minlength=len(cursor))
            first = np.concatenate([[0], np.cumsum(block_df)[:-1]])
            dest = cursor[terms]
            dest += np.arange(len(terms))
            dest -= first[terms]
            docs = local_docs.astype(np.int32)
            docs += start
            self.post_doc[dest] = docs  # clauses stay in ascending order within each term
            self.post_w[dest] = tf * (K1 + 1) / (tf + K1 * (1 - B + B * lengths[docs] / avg))
            cursor += block_df

    # -- terms ---------------------------------------------------------------
    def term_id(self, token: str) -> int | None:
        return self.vocab.get(token)

    def bigram_ids(self, text: str) -> list[int]:
        return [t for g in dict.fromkeys(bigrams(text)) if (t := self.vocab.get(BIGRAM_PREFIX + g)) is not None]

    def idf(self, term: int) -> float:
        return float(self.idf_all[term])

    # -- scoring -------------------------------------------------------------
    @property
    def max_idf(self) -> float:
        return float(np.log(1 + (self.size + 0.5) / 0.5))

    def _postings(self, term: int) -> np.ndarray:
        return self.post_doc[self.offsets[term]:self.offsets[term + 1]]

    def _contains(self, term: int, docs: np.ndarray) -> np.ndarray:
        """Which of `docs` (any order) the term occurs in: postings are sorted by clause."""
        postings = self._postings(term)
        if not len(postings):
            return np.zeros(len(docs), dtype=bool)
        at = np.searchsorted(postings, docs)
        return postings[np.minimum(at, len(postings) - 1)] == docs

    def score(self, concepts: Sequence[Concept], bigram_terms: Sequence[int], mask: np.ndarray | None,
              unknown_bigrams: int = 0, bigram_weight: float = 0.35, pool: int = 1500
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (clauses, BM25 score, coverage) for the `pool` best-scoring clauses.

        Coverage is the idf-weighted share of the query a clause says: by concepts
        (a word or any of its synonyms), or by character bigrams when that is higher,
        which is what lets a query with one wrong character still pass. The
        relevance bar is set on coverage, not on the unbounded BM25 score. It is
        worked out only for the pool, by binary search in the postings, so a query
        costs one pass over the corpus (the score) however many terms it has.
        """
        doc_parts, weight_parts = [], []
        for concept in concepts:
            for term, weight in concept.terms:
                lo, hi = self.offsets[term], self.offsets[term + 1]
                doc_parts.append(self.post_doc[lo:hi])
                weight_parts.append(self.post_w[lo:hi].astype(np.float32) * (self.idf_all[term] * weight))
        for term in bigram_terms:
            lo, hi = self.offsets[term], self.offsets[term + 1]
            doc_parts.append(self.post_doc[lo:hi])
            weight_parts.append(self.post_w[lo:hi].astype(np.float32) * (self.idf_all[term] * bigram_weight))
        if not doc_parts:
            empty = np.zeros(0)
            return empty.astype(np.int64), empty, empty
        scores = np.bincount(np.concatenate(doc_parts), weights=np.concatenate(weight_parts), minlength=self.size)
        if mask is not None:
            scores[~mask] = 0
        docs = self.top(scores, pool)
        cover = np.zeros(len(docs))
        total_idf = 0.0
        for concept in concepts:
            total_idf += concept.idf
            if concept.terms and not concept.partial:
                said = np.zeros(len(docs), dtype=bool)
                for term, _ in concept.terms:
                    said |= self._contains(term, docs)  # said by any of its terms counts once
                cover += said * concept.idf
            elif concept.fallback:
                share = sum(self._contains(t, docs).astype(float) for t in concept.fallback)
                share /= max(concept.bigram_count, len(concept.fallback))
                cover += np.where(share >= 0.6, share, 0) * concept.idf
        coverage = cover / total_idf if total_idf else cover
        if bigram_terms:
            bigram_cover = sum(self._contains(t, docs) * float(self.idf_all[t]) for t in bigram_terms)
            # A bigram the corpus never has is as specific as a term can be (火星 in 火星基地建设).
            bigram_total = float(sum(self.idf_all[t] for t in bigram_terms)) + unknown_bigrams * self.max_idf
            coverage = np.maximum(coverage, bigram_cover / bigram_total)
        return docs, scores[docs], coverage

    @staticmethod
    def top(scores: np.ndarray, k: int) -> np.ndarray:
        """Indices of the k best positive scores, best first."""
        positive = np.flatnonzero(scores > 0)
        if len(positive) > k:
            part = np.argpartition(-scores[positive], k - 1)[:k]
            positive = positive[part]
        return positive[np.argsort(-scores[positive], kind="stable")]

    # -- fuzzy ---------------------------------------------------------------
    @staticmethod
    def closest(text: str, choices: Sequence[str], limit: int = 5, cutoff: float = 50.0) -> list[str]:
        """The choices most like `text`, character by character (no space splitting)."""
        if not text or not choices:
            return []
        found = process.extract(text, choices, scorer=fuzz.partial_ratio, limit=limit * 3, score_cutoff=cutoff)
        ranked = sorted(found, key=lambda m: (-m[1], len(m[0])))
        return list(dict.fromkeys(m[0] for m in ranked))[:limit]

    @staticmethod
    def similarity(a: str, b: str) -> float:
        return fuzz.ratio(a, b, score_cutoff=0) / 100.0
