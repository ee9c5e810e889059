"""Post digests on their schedules, exactly once, whatever restarts or other instances do.

The runner answers one question for each schedule: "which is the latest slot at or before
now, and has it been posted?". A slot before the schedule was first seen (by any instance)
never counts, and only the latest slot is ever considered: a digest missed while the bot
was down goes out once, not once per missed slot. Before posting, an instance claims
(schedule, slot, audience) with a unique row in the database (`Store.claim`), so with
several instances sharing PostgreSQL exactly one of them posts.

Nothing here runs on its own, talks to Slack or watches the corpus: `bot.jobs` calls
`tick()` and `run_schedule()` on a timer, and posting goes through the `Publisher` the
composition root passes in. The clock is injected, so tests drive real cron expressions
through `tick()` at chosen times.
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from bot.cron import parse_crontab
from bot.digest import DM_SCHEDULE, Digest, build_digest
from bot.errors import ConfigError, PolicybotError
from bot.settings import DigestSchedule, Settings
from bot.store import CLAIMED, FAILED, POSTED, POSTING, SKIPPED, Audience, PostRecord, Store

if TYPE_CHECKING:
    from bot.engine import PolicyEngine

log = logging.getLogger("policybot.digests")

Clock = Callable[[], dt.datetime]
LEASE = dt.timedelta(minutes=10)  # a claim older than this whose holder never started posting is taken over
RETRY_FIRST = dt.timedelta(seconds=50)  # just under a sweep: a failed post is retried at the next tick
RETRY_MAX = dt.timedelta(hours=1)
# Where to look back for a schedule's latest slot: a short window for frequent schedules,
# widening for rare ones, so the search never walks minute by minute through a year.
SLOT_SEARCH = (dt.timedelta(hours=2), dt.timedelta(days=2), dt.timedelta(days=9), dt.timedelta(days=33),
               dt.timedelta(days=367), dt.timedelta(days=5 * 366))


class DeliveryError(PolicybotError):
    """A digest could not be posted; retried at the next tick."""

    def __init__(self, message: str, *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Delivery:
    """What posting a digest produced: the first message's ts, and how many messages went out."""

    message_ts: str | None
    parts: int
    errors: tuple[str, ...] = ()  # thread continuations the chat service refused (the head was posted)


class Publisher(Protocol):
    """Posts a digest where its audience reads it; the Slack one lives in `handlers.publisher`."""

    def publish(self, digest: Digest) -> Delivery:
        """Post the digest; raise DeliveryError when it could not be posted."""


def schedule_key(schedule: DigestSchedule) -> str:
    """Name a schedule by what decides its slots; editing its cron starts a new schedule."""
    return f"{schedule.channel} {schedule.cron} {schedule.timezone}"


def cron_trigger(schedule: DigestSchedule, index: int | None = None):
    """Return the trigger of a schedule (crontab semantics, in its time zone).

    Raises:
        ConfigError: naming the schedule's key when the cron expression or zone is invalid.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    key = f"digests.schedules[{index}]" if index is not None else f"digests schedule for {schedule.channel}"
    try:
        zone = ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError([f"key '{key}.timezone' is not a known time zone: {schedule.timezone!r}"]) from None
    try:
        return parse_crontab(schedule.cron, zone)
    except (ValueError, TypeError) as exc:
        raise ConfigError([f"key '{key}.cron' is not a valid cron expression: {schedule.cron!r} ({exc})"]) from None


def latest_slot(trigger, now: dt.datetime, floor: dt.datetime) -> dt.datetime | None:
    """Return the trigger's last fire time in [floor, now], or None."""
    if floor > now:
        return None
    for span in SLOT_SEARCH:
        start = max(now - span, floor)
        last = None
        fire = trigger.get_next_fire_time(None, start)
        while fire is not None and fire <= now:
            last = fire
            fire = trigger.get_next_fire_time(fire, fire)
        if last is not None:
            return last.astimezone(dt.timezone.utc)
        if start == floor:
            return None
    return None


def retry_delay(attempts: int) -> dt.timedelta:
    return min(RETRY_FIRST * (2 ** max(attempts - 1, 0)), RETRY_MAX)


def schedule_for(settings: Settings, audience: Audience) -> DigestSchedule:
    """The configured schedule covering `audience`, or all sections with the default zone."""
    wanted = DM_SCHEDULE if audience.is_user else audience.id
    for schedule in settings.schedules:
        if schedule.channel == wanted:
            return schedule
    return DigestSchedule(channel=wanted, cron="")


def schedules_for(settings: Settings, audience: Audience) -> list[DigestSchedule]:
    """The schedules that deliver to `audience` (its channel, or `dm` for a user)."""
    wanted = DM_SCHEDULE if audience.is_user else audience.id
    return [s for s in settings.schedules if s.channel == wanted]


def audience_for(channel: str) -> Audience:
    """`C…`/`G…` is a channel; `U…`/`W…` a user, whose digest goes to the bot's DM."""
    return Audience.user(channel) if channel[:1] in ("U", "W") else Audience.channel(channel)


