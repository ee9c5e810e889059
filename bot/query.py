"""Turn the text after `/policy` (or `policybot ask`) into a Query.

Shared by every front end: the first word may name the intent (aliases in
config/vocabulary.yaml); `in:`/`city:`, `type:` and `year:` filter; a city named
anywhere in the topic narrows to that city's documents.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.corpus.text import normalize_query_text
from bot.model import Filters, Intent, Query
from bot.question import CUT, question_intent, question_topic
from bot.settings import Vocabulary

# The filter words a query may use, by what they narrow. Help lists them from here, so it
# names exactly the words the parser reads.
FILTER_WORDS: dict[str, tuple[str, ...]] = {
    "city": ("in", "city", "城市"),
    "doc": ("doc", "文件"),
    "type": ("type", "kind", "类型"),
    "year": ("year", "年份"),
}
_FILTER_RE = re.compile(r"(?<!\S)(" + "|".join(w for words in FILTER_WORDS.values() for w in words)
                        + r")\s*[::]\s*(\S+)", re.I)
# Intents whose topic is read as a question: cities, years and question words leave it.
QUESTION_INTENTS = (Intent.TARGET, Intent.LEAD_UNIT, Intent.SEARCH)
_YEAR_RE = re.compile(r"(?<![\d.])(20\d\d)(?:\s*年)?(?![\d.%])")


@dataclass
class QueryContext:
    """What the corpus knows that a query may name: regions and documents."""

    regions: dict[str, str] = field(default_factory=dict)  # alias (成都, 成都市) -> region (成都市)
    documents: dict[str, str] = field(default_factory=dict)  # doc id -> title

    _latin: dict[str, str] | None = None

    def latin_regions(self) -> dict[str, str]:
        """Pinyin names of the regions (`chengdu` → 成都市); an index stores them made in advance."""
        if self._latin is None:
            self._latin = latin_aliases(self.regions)
        return self._latin

    def match_documents(self, text: str) -> tuple[str, ...]:
        text = text.lower()
        return tuple(d for d, title in self.documents.items() if text in d.lower() or text in title)


def latin_aliases(regions: dict[str, str]) -> dict[str, str]:
    """Map the pinyin of each region alias (`chengdu`, `chengdushi`) to its region."""
    from pypinyin import lazy_pinyin  # the only door to pypinyin; slow to import, so late

    latin: dict[str, str] = {}
    for alias, region in regions.items():
        latin.setdefault("".join(lazy_pinyin(alias)).lower(), region)
    return latin


def region_aliases(region: str) -> list[str]:
    """`成都市` is also `成都`; `黔东南苗族侗族自治州` is also `黔东南`."""
    aliases = [region]
    short = re.sub(r"(市|省|自治州|州|盟|地区)$", "", region)
    if len(short) >= 2:
        aliases.append(short)
    if m := re.match(r"^(.{2,3}?)[\u4e00-\u9fff]*族.*自治州$", region):
        aliases.append(m.group(1))
    return aliases


def parse_query(text: str, vocabulary: Vocabulary, context: QueryContext, *, max_chars: int = 500) -> Query:
    """Parse one query text.

    A text over `max_chars` gives a Query with `error="too_long"`; an empty one, help.
    """
    raw = text.strip()
    if len(raw) > max_chars:
        return Query(raw=raw[:max_chars], intent=Intent.HELP, topic="", error="too_long")
    normalized = normalize_query_text(raw)
    if not normalized:
        return Query(raw=raw, intent=Intent.HELP, topic="")
    first, _, rest = normalized.partition(" ")
    intent = vocabulary.intent_of(first)
    if intent is None and len(normalized.split()) == 1 and (m := re.match(r"^(\S+?)[::](\S.*)$", normalized)):
        intent = vocabulary.intent_of(m.group(1))  # `目标:研发` reads as `目标 研发`
        rest = m.group(2) if intent else rest
    if intent is None and (m := re.match(r"^([A-Za-z-]+)([^\sA-Za-z].*)$", normalized)):
        intent = vocabulary.intent_of(m.group(1))  # `target研发`: the space was forgotten
        rest = m.group(2) if intent else rest
    explicit = intent is not None
    topic = rest.strip() if explicit else normalized

    regions: list[str] = []
    doc_ids: list[str] = []
    kind = None
    year = None
    for key, value in _FILTER_RE.findall(topic):
        key = key.lower()
        if key in FILTER_WORDS["city"] + FILTER_WORDS["doc"]:
            if value in context.regions:
                regions.append(context.regions[value])
            elif found := context.match_documents(value):
                doc_ids.extend(found)
            elif key in FILTER_WORDS["doc"]:
                doc_ids.append(value)  # no such document: filters to nothing, and says so
            else:
                regions.append(value)  # unknown city: filters to nothing, and says so
        elif key in FILTER_WORDS["type"]:
            kind = value
        elif key in FILTER_WORDS["year"]:
            if not re.fullmatch(r"(1[89]|20|21)\d\d", value.rstrip("年")):
                return Query(raw=raw, intent=intent or Intent.SEARCH, topic=topic, error="bad_year",
                             error_detail=f"{key}:{value}")
            year = int(value.rstrip("年"))
    topic = _FILTER_RE.sub(CUT, topic)
    if not explicit:
        intent = question_intent(topic, vocabulary) or Intent.SEARCH

    horizon_year = None
    if intent in QUESTION_INTENTS:
        for alias in sorted(context.regions, key=len, reverse=True):
            if alias in topic:
                regions.append(context.regions[alias])
                topic = topic.replace(alias, CUT)
        if re.search(r"[A-Za-z]{4,}", topic):
            for word in re.findall(r"[A-Za-z]+", topic):
                if (region := context.latin_regions().get(word.lower().removesuffix("shi"))):
                    regions.append(region)
                    topic = re.sub(rf"\b{word}\b", CUT, topic)
        if intent == Intent.TARGET and (m := _YEAR_RE.search(topic)):
            horizon_year = int(m.group(1))
            topic = topic[:m.start()] + CUT + topic[m.end():]
        asked = question_topic(topic, intent, vocabulary)
        # `search IT`: a topic of nothing but stopwords is still what the user asked to search.
        topic = asked if asked or not explicit or intent != Intent.SEARCH else topic
    topic = re.sub(rf"[\s{CUT}]+", " ", topic).strip(" ,。?!、")
    filters = Filters(regions=tuple(dict.fromkeys(regions)), doc_ids=tuple(dict.fromkeys(doc_ids)),
                      kind=kind, year=year)
    if intent in (Intent.SEARCH, Intent.UNIT) and not topic and filters.is_empty():
        intent = Intent.HELP  # `unit` or `search` with nothing to look for
    return Query(
        raw=raw,
        intent=intent,
        topic=topic,
        filters=filters,
        horizon_year=horizon_year,
    )
