"""What help says about filters, for every front end: the parser's words, the corpus's examples.

Help must never promise what the parser does not read, nor show an example that finds
nothing: the words come from `bot.query.FILTER_WORDS` and each example from the documents
actually indexed (the bundled examples only when the corpus is empty).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.model import Document
from bot.query import FILTER_WORDS, region_aliases

FALLBACK_EXAMPLES = {"city": "成都", "doc": "zigong", "type": "实施意见", "year": "2021"}


@dataclass(frozen=True)
class FilterHelp:
    """One filter of the query language, as help shows it."""

    name: str  # what it narrows: city | doc | type | year (keys of `bot.strings.FILTER_NAMES`)
    words: tuple[str, ...]  # every word the parser reads for it, the one help shows first
    example: str  # a value that finds something in this corpus

    @property
    def usage(self) -> str:
        return f"{self.words[0]}:{self.example}"


def _city(documents: Sequence[Document]) -> str | None:
    regions = Counter(d.region for d in documents if d.region)
    if not regions:
        return None
    return region_aliases(regions.most_common(1)[0][0])[-1]  # the short name people type: 成都


def _doc(documents: Sequence[Document]) -> str | None:
    for doc in documents:
        head = doc.id.replace("_", "-").split("-")[0]
        if len(head) >= 3 and sum(d.id.lower().startswith(head.lower()) for d in documents) < len(documents):
            return head
    return documents[0].id if documents else None


def _kind(documents: Sequence[Document], kinds: Sequence[str]) -> str | None:
    present = [d.kind for d in documents if d.kind]
    return next((k for k in kinds if k in present), present[0] if present else None)


def _year(documents: Sequence[Document]) -> str | None:
    years = [d.date.year for d in documents if d.date]
    return str(max(years)) if years else None


def filter_help(documents: Sequence[Document], kinds: Sequence[str]) -> list[FilterHelp]:
    """Return every filter the parser reads, each with an example that works on `documents`.

    Args:
        documents: the indexed documents.
        kinds: the document kinds of the vocabulary, in its order of preference.
    """
    found = {"city": _city(documents), "doc": _doc(documents), "type": _kind(documents, kinds),
             "year": _year(documents)}
    return [FilterHelp(name, words, found.get(name) or FALLBACK_EXAMPLES[name])
            for name, words in FILTER_WORDS.items()]