@dataclass(frozen=True)
class DigestPlan:
    """One audience to digest, with the schedule settings that apply to it."""

    audience: Audience
    schedule: DigestSchedule


@dataclass(frozen=True)
class Outcome:
    """What one attempt to digest one audience did."""

    audience: Audience
    status: str  # posted | partial | skipped | failed | held
    kind: str = "scheduled"
    schedule_key: str | None = None
    slot: dt.datetime | None = None
    message_ts: str | None = None
    parts: int = 0
    error: str | None = None

    def describe(self) -> str:
        if self.status == "skipped":
            return f"{self.audience}: skipped (nothing new)"
        if self.status == "held":
            return f"{self.audience}: already posted this minute by another run"
        if self.status == "failed":
            return f"{self.audience}: FAILED ({self.error})"
        extra = f", {self.error}" if self.error else ""
        return f"{self.audience}: {self.status} ({self.parts} message(s), ts {self.message_ts}{extra})"


def plan(settings: Settings, store: Store, channel: str | None = None) -> list[DigestPlan]:
    """Who gets a digest: one channel or user, or every configured schedule's audiences."""
    if channel and channel != DM_SCHEDULE:
        audience = audience_for(channel)
        return [DigestPlan(audience, schedule_for(settings, audience))]
    plans = []
    for schedule in settings.schedules:
        if channel and schedule.channel != channel:
            continue
        if schedule.channel == DM_SCHEDULE:
            plans += [DigestPlan(a, schedule) for a in store.subscribers(kind="user")]
        else:
            plans.append(DigestPlan(Audience.channel(schedule.channel), schedule))
    return plans


def digest_for(settings: Settings, engine: "PolicyEngine", store: Store, audience: Audience,
               schedule: DigestSchedule, now: dt.datetime) -> Digest:
    """Build the digest `audience` gets at `now`, against the baseline its last digest left."""
    return build_digest(engine, audience, now=now, last=store.last_digest(audience),
                        subscriptions=store.subscriptions(audience), sections=schedule.sections,
                        timezone=schedule.timezone, months_before=settings.due_months_before,
                        months_after=settings.due_months_after)


