"""Fuzzy string matching: the only module that imports rapidfuzz.

rapidfuzz's default scorers split on spaces, which means nothing for unsegmented
Chinese, so every call here names a character-level scorer and a cutoff.
"""
from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process


def closest(text: str, choices: Sequence[str], *, limit: int, cutoff: float) -> list[str]:
    """Return the choices most like `text`, character by character, best first.

    Args:
        text: what the user typed.
        choices: the candidates (headings, unit names).
        limit: at most this many.
        cutoff: the least `partial_ratio` (0–100) that counts.
    """
    if not text or not choices:
        return []
    found = process.extract(text, choices, scorer=fuzz.partial_ratio, limit=limit * 3, score_cutoff=cutoff)
    ranked = sorted(found, key=lambda m: (-m[1], len(m[0])))
    return list(dict.fromkeys(m[0] for m in ranked))[:limit]


def similar(text: str, choices: Sequence[str], *, cutoff: float) -> list[str]:
    """Return every choice whose whole-string similarity to `text` (0–1) reaches `cutoff`."""
    if not text or not choices:
        return []
    found = process.extract(text, choices, scorer=fuzz.ratio, limit=None, score_cutoff=cutoff * 100)
    return [m[0] for m in found]
