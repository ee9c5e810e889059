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

import contextlib
import dataclasses
import datetime as dt
import logging
import threading
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
CLAIMED, POSTING, POSTED, FAILED, SKIPPED = "claimed", "posting", "posted", "failed", "skipped"
UNKNOWN = "unknown"  # written before 0003 for an interrupted post; left alone (its slot is long past)
# A post whose instance stopped mid-way: whether Slack shows it is checked in the channel's history
# (`unconfirmed`, then `checking` by one instance) before it is posted again or recorded as posted.
UNCONFIRMED, CHECKING = "unconfirmed", "checking"
BLOCKED = "blocked"  # Slack refused for good (the bot left the channel...): never retried
TEAM_CHARS = 32
SEEN_KEY_CHARS = 255
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
    sa.Column("team_id", sa.String(TEAM_CHARS), nullable=False, server_default=""),
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
    sa.Column("team_id", sa.String(TEAM_CHARS), nullable=False, server_default=""),
)

schedules_seen = sa.Table(
    "schedules_seen", metadata,
    sa.Column("schedule_key", sa.String(255), primary_key=True),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("team_id", sa.String(TEAM_CHARS), nullable=False, server_default=""),
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
    sa.Column("team_id", sa.String(TEAM_CHARS), nullable=False, server_default=""),
    # What the digest being posted covers: made the audience's baseline once the post is confirmed,
    # even by another instance that finds the message in the channel's history.
    sa.Column("baseline", sa.JSON),
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
    sa.Column("team_id", sa.String(TEAM_CHARS), nullable=False, server_default=""),
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
    sa.Column("team_id", sa.String(TEAM_CHARS), nullable=False, server_default=""),
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

# What a channel (or a user, for their DM digest) decided for itself: who owns its settings, its
# own schedule (over the configured one), digests switched off, and a refusal that stopped them.
audiences = sa.Table(
    "audiences", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("team_id", sa.String(TEAM_CHARS), nullable=False, server_default=""),
    sa.Column("audience", sa.String(64), nullable=False),
    sa.Column("owner_id", sa.String(32)),  # whoever first subscribed or scheduled here
    sa.Column("owner_since", UTCDateTime),
    sa.Column("cron", sa.String(120)),  # NULL: the configured schedule, if any
    sa.Column("timezone", sa.String(64)),
    sa.Column("schedule_by", sa.String(32)),
    sa.Column("schedule_at", UTCDateTime),
    sa.Column("digests_off", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("blocked_error", sa.String(64)),  # Slack's permanent refusal (not_in_channel, ...)
    sa.Column("blocked_at", UTCDateTime),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("audience", name="uq_audiences_audience"),
)

# Keys seen once (event ids, request signatures, `digest now` commands), shared by every instance:
# the INSERT of a key succeeds for exactly one of them until the key expires.
seen_keys = sa.Table(
    "seen_keys", metadata,
    sa.Column("key", sa.String(SEEN_KEY_CHARS), primary_key=True),
    sa.Column("team_id", sa.String(TEAM_CHARS), nullable=False, server_default=""),
    sa.Column("seen_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False, index=True),
)

# The workspaces that installed the app (distribution over OAuth). The columns are those of
# slack_sdk's SQLAlchemyInstallationStore and SQLAlchemyOAuthStateStore, which read and write
# these tables; they are created here so that Alembic owns the whole schema.
def _slack_bot_columns() -> list[sa.Column]:
    """The columns slack_sdk keeps for a bot, in its installations table and in its bots table."""
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(32), nullable=False),
        sa.Column("app_id", sa.String(32), nullable=False),
        sa.Column("enterprise_id", sa.String(32)),
        sa.Column("enterprise_name", sa.String(200)),
        sa.Column("team_id", sa.String(32)),
        sa.Column("team_name", sa.String(200)),
        sa.Column("bot_token", sa.String(200)),
        sa.Column("bot_id", sa.String(32)),
        sa.Column("bot_user_id", sa.String(32)),
        sa.Column("bot_scopes", sa.String(1000)),
        sa.Column("bot_refresh_token", sa.String(200)),
        sa.Column("bot_token_expires_at", sa.DateTime),
        sa.Column("is_enterprise_install", sa.Boolean, nullable=False),
        sa.Column("installed_at", sa.DateTime, nullable=False),
    ]


slack_installations = sa.Table(
    "slack_installations", metadata,
    *_slack_bot_columns(),
    sa.Column("enterprise_url", sa.String(200)),
    sa.Column("user_id", sa.String(32), nullable=False),
    sa.Column("user_token", sa.String(200)),
    sa.Column("user_scopes", sa.String(1000)),
    sa.Column("user_refresh_token", sa.String(200)),
    sa.Column("user_token_expires_at", sa.DateTime),
    sa.Column("incoming_webhook_url", sa.String(200)),
    sa.Column("incoming_webhook_channel", sa.String(200)),
    sa.Column("incoming_webhook_channel_id", sa.String(200)),
    sa.Column("incoming_webhook_configuration_url", sa.String(200)),
    sa.Column("token_type", sa.String(32)),
    sa.Index("slack_installations_idx", "client_id", "enterprise_id", "team_id", "user_id", "installed_at"),
)

slack_bots = sa.Table(
    "slack_bots", metadata,
    *_slack_bot_columns(),
    sa.Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

slack_oauth_states = sa.Table(
    "slack_oauth_states", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("state", sa.String(200), nullable=False),
    sa.Column("expire_at", sa.DateTime, nullable=False),
)


# ---------------------------------------------------------------- values

@dataclass(frozen=True, order=True)
class Audience:
    """Who a digest is for: a channel, or one user in the bot's DM.

    Slack's channel and user ids are unique across workspaces, so an audience is known by
    its kind and id; `team` says which workspace it is in (whose token posts to it) and is
    stored with every row about it, but does not make two audiences different.
    """

    kind: str  # "channel" | "user"
    id: str
    team: str = field(default="", compare=False)

    @classmethod
    def channel(cls, channel_id: str, team: str | None = None) -> "Audience":
        return cls("channel", channel_id, team or "")

    @classmethod
    def user(cls, user_id: str, team: str | None = None) -> "Audience":
        return cls("user", user_id, team or "")

    @classmethod
    def from_key(cls, key: str, team: str | None = None) -> "Audience":
        kind, _, ident = key.partition(":")
        return cls(kind, ident, team or "")

    def in_team(self, team: str | None) -> "Audience":
        """The same audience, known to be in `team` (unchanged when `team` is empty)."""
        return dataclasses.replace(self, team=team) if team and team != self.team else self

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
class AudienceSettings:
    """What a channel (or a user) decided for its digests; see the `audiences` table."""

    audience: Audience
    updated_at: dt.datetime
    owner_id: str | None = None
    owner_since: dt.datetime | None = None
    cron: str | None = None
    timezone: str | None = None
    schedule_by: str | None = None
    schedule_at: dt.datetime | None = None
    digests_off: bool = False
    blocked_error: str | None = None
    blocked_at: dt.datetime | None = None

    @property
    def scheduled(self) -> bool:
        """A schedule of its own is set and digests are on."""
        return bool(self.cron) and not self.digests_off


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
    team_id: str = ""


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
        engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        if database and database != ":memory:":
            sa.event.listen(engine, "connect", _sqlite_wal)
        return engine
    return sa.create_engine(url, pool_pre_ping=True)


def _sqlite_wal(connection, record) -> None:
    """Readers never wait for the writer, and a commit is not an fsync (WAL with synchronous=NORMAL).

    Every request writes a key (`seen_keys`); with SQLite's default journal each of those
    commits would wait for the disk. WAL stays durable across a crash of the process; a power
    cut may lose the last commits, which is why several instances want PostgreSQL anyway.
    """
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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
        # SQLite takes one writer at a time and makes the others sleep and retry (up to 100 ms a
        # try): threads of this process queue here instead, so a burst of requests (each taking
        # its keys) is not paid for in the tail. Other processes still meet SQLite's own lock.
        self._writes = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()

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
                    audience=audience.key, topic=normalize_topic(topic), created_by=by, created_at=at,
                    team_id=audience.team))
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
        return [Subscription(audience.in_team(r.team_id), r.topic, r.created_at, r.created_by) for r in rows]

    def topics(self, audience: Audience) -> list[str]:
        return [s.topic for s in self.subscriptions(audience)]

    def subscribers(self, kind: str | None = None) -> dict[Audience, dt.datetime]:
        """Every audience following at least one topic, with the time of its first subscription."""
        query = sa.select(subscriptions.c.audience, sa.func.min(subscriptions.c.created_at),
                          sa.func.max(subscriptions.c.team_id)).group_by(subscriptions.c.audience)
        if kind:
            query = query.where(subscriptions.c.audience.like(f"{kind}:%"))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        # func.min loses the column type on some backends: read it back through UTCDateTime.
        return {Audience.from_key(a, team): _as_utc(first) for a, first, team in sorted(rows)}

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
                conn.execute(digest_state.insert().values(audience=state.audience.key, team_id=state.audience.team,
                                                          **values))

    # -- schedules and claims ----------------------------------------------------

    def schedule_first_seen(self, schedule_key: str, now: dt.datetime, team: str = "") -> dt.datetime:
        """Return when this schedule was first run by any instance (recording `now` if never)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(schedules_seen.insert().values(schedule_key=schedule_key, first_seen_at=now,
                                                            team_id=team))
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
        before posting (still `claimed` after `lease`). A slot left `posting` is not taken
        over here: Slack may have shown it; `unconfirm_stale_posts` and `take_unconfirmed`
        hand it to an instance that looks for it in the channel first.
        """
        try:
            with self.engine.begin() as conn:
                conn.execute(digest_runs.insert().values(
                    schedule_key=schedule_key, slot=slot, audience=audience.key, status=CLAIMED,
                    instance=instance, attempts=1, claimed_at=now, updated_at=now, team_id=audience.team))
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
                   next_attempt_at: dt.datetime | None = None, baseline: DigestState | None = None) -> None:
        """Move a run this instance holds to `status` (posting, posted, failed, skipped, blocked).

        Args:
            baseline: what the digest being posted covers (with `posting`); any other status clears it.
        """
        c = digest_runs.c
        with self.engine.begin() as conn:
            conn.execute(digest_runs.update()
                         .where(c.schedule_key == schedule_key, c.slot == slot, c.audience == audience.key,
                                c.instance == instance)
                         .values(status=status, updated_at=now, message_ts=message_ts, error=error,
                                 next_attempt_at=next_attempt_at,
                                 baseline=_state_json(baseline) if baseline is not None else None))

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

    def unconfirm_stale_posts(self, now: dt.datetime, lease: dt.timedelta) -> list[DigestRun]:
        """Mark runs stuck in `posting` or `checking` (their instance stopped) as `unconfirmed`; return them.

        Whether Slack showed such a digest is not known here: an instance that takes the run
        (`take_unconfirmed`) looks for it in the channel before posting it again.
        """
        c = digest_runs.c
        stale = sa.and_(c.status.in_([POSTING, CHECKING]), c.updated_at <= now - lease)
        with self.engine.begin() as conn:
            rows = conn.execute(sa.select(digest_runs).where(stale)).all()
            if rows:
                conn.execute(digest_runs.update().where(stale, c.id.in_([r.id for r in rows]))
                             .values(status=UNCONFIRMED, updated_at=now, next_attempt_at=None,
                                     error="the instance stopped while posting; to be checked in the channel"))
        return [_run(r) for r in rows]

    def unconfirmed_runs(self, now: dt.datetime) -> list[DigestRun]:
        """Runs whose post is to be looked for in the channel now."""
        c = digest_runs.c
        query = sa.select(digest_runs).where(
            c.status == UNCONFIRMED, sa.or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now)) \
            .order_by(c.slot, c.id)
        with self.engine.connect() as conn:
            return [_run(r) for r in conn.execute(query).all()]

    def take_unconfirmed(self, run: DigestRun, *, instance: str, now: dt.datetime) -> bool:
        """Take an unconfirmed run to check (`checking`); True for exactly one instance."""
        c = digest_runs.c
        with self.engine.begin() as conn:
            result = conn.execute(digest_runs.update().where(
                c.schedule_key == run.schedule_key, c.slot == run.slot, c.audience == run.audience.key,
                c.status == UNCONFIRMED, sa.or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now))
                .values(status=CHECKING, instance=instance, updated_at=now))
        return result.rowcount == 1

    def confirm_posted(self, run: DigestRun, *, instance: str, now: dt.datetime, message_ts: str) -> bool:
        """Record a run this instance is checking as posted (its message was found) and make its baseline current.

        Returns False when the run held no baseline (the audience's last digest is then left as it was).
        """
        c = digest_runs.c
        where = sa.and_(c.schedule_key == run.schedule_key, c.slot == run.slot, c.audience == run.audience.key,
                        c.instance == instance)
        with self.engine.begin() as conn:
            pending = conn.execute(sa.select(c.baseline).where(where)).scalar_one_or_none()
            conn.execute(digest_runs.update().where(where).values(
                status=POSTED, updated_at=now, message_ts=message_ts, baseline=None, next_attempt_at=None,
                error="found in the channel after the posting instance stopped"))
        if not pending:
            return False
        self.save_digest(_state_from_json(run.audience, pending))
        return True

    def reopen_blocked_runs(self, audience: Audience, now: dt.datetime) -> int:
        """Let the runs Slack refused for good be retried (the bot was invited back); return how many."""
        c = digest_runs.c
        with self.engine.begin() as conn:
            result = conn.execute(digest_runs.update()
                                  .where(c.audience == audience.key, c.status == BLOCKED)
                                  .values(status=FAILED, next_attempt_at=None, updated_at=now))
        return result.rowcount

    # -- what each channel decided -------------------------------------------------

    def audience_settings(self, audience: Audience) -> AudienceSettings | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(audiences).where(audiences.c.audience == audience.key)).first()
        return None if row is None else _audience_settings(row)

    def all_audience_settings(self) -> list[AudienceSettings]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(audiences).order_by(audiences.c.audience)).all()
        return [_audience_settings(r) for r in rows]

    def owner_of(self, audience: Audience) -> str | None:
        """Who owns a channel's digest settings: recorded, else whoever subscribed there first."""
        found = self.audience_settings(audience)
        if found is not None and found.owner_id:
            return found.owner_id
        return next((s.created_by for s in self.subscriptions(audience) if s.created_by), None)

    def team_of(self, audience: Audience) -> str:
        """The workspace an audience was last seen in (its settings or subscriptions), or ''."""
        found = self.audience_settings(audience)
        if found is not None and found.audience.team:
            return found.audience.team
        return next((s.audience.team for s in self.subscriptions(audience) if s.audience.team), "")

    def claim_ownership(self, audience: Audience, user_id: str, *, at: dt.datetime) -> str:
        """Make `user_id` the owner when the audience has none yet; return the owner."""
        owner = self.owner_of(audience)
        if owner:
            return owner
        self._update_audience(audience, at, owner_id=user_id, owner_since=at)
        found = self.audience_settings(audience)
        return (found.owner_id if found else None) or user_id

    def set_schedule(self, audience: Audience, cron: str, timezone: str, *, by: str | None,
                     at: dt.datetime) -> None:
        """Give the audience a schedule of its own (over the configured one), digests on."""
        self._update_audience(audience, at, cron=cron, timezone=timezone, schedule_by=by, schedule_at=at,
                              digests_off=False)

    def stop_digests(self, audience: Audience, *, by: str | None, at: dt.datetime) -> None:
        """Switch the audience's digests off (its own schedule and any configured one)."""
        self._update_audience(audience, at, cron=None, timezone=None, schedule_by=by, schedule_at=at,
                              digests_off=True)

    def block(self, audience: Audience, error: str, *, at: dt.datetime) -> bool:
        """Record that Slack refuses to post to the audience for good; False when it was already blocked."""
        c = audiences.c
        self._update_audience(audience, at)
        with self.engine.begin() as conn:
            result = conn.execute(audiences.update()
                                  .where(c.audience == audience.key, c.blocked_error.is_(None))
                                  .values(blocked_error=error[:64], blocked_at=at, updated_at=at))
        return result.rowcount == 1

    def unblock(self, audience: Audience, *, at: dt.datetime) -> bool:
        """Clear a block (the bot is back in the channel) and let its refused runs be retried."""
        c = audiences.c
        with self.engine.begin() as conn:
            result = conn.execute(audiences.update()
                                  .where(c.audience == audience.key, c.blocked_error.is_not(None))
                                  .values(blocked_error=None, blocked_at=None, updated_at=at))
        if result.rowcount:
            self.reopen_blocked_runs(audience, at)
        return result.rowcount == 1

    def _update_audience(self, audience: Audience, at: dt.datetime, **values: Any) -> None:
        """Set columns of the audience's row, creating the row first when there is none."""
        c = audiences.c
        if audience.team:
            values["team_id"] = audience.team
        for _ in range(2):  # another instance may insert the row in between: then update theirs
            with self.engine.begin() as conn:
                result = conn.execute(audiences.update().where(c.audience == audience.key)
                                      .values(updated_at=at, **values))
                if result.rowcount:
                    return
            try:
                with self.engine.begin() as conn:
                    conn.execute(audiences.insert().values(audience=audience.key, updated_at=at,
                                                           **{"team_id": audience.team, **values}))
                return
            except IntegrityError:
                continue
        raise RuntimeError(f"could not save the settings of {audience}")  # pragma: no cover - two races in a row

    def adopt_rows(self, team: str) -> int:
        """Give the rows written before workspaces were recorded (team '') to `team`; return how many.

        With one workspace every row is that workspace's: recording it keeps them served if the
        app is later distributed to several.
        """
        changed = 0
        with self.engine.begin() as conn:
            for table in (subscriptions, digest_state, schedules_seen, digest_runs, post_log, feedback, audiences):
                changed += conn.execute(table.update().where(table.c.team_id == "").values(team_id=team)).rowcount
        return changed

    # -- keys seen once, across instances ------------------------------------------

    def claim_keys(self, keys: Iterable[str], *, now: dt.datetime, ttl: dt.timedelta, team: str = "") -> bool:
        """Record `keys` as seen until `now + ttl`; True when none of them was seen (and unexpired) before.

        All or nothing, in one transaction: the INSERT that conflicts with another instance's
        (or an earlier delivery's) row decides. An expired key is taken again.
        """
        keys = list(dict.fromkeys(k[:SEEN_KEY_CHARS] for k in keys if k))
        if not keys:
            return True
        c = seen_keys.c
        try:
            with self._writes, self.engine.begin() as conn:
                conn.execute(seen_keys.delete().where(c.key.in_(keys), c.expires_at <= now))
                conn.execute(seen_keys.insert(), [dict(key=k, team_id=team, seen_at=now, expires_at=now + ttl)
                                                  for k in keys])
        except IntegrityError:
            return False
        return True

    def prune_seen_keys(self, now: dt.datetime) -> int:
        """Forget expired keys; return how many."""
        with self.engine.begin() as conn:
            return conn.execute(seen_keys.delete().where(seen_keys.c.expires_at <= now)).rowcount

    # -- Slack installations (distribution over OAuth) ---------------------------------
    # Rows as slack_sdk's SQLAlchemy stores keep them (one per installation, newest wins), so the
    # tables stay readable by them; `handlers.installations` turns them into slack_sdk's models.

    def save_installation(self, installation: Mapping[str, Any], bot: Mapping[str, Any] | None) -> None:
        """Keep an installation (and its bot) as new rows; an earlier one stays as history."""
        with self.engine.begin() as conn:
            conn.execute(slack_installations.insert().values(**_columns(slack_installations, installation)))
            if bot is not None:
                conn.execute(slack_bots.insert().values(**_columns(slack_bots, bot)))

    def save_installation_bot(self, bot: Mapping[str, Any]) -> None:
        """Keep a bot alone (a refreshed token), as a new row."""
        with self.engine.begin() as conn:
            conn.execute(slack_bots.insert().values(**_columns(slack_bots, bot)))

    def latest_bot(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> dict[str, Any] | None:
        """The newest bot of a workspace (or organisation) that holds a token."""
        c = slack_bots.c
        query = sa.select(slack_bots).where(c.client_id == client_id, c.enterprise_id == enterprise_id,
                                            c.team_id == team_id, c.bot_token.is_not(None)) \
            .order_by(c.installed_at.desc(), c.id.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return _aware_row(row)

    def latest_installation(self, client_id: str, enterprise_id: str | None, team_id: str | None,
                            user_id: str | None = None) -> dict[str, Any] | None:
        c = slack_installations.c
        query = sa.select(slack_installations).where(c.client_id == client_id, c.enterprise_id == enterprise_id,
                                                     c.team_id == team_id)
        if user_id is not None:
            query = query.where(c.user_id == user_id)
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(c.installed_at.desc(), c.id.desc()).limit(1)).mappings().first()
        return _aware_row(row)

    def delete_installations(self, client_id: str, enterprise_id: str | None, team_id: str | None, *,
                             user_id: str | None = None, bots: bool = True) -> None:
        """Forget a workspace's installations (of one user, or all), and its bots unless `bots` is False."""
        i, b = slack_installations.c, slack_bots.c
        with self.engine.begin() as conn:
            where = [i.client_id == client_id, i.enterprise_id == enterprise_id, i.team_id == team_id]
            if user_id is not None:
                where.append(i.user_id == user_id)
            conn.execute(slack_installations.delete().where(*where))
            if bots:
                conn.execute(slack_bots.delete().where(b.client_id == client_id, b.enterprise_id == enterprise_id,
                                                       b.team_id == team_id))

    def delete_bots(self, client_id: str, enterprise_id: str | None, team_id: str | None) -> None:
        b = slack_bots.c
        with self.engine.begin() as conn:
            conn.execute(slack_bots.delete().where(b.client_id == client_id, b.enterprise_id == enterprise_id,
                                                   b.team_id == team_id))

    def issue_oauth_state(self, state: str, expires_at: dt.datetime) -> None:
        with self.engine.begin() as conn:
            conn.execute(slack_oauth_states.insert().values(state=state, expire_at=_naive_utc(expires_at)))

    def consume_oauth_state(self, state: str, now: dt.datetime) -> bool:
        """Use up an install's state once: True for the first use before it expires, False after."""
        c = slack_oauth_states.c
        with self.engine.begin() as conn:
            conn.execute(slack_oauth_states.delete().where(c.expire_at <= _naive_utc(now)))
            return conn.execute(slack_oauth_states.delete().where(c.state == state)).rowcount == 1

    # -- post log ------------------------------------------------------------------

    def log_post(self, record: PostRecord) -> None:
        with self.engine.begin() as conn:
            conn.execute(post_log.insert().values(
                at=record.at, audience=record.audience.key, kind=record.kind, status=record.status,
                schedule_key=record.schedule_key, slot=record.slot, message_ts=record.message_ts,
                parts=record.parts, instance=record.instance, error=record.error, team_id=record.audience.team))

    def posts(self, audience: Audience | None = None) -> list[PostRecord]:
        query = sa.select(post_log).order_by(post_log.c.at, post_log.c.id)
        if audience is not None:
            query = query.where(post_log.c.audience == audience.key)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [PostRecord(r.at, Audience.from_key(r.audience, r.team_id), r.kind, r.status, r.schedule_key, r.slot,
                           r.message_ts, r.parts, r.instance, r.error) for r in rows]

    # -- feedback ------------------------------------------------------------------

    def add_feedback(self, item: Feedback) -> None:
        with self.engine.begin() as conn:
            conn.execute(feedback.insert().values(
                at=item.at, user_id=item.user_id, channel_id=item.channel_id, query=item.query,
                intent=item.intent, clause_ids=list(item.clause_ids),
                shown=[list(pair) for pair in item.shown], verdict=item.verdict, team_id=item.team_id))

    def feedback(self, *, since: dt.datetime | None = None, verdict: str | None = None) -> list[Feedback]:
        query = sa.select(feedback).order_by(feedback.c.at, feedback.c.id)
        if since is not None:
            query = query.where(feedback.c.at >= since)
        if verdict is not None:
            query = query.where(feedback.c.verdict == verdict)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [Feedback(r.at, r.user_id, r.query, r.verdict, r.intent, r.channel_id, tuple(r.clause_ids),
                         tuple((str(p[0]), p[1] if len(p) > 1 else None) for p in r.shown), r.team_id) for r in rows]


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
    return DigestRun(row.schedule_key, row.slot, Audience.from_key(row.audience, row.team_id), row.status,
                     row.instance, row.attempts, row.claimed_at, row.updated_at, row.next_attempt_at, row.message_ts,
                     row.error)


def _state_json(state: DigestState) -> dict[str, Any]:
    return {"sent_at": state.sent_at.astimezone(dt.timezone.utc).isoformat(), "corpus": dict(state.corpus),
            "titles": dict(state.titles), "clause_keys": sorted(state.clause_keys),
            "due_keys": sorted(state.due_keys)}


def _state_from_json(audience: Audience, data: Mapping[str, Any]) -> DigestState:
    return DigestState(audience, dt.datetime.fromisoformat(data["sent_at"]), dict(data["corpus"]),
                       dict(data["titles"]), frozenset(data["clause_keys"]), frozenset(data["due_keys"]))


def _audience_settings(row) -> AudienceSettings:
    return AudienceSettings(Audience.from_key(row.audience, row.team_id), row.updated_at, row.owner_id,
                            row.owner_since, row.cron, row.timezone, row.schedule_by, row.schedule_at,
                            bool(row.digests_off), row.blocked_error, row.blocked_at)


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


def _naive_utc(value: Any) -> Any:
    """Datetimes as the Slack tables hold them: naive UTC (the columns of slack_sdk's stores have no zone)."""
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value


def _columns(table: sa.Table, values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _naive_utc(v) for k, v in values.items() if k in table.c and k != "id"}


def _aware_row(row) -> dict[str, Any] | None:
    if row is None:
        return None
    return {k: v.replace(tzinfo=dt.timezone.utc) if isinstance(v, dt.datetime) else v for k, v in dict(row).items()}
