"""Durable state: subscriptions, the last digest per audience, digest claims, posts, feedback, added documents.

SQLite by default; any SQLAlchemy URL (PostgreSQL when several instances share the work).
The schema is created and migrated by Alembic when the store opens (`upgrade head`), never
by hand. Every time here is an aware UTC datetime; the database holds naive UTC.

Exactly-once posting rests on one row per (schedule, slot, audience) in `digest_runs`: the
instance whose INSERT succeeds posts, every other instance gets an IntegrityError and moves
on. A failed run is taken over again only through a conditional UPDATE, which the database
also grants to one instance at a time.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
# Any fixed 64-bit number: PostgreSQL advisory locks are keyed by integers.
MIGRATION_LOCK = 0x706F6C6963790001
SQLITE_BUSY_SECONDS = 30  # a second instance waits this long for SQLite's write lock
TOPIC_CHARS = 200
CORPUS_NAME_CHARS = 255

# digest_runs.status
CLAIMED, POSTING, POSTED, FAILED, SKIPPED, UNKNOWN = "claimed", "posting", "posted", "failed", "skipped", "unknown"
HELPFUL, NOT_HELPFUL = "helpful", "not_helpful"


class UTCDateTime(sa.types.TypeDecorator):
    """An aware datetime in Python, naive UTC in the database (SQLite keeps no zone)."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one")
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.timezone.utc)


metadata = sa.MetaData()

subscriptions = sa.Table(
    "subscriptions", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("audience", sa.String(64), nullable=False),
    sa.Column("topic", sa.String(TOPIC_CHARS), nullable=False),
    sa.Column("created_by", sa.String(32)),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("audience", "topic", name="uq_subscriptions_audience_topic"),
)

digest_state = sa.Table(
    "digest_state", metadata,
    sa.Column("audience", sa.String(64), primary_key=True),
    sa.Column("sent_at", UTCDateTime, nullable=False),
    sa.Column("corpus_hashes", sa.JSON, nullable=False),  # {doc id: content hash} the digest covered
    sa.Column("document_titles", sa.JSON, nullable=False),  # {doc id: title}, to name removed documents
    sa.Column("clause_keys", sa.JSON, nullable=False),  # keys of every clause text the digest covered
    sa.Column("due_keys", sa.JSON, nullable=False),  # keys of the due targets it showed
)

schedules_seen = sa.Table(
    "schedules_seen", metadata,
    sa.Column("schedule_key", sa.String(255), primary_key=True),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
)

