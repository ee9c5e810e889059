"""The numbers that decide ranking, as one frozen value read from `config/settings.yaml`.

Kept free of numpy so that reading the settings stays cheap.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

# Fields that are shares of something, so between 0 and 1.
_SHARES = ("bm25_b", "unknown_word_share", "unit_similarity", "same_document")
# Fields that are rapidfuzz scores, 0 to 100.
_FUZZY_SCORES = ("suggest_unit_cutoff", "suggest_topic_cutoff")


@dataclass(frozen=True)
class RankingWeights:
    """How clauses are scored and ordered; every field is a key under `ranking:` in settings.yaml."""

    bm25_k1: float  # BM25 term-frequency saturation
    bm25_b: float  # BM25 length normalisation
    synonym: float  # a synonym counts this much of the word itself
    word_part: float  # a known part of a word the corpus never uses
    bigram: float  # character bigrams beside the words: what survives a wrong character
    unknown_word_share: float  # share of an unknown word's bigrams a clause must have to say it
    coverage_floor: float  # score × (floor + coverage): coverage orders, BM25 still counts
    coverage_pool: int  # coverage is judged for this many best-scoring clauses
    max_candidates: int  # ranked clauses kept per query, for every intent
    target_about: float  # a target clause whose figures are about the topic
    goal_section: float  # a clause of a 发展目标 section
    numeric_target: float  # a target with a figure
    unit_lead: float  # score of a task the unit leads
    unit_support: float  # score of a task the unit supports
    unit_similarity: float  # least similarity (0–1) of a unit name typed with a typo
    suggest_unit_cutoff: float  # least rapidfuzz score of a unit offered instead
    suggest_topic_cutoff: float  # least rapidfuzz score of a heading offered instead
    target_figure: float  # a target clause with a figure about the topic, on top of target_about
    same_document: float  # in a target answer, each further clause of one document counts this share of the last

    def problems(self) -> list[tuple[str, str]]:
        """Return (field, what is wrong) for each value out of its range."""
        out = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in _SHARES and not 0 <= value <= 1:
                out.append((f.name, "must be between 0 and 1"))
            elif f.name in _FUZZY_SCORES and not 0 <= value <= 100:
                out.append((f.name, "must be between 0 and 100"))
            elif isinstance(value, int) and value < 1:
                out.append((f.name, "must be 1 or more"))
            elif value < 0:
                out.append((f.name, "must not be negative"))
        # Target answers rank in tiers (a figure about the topic, then a target about it without one):
        # the tier's bonus must exceed the most a clause can gain within a tier, or the tiers mix.
        within = 1 + self.goal_section + self.numeric_target
        if 0 <= self.target_figure <= within:
            out.append(("target_figure", f"must be more than 1 + goal_section + numeric_target ({within:g}), "
                                         "so that figures about the topic rank first"))
        return out
