"""What a digest contains: pure, given the engine, the last digest, the topics and a clock.

A digest tells one audience (a channel, or a user in the bot's DM) what happened since
its last digest:
- documents added, changed (their content hash differs) or removed;
- for each subscribed topic, the matching clauses whose text is new (the best few when
  the topic is new to the audience);
- targets whose horizon falls in a window around today, grouped by city.

Nothing here posts, stores or reads a clock: `build_digest` takes them all as values, so a
test states the time. `bot.digest_runner` decides when to build one and posts it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.model import QUERY_INTENTS, Clause, Document, Excluded, Hit, Intent, Query, Target
from bot.settings import DIGEST_SECTIONS
from bot.store import Audience, DigestState, Subscription

if TYPE_CHECKING:
    from bot.engine import PolicyEngine

FIRST_TOPIC_HITS = 3  # a topic new to the audience shows its best few clauses
NEW_TOPIC_HITS = 5  # at most this many new clauses per topic; the rest are counted
TOPIC_SCAN = 100  # relevant clauses per topic compared with the last digest
DOCUMENT_REFS = 3  # reference lines listed under a new or changed document
DM_SCHEDULE = "dm"  # a schedule whose channel is `dm` sends each user with DM subscriptions their digest

@dataclass(frozen=True)
class DocumentChange:
    document: Document
    status: str  # "added" | "changed"
    clauses: tuple[Clause, ...]  # its most relevant clauses, for a reference list


@dataclass(frozen=True)
class TopicUpdate:
    topic: str
    hits: tuple[Hit, ...]
    more: int = 0  # new matching clauses beyond those shown
    first: bool = False  # the topic is new to the audience: `hits` are the best few, not the new ones
    excluded: tuple[Excluded, ...] = ()  # the topic's filters leave no document: which, and what there is


@dataclass(frozen=True)
class DueTarget:
    target: Target
    clause: Clause
    document: Document
    past: bool  # its horizon has passed (within the window)

    @property
    def key(self) -> str:
        status = "past" if self.past else "due"
        return _key(self.document.id, self.target.sentence, self.target.metric, str(self.target.due), status)


@dataclass(frozen=True)
class CityTargets:
    region: str | None
    items: tuple[DueTarget, ...]


@dataclass(frozen=True)
class Digest:
    """One digest for one audience, ready to render."""

    audience: Audience
    generated_at: dt.datetime
    timezone: str
    sections: tuple[str, ...]
    since: dt.datetime | None  # the last digest's time; None for a first digest
    window: tuple[dt.date, dt.date]
    documents: tuple[DocumentChange, ...] = ()
    removed: tuple[str, ...] = ()  # titles of documents gone from the corpus
    topics: tuple[TopicUpdate, ...] = ()
    due: tuple[CityTargets, ...] = ()
    new_due: int = 0  # due targets the last digest did not show
    baseline: DigestState | None = None  # what to record once posted

    @property
    def first(self) -> bool:
        return self.since is None

    @property
    def is_empty(self) -> bool:
        """Nothing new since the last digest (due targets already shown do not count)."""
        return not (self.documents or self.removed or any(t.hits for t in self.topics) or self.new_due)

    @property
    def due_count(self) -> int:
        return sum(len(city.items) for city in self.due)

    @property
    def new_clause_count(self) -> int:
        return sum(len(t.hits) + t.more for t in self.topics if not t.first)

    def local(self, moment: dt.datetime) -> dt.datetime:
        return moment.astimezone(ZoneInfo(self.timezone))


# ---------------------------------------------------------------- building

def _key(*parts: str | None) -> str:
    return hashlib.sha1("\x1f".join(p or "" for p in parts).encode("utf-8")).hexdigest()[:16]


def add_months(day: dt.date, months: int) -> dt.date:
    """Move `day` by whole months, keeping the day of month where the target month has it."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def topic_hits(engine: "PolicyEngine", topic: str, scan: int = TOPIC_SCAN) -> list[Hit]:
    """Return the clauses relevant to a subscribed topic, best first.

    A topic may carry its own subcommand and filters (`target 研发 in:成都`); bare words
    are a search.
    """
    query = topic_query(engine, topic)
    hits: list[Hit] = []
    page = max(1, engine.settings.max_limit)
    while len(hits) < scan:
        answer = engine.answer(query, limit=page, offset=len(hits))
        if not answer.matched or not answer.hits:
            break
        hits.extend(answer.hits)
        if len(hits) >= answer.total:
            break
    return hits[:scan]


def topic_query(engine: "PolicyEngine", topic: str) -> Query:
    """Read a subscribed topic as a query: its own subcommand and filters, or a search of its words."""
    query = engine.parse(topic)
    if query.intent not in QUERY_INTENTS - {Intent.DOCS} or query.error:
        query = engine.parse(f"search {topic}")
    return query


def topic_excluded(engine: "PolicyEngine", topic: str) -> tuple[Excluded, ...]:
    """Say which of a topic's filters leave no document (`研发 in:北京`); () when they leave some."""
    return engine.answer(topic_query(engine, topic), limit=1).excluded


