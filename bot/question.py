"""Read a question in words: the intent it asks for, and the topic it asks about.

`谁牵头知识产权保护` asks who leads, about 知识产权保护; `成都的研发目标是什么` asks for targets
(its city is a filter, taken out by `bot.query`) about 研发; `which bureau leads the IP-protection
task?` asks who leads, about IP-protection. Every word used comes from `questions:` in
config/vocabulary.yaml (and, for English, its `stopwords`); nothing here knows a language.

Chinese writes no spaces, so words are found as substrings, longest first, and only words that are
never part of a policy term (谁, 什么, 多少) are taken out wherever they stand; the small words
around them (由, 是, 的) go only when they touch one, never from inside a term.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.model import Intent
from bot.settings import QuestionWords, Vocabulary

CUT = "\x00"  # where the query parser took something out (a filter, a city, a year)
MAX_LEAD_INS = 2  # 还有哪些: lead-ins stack, but not without end
MAX_NOUNS = 3  # 哪些支持政策: nouns after a question word, one after another
_LATIN_EDGE = "A-Za-z0-9&-"  # characters that continue a Latin word (R&D, IP-protection)
_PUNCTUATION = " ,.;:!?，。；：！？、…\"'“”‘’()（）"

# What a word found in the text is, by strength when one word is listed twice.
ASK, INTENT, WORD, STOP, TERM = "ask", "intent", "word", "stop", "term"
_RANK = {TERM: 0, ASK: 1, INTENT: 2, WORD: 3, STOP: 4}


@dataclass(frozen=True)
class _Cue:
    start: int
    end: int
    kind: str
    intent: Intent | None = None


@dataclass(frozen=True)
class _Patterns:
    """The vocabulary's question words compiled once: one scanner, and lookups by word."""

    scanner: re.Pattern
    kinds: dict[str, tuple[str, Intent | None]]  # lowercased word -> (kind, intent)
    lead_ins: tuple[str, ...]  # longest first
    nouns: re.Pattern
    endings: tuple[str, ...]
    fillers: tuple[str, ...]
    singles: frozenset[str]  # words that, standing alone between cuts, are no topic
    terms: tuple[str, ...]  # words of their own that hold a filler at an edge (目的)


def question_intent(text: str, vocabulary: Vocabulary) -> Intent | None:
    """Return the intent a question asks for, or None when it names none (a search).

    A question word decides (谁, who → lead-unit; 多少, how many → target); when the text has
    question words of two intents, the one its intent words also name wins. Without one, an
    intent word decides (目标 → target; 牵头, responsible → lead-unit), the first one found.
    """
    cues = _cues(text, _patterns(vocabulary))
    asked = [c.intent for c in cues if c.kind == ASK]
    named = [c.intent for c in cues if c.kind == INTENT]
    if asked:
        return next((i for i in asked if i in named), asked[0])
    return named[0] if named else None


def question_topic(text: str, intent: Intent, vocabulary: Vocabulary) -> str:
    """Return what a question asks about: `text` without its question words, with spaces between what is left.

    Taken out: question words, with the words leading into them and the nouns they ask about
    (人才公寓[由哪个单位]负责, 专精特新[有哪些规定]); the words naming `intent` (目标 in a target
    question); English stopwords; endings (吗, 呢). Fillers (关于, 的) go from the edges of what
    is left where something was taken out, and a piece that is only a small word goes whole.
    A question about nothing more (`what targets did Anshun set?`, once its city is out) has an
    empty topic.
    """
    patterns = _patterns(vocabulary)
    removed: list[tuple[int, int]] = []
    for cue in _cues(text, patterns):
        if cue.kind == TERM or cue.kind == INTENT and cue.intent != intent:
            continue
        start, end = cue.start, cue.end
        if cue.kind in (ASK, WORD):
            start = _lead_in_start(text, start, patterns)
            end = _nouns_end(text, end, patterns)
        removed.append((start, end))
    pieces = _pieces(text, removed)
    return " ".join(piece for piece in (_trim(p, patterns) for p in pieces) if piece and piece not in patterns.singles)


# -- scanning ---------------------------------------------------------------------------