digest_runs = sa.Table(
    "digest_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("schedule_key", sa.String(255), nullable=False),
    sa.Column("slot", UTCDateTime, nullable=False),
    sa.Column("audience", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("instance", sa.String(128), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("claimed_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("message_ts", sa.String(32)),
    sa.Column("error", sa.Text),
    sa.UniqueConstraint("schedule_key", "slot", "audience", name="uq_digest_runs_slot"),
)

post_log = sa.Table(
    "post_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("audience", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # scheduled | manual | cli
    sa.Column("status", sa.String(16), nullable=False),  # posted | partial | failed | skipped
    sa.Column("schedule_key", sa.String(255)),
    sa.Column("slot", UTCDateTime),
    sa.Column("message_ts", sa.String(32)),
    sa.Column("parts", sa.Integer, nullable=False),
    sa.Column("instance", sa.String(128)),
    sa.Column("error", sa.Text),
)

feedback = sa.Table(
    "feedback", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("channel_id", sa.String(32)),
    sa.Column("query", sa.Text, nullable=False),
    sa.Column("intent", sa.String(32)),
    sa.Column("clause_ids", sa.JSON, nullable=False),
    sa.Column("shown", sa.JSON, nullable=False),  # [[clause id, reference line or null], ...]
    sa.Column("verdict", sa.String(16), nullable=False),
)

# Documents added through `policybot add` or Slack: the shared copy every instance syncs its folder from.
corpus_documents = sa.Table(
    "corpus_documents", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(CORPUS_NAME_CHARS), nullable=False),  # path inside the corpus folder
    sa.Column("content", sa.LargeBinary, nullable=False),  # the file's original bytes
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("meta", sa.JSON, nullable=False),  # the sidecar: source_url, fetched_at, ...
    sa.Column("added_by", sa.String(64)),
    sa.Column("added_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("name", name="uq_corpus_documents_name"),
)


# ---------------------------------------------------------------- values

@dataclass(frozen=True, order=True)
class Audience:
    """Who a digest is for: a channel, or one user in the bot's DM."""

    kind: str  # "channel" | "user"
    id: str

    @classmethod
    def channel(cls, channel_id: str) -> "Audience":
        return cls("channel", channel_id)

    @classmethod
    def user(cls, user_id: str) -> "Audience":
        return cls("user", user_id)

    @classmethod
    def from_key(cls, key: str) -> "Audience":
        kind, _, ident = key.partition(":")
        return cls(kind, ident)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class Subscription:
    audience: Audience
    topic: str
    created_at: dt.datetime
    created_by: str | None = None


@dataclass(frozen=True)
class DigestState:
    """What the last digest for an audience covered: the baseline of the next one."""

    audience: Audience
    sent_at: dt.datetime
    corpus: Mapping[str, str] = field(default_factory=dict)  # doc id -> content hash
    titles: Mapping[str, str] = field(default_factory=dict)  # doc id -> title
    clause_keys: frozenset[str] = frozenset()
    due_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class DigestRun:
    schedule_key: str
    slot: dt.datetime
    audience: Audience
    status: str
    instance: str
    attempts: int
    claimed_at: dt.datetime
    updated_at: dt.datetime
    next_attempt_at: dt.datetime | None = None
    message_ts: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class PostRecord:
    at: dt.datetime
    audience: Audience
    kind: str
    status: str
    schedule_key: str | None = None
    slot: dt.datetime | None = None
    message_ts: str | None = None
    parts: int = 0
    instance: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class CorpusEntry:
    """An added document as the database holds it, without its bytes."""

    name: str
    sha256: str
    size: int
    meta: Mapping[str, Any]
    added_at: dt.datetime
    updated_at: dt.datetime
    added_by: str | None = None


@dataclass(frozen=True)
class Feedback:
    at: dt.datetime
    user_id: str
    query: str
    verdict: str
    intent: str | None = None
    channel_id: str | None = None
    clause_ids: tuple[str, ...] = ()
    shown: tuple[tuple[str, str | None], ...] = ()  # (clause id, reference line when known)


def normalize_topic(topic: str) -> str:
    """Return the topic as stored: spaces collapsed, cut to the column's size."""
    return " ".join(topic.split())[:TOPIC_CHARS]


# ---------------------------------------------------------------- the store

def make_engine(url: str) -> sa.Engine:
    """Create the SQLAlchemy engine for `url`; for a SQLite file, make its folder first."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
    return sa.create_engine(url, pool_pre_ping=True)


def migrate(engine: sa.Engine) -> None:
    """Bring the schema to the newest version (Alembic `upgrade head`)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Instances starting together would all create the tables; the others wait here,
            # then find the schema at head and do nothing.
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


class Store:
    """Subscriptions, digest state, claims, the post log, feedback and added documents, in one database."""

    def __init__(self, engine: sa.Engine):
        self.engine = engine

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True) -> "Store":
        """Connect to `url` and migrate the schema to head."""
        engine = make_engine(url)
        if upgrade:
            migrate(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # -- subscriptions -----------------------------------------------------------

    def subscribe(self, audience: Audience, topic: str, *, by: str | None, at: dt.datetime) -> bool:
        """Follow `topic`; return False when the audience already follows it."""
        try:
            with self.engine.begin() as conn:
                conn.execute(subscriptions.insert().values(
                    audience=audience.key, topic=normalize_topic(topic), created_by=by, created_at=at))
        except IntegrityError:
            return False
        return True

    def unsubscribe(self, audience: Audience, topic: str) -> bool:
        """Stop following `topic`; return False when it was not followed."""
        with self.engine.begin() as conn:
            result = conn.execute(subscriptions.delete().where(
                subscriptions.c.audience == audience.key, subscriptions.c.topic == normalize_topic(topic)))
        return result.rowcount > 0

    def subscriptions(self, audience: Audience) -> list[Subscription]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(subscriptions).where(subscriptions.c.audience == audience.key)
                                .order_by(subscriptions.c.created_at, subscriptions.c.id)).all()
        return [Subscription(audience, r.topic, r.created_at, r.created_by) for r in rows]

    def topics(self, audience: Audience) -> list[str]:
        return [s.topic for s in self.subscriptions(audience)]

    def subscribers(self, kind: str | None = None) -> dict[Audience, dt.datetime]:
        """Every audience following at least one topic, with the time of its first subscription."""
        query = sa.select(subscriptions.c.audience, sa.func.min(subscriptions.c.created_at)) \
            .group_by(subscriptions.c.audience)
        if kind:
            query = query.where(subscriptions.c.audience.like(f"{kind}:%"))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        # func.min loses the column type on some backends: read it back through UTCDateTime.
        return {Audience.from_key(a): _as_utc(first) for a, first in sorted(rows)}

    # -- last digest per audience ------------------------------------------------

    def last_digest(self, audience: Audience) -> DigestState | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(digest_state).where(digest_state.c.audience == audience.key)).first()
        if row is None:
            return None
        return DigestState(audience, row.sent_at, dict(row.corpus_hashes), dict(row.document_titles),
                           frozenset(row.clause_keys), frozenset(row.due_keys))

    def save_digest(self, state: DigestState) -> None:
        """Record what a digest just posted covered (replacing the previous baseline)."""
        values = dict(sent_at=state.sent_at, corpus_hashes=dict(state.corpus), document_titles=dict(state.titles),
                      clause_keys=sorted(state.clause_keys), due_keys=sorted(state.due_keys))
        with self.engine.begin() as conn:
            # UPDATE first: it takes SQLite's write lock at once, where a SELECT would not.
            result = conn.execute(digest_state.update().where(digest_state.c.audience == state.audience.key)
                                  .values(**values))
            if result.rowcount == 0:
                conn.execute(digest_state.insert().values(audience=state.audience.key, **values))

    # -- schedules and claims ----------------------------------------------------

    def schedule_first_seen(self, schedule_key: str, now: dt.datetime) -> dt.datetime:
        """Return when this schedule was first run by any instance (recording `now` if never)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(schedules_seen.insert().values(schedule_key=schedule_key, first_seen_at=now))
        except IntegrityError:
            pass
        with self.engine.connect() as conn:
            return conn.execute(sa.select(schedules_seen.c.first_seen_at)
                                .where(schedules_seen.c.schedule_key == schedule_key)).scalar_one()

    def claim(self, schedule_key: str, slot: dt.datetime, audience: Audience, *, instance: str,
              now: dt.datetime, lease: dt.timedelta) -> bool:
        """Take the right to post this slot's digest to `audience`; True for exactly one caller.

        A slot nobody claimed is claimed by inserting its row. A claimed slot is taken over
        only when its last attempt failed and the retry is due, or when its claimer stopped
        before posting (still `claimed` after `lease`). A slot left `posting` is never
        taken over: Slack may have shown it, and a second copy is worse than none.
        """
        try:
            with self.engine.begin() as conn:
                conn.execute(digest_runs.insert().values(
                    schedule_key=schedule_key, slot=slot, audience=audience.key, status=CLAIMED,
                    instance=instance, attempts=1, claimed_at=now, updated_at=now))
            return True
        except IntegrityError:
            pass
        c = digest_runs.c
        retry_due = sa.and_(c.status == FAILED, sa.or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
        abandoned = sa.and_(c.status == CLAIMED, c.updated_at <= now - lease)
        with self.engine.begin() as conn:
            result = conn.execute(
                digest_runs.update()
                .where(c.schedule_key == schedule_key, c.slot == slot, c.audience == audience.key,
                       sa.or_(retry_due, abandoned))
                .values(status=CLAIMED, instance=instance, attempts=c.attempts + 1, claimed_at=now,
                        updated_at=now, next_attempt_at=None))
        return result.rowcount == 1

    def update_run(self, schedule_key: str, slot: dt.datetime, audience: Audience, *, status: str,
                   now: dt.datetime, instance: str, message_ts: str | None = None, error: str | None = None,
                   next_attempt_at: dt.datetime | None = None) -> None:
        """Move a run this instance holds to `status` (posting, posted, failed, skipped)."""
        c = digest_runs.c
        with self.engine.begin() as conn:
            conn.execute(digest_runs.update()
                         .where(c.schedule_key == schedule_key, c.slot == slot, c.audience == audience.key,
                                c.instance == instance)
                         .values(status=status, updated_at=now, message_ts=message_ts, error=error,
                                 next_attempt_at=next_attempt_at))

    def run(self, schedule_key: str, slot: dt.datetime, audience: Audience) -> DigestRun | None:
        c = digest_runs.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(digest_runs).where(
                c.schedule_key == schedule_key, c.slot == slot, c.audience == audience.key)).first()
        return None if row is None else _run(row)

    def runs(self, schedule_key: str | None = None) -> list[DigestRun]:
        query = sa.select(digest_runs).order_by(digest_runs.c.slot, digest_runs.c.id)
        if schedule_key is not None:
            query = query.where(digest_runs.c.schedule_key == schedule_key)
        with self.engine.connect() as conn:
            return [_run(r) for r in conn.execute(query).all()]

    def abandon_stale_posts(self, now: dt.datetime, lease: dt.timedelta) -> list[DigestRun]:
        """Mark runs stuck in `posting` (their instance died mid-post) as `unknown`; return them.

        Whether Slack showed such a digest cannot be known from here, so it is not posted
        again; it is reported instead.
        """
        c = digest_runs.c
        stale = sa.and_(c.status == POSTING, c.updated_at <= now - lease)
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(digest_runs).where(stale)).all()
            if rows:
                conn.execute(digest_runs.update().where(stale, c.id.in_([r.id for r in rows]))
                             .values(status=UNKNOWN, updated_at=now,
                                     error="instance stopped while posting; not reposted"))
        return [_run(r) for r in rows]

    # -- post log ------------------------------------------------------------------

    def log_post(self, record: PostRecord) -> None:
        with self.engine.begin() as conn:
            conn.execute(post_log.insert().values(
                at=record.at, audience=record.audience.key, kind=record.kind, status=record.status,
                schedule_key=record.schedule_key, slot=record.slot, message_ts=record.message_ts,
                parts=record.parts, instance=record.instance, error=record.error))

    def posts(self, audience: Audience | None = None) -> list[PostRecord]:
        query = sa.select(post_log).order_by(post_log.c.at, post_log.c.id)
        if audience is not None:
            query = query.where(post_log.c.audience == audience.key)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [PostRecord(r.at, Audience.from_key(r.audience), r.kind, r.status, r.schedule_key, r.slot,
                           r.message_ts, r.parts, r.instance, r.error) for r in rows]

    # -- feedback ------------------------------------------------------------------

    def add_feedback(self, item: Feedback) -> None:
        with self.engine.begin() as conn:
            conn.execute(feedback.insert().values(
                at=item.at, user_id=item.user_id, channel_id=item.channel_id, query=item.query,
                intent=item.intent, clause_ids=list(item.clause_ids),
                shown=[list(pair) for pair in item.shown], verdict=item.verdict))

    def feedback(self, *, since: dt.datetime | None = None, verdict: str | None = None) -> list[Feedback]:
        query = sa.select(feedback).order_by(feedback.c.at, feedback.c.id)
        if since is not None:
            query = query.where(feedback.c.at >= since)
        if verdict is not None:
            query = query.where(feedback.c.verdict == verdict)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [Feedback(r.at, r.user_id, r.query, r.verdict, r.intent, r.channel_id, tuple(r.clause_ids),
                         tuple((str(p[0]), p[1] if len(p) > 1 else None) for p in r.shown)) for r in rows]


    # -- added corpus documents ------------------------------------------------------

    def save_corpus_document(self, name: str, content: bytes, meta: Mapping[str, Any], *, sha256: str,
                             by: str | None, at: dt.datetime) -> bool:
        """Keep an added document's bytes and sidecar, replacing an older version; False when unchanged."""
        c = corpus_documents.c
        values = dict(content=content, sha256=sha256, size=len(content), meta=dict(meta), updated_at=at)
        for _ in range(2):  # a second instance may insert the same name in between: then update theirs
            with self.engine.begin() as conn:
                row = conn.execute(sa.select(c.sha256, c.meta).where(c.name == name)).first()
                if row is not None and row.sha256 == sha256 and dict(row.meta) == dict(meta):
                    return False
                if row is not None:
                    conn.execute(corpus_documents.update().where(c.name == name).values(added_by=by, **values))
                    return True
            try:
                with self.engine.begin() as conn:
                    conn.execute(corpus_documents.insert().values(name=name, added_by=by, added_at=at, **values))
                return True
            except IntegrityError:
                continue
        raise RuntimeError(f"could not save corpus document {name!r}")  # pragma: no cover - two races in a row

    def corpus_entries(self) -> list[CorpusEntry]:
        """Every added document, without its bytes, by name."""
        c = corpus_documents.c
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(c.name, c.sha256, c.size, c.meta, c.added_at, c.updated_at, c.added_by)
                                .order_by(c.name)).all()
        return [CorpusEntry(r.name, r.sha256, r.size, dict(r.meta), r.added_at, r.updated_at, r.added_by)
                for r in rows]

    def corpus_content(self, name: str) -> bytes | None:
        """The bytes of an added document, or None when there is none of that name."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(corpus_documents.c.content)
                                .where(corpus_documents.c.name == name)).scalar_one_or_none()


def _as_utc(value: Any) -> dt.datetime:
    if isinstance(value, str):  # SQLite returns an aggregate of a DATETIME column as text
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _run(row) -> DigestRun:
    return DigestRun(row.schedule_key, row.slot, Audience.from_key(row.audience), row.status, row.instance,
                     row.attempts, row.claimed_at, row.updated_at, row.next_attempt_at, row.message_ts, row.error)


# ---------------------------------------------------------------- `policybot feedback`

def format_feedback(items: Iterable[Feedback]) -> str:
    """Render feedback for the terminal: each query, who and when, and what was shown."""
    items = list(items)
    if not items:
        return "No feedback recorded for that period."
    lines = []
    for item in items:
        verdict = "not helpful" if item.verdict == NOT_HELPFUL else item.verdict
        intent = f" ({item.intent})" if item.intent else ""
        lines.append(f"{item.at:%Y-%m-%d %H:%M} UTC · {item.user_id} · {verdict}{intent}: {item.query}")
        shown = item.shown or tuple((cid, None) for cid in item.clause_ids)
        if not shown:
            lines.append("    (no results were shown)")
        for clause_id, ref in shown:
            lines.append(f"    - {ref or '(no longer indexed)'} [{clause_id}]")
    noun = "entry" if len(items) == 1 else "entries"
    lines.append(f"{len(items)} {noun}.")
    return "\n".join(lines)
