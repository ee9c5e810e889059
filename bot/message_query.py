"""Turn a chat message into a query: what a thread's first message or a shortcut's message is about.

A message is chatter around a few terms (`大家看看成都关于研发投入的目标是多少?`). Taken
whole as a query it finds nothing, because no clause covers the chatter. Here it is read
the way a person would turn it into a query: the words the documents use are kept and the
rest dropped, an intent word (目标, 牵头) becomes the query's intent and a city name its
filter, and then terms are dropped, the commonest first, until the engine finds something
relevant. Only the engine's public `parse`, `ask` and segmenter are used.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bot.model import Intent

if TYPE_CHECKING:
    from bot.engine import PolicyEngine

MAX_MESSAGE_CHARS = 2000  # a longer message is read from its start: the work per message stays bounded
MAX_TERMS = 6  # more terms than this are never all covered by one clause
# Policy terms are compounds (研发投入, 专精特新, 知识产权保护); two-character words are as often
# chatter that the documents happen to use (需要, 负责, 数量), so they count only when nothing longer does.
SPECIFIC_CHARS = 3
_TERM = re.compile(r"^(?:[\u4e00-\u9fff]{2,}|[A-Za-z][A-Za-z0-9&+.-]+|\d+[Gg])$")
# A query is one phrase: a message with sentence punctuation inside is chatter around a query, even
# when the parser can read it as a question (`各位,知识产权保护这块哪个部门牵头?`).
_CHATTER = re.compile(r"[,，。;；!！?？、]")
_QUESTION_END = "?？!！。 "
_UNIT_NAME = re.compile(r"[\u4e00-\u9fff]{2,}(?:局|委|办|厅|处|部|院|会|中心|银行|政府)$")


def _candidates(words: list[str], stopwords: frozenset[str]) -> list[str]:
    """Return the distinct terms worth trying, longest forms only (search mode also yields their parts)."""
    terms = list(dict.fromkeys(w for w in words if _TERM.match(w) and w.lower() not in stopwords))
    return [w for w in terms if not any(w != other and w in other for other in terms)]


def _intent_named(word: str, vocabulary) -> Intent | None:
    """Return the intent a word of a message asks for: 目标 → target; 牵头, and 部门 (`哪个部门`) → lead-unit."""
    intent = vocabulary.intent_of(word)
    if intent == Intent.UNIT:
        return Intent.LEAD_UNIT  # in a message, "which department" asks who leads
    return intent if intent in (Intent.TARGET, Intent.LEAD_UNIT) else None


def _narrowest(head: list[str], terms: list[str], totals: dict[str, int], engine: "PolicyEngine",
               max_chars: int) -> str | None:
    """Return `head` and as many of `terms` as still find something, dropping the commonest first; None if none do."""
    terms = list(terms)
    while terms:
        query = " ".join(head + terms)[:max_chars]
        answer = engine.ask(query, limit=1)
        if answer.matched and not answer.broadened:  # a clause that only mentions the terms is not what was asked
            return query
        terms.remove(max(terms, key=lambda w: totals[w]))
    return None


def query_from_message(text: str, engine: "PolicyEngine", *, max_chars: int = 500) -> str:
    """Return a query for what `text` is about, at most `max_chars` long ("" for a message with no words).

    The message itself when it already reads as a query (one phrase) that finds something; a unit's tasks
    when it names a unit the documents give tasks to; otherwise its intent word, city names
    and the terms the documents know, as many as still find a relevant clause. When no term
    of the message is in the documents, the message's start is returned, so the engine says
    that nothing matches (and suggests close topics).
    """
    text = " ".join(text.split())
    if not text:
        return ""
    one_phrase = not _CHATTER.search(text.rstrip(_QUESTION_END))
    if len(text) <= max_chars and one_phrase and engine.ask(text, limit=1).matched:
        return text
    vocabulary = engine.vocabulary
    intent: Intent | None = None
    places: list[str] = []
    totals: dict[str, int] = {}
    for word in _candidates(engine.segmenter.words(text[:MAX_MESSAGE_CHARS]), vocabulary.stopwords):
        if (named := _intent_named(word, vocabulary)) is not None:
            intent = intent or named
        elif engine.parse(f"{Intent.SEARCH} {word}").filters.regions:
            places.append(word)
        elif _UNIT_NAME.fullmatch(word) and engine.ask(f"{Intent.UNIT} {word}", limit=1).matched:
            return f"{Intent.UNIT} {word}"[:max_chars]
        elif (probe := engine.ask(f"{Intent.SEARCH} {word}", limit=1)).matched:
            totals[word] = probe.total
    specific = [w for w in totals if len(w) >= SPECIFIC_CHARS] or list(totals)
    # The rarest terms say most about the message; the commonest go first when there are too many.
    kept = set(sorted(specific, key=lambda w: totals[w])[:MAX_TERMS])
    terms = [w for w in specific if w in kept]
    for head in ([str(intent)] + places, places) if intent else (places,):
        if terms and (query := _narrowest(head, terms, totals, engine, max_chars)):
            return query
    return text[:max_chars]