def due_window(today: dt.date, months_before: int, months_after: int) -> tuple[dt.date, dt.date]:
    return add_months(today, -months_before), add_months(today, months_after)


def due_targets(found: Iterable[tuple[Target, Clause, Document]], today: dt.date) -> list[CityTargets]:
    """Group targets coming due (from `PolicyEngine.iter_targets`) by city, soonest first."""
    by_city: dict[str | None, list[DueTarget]] = {}
    seen: set[tuple] = set()
    for target, clause, document in found:
        # The same figure restated in a summary clause is one target.
        identity = (document.id, target.metric, target.value, target.unit, target.due)
        if identity in seen:
            continue
        seen.add(identity)
        by_city.setdefault(document.region, []).append(DueTarget(target, clause, document, past=target.due < today))
    cities = []
    for region, items in by_city.items():
        items.sort(key=lambda d: (d.target.due, d.document.title, d.clause.order))
        cities.append(CityTargets(region, tuple(items)))
    cities.sort(key=lambda c: (c.items[0].target.due, c.region or "\uffff"))
    return cities


def short_ref(clause: Clause, document: Document) -> str:
    """A clause's reference without its document's title (for lists under that document)."""
    ref = clause.ref.removeprefix(f"《{document.title}》").strip()
    return ref or clause.ref


def _relevant_clauses(document: Document, clauses: Sequence[Clause], preferred: Sequence[Clause],
                      fresh: set[str] | None) -> tuple[Clause, ...]:
    """Pick the clauses to list under a document: topic matches first, then goals, targets and tasks."""
    def weight(c: Clause) -> tuple:
        is_new = fresh is None or c.text_key in fresh
        return (not is_new, not c.is_goal_section, -len(c.targets), not c.units, c.order)

    chosen = list(dict.fromkeys(c for c in preferred if c.doc_id == document.id))
    for clause in sorted(clauses, key=weight):
        if len(chosen) >= DOCUMENT_REFS:
            break
        if clause not in chosen:
            chosen.append(clause)
    return tuple(chosen[:DOCUMENT_REFS])


def build_digest(engine: "PolicyEngine", audience: Audience, *, now: dt.datetime, last: DigestState | None,
                 subscriptions: Sequence[Subscription], sections: Sequence[str] = DIGEST_SECTIONS,
                 timezone: str = "Asia/Shanghai", months_before: int = 12, months_after: int = 12) -> Digest:
    """Compute the digest `audience` should get at `now`, given what its last digest covered.

    Args:
        engine: the current corpus.
        now: an aware datetime; "today" is its date in `timezone`.
        last: the last digest's baseline, or None for a first digest.
        subscriptions: the topics the audience follows (with when each was added).
        sections: which of documents, topics, targets to include.
    """
    documents = engine.documents
    today = now.astimezone(ZoneInfo(timezone)).date()
    window = due_window(today, months_before, months_after)
    all_keys = engine.clause_keys()
    fresh = None if last is None else all_keys - set(last.clause_keys)

    topics: list[TopicUpdate] = []
    preferred: list[Clause] = []
    if "topics" in sections or "documents" in sections:
        for sub in subscriptions:
            hits = topic_hits(engine, sub.topic)
            excluded = () if hits else topic_excluded(engine, sub.topic)
            preferred.extend(h.clause for h in hits[:DOCUMENT_REFS])
            new_topic = last is None or sub.created_at > last.sent_at
            if new_topic:
                topics.append(TopicUpdate(sub.topic, tuple(hits[:FIRST_TOPIC_HITS]), first=True, excluded=excluded))
            else:
                new = [h for h in hits if h.clause.text_key in fresh]
                topics.append(TopicUpdate(sub.topic, tuple(new[:NEW_TOPIC_HITS]), max(0, len(new) - NEW_TOPIC_HITS),
                                          excluded=excluded))

    changes: list[DocumentChange] = []
    removed: list[str] = []
    if "documents" in sections:
        before = dict(last.corpus) if last else {}
        for document in documents:
            if document.id not in before:
                status = "added"
            elif before[document.id] != document.content_hash:
                status = "changed"
            else:
                continue
            clauses = engine.clauses_of(document.id)
            changes.append(DocumentChange(document, status, _relevant_clauses(document, clauses, preferred, fresh)))
        current = {d.id for d in documents}
        titles = dict(last.titles) if last else {}
        removed = [titles.get(doc_id) or doc_id for doc_id in before if doc_id not in current]

    cities = due_targets(engine.iter_targets(due_between=window), today)
    due_keys = {item.key for city in cities for item in city.items}
    new_due = 0
    if "targets" in sections:
        new_due = len(due_keys - set(last.due_keys)) if last else len(due_keys)
    baseline = DigestState(audience, now, {d.id: d.content_hash for d in documents},
                           {d.id: d.title for d in documents}, frozenset(all_keys), frozenset(due_keys))
    return Digest(
        audience=audience, generated_at=now, timezone=timezone, sections=tuple(sections),
        since=last.sent_at if last else None, window=window,
        documents=tuple(changes), removed=tuple(removed),
        topics=tuple(topics) if "topics" in sections else (),
        due=tuple(cities) if "targets" in sections else (), new_due=new_due, baseline=baseline,
    )
