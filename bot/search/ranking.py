"""Ranking: the only place that decides which clauses answer a query, and in what order.

Every number comes from `RankingWeights` (config/settings.yaml `ranking:`). Search is
BM25 over words and bigrams with a relevance bar on coverage; target queries prefer
clauses whose figures are about the topic and lay cities side by side; unit queries
list a unit's tasks by document, those it leads first. Every intent keeps at most
`max_candidates` clauses, and works on arrays, not on clause objects.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.search.index import ClauseIndex
from bot.search.tables import TargetTable, UnitTable
from bot.search.understanding import Understood
from bot.settings import RankingWeights


TOP_SAMPLE = 2048  # scores sampled to find the k-th best one quickly


@dataclass(frozen=True)
class Candidate:
    """A ranked clause before it is read from the store (only the page shown is)."""

    pos: int
    score: float
    target_slots: tuple[int, ...] = ()  # which of the clause's targets the answer is about


@dataclass(frozen=True)
class ClauseFlags:
    """Per-clause facts ranking needs, one array each, indexed by clause position."""

    clause_doc: np.ndarray  # document position of each clause
    has_targets: np.ndarray  # targets, or a clause of a goal section
    has_tasks: np.ndarray  # lead or support units
    goal_section: np.ndarray
    has_figure: np.ndarray  # a target with a value


class Ranker:
    """Ranks clauses of one generation of the index."""

    def __init__(self, index: ClauseIndex, flags: ClauseFlags, units: UnitTable, targets: TargetTable,
                 weights: RankingWeights, min_relevance: float):
        self.index = index
        self.flags = flags
        self.units = units
        self.targets = targets
        self.weights = weights
        self.min_relevance = min_relevance

    # -- search ------------------------------------------------------------------
    def score(self, understood: Understood, mask: np.ndarray | None, pool: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return (clauses, BM25 score, coverage) for the `pool` best-scoring clauses.

        Coverage is the idf-weighted share of the query a clause says: by concepts
        (a word or any of its synonyms), or by character bigrams when that is higher,
        which is what lets a query with one wrong character still pass. The
        relevance bar is set on coverage, not on the unbounded BM25 score. It is
        worked out only for the pool, by binary search in the postings, so a query
        costs one pass over the corpus (the score) however many terms it has.
        """
        index, w = self.index, self.weights
        # Terms are summed in groups of one weight (the word, synonyms, parts, bigrams): one
        # bincount per group over the postings' stored impacts, then one multiply per group.
        groups: dict[float, list[int]] = {}
        for concept in understood.concepts:
            for term, weight in concept.terms:
                groups.setdefault(weight, []).append(term)
        if understood.bigram_terms:
            groups.setdefault(w.bigram, []).extend(understood.bigram_terms)
        if not groups:
            empty = np.zeros(0)
            return empty.astype(np.int64), empty, empty
        scores = np.zeros(index.size)
        for weight, terms in groups.items():
            docs, impacts = index.postings(terms)
            summed = np.bincount(docs, weights=impacts, minlength=index.size)
            scores += summed if weight == 1.0 else summed * weight
        if mask is not None:
            scores *= mask
        docs = top(scores, pool)
        cover = np.zeros(len(docs))
        total_idf = 0.0
        for concept in understood.concepts:
            total_idf += concept.idf
            if concept.terms and not concept.partial:
                said = np.zeros(len(docs), dtype=bool)
                for term, _ in concept.terms:
                    said |= index.contains(term, docs)  # said by any of its terms counts once
                if concept.parts:  # or by the words that make it, apart (looked for only where still unsaid)
                    unsaid = np.flatnonzero(~said)
                    for part in concept.parts:
                        unsaid = unsaid[index.contains(part, docs[unsaid])]
                    said[unsaid] = True
                cover += said * concept.idf
            elif concept.fallback:
                share = sum(index.contains(t, docs).astype(float) for t in concept.fallback)
                share /= max(concept.bigram_count, len(concept.fallback))
                cover += np.where(share >= w.unknown_word_share, share, 0) * concept.idf
        coverage = cover / total_idf if total_idf else cover
        if understood.bigram_terms:
            bigram_cover = sum(index.contains(t, docs) * float(index.idf_all[t]) for t in understood.bigram_terms)
            # A bigram the corpus never has is as specific as a term can be (火星 in 火星基地建设).
            bigram_total = float(sum(index.idf_all[t] for t in understood.bigram_terms)) \
                + understood.unknown_bigrams * index.max_idf
            coverage = np.maximum(coverage, bigram_cover / bigram_total)
        return docs, scores[docs], coverage

    def search(self, understood: Understood, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Return (clauses, score) of those that pass the relevance bar, best first, capped."""
        docs, scores, coverage = self.score(understood, mask, self.weights.coverage_pool)
        combined = np.where(coverage >= self.min_relevance, scores * (self.weights.coverage_floor + coverage), 0)
        best = top(combined, self.weights.max_candidates)
        return docs[best], combined[best]

    def clauses(self, understood: Understood, mask: np.ndarray | None) -> list[Candidate]:
        """Clauses of a search or lead-unit query, best first."""
        docs, scores = self.search(understood, mask)
        return [Candidate(int(p), float(s)) for p, s in zip(docs, scores)]

    # -- targets -------------------------------------------------------------------
    def target_clauses(self, understood: Understood | None, mask: np.ndarray | None,
                       horizon_year: int | None) -> list[Candidate]:
        """Clauses of a target query: figures about the topic first, cities side by side.

        Without a topic, every target the filters leave, by year (`target_listing`).
        A year keeps the clauses with a target due that year (or naming it in its horizon).
        """
        table = self.targets
        in_year = None
        if horizon_year is not None:
            in_year = table.in_year(horizon_year)
            with_year = np.zeros(self.index.size, bool)
            with_year[table.clause[in_year]] = True
            mask = with_year if mask is None else mask & with_year
        if understood is None:
            return self.target_listing(mask if mask is not None else self.flags.has_targets, in_year)
        positions, scores = self.search(understood, mask)
        if not len(positions):
            return []
        ids, owner = table.of_clauses(positions)
        dated = in_year[ids] if in_year is not None else np.ones(len(ids), bool)
        marks = understood.marks
        about = dated & table.about(ids, marks) if marks else np.zeros(len(ids), bool)
        clause_about = np.bincount(owner, weights=about, minlength=len(positions)) > 0
        # The targets shown: those about the topic when the clause has any, else all (of the year).
        relevant = np.where(clause_about[owner], about, dated)
        slots: list[list[int]] = [[] for _ in positions]
        for o, slot in zip(owner[relevant], table.slot[ids[relevant]]):
            slots[o].append(int(slot))
        figure = np.bincount(owner, weights=relevant & table.has_value[ids], minlength=len(positions)) > 0
        # Clauses whose targets are about the topic answer; the others only when none does.
        keep = np.flatnonzero(clause_about) if clause_about.any() else np.arange(len(positions))
        fit = self._target_scores(positions[keep], scores[keep], clause_about[keep], (figure & clause_about)[keep],
                                  figure[keep])
        return [Candidate(int(positions[keep[i]]), float(fit[i]), tuple(slots[keep[i]]))
                for i in np.argsort(-fit, kind="stable")]

    def _target_scores(self, positions: np.ndarray, text: np.ndarray, about: np.ndarray,
                       figure_about: np.ndarray, figure: np.ndarray) -> np.ndarray:
        """Score target clauses so that the order shown is the order of the scores.

        A clause with a figure about the topic is above one whose targets are about it without
        a figure (`target_figure` keeps the tiers apart: `RankingWeights.problems`). Within a
        tier, clause-level BM25 favours short clauses, so a long 发展目标 section, where a
        reader looks first, gets a bonus; and each further clause of one document counts
        `same_document` of the one before, so the best clause of each city comes before the
        second of any.
        """
        w = self.weights
        best = float(text.max())
        within = (text / best if best else np.zeros(len(text))) + w.goal_section * self.flags.goal_section[positions] \
            + w.numeric_target * figure
        # How many clauses of the same tier and document rank above each one. Clauses are kept only
        # all about the topic or all not, so a tier is whether the figures are about it.
        documents = int(self.flags.clause_doc[-1]) + 1  # clauses are stored in document order
        group = figure_about * documents + self.flags.clause_doc[positions]
        order = np.lexsort((-within, group))
        grouped = group[order]
        at = np.arange(len(grouped))
        first = np.maximum.accumulate(np.where(np.r_[True, grouped[1:] != grouped[:-1]], at, 0))
        before = np.empty(len(positions), np.int64)
        before[order] = at - first
        return w.target_figure * figure_about + w.target_about * about + within * w.same_document ** before

    def target_listing(self, mask: np.ndarray, in_year: np.ndarray | None = None) -> list[Candidate]:
        """Every target of the clauses of `mask`, by year: the soonest horizon first, undated last.

        A clause with targets of several years is listed once per year, with that year's
        targets; within a year, clauses with figures first, then in reading order (a goal section
        that states no target is not listed). At most `max_candidates` entries.
        """
        table = self.targets
        positions = np.flatnonzero(mask)
        ids, owner = table.of_clauses(positions)
        if in_year is not None:
            ids, owner = ids[in_year[ids]], owner[in_year[ids]]
        if not len(ids):
            return []
        # Targets come in clause order; a stable sort by year (a radix sort of 16-bit years, undated
        # last) keeps that order within a year, so an entry is a run of one year and one clause.
        years = table.due_year[ids]
        order = np.argsort(years, kind="stable")
        years, owner, ids = years[order], owner[order], ids[order]
        starts = np.flatnonzero(np.r_[True, (years[1:] != years[:-1]) | (owner[1:] != owner[:-1])])
        ends = np.r_[starts[1:], len(ids)]
        figures = np.logical_or.reduceat(table.has_value[ids], starts)
        # Within a year, clauses with figures first (entries are in year order already).
        shown = np.argsort(years[starts].astype(np.int32) * 2 + ~figures, kind="stable")
        shown = shown[:self.weights.max_candidates]
        slots = table.slot[ids]
        return [Candidate(pos, 1.0, tuple(slots[starts[e]:ends[e]].tolist()))
                for e, pos in zip(shown.tolist(), positions[owner[starts[shown]]].tolist())]

    # -- listings --------------------------------------------------------------------
    def tasks(self, mask: np.ndarray | None) -> list[Candidate]:
        """Every task clause the filters leave (a lead-unit query without a topic), capped."""
        return [Candidate(int(p), 1.0) for p in self._listing(mask if mask is not None else self.flags.has_tasks)]

    def _listing(self, mask: np.ndarray) -> np.ndarray:
        """The clauses of `mask` in corpus order, those with figures first, capped."""
        positions = np.flatnonzero(mask)
        return positions[np.argsort(~self.flags.has_figure[positions], kind="stable")][:self.weights.max_candidates]

    def unit_tasks(self, units: list[int], doc_allowed: np.ndarray | None) -> list[Candidate]:
        """A unit's tasks grouped by document (corpus order), those it leads first, then in reading order."""
        positions, lead = self.units.tasks(units)
        if doc_allowed is not None:
            inside = doc_allowed[self.flags.clause_doc[positions]]
            positions, lead = positions[inside], lead[inside]
        order = np.lexsort((positions, ~lead, self.flags.clause_doc[positions]))[:self.weights.max_candidates]
        w = self.weights
        return [Candidate(int(positions[i]), w.unit_lead if lead[i] else w.unit_support) for i in order]


def top(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best positive scores, best first (ties in index order)."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > k:
        values = scores[positive]
        # A full selection over every positive score is the slowest step of a broad query
        # (and degrades when many scores are equal). An evenly spaced sample tells, with a
        # wide margin, which value the k-th best reaches; only what reaches it is sorted.
        sample = np.sort(values[::max(1, len(values) // TOP_SAMPLE)])
        depth = 2 * (k * len(sample) // len(values)) + 2
        reach = np.flatnonzero(values >= sample[max(len(sample) - depth, 0)])
        if len(reach) < k:  # the sample misjudged it: select over everything
            reach = np.argpartition(-values, k - 1)[:k]
        positive = positive[np.sort(reach)]
    return positive[np.argsort(-scores[positive], kind="stable")][:k]
