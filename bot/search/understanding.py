"""What a query means to the index: its concepts, synonyms, repaired typos, units and filters.

`bot.query` reads the words a user typed (intent, topic, filters); this module turns
the topic into index terms: English phrases into their Chinese term, words into
concepts with their synonyms, a word one character off into the corpus word, a unit
name into the units the corpus names, and filters into the documents they leave.
"""
from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.model import Document, Excluded, Filters
from bot.search.fuzzy import similar
from bot.search.index import ClauseIndex
from bot.settings import RankingWeights
from bot.segment import Segmenter, bigrams
from bot.settings import Vocabulary

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
TYPO_WORD_CHARS = (3, 10)  # lengths of corpus words a typo may be repaired to
EXCLUDED_VALUES = 12  # values listed for a filter that leaves no document (years, cities, types, titles)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


@dataclass(frozen=True)
class Concept:
    """One thing the query asks about, with the terms that count as saying it."""

    label: str
    terms: tuple[tuple[int, float], ...]  # (term id, weight): the word, its synonyms
    fallback: tuple[int, ...] = ()  # bigram term ids, for a word the corpus never uses
    idf: float = 1.0
    partial: bool = False  # terms are only parts of the word: they rank, but do not prove it is said
    bigram_count: int = 0  # bigrams the word has, known to the corpus or not
    # Words that together make the word (重大 + 项目 for 重大项目): a clause holding all of them,
    # anywhere, says it too, when the query has other words (it was typed run together).
    parts: tuple[int, ...] = ()


@dataclass(frozen=True)
class Understood:
    """A topic as index terms: concepts, all its bigrams, and the words to mark in excerpts."""

    concepts: tuple[Concept, ...]
    bigram_terms: tuple[int, ...]
    marks: tuple[str, ...]
    unknown_bigrams: int  # bigrams of the topic the corpus never has

    @property
    def empty(self) -> bool:
        return not self.concepts and not self.bigram_terms


class Lexicon:
    """Corpus words by shape (length and two of their characters), for typo repair."""

    def __init__(self, words: Iterable[str]):
        self._shapes: dict[tuple[int, str], list[str]] = {}
        low, high = TYPO_WORD_CHARS
        for word in words:
            if low <= len(word) <= high and _is_cjk(word[0]) and _is_cjk(word[-1]):
                for key in _shape_keys(word):
                    self._shapes.setdefault(key, []).append(word)

    def near(self, text: str, within: range | None = None) -> str | None:
        """A corpus word that differs from `text` by one character (`专精特心`, `转精特新` → `专精特新`).

        Args:
            within: where in `text` the wrong character may stand (the part the corpus does not know).
        """
        for key in _shape_keys(text):
            for word in self._shapes.get(key, ()):
                wrong = [i for i, (a, b) in enumerate(zip(word, text)) if a != b]
                if len(wrong) == 1 and (within is None or wrong[0] in within):
                    return word
        return None


def _shape_keys(word: str) -> tuple[tuple[int, str], ...]:
    """Keys a word is filed under: with any one character wrong, one of them is still right."""
    return ((len(word), word[:2]), (len(word), word[-2:]), (len(word), word[0] + word[-1]))


