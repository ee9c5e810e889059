"""How a hit is shown: excerpts and the spans of the query's words inside them.

The one span-merger lives here; the Block Kit renderer uses it too, so a highlight
means the same on every front end.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from bot.corpus.text import split_sentences
from bot.model import Clause, Span, Target

EXCERPT_CHARS = 200
LEAD_IN_CHARS = 60  # a unit's task is shown by its first sentences, up to about this long
SHORT_SENTENCE_CHARS = 50  # a best sentence shorter than this takes its neighbour along
CONTEXT_BEFORE_MARK = 40  # characters kept before the first marked word when a sentence is cut


def clip(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Cut `text` to `limit` characters, with an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def first_sentences(clause: Clause) -> str:
    """The opening of a clause: what a list of a unit's tasks shows."""
    out = ""
    for sentence in split_sentences(clause.text):
        out += sentence
        if len(out) >= LEAD_IN_CHARS:
            break
    return clip(out)


def target_sentences(targets: Iterable[Target]) -> str:
    """The sentences that state the targets, each once."""
    return clip("".join(dict.fromkeys(t.sentence for t in targets)))


def best_excerpt(clause: Clause, marks: list[str]) -> str:
    """The sentence (and its neighbour, when short) that says most of the query."""
    sentences = split_sentences(clause.text)
    if not sentences:
        return clip(clause.text)
    keys = [m for m in dict.fromkeys(marks) if m]

    def weight(sentence: str) -> float:
        lowered = sentence.lower()
        return sum(len(k) ** 1.5 for k in keys if k.lower() in lowered)

    best = max(range(len(sentences)), key=lambda i: (weight(sentences[i]), -i))
    excerpt = sentences[best]
    if len(excerpt) < SHORT_SENTENCE_CHARS and best + 1 < len(sentences):
        excerpt += sentences[best + 1]
    if len(excerpt) > EXCERPT_CHARS and keys:
        lowered = excerpt.lower()
        first = min((lowered.find(k.lower()) for k in keys if k.lower() in lowered), default=0)
        start = max(0, first - CONTEXT_BEFORE_MARK)
        excerpt = ("…" if start else "") + excerpt[start:]
    return clip(excerpt)


def merge_spans(spans: Iterable[Span | tuple[int, int]], length: int | None = None) -> list[tuple[int, int]]:
    """Order spans and merge those that overlap or touch; clamp them to `length` when given."""
    pairs = ((s.start, s.end) if isinstance(s, Span) else (s[0], s[1]) for s in spans)
    if length is not None:
        pairs = ((max(start, 0), min(end, length)) for start, end in pairs)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pairs):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark_spans(text: str, marks: Iterable[str]) -> tuple[Span, ...]:
    """Where the query's words stand in `text`, merged and ordered.

    A single Chinese character is not marked: alone it says too little to highlight.
    """
    lowered = text.lower()
    found = []
    for word in {m.lower() for m in marks if m and m.strip()}:
        if len(word) == 1 and not word.isascii():
            continue
        found.extend((m.start(), m.end()) for m in re.finditer(re.escape(word), lowered))
    return tuple(Span(start, end) for start, end in merge_spans(found))
