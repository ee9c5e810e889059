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

    def to_json(self) -> dict:
        return {
            "sentence": self.sentence,
            "metric": self.metric,
            "value": self.value,
            "unit": self.unit,
            "comparator": self.comparator,
            "horizon": self.horizon,
        }

    @property
    def figure(self) -> str:
        """Return the value and unit as written, e.g. `0.7%` or `1.5万家`."""
        if self.value is None:
            return self.unit or ""
        number = f"{self.value:g}" if self.value != int(self.value) else str(int(self.value))
        return f"{number}{self.unit or ''}"


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
    units_rule: str = "none"  # stated | first-listed | none
    targets: tuple[Target, ...] = ()
    is_goal_section: bool = False

    @property
    def units(self) -> tuple[str, ...]:
        return self.lead_units + self.support_units

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
    source_url: str | None = None  # where the document was published (front matter, sidecar; see bot.links)


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
    error: str | None = None


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
            "path": list(c.path),
            "heading": c.heading,
            "ref": c.ref,
            "text": c.text,
            "excerpt": self.excerpt,
            "score": round(float(self.score), 4),
            "lead_units": list(c.lead_units),
            "support_units": list(c.support_units),
            "units_rule": c.units_rule,
            "targets": [t.to_json() for t in (self.targets or c.targets)],
        }


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

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.hits) < self.total

    def to_json(self) -> dict:
        return {
            "query": self.query.raw,
            "intent": self.query.intent,
            "topic": self.query.topic,
            "matched": self.matched,
            "results": [h.to_json() for h in self.hits],
        }
