"""Tell each clause of a paged document (PDF, OFD, a scan) which page(s) it is printed on.

Cleaning and structure parsing rewrite the text (full-width folding, Traditional to
Simplified, OCR repairs, annotations taken out), so offsets do not survive them. The
words do: each clause is found again in the extracted text by a few short probes of its
own characters, searched forward in reading order, and the offsets where they are found
give the pages. Punctuation and spaces are left out of the comparison, since cleaning
changes them most.
"""
from __future__ import annotations

import bisect
import dataclasses

from bot.corpus.text import to_halfwidth, to_simplified
from bot.model import Clause, ParsedDocument

PROBE = 10  # characters per probe: long enough to be unique in a document, short enough to survive repairs


def attach_pages(doc: ParsedDocument, text: str, page_starts: tuple[int, ...]) -> ParsedDocument:
    """Return `doc` with `pages` set on every clause that could be found in `text`."""
    if not page_starts:
        return doc
    letters, offsets = _letters(text)
    cursor = 0
    clauses: list[Clause] = []
    for clause in doc.clauses:
        span = _locate(_letters(_clause_text(clause))[0], letters, cursor)
        if span is None:
            clauses.append(clause)
            continue
        start, end = span
        cursor = start + 1
        first = bisect.bisect_right(page_starts, offsets[start]) or 1
        last = bisect.bisect_right(page_starts, offsets[max(end - 1, start)]) or 1
        clauses.append(dataclasses.replace(clause, pages=tuple(range(first, last + 1))))
    return dataclasses.replace(doc, clauses=tuple(clauses), page_count=len(page_starts))


def _clause_text(clause: Clause) -> str:
    if clause.heading and clause.heading not in clause.text:
        return f"{clause.heading}{clause.text}"
    return clause.text


def _letters(text: str) -> tuple[str, list[int]]:
    """The letters, digits and characters of `text` (folded as cleaning folds them) and their offsets."""
    folded = to_halfwidth(text)
    simplified = to_simplified(folded)
    if len(simplified) != len(folded):  # a phrase conversion changed the length: fold one by one
        simplified = "".join(to_simplified(c) if len(to_simplified(c)) == 1 else c for c in folded)
    kept = [(c, i) for i, c in enumerate(simplified) if c.isalnum()]
    return "".join(c for c, _ in kept), [i for _, i in kept]


def _locate(needle: str, haystack: str, cursor: int) -> tuple[int, int] | None:
    """Where `needle` begins and ends in `haystack` at or after `cursor`, by probes of its start and end.

    A probe that a repair changed is not found; the next one is tried, and the span is
    widened by how far into the clause the probe that matched lies.
    """
    if not needle:
        return None
    step = max(1, min(PROBE, len(needle)))
    positions = list(range(0, max(len(needle) - step, 0) + 1, step)) or [0]
    start = None
    for pos in positions:
        found = haystack.find(needle[pos:pos + step], cursor)
        if found >= 0:
            start = max(cursor, found - pos)
            break
    if start is None:
        return None
    end = start + len(needle)
    for pos in reversed(positions):
        found = haystack.find(needle[pos:pos + step], start)
        if found >= 0:
            end = found + (len(needle) - pos)
            break
    return start, min(max(end, start + 1), len(haystack))