class QueryUnderstanding:
    """Turns topics into index terms with the vocabulary of `config/vocabulary.yaml`."""

    def __init__(self, vocabulary: Vocabulary, segmenter: Segmenter, weights: RankingWeights):
        self.vocabulary = vocabulary
        self.segmenter = segmenter
        self.weights = weights
        self._synonyms = _synonym_map(vocabulary.synonyms)

    # -- topics ------------------------------------------------------------------
    def understand(self, topic: str, index: ClauseIndex, lexicon: Lexicon) -> Understood:
        """Split a topic into concepts (with synonyms), bigram terms, and words to mark."""
        topic = self.translate_phrases(topic)
        words = [part for w in self.segmenter.query_words(topic) for part in _split_latin(w)
                 if part.lower() not in self.vocabulary.stopwords]
        # An English word the corpus never uses and no synonym explains says nothing about it.
        words = [w for w in words if not w.isascii()
                 or len(w) > 1 and (index.term_id(w.lower()) is not None or w.lower() in self._synonyms)]
        multi = [w for w in words if len(w) > 1]
        if multi:
            words = multi
        words, topic = fit_to_corpus(list(dict.fromkeys(words)), topic, index, lexicon, self.vocabulary.stopwords)
        maximal = [w for w in words if not any(w != o and w in o for o in words)]
        concepts: list[Concept] = []
        marks: list[str] = []
        for word in maximal:
            alternatives = [(word, 1.0)] + [(s, self.weights.synonym) for s in self._synonyms.get(word.lower(), ())]
            terms = []
            for alt, weight in alternatives:
                tid = index.term_id(alt.lower())
                if tid is not None:
                    terms.append((tid, weight))
                    marks.append(alt)
            fallback: tuple[int, ...] = ()
            partial = False
            if terms:
                idf = index.idf(terms[0][0])  # the word's own, or its first known synonym's
            else:
                parts = [w for w in words if w != word and w in word]
                part_ids = [index.term_id(p) for p in parts]
                terms = [(t, self.weights.word_part) for t in part_ids if t is not None]
                marks.extend(p for p, t in zip(parts, part_ids) if t is not None)
                fallback = tuple(index.bigram_ids(word))
                partial = True
                # A word the corpus never uses is the most specific part of the query.
                idf = float(np.mean([index.idf(t) for t in fallback])) if fallback else index.max_idf
            parts = _tiling(word, [w for w in words if w != word], index) if len(maximal) > 1 and not partial else ()
            concepts.append(Concept(word, tuple(terms), fallback, idf, partial=partial,
                                    bigram_count=len(set(bigrams(word))), parts=parts))
        bigram_terms = index.bigram_ids(topic)
        unknown = len(set(bigrams(topic))) - len(bigram_terms)
        return Understood(tuple(concepts), tuple(bigram_terms), tuple(marks) + tuple(c.label for c in concepts),
                          unknown)

    def translate_phrases(self, topic: str) -> str:
        """Replace a multi-word English synonym (`technology transfer`) by its Chinese term."""
        lowered = topic.lower()
        for group in self.vocabulary.synonyms:
            chinese = next((w for w in group if not w.isascii()), None)
            for member in group:
                if chinese and " " in member and member.lower() in lowered:
                    start = lowered.index(member.lower())
                    topic = topic[:start] + chinese + topic[start + len(member):]
                    lowered = topic.lower()
        return topic

    # -- units ---------------------------------------------------------------------
    def matching_units(self, name: str, units: Sequence[str]) -> list[int]:
        """Indices of the units in `units` that a typed unit name means.

        `金融工作局` finds `市金融工作局`, `发改委` finds `市发展改革委` (abbreviations in the
        vocabulary); 人力资源社会保障局 and 人力资源和社会保障局 are one unit written two
        ways; failing all that, a name typed with a typo finds the unit it is close to.
        """
        name = name.replace(" ", "")
        if not name:
            return []
        names = [name] + [name.replace(short, full) for short, full in self.vocabulary.unit_abbreviations
                          if short in name and full not in name]
        names = [n.replace("和", "") for n in names]
        found = [i for i, unit in enumerate(units)
                 if any(n in (bare := unit.replace("和", "")) or (len(unit) >= 3 and bare in n) for n in names)]
        if not found:
            close = {u for n in names for u in similar(n, units, cutoff=self.weights.unit_similarity)}
            found = [i for i, unit in enumerate(units) if unit in close]
        return found


def _tiling(word: str, pieces: Sequence[str], index: ClauseIndex) -> tuple[int, ...]:
    """Term ids of corpus words among `pieces` that, end to end, make `word` (重大 + 项目); () if none do."""
    known = {p: tid for p in pieces if len(p) >= 2 and p in word and (tid := index.term_id(p.lower())) is not None}
    ways: dict[int, tuple[str, ...]] = {0: ()}  # characters of `word` made so far -> the pieces that made them
    for at in range(len(word)):
        if at in ways:
            for piece in known:
                if word.startswith(piece, at) and at + len(piece) not in ways:
                    ways[at + len(piece)] = ways[at] + (piece,)
    made = ways.get(len(word), ())
    return tuple(known[p] for p in made) if len(made) > 1 else ()