def _patterns(vocabulary: Vocabulary) -> _Patterns:
    q = vocabulary.questions
    latin_stops = tuple(sorted(w for w in vocabulary.stopwords if w.isascii() and w.isalpha()))
    return _compile(tuple(q.asks.items()), tuple(q.intents.items()), q.words, latin_stops, q.terms,
                    q.lead_ins, q.nouns, q.endings, q.fillers)


@lru_cache(maxsize=8)
def _compile(asks, intents, words, stops, terms, lead_ins, nouns, endings, fillers) -> _Patterns:
    kinds: dict[str, tuple[str, Intent | None]] = {}

    def add(items, kind: str, intent: Intent | None = None) -> None:
        for word in items:
            key = word.lower()
            if key not in kinds or _RANK[kind] < _RANK[kinds[key][0]]:
                kinds[key] = (kind, intent)

    add(terms, TERM)
    for intent, items in asks:
        add(items, ASK, intent)
    for intent, items in intents:
        add(items, INTENT, intent)
    add(words, WORD)
    add(stops, STOP)
    scanner = re.compile("|".join(_alternative(w) for w in sorted(kinds, key=len, reverse=True)), re.I)
    noun_words = sorted(nouns, key=len, reverse=True)
    return _Patterns(
        scanner=scanner,
        kinds=kinds,
        lead_ins=tuple(sorted(lead_ins, key=len, reverse=True)),
        nouns=re.compile("(?:的)?(?:" + "|".join(map(re.escape, noun_words)) + ")") if noun_words
        else re.compile(r"(?!)"),
        endings=tuple(sorted(endings, key=len, reverse=True)),
        fillers=tuple(sorted(fillers, key=len, reverse=True)),
        singles=frozenset(lead_ins) | frozenset(fillers) | frozenset(endings),
        terms=tuple(terms),
    )


def _alternative(word: str) -> str:
    """A word as the scanner finds it: Latin ones whole (`lead` not in `leader`), spaces as any spacing."""
    pattern = r"\s+".join(map(re.escape, word.split()))
    if word.isascii():
        return rf"(?<![{_LATIN_EDGE}]){pattern}(?![{_LATIN_EDGE}])"
    return pattern


def _cues(text: str, patterns: _Patterns) -> list[_Cue]:
    cues = []
    for match in patterns.scanner.finditer(text):
        kind, intent = patterns.kinds[" ".join(match.group(0).lower().split())]
        cues.append(_Cue(match.start(), match.end(), kind, intent))
    return cues


def _lead_in_start(text: str, start: int, patterns: _Patterns) -> int:
    """Move `start` back over the words leading into a question word (由, 是, 有; 还有)."""
    for _ in range(MAX_LEAD_INS):
        lead = next((w for w in patterns.lead_ins if text.startswith(w, start - len(w)) and start >= len(w)), None)
        if lead is None:
            break
        start -= len(lead)
    return start


def _nouns_end(text: str, end: int, patterns: _Patterns) -> int:
    """Move `end` past the nouns a question word asks about (哪些[规定], 多少[家])."""
    for _ in range(MAX_NOUNS):
        match = patterns.nouns.match(text, end)
        if match is None or match.end() == end:
            break
        end = match.end()
    return end


# -- what is left ---------------------------------------------------------------------------

def _pieces(text: str, removed: list[tuple[int, int]]) -> list[str]:
    """Split `text` where words were taken out, at cuts and at spaces."""
    keep = [True] * len(text)
    for start, end in removed:
        for i in range(start, end):
            keep[i] = False
    marked = "".join(ch if keep[i] else CUT for i, ch in enumerate(text))
    return [p for p in re.split(rf"[{CUT}\s]+", marked) if p]


def _trim(piece: str, patterns: _Patterns) -> str:
    """Strip punctuation, fillers at both edges, and a question's ending."""
    while True:
        before = piece
        piece = piece.strip(_PUNCTUATION)
        for filler in patterns.fillers:
            if len(piece) > len(filler) and not piece.startswith(patterns.terms):
                piece = piece.removeprefix(filler)
            if len(piece) > len(filler) and not piece.endswith(patterns.terms):
                piece = piece.removesuffix(filler)
        for ending in patterns.endings:
            if len(piece) > len(ending):
                piece = piece.removesuffix(ending)
        if piece == before:
            return piece
