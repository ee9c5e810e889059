"""Small immutable values shared by the core and every front end.

A Slack reply, a digest and a JSON line are all rendered from these objects, so
they carry everything a renderer needs and nothing of any transport.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field, fields
from enum import StrEnum


class Intent(StrEnum):
    """What a query asks for: the first word of `/policy ...` (aliases in config/vocabulary.yaml)."""

    TARGET = "target"
    LEAD_UNIT = "lead-unit"
    UNIT = "unit"
    SEARCH = "search"
    DOCS = "docs"
    HELP = "help"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    SUBSCRIPTIONS = "subscriptions"
    DIGEST = "digest"
    RELOAD = "reload"
    ADD = "add"


# Intents the engine answers from the corpus; the others are commands of a front end.
QUERY_INTENTS = frozenset({Intent.TARGET, Intent.LEAD_UNIT, Intent.UNIT, Intent.SEARCH, Intent.DOCS})


@dataclass(frozen=True)
class Target:
    """A quantitative target stated in a clause."""

    sentence: str
    metric: str
    value: float | None
    unit: str | None
    comparator: str | None
    horizon: str | None
    due: dt.date | None = None  # last day of the horizon, when it names a year
    value_max: float | None = None  # upper bound of a range (`2-3个`: value 2, value_max 3)
    kind: str = "goal"  # goal (an aim) | standard (a rule's limit: 不超过, 至少, 以内 in a regulation)
    horizon_year: int | None = None  # the year the horizon names (十四五 → 2025, 民国115年 → 2026)
    horizon_implied: bool = False  # no horizon of its own: the year of the plan it belongs to
    detail: str | None = None  # the list a figure covers (电子信息、装备制造), or its baseline

    def to_json(self) -> dict:
        return {
            "sentence": self.sentence,
            "metric": self.metric,
            "value": self.value,
            "value_max": self.value_max,
            "unit": self.unit,
            "comparator": self.comparator,
            "kind": self.kind,
            "horizon": self.horizon,
            "horizon_year": self.horizon_year,
            "horizon_implied": self.horizon_implied,
            "detail": self.detail,
        }

    @property
    def figure(self) -> str:
        """Return the value and unit as written, e.g. `0.7%` or `1.5万家`."""
        if self.value is None:
            return self.unit or ""
        number = _number(self.value)
        if self.value_max is not None:
            number += f"–{_number(self.value_max)}"
        return f"{number}{self.unit or ''}"


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


@dataclass(frozen=True)
class Duty:
    """One responsibility sentence of a clause: who, in which role, as the text says it."""

    unit: str
    role: str  # lead | support | responsible (the text names a duty, not who leads)
    sentence: str

    def to_json(self) -> dict:
        return {"unit": self.unit, "role": self.role, "sentence": self.sentence}


@dataclass(frozen=True)
class Clause:
    """The smallest numbered unit of a document (or a paragraph of an unnumbered one)."""

    id: str
    doc_id: str
    order: int
    labels: tuple[str, ...]  # numbering of the clause and its ancestors: ("二、", "(二)", "5.")
    path: tuple[str, ...]  # headings of the ancestors, numbering included
    heading: str | None
    text: str
    ref: str
    lead_units: tuple[str, ...] = ()
    support_units: tuple[str, ...] = ()
    units_rule: str = "none"  # stated | first-listed | prose | none
    targets: tuple[Target, ...] = ()
    is_goal_section: bool = False
    pages: tuple[int, ...] = ()  # pages of the file the clause is printed on (PDF, OFD, scans); () for text
    responsible_units: tuple[str, ...] = ()  # named by a duty sentence that says neither lead nor support
    duties: tuple[Duty, ...] = ()  # the duty sentences units_rule "prose" was read from

    @property
    def units(self) -> tuple[str, ...]:
        return self.lead_units + self.support_units + self.responsible_units

    @property
    def page_label(self) -> str:
        """Return where the clause is printed, `第3页` or `第3–4页`; empty when the file has no pages."""
        if not self.pages:
            return ""
        first, last = self.pages[0], self.pages[-1]
        return f"第{first}页" if first == last else f"第{first}–{last}页"

    @property
    def text_key(self) -> str:
        """Identify the clause by its text, so an unchanged clause of an edited document is not new."""
        return hashlib.sha1(f"{self.doc_id}\x1f{self.text}".encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Document:
    """What is known of one policy document without its clauses.

    This is what a server holds for every document; the clauses stay in the index's
    store and are read when shown (`PolicyEngine.clauses_of`).
    """

    id: str
    title: str
    issuer: str | None
    region: str | None
    date: dt.date | None
    kind: str | None
    doc_number: str | None
    source: str  # file name inside the corpus folder
    content_hash: str
    clause_count: int = 0
    target_count: int = 0
    task_count: int = 0
    unit_count: int = 0
    commentary: str = ""
    units_convention: str | None = None
    problems: tuple[str, ...] = ()  # what could not be parsed
    notes: tuple[str, ...] = ()  # what cleaning set aside (clutter, commentary, OCR repairs)
    source_url: str | None = None  # where the file was published (a fetched page, an HTML canonical link)
    page_count: int = 0  # pages of the file (PDF, OFD); 0 for formats without pages
    # Where each field came from ("front matter", "title line", "signature", "file name", ...): shown by check.
    title_source: str | None = None
    issuer_source: str | None = None
    region_source: str | None = None
    date_source: str | None = None


@dataclass(frozen=True)
class ParsedDocument(Document):
    """A document as the parser returns it: its metadata and every clause."""

    clauses: tuple[Clause, ...] = ()

    @property
    def units(self) -> set[str]:
        return {u for c in self.clauses for u in c.units}

    def summary(self) -> Document:
        """The document without its clauses."""
        return Document(**{f.name: getattr(self, f.name) for f in fields(Document)})


@dataclass(frozen=True)
class Filters:
    regions: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    kind: str | None = None
    year: int | None = None

    def is_empty(self) -> bool:
        return not (self.regions or self.doc_ids or self.kind or self.year)


@dataclass(frozen=True)
class Query:
    """A parsed `/policy ...` text: what is asked, about what, narrowed how."""

    raw: str
    intent: Intent
    topic: str
    filters: Filters = field(default_factory=Filters)
    horizon_year: int | None = None  # a bare year in a target query ranks targets due then
    error: str | None = None  # why the text cannot be answered: a key of bot.strings.QUERY_ERRORS
    error_detail: str = ""  # the part of the text at fault (`year:abcd`)


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Hit:
    """A clause found for a query, with the excerpt to show."""

    clause: Clause
    document: Document
    score: float
    excerpt: str
    marks: tuple[Span, ...] = ()  # matched words inside `excerpt`
    targets: tuple[Target, ...] = ()  # the clause's targets relevant to the query

    def to_json(self) -> dict:
        c, d = self.clause, self.document
        return {
            "id": c.id,
            "doc_id": d.id,
            "doc_title": d.title,
            "issuer": d.issuer,
            "region": d.region,
            "date": d.date.isoformat() if d.date else None,
            "date_source": d.date_source,
            "path": list(c.path),
            "heading": c.heading,
            "ref": c.ref,
            "text": c.text,
            "excerpt": self.excerpt,
            "score": round(float(self.score), 4),
            "lead_units": list(c.lead_units),
            "support_units": list(c.support_units),
            "units_rule": c.units_rule,
            "responsible_units": list(c.responsible_units),
            "duties": [duty.to_json() for duty in c.duties],
            "targets": [t.to_json() for t in (self.targets or c.targets)],
        }


@dataclass(frozen=True)
class Excluded:
    """A filter of a query that leaves no document, and the values the documents offer instead."""

    filter: str  # city | doc | type | year
    asked: tuple[str, ...]  # what the query asked for (北京; 通知; 2030)
    values: tuple[str, ...]  # what the documents have instead (成都市, 广元市, …), the first few
    more: int = 0  # values beyond those listed
    # The filter leaves documents alone but none with the other filters: `values` are those of the
    # documents the other filters leave (in:成都 year:2022 → 成都's years), not the whole corpus's.
    with_others: bool = False

    def to_json(self) -> dict:
        return {"filter": self.filter, "asked": list(self.asked), "values": list(self.values), "more": self.more,
                "with_others": self.with_others}


@dataclass(frozen=True)
class Answer:
    """Everything a front end needs to reply to one query."""

    query: Query
    hits: tuple[Hit, ...]
    matched: bool
    total: int = 0  # relevant hits before paging
    offset: int = 0
    suggestions: tuple[str, ...] = ()
    documents: tuple[Document, ...] = ()  # for the `docs` intent
    # The filters that left no document: nothing was searched, and these say why.
    excluded: tuple[Excluded, ...] = ()
    # No target (or task) about the topic: the hits are the clauses that say it, found as a search.
    broadened: bool = False
    # Nothing inside the filters: where the topic is said outside them (cities, else document titles).
    elsewhere: tuple[str, ...] = ()

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total

    def to_json(self) -> dict:
        return {
            "query": self.query.raw,
            "intent": self.query.intent,
            "topic": self.query.topic,
            "matched": self.matched,
            "broadened": self.broadened,
            "excluded": [e.to_json() for e in self.excluded],
            "elsewhere": list(self.elsewhere),
            "results": [h.to_json() for h in self.hits],
        }
