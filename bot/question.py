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
from bot.settings import Vocabulary

CUT = "\x00"  # where the query parser took something out (a filter, a city, a year)
MAX_LEAD_INS = 2  # 还有哪些: lead-ins stack, but not without end
MAX_NOUNS = 3  # 哪些支持政策: nouns after a question word, one after another
_LATIN_WORD = re.compile(r"[A-Za-z0-9&-]+")  # a Latin word goes on through R&D and IP-protection
_NON_LATIN = re.compile(r"[^\x00-\x7f]+")  # where Chinese words may stand
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
    """The vocabulary's question words prepared once: a lookup by word, and what to strip around them."""

    kinds: dict[str, tuple[str, Intent | None]]  # lowercased word -> (kind, intent)
    longest: int  # characters of the longest Chinese word
    firsts: frozenset[str]  # the characters Chinese words start with
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
    kept = (_trim(piece, patterns) for piece in _pieces(text, removed))
    return " ".join(piece for piece in kept if piece and piece not in patterns.singles)


# -- scanning ---------------------------------------------------------------------------

def _patterns(vocabulary: Vocabulary) -> _Patterns:
    q = vocabulary.questions
    return _compile(tuple(q.asks.items()), tuple(q.intents.items()), q.words, _latin(vocabulary.stopwords),
                    q.terms, q.lead_ins, q.nouns, q.endings, q.fillers)


@lru_cache(maxsize=8)
def _latin(stopwords: frozenset[str]) -> tuple[str, ...]:
    """The English stopwords, in one order (the compiled patterns are cached by their words)."""
    return tuple(sorted(w for w in stopwords if w.isascii() and w.isalpha()))


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
    def alternatives(items) -> str:
        return "|".join(map(re.escape, sorted(items, key=len, reverse=True)))

    return _Patterns(
        kinds=kinds,
        longest=max((len(w) for w in kinds if not w.isascii()), default=0),
        firsts=frozenset(w[0] for w in kinds if not w.isascii()),
        lead_ins=tuple(sorted(lead_ins, key=len, reverse=True)),
        # 哪些[规定], 哪些[的规定]: a noun, perhaps after a filler
        nouns=re.compile(f"(?:{alternatives(fillers)})?(?:{alternatives(nouns)})") if nouns else re.compile(r"(?!)"),
        endings=tuple(sorted(endings, key=len, reverse=True)),
        fillers=tuple(sorted(fillers, key=len, reverse=True)),
        singles=frozenset(lead_ins) | frozenset(fillers) | frozenset(endings),
        terms=tuple(terms),
    )


def _cues(text: str, patterns: _Patterns) -> list[_Cue]:
    """The vocabulary's words in `text`, left to right, the longest at each place.

    Latin words count whole (`lead` is not in `leader` or `IP-protection`), alone or as a pair
    (`which bureau`); Chinese ones anywhere, since Chinese has no spaces.
    """
    kinds, cues = patterns.kinds, []
    tokens = [(m.start(), m.end(), m.group(0).lower()) for m in _LATIN_WORD.finditer(text)]
    i = 0
    while i < len(tokens):
        start, end, word = tokens[i]
        if i + 1 < len(tokens) and text[end:tokens[i + 1][0]].isspace() \
                and (pair := f"{word} {tokens[i + 1][2]}") in kinds:
            cues.append(_Cue(start, tokens[i + 1][1], *kinds[pair]))
            i += 2
            continue
        if word in kinds:
            cues.append(_Cue(start, end, *kinds[word]))
        i += 1
    for run in _NON_LATIN.finditer(text):
        at, stop = run.span()
        while at < stop:
            found = 0
            if text[at] in patterns.firsts:  # most characters start no word: skip them cheaply
                for n in range(min(patterns.longest, stop - at), 0, -1):
                    if text[at:at + n] in kinds:
                        found = n
                        cues.append(_Cue(at, at + n, *kinds[text[at:at + n]]))
                        break
            at += found or 1
    return sorted(cues, key=lambda cue: cue.start)


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
    """Strip punctuation, fillers at both edges (never a term's: 目的), and a question's ending."""
    while True:
        before = piece = piece.strip(_PUNCTUATION)
        if (head := _edge(piece, patterns.fillers, str.startswith)) and not piece.startswith(patterns.terms):
            piece = piece[len(head):]
        if (tail := _edge(piece, patterns.fillers + patterns.endings, str.endswith)) \
                and not piece.endswith(patterns.terms):
            piece = piece[:-len(tail)]
        if piece == before:
            return piece


def _edge(piece: str, words: tuple[str, ...], at_edge) -> str:
    """The longest of `words` at the edge of `piece`, when something is left beside it."""
    return next((w for w in sorted(words, key=len, reverse=True) if len(piece) > len(w) and at_edge(piece, w)), "") \
        if at_edge(piece, words) else ""