def fit_to_corpus(words: list[str], topic: str, index: ClauseIndex, lexicon: Lexicon,
                  stopwords: frozenset[str] = frozenset()) -> tuple[list[str], str]:
    """Read the parts of the topic the query's words leave unknown with the corpus's own words.

    Returns the words, and the topic with its repairs made (what its bigrams are taken from).

    The segmenter cuts a query without knowing the corpus: `领域化工泵阀` comes back as 领域 +
    化工泵 + 阀, though the corpus says 化工 and 泵阀; a wrong character splits a term
    (`专精特心` → 专精 + 特心), and a wrong first one leaves no known part at all (`转精特新`).
    So each stretch of the topic that no known word covers is taken as a corpus word when it is
    one, else the stretch with its neighbouring known words is repaired to a corpus word one
    character away (the wrong one inside the stretch). Unknown words made entirely of known ones
    (化工泵 once 化工 and 泵阀 are known) are dropped.
    """
    out = list(words)
    repaired_topic = topic
    for run in dict.fromkeys(_CJK_RUN.findall(topic)):
        spans = sorted((at, at + len(w)) for w in out if len(w) > 1 and _is_cjk(w[0]) and index.term_id(w) is not None
                       for at in _occurrences(run, w))
        for start, end in _uncovered(run, spans):
            stretch = run[start:end]
            if stretch in stopwords:
                continue
            if len(stretch) > 1 and index.term_id(stretch) is not None:
                out.append(stretch)
            elif (repaired := _repair(run, start, end, spans, lexicon)) is not None:
                word, (lo, hi) = repaired
                out = [w for w in out if w not in run[lo:hi]] + [word]
                repaired_topic = repaired_topic.replace(run[lo:hi], word)
    known = [w for w in out if index.term_id(w.lower()) is not None]
    return [w for w in dict.fromkeys(out) if w in known or not _made_of(w, topic, known)], repaired_topic


def _occurrences(text: str, word: str) -> list[int]:
    found, at = [], text.find(word)
    while at != -1:
        found.append(at)
        at = text.find(word, at + 1)
    return found