class DigestRunner:
    """Decide which digests are due, claim them, build them, post them and record it all."""

    def __init__(self, settings: Settings, engine: "PolicyEngine", store: Store, publisher: Publisher,
                 clock: Clock, *, instance: str | None = None, lease: dt.timedelta = LEASE):
        self.settings = settings
        self.engine = engine
        self.store = store
        self.publisher = publisher
        self.clock = clock
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease = lease
        self.triggers = [(s, cron_trigger(s, i)) for i, s in enumerate(settings.schedules)]
        self._first_seen: dict[str, dt.datetime] = {}
        # A sweep and a cron job of the same process run one at a time; other processes are
        # kept apart by the claims in the database.
        self._lock = threading.RLock()

    def now(self) -> dt.datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return an aware datetime")
        return now.astimezone(dt.timezone.utc)

    # -- what is due -----------------------------------------------------------------

    def digest(self, audience: Audience, schedule: DigestSchedule | None = None,
               now: dt.datetime | None = None) -> Digest:
        """Build the digest `audience` would get now (a preview posts nothing and records nothing)."""
        return digest_for(self.settings, self.engine, self.store, audience,
                          schedule or schedule_for(self.settings, audience), now or self.now())

    # -- entry points --------------------------------------------------------------

    def register(self) -> None:
        """Record every schedule as seen: slots before this moment are never posted late."""
        now = self.now()
        for schedule, _ in self.triggers:
            self._schedule_start(schedule, now)

    def tick(self) -> list[Outcome]:
        """Post every due slot not yet posted (catch-up and retries)."""
        with self._lock:
            now = self.now()
            for run in self.store.abandon_stale_posts(now, self.lease):
                log.error("digest %s slot %s for %s: the instance %s stopped while posting; not reposted "
                          "(check the channel)", run.schedule_key, run.slot.isoformat(), run.audience, run.instance)
            outcomes = []
            for schedule, trigger in self.triggers:
                outcomes += self._run(schedule, trigger, now)
            return outcomes

    def run_schedule(self, schedule: DigestSchedule) -> list[Outcome]:
        """Post the latest slot of one schedule (what its cron job calls)."""
        with self._lock:
            for candidate, trigger in self.triggers:
                if candidate == schedule:
                    return self._run(schedule, trigger, self.now())
        raise ValueError(f"unknown schedule: {schedule}")

    def post_now(self, audience: Audience, *, kind: str = "manual") -> Outcome:
        """Post the digest to `audience` at once (`/policy digest now`), even when nothing is new."""
        with self._lock:
            return self._deliver(audience, schedule_for(self.settings, audience), kind=kind, post_empty=True)

    def post_cli(self, plan: DigestPlan) -> Outcome:
        """Post from `policybot digest`: claimed per minute, so a doubled cron run posts once."""
        with self._lock:
            now = self.now()
            slot = now.replace(second=0, microsecond=0)
            key = f"cli {plan.audience.key}"
            if not self.store.claim(key, slot, plan.audience, instance=self.instance, now=now, lease=self.lease):
                return Outcome(plan.audience, "held", "cli", key, slot)
            return self._deliver(plan.audience, plan.schedule, kind="cli", claim=(key, slot),
                                 post_empty=not plan.schedule.skip_empty)

    # -- the work ------------------------------------------------------------------

    def _schedule_start(self, schedule: DigestSchedule, now: dt.datetime) -> dt.datetime:
        key = schedule_key(schedule)
        if key not in self._first_seen:
            self._first_seen[key] = self.store.schedule_first_seen(key, now)
        return self._first_seen[key]

    def _audiences(self, schedule: DigestSchedule, start: dt.datetime) -> list[tuple[Audience, dt.datetime]]:
        """Who a schedule serves, each with the moment from which its slots count."""
        if schedule.channel != DM_SCHEDULE:
            return [(Audience.channel(schedule.channel), start)]
        # A user's first DM digest comes at the first slot after they subscribed, not before.
        return [(a, max(start, first)) for a, first in self.store.subscribers(kind="user").items()]

    def _run(self, schedule: DigestSchedule, trigger, now: dt.datetime) -> list[Outcome]:
        key = schedule_key(schedule)
        start = self._schedule_start(schedule, now)
        outcomes = []
        for audience, floor in self._audiences(schedule, start):
            slot = latest_slot(trigger, now, floor)
            if slot is None:
                continue
            run = self.store.run(key, slot, audience)
            if run is not None and run.status not in (FAILED, CLAIMED):
                continue  # posted, skipped, or being posted: nothing to do
            if not self.store.claim(key, slot, audience, instance=self.instance, now=now, lease=self.lease):
                continue
            if now - slot > dt.timedelta(minutes=5):
                log.info("digest %s for %s: slot %s was missed; posting it now", key, audience, slot.isoformat())
            outcomes.append(self._deliver(audience, schedule, kind="scheduled", claim=(key, slot),
                                          post_empty=not schedule.skip_empty))
        return outcomes

    def _deliver(self, audience: Audience, schedule: DigestSchedule, *, kind: str,
                 claim: tuple[str, dt.datetime] | None = None, post_empty: bool = True) -> Outcome:
        key, slot = claim if claim else (None, None)
        now = self.now()

        def finish(status: str, **values) -> None:
            if claim:
                self.store.update_run(key, slot, audience, status=status, now=self.now(), instance=self.instance,
                                      **values)

        try:
            digest = self.digest(audience, schedule, now)
            if digest.is_empty and not post_empty:
                finish(SKIPPED)
                self._log(PostRecord(now, audience, kind, "skipped", key, slot, instance=self.instance))
                log.info("digest for %s: nothing new, skipped", audience)
                return Outcome(audience, "skipped", kind, key, slot)
            finish(POSTING)
            delivery = self.publisher.publish(digest)
        except Exception as exc:  # any failure is recorded and retried; none is dropped silently
            error = f"{type(exc).__name__}: {exc}"[:2000]
            attempts = (self.store.run(key, slot, audience).attempts if claim else 1)
            retry_at = self.now() + retry_delay(attempts)
            if isinstance(exc, DeliveryError) and exc.retry_after:
                retry_at = max(retry_at, self.now() + dt.timedelta(seconds=exc.retry_after))
            finish(FAILED, error=error, next_attempt_at=retry_at)
            self._log(PostRecord(self.now(), audience, kind, "failed", key, slot, instance=self.instance,
                                 error=error))
            log.error("digest for %s failed (attempt %d, %s); %s", audience, attempts, error,
                      f"retrying after {retry_at.isoformat()}" if claim else "not retried",
                      exc_info=not isinstance(exc, DeliveryError))
            return Outcome(audience, "failed", kind, key, slot, error=error)
        assert digest.baseline is not None
        self.store.save_digest(digest.baseline)
        status = "partial" if delivery.errors else "posted"
        error = "; ".join(delivery.errors) or None
        finish(POSTED, message_ts=delivery.message_ts, error=error)
        self._log(PostRecord(self.now(), audience, kind, status, key, slot, delivery.message_ts, delivery.parts,
                             self.instance, error))
        if error:
            log.error("digest for %s posted (ts %s) but %s", audience, delivery.message_ts, error)
        else:
            log.info("digest for %s posted: %d message(s), ts %s", audience, delivery.parts, delivery.message_ts)
        return Outcome(audience, status, kind, key, slot, delivery.message_ts, delivery.parts, error)

    def _log(self, record: PostRecord) -> None:
        try:
            self.store.log_post(record)
        except Exception:  # the post happened (or not) either way; the log line below says which
            log.exception("could not write the post log for %s", record.audience)