def _uncovered(run: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The stretches of `run` no span covers, in order."""
    covered = [False] * len(run)
    for start, end in spans:
        covered[start:end] = [True] * (end - start)
    out, start = [], None
    for i, is_covered in enumerate(covered + [True]):
        if not is_covered and start is None:
            start = i
        elif is_covered and start is not None:
            out.append((start, i))
            start = None
    return out


def _repair(run: str, start: int, end: int, spans: list[tuple[int, int]], lexicon: Lexicon
            ) -> tuple[str, tuple[int, int]] | None:
    """A corpus word one character from the stretch with up to two known words on either side, longest first.

    The longest is tried first: `搞新技术企业` means 高新技术企业, not 高新技术 and 企业.
    """
    lefts, rights = [start], [end]
    for _ in range(2):  # the longest known word ending (or starting) at the edge, then the one before it
        lefts.append(min((s for s, e in spans if e == lefts[-1]), default=lefts[-1]))
        rights.append(max((e for s, e in spans if s == rights[-1]), default=rights[-1]))
    low, high = TYPO_WORD_CHARS
    windows = sorted({(lo, hi) for lo in lefts for hi in rights if low <= hi - lo <= high}, key=lambda w: w[0] - w[1])
    for lo, hi in windows:
        if word := lexicon.near(run[lo:hi], range(start - lo, end - lo)):
            return word, (lo, hi)
    return None


def _made_of(word: str, topic: str, known: list[str]) -> bool:
    """Whether, wherever `word` stands in the topic, known words cover each of its characters."""
    covered = [False] * len(topic)
    for piece in known:
        for at in _occurrences(topic, piece):
            covered[at:at + len(piece)] = [True] * len(piece)
    return all(all(covered[at:at + len(word)]) for at in _occurrences(topic, word))


def allowed_documents(filters: Filters, documents: Sequence[Document],
                      by_region: dict[str, list[int]]) -> list[int]:
    """Positions of the documents the filters (in:, doc:, type:, year:) leave, in corpus order."""
    everything = range(len(documents))
    if filters.is_empty():
        return list(everything)
    allowed = set(everything)
    if filters.regions:
        allowed &= {i for region in filters.regions for i in by_region.get(region, ())}
    if filters.doc_ids:
        wanted = set(filters.doc_ids)  # `doc:zigong` names every copy of a title: thousands of ids
        allowed &= {i for i, d in enumerate(documents) if d.id in wanted}
    if filters.kind:
        allowed = {i for i in allowed
                   if (kind := documents[i].kind) and (filters.kind in kind or kind in filters.kind)}
    if filters.year:
        allowed = {i for i in allowed if (date := documents[i].date) and date.year == filters.year}
    return sorted(allowed)


def excluding_filters(filters: Filters, documents: Sequence[Document],
                      by_region: dict[str, list[int]]) -> tuple[Excluded, ...]:
    """Say which filters leave no document, and what the documents offer instead; () when some are left.

    A filter that alone leaves nothing (`in:北京`, `type:通知`, `year:2030`) is named with the
    values of the whole corpus. Filters that each leave documents but none together (`in:成都
    year:2022`) are each named with the values of the documents the others leave (成都's years).
    """
    if filters.is_empty() or allowed_documents(filters, documents, by_region):
        return ()
    fields = {"city": {"regions": ()}, "doc": {"doc_ids": ()}, "type": {"kind": None}, "year": {"year": None}}
    out = []
    for name, emptied in fields.items():
        field_name = next(iter(emptied))
        alone = Filters(**{field_name: getattr(filters, field_name)})
        if alone.is_empty():
            continue
        left_alone = allowed_documents(alone, documents, by_region)
        if not left_alone:
            offered = list(range(len(documents)))
        else:
            offered = allowed_documents(dataclasses.replace(filters, **emptied), documents, by_region)
            if not offered or set(offered) & set(left_alone):
                continue  # another filter is the one that leaves nothing
        values = list(dict.fromkeys(v for i in offered for v in _filter_values(name, documents[i])))
        if name == "year":
            values.sort()
        out.append(Excluded(name, _asked(name, filters, documents), tuple(values[:EXCLUDED_VALUES]),
                            max(0, len(values) - EXCLUDED_VALUES), with_others=bool(left_alone)))
    return tuple(out)


def _filter_values(name: str, document: Document) -> list[str]:
    """What a document offers to filter `name`: its city, title, kind or year."""
    value = {"city": document.region, "doc": document.title, "type": document.kind,
             "year": str(document.date.year) if document.date else None}[name]
    return [value] if value else []


def _asked(name: str, filters: Filters, documents: Sequence[Document]) -> tuple[str, ...]:
    if name == "city":
        return filters.regions
    if name == "doc":  # the titles of the documents `doc:` named, or what was typed when it named none
        titles = {d.id: d.title for d in documents}
        return tuple(dict.fromkeys(titles.get(i, i) for i in filters.doc_ids))[:EXCLUDED_VALUES]
    return (filters.kind,) if name == "type" else (str(filters.year),)


def _synonym_map(groups: Sequence[Sequence[str]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for group in groups:
        lowered = tuple(w.lower() for w in group)
        for w in lowered:
            out[w] = tuple(dict.fromkeys(out.get(w, ()) + tuple(x for x in lowered if x != w)))
    return out


def _split_latin(word: str) -> list[str]:
    """`ip-protection` → ip, protection; `R&D` stays whole."""
    return [p for p in word.split("-") if p] if word.isascii() and "-" in word else [word]
