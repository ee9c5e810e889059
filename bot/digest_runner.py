"""Post digests on their schedules, exactly once, whatever restarts or other instances do.

The runner answers one question for each schedule: "which is the latest slot at or before
now, and has it been posted?". A slot before the schedule was first seen (by any instance)
never counts, and only the latest slot is ever considered: a digest missed while the bot
was down goes out once, not once per missed slot. Before posting, an instance claims
(schedule, slot, audience) with a unique row in the database (`Store.claim`), so with
several instances sharing PostgreSQL exactly one of them posts.

Schedules are the configured ones and those a channel (or a user) set for itself in Slack,
read from the database at every tick. Each post is tagged with its schedule, slot and
audience (`DigestTag`). An instance that stops mid-post leaves its run `posting`; after the
lease another instance looks for the tagged message in the channel: found, it is recorded
as posted (with the baseline the poster had saved); not found, it is posted. A permanent
refusal (the bot is not in the channel) stops that audience's digests and tells whoever set
them up, instead of retrying for ever.

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
from bot.store import (BLOCKED, CLAIMED, FAILED, POSTED, POSTING, SKIPPED, UNCONFIRMED, Audience, AudienceSettings,
                       DigestRun, PostRecord, Store)

if TYPE_CHECKING:
    from bot.engine import PolicyEngine

log = logging.getLogger("policybot.digests")

Clock = Callable[[], dt.datetime]
LEASE = dt.timedelta(minutes=10)  # a claim older than this whose holder never started posting is taken over
RETRY_FIRST = dt.timedelta(seconds=50)  # just under a sweep: a failed post is retried at the next tick
RETRY_MAX = dt.timedelta(hours=1)
HISTORY_MARGIN = dt.timedelta(minutes=2)  # clocks of instances and Slack differ a little
DEFAULT_TIMEZONE = "Asia/Shanghai"
# Where to look back for a schedule's latest slot: a short window for frequent schedules,
# widening for rare ones, so the search never walks minute by minute through a year.
SLOT_SEARCH = (dt.timedelta(hours=2), dt.timedelta(days=2), dt.timedelta(days=9), dt.timedelta(days=33),
               dt.timedelta(days=367), dt.timedelta(days=5 * 366))


class DeliveryError(PolicybotError):
    """A digest could not be posted.

    Attributes:
        retry_after: seconds the chat service asked to wait before the next attempt.
        permanent: it will never be accepted as things stand (the bot is not in the channel, the
            channel was archived, the token was revoked): the audience's digests stop until someone
            sets them up again, and whoever set them up is told.
        code: the chat service's short name for the refusal (`not_in_channel`).
    """

    def __init__(self, message: str, *, retry_after: float | None = None, permanent: bool = False,
                 code: str | None = None):
        super().__init__(message)
        self.retry_after = retry_after
        self.permanent = permanent
        self.code = code


@dataclass(frozen=True)
class Delivery:
    """What posting a digest produced: the first message's ts, and how many messages went out."""

    message_ts: str | None
    parts: int
    errors: tuple[str, ...] = ()  # thread continuations the chat service refused (the head was posted)


@dataclass(frozen=True)
class DigestTag:
    """What a posted digest carries with it, so that it can be found in the channel again."""

    schedule_key: str
    slot: dt.datetime
    audience: Audience

    def payload(self) -> dict[str, str]:
        return {"schedule": self.schedule_key, "slot": self.slot.astimezone(dt.timezone.utc).isoformat(),
                "audience": self.audience.key}


@dataclass(frozen=True)
class StoppedDigest:
    """Digests to an audience stopped for good: what the person who set them up is told."""

    audience: Audience
    code: str
    reason: str


class Publisher(Protocol):
    """Posts a digest where its audience reads it; the Slack one lives in `handlers.publisher`."""

    def publish(self, digest: Digest, tag: DigestTag | None = None) -> Delivery:
        """Post the digest, tagged with `tag` when given; raise DeliveryError when it could not be posted."""

    def find(self, tag: DigestTag, *, oldest: dt.datetime, latest: dt.datetime) -> str | None:
        """Return the id (ts) of the digest tagged `tag` posted between `oldest` and `latest`, or None."""

    def tell_stopped(self, user_id: str, stopped: StoppedDigest) -> None:
        """Tell someone that the digests they set up stopped, and why."""


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
    """The configured schedules that deliver to `audience` (its channel, or `dm` for a user)."""
    wanted = DM_SCHEDULE if audience.is_user else audience.id
    return [s for s in settings.schedules if s.channel == wanted]


def own_schedule(found: AudienceSettings) -> DigestSchedule:
    """The schedule a channel (or user) set for itself."""
    return DigestSchedule(found.audience.id, found.cron or "", found.timezone or DEFAULT_TIMEZONE,
                          team=found.audience.team)


def audience_for(channel: str, team: str = "") -> Audience:
    """`C…`/`G…` is a channel; `U…`/`W…` a user, whose digest goes to the bot's DM."""
    return Audience.user(channel, team) if channel[:1] in ("U", "W") else Audience.channel(channel, team)


@dataclass(frozen=True)
class DigestPlan:
    """One audience to digest, with the schedule settings that apply to it."""

    audience: Audience
    schedule: DigestSchedule


@dataclass(frozen=True)
class Served:
    """A schedule in force: configured, or set by an audience for itself (`own`)."""

    schedule: DigestSchedule
    own: Audience | None = None


@dataclass(frozen=True)
class Outcome:
    """What one attempt to digest one audience did."""

    audience: Audience
    status: str  # posted | partial | skipped | failed | held | blocked | recovered
    kind: str = "scheduled"
    schedule_key: str | None = None
    slot: dt.datetime | None = None
    message_ts: str | None = None
    parts: int = 0
    error: str | None = None
    code: str | None = None  # the chat service's name for a refusal

    def describe(self) -> str:
        if self.status == "skipped":
            return f"{self.audience}: skipped (nothing new)"
        if self.status == "held":
            return f"{self.audience}: already posted this minute by another run"
        if self.status in ("failed", "blocked"):
            return f"{self.audience}: {self.status.upper()} ({self.error})"
        if self.status == "recovered":
            return f"{self.audience}: found in the channel (ts {self.message_ts}), recorded as posted"
        extra = f", {self.error}" if self.error else ""
        return f"{self.audience}: {self.status} ({self.parts} message(s), ts {self.message_ts}{extra})"


class Schedules:
    """The schedules in force now: the configured ones and those audiences set for themselves.

    Read from the database each time, so a schedule set (or switched off) on any instance is
    served by every instance from its next tick. An audience with a schedule of its own, with
    digests off, or that Slack refused for good is left out of the configured schedules.
    """

    def __init__(self, settings: Settings, store: Store, default_team: Callable[[], str] = lambda: ""):
        self.settings = settings
        self.store = store
        self.default_team = default_team
        self.by_audience = {found.audience: found for found in store.all_audience_settings()}

    def excluded(self, audience: Audience) -> bool:
        """The audience is served by its own schedule, switched off, or blocked."""
        found = self.by_audience.get(audience)
        return found is not None and bool(found.cron or found.digests_off or found.blocked_error)

    def served(self) -> list[Served]:
        served = [Served(s) for s in self.settings.schedules]
        for audience, found in sorted(self.by_audience.items()):
            if found.scheduled and not found.blocked_error:
                served.append(Served(own_schedule(found), audience))
        return served

    def audiences(self, item: Served) -> list[tuple[Audience, dt.datetime | None]]:
        """Who a schedule serves, each with the moment their slots start (None: when the schedule was first seen)."""
        if item.own is not None:
            return [(item.own, None)]
        schedule = item.schedule
        if schedule.channel != DM_SCHEDULE:
            audience = Audience.channel(schedule.channel)
            if self.excluded(audience):
                return []
            found = self.by_audience.get(audience)
            team = schedule.team or (found.audience.team if found else "") or self.store.team_of(audience) \
                or self.default_team()
            return [(audience.in_team(team), None)]
        # A user's first DM digest comes at the first slot after they subscribed, not before.
        return [(a, first) for a, first in self.store.subscribers(kind="user").items() if not self.excluded(a)]

    def for_audience(self, audience: Audience) -> list[DigestSchedule]:
        """The schedules that deliver to `audience` now (none when its digests are off)."""
        found = self.by_audience.get(audience)
        if found is not None and found.scheduled:
            return [own_schedule(found)]
        if found is not None and found.digests_off:
            return []
        return schedules_for(self.settings, audience)


def plan(settings: Settings, store: Store, channel: str | None = None) -> list[DigestPlan]:
    """Who gets a digest: one channel or user, or the audiences of every schedule in force."""
    schedules = Schedules(settings, store)
    if channel and channel != DM_SCHEDULE:
        audience = audience_for(channel)
        audience = audience.in_team(store.team_of(audience))
        found = schedules.for_audience(audience)
        return [DigestPlan(audience, found[0] if found else schedule_for(settings, audience))]
    plans = []
    for item in schedules.served():
        if channel and item.schedule.channel != channel:
            continue
        plans += [DigestPlan(a, item.schedule) for a, _ in schedules.audiences(item)]
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
                 clock: Clock, *, instance: str | None = None, lease: dt.timedelta = LEASE,
                 default_team: Callable[[], str] = lambda: ""):
        """Check the configured schedules and get ready.

        Args:
            default_team: the workspace of a configured channel whose rows do not say one (with one
                workspace: the bot token's); asked only when needed.

        Raises:
            ConfigError: a configured schedule's cron expression or time zone is invalid.
        """
        self.settings = settings
        self.engine = engine
        self.store = store
        self.publisher = publisher
        self.clock = clock
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.lease = lease
        self.default_team = default_team
        self.triggers = [(s, cron_trigger(s, i)) for i, s in enumerate(settings.schedules)]
        self._triggers = {s: trigger for s, trigger in self.triggers}
        self._first_seen: dict[str, dt.datetime] = {}
        # A sweep and a cron job of the same process run one at a time; other processes are
        # kept apart by the claims in the database.
        self._lock = threading.RLock()

    def now(self) -> dt.datetime:
        now = self.clock()
        if now.tzinfo is None:
            raise ValueError("the clock must return an aware datetime")
        return now.astimezone(dt.timezone.utc)

    def schedules(self) -> Schedules:
        """The schedules in force now (read from the database)."""
        return Schedules(self.settings, self.store, self.default_team)

    # -- what is due -----------------------------------------------------------------

    def schedule_for(self, audience: Audience) -> DigestSchedule:
        """The schedule whose settings a digest for `audience` follows now."""
        found = self.schedules().for_audience(audience)
        return found[0] if found else schedule_for(self.settings, audience)

    def schedules_for(self, audience: Audience) -> list[DigestSchedule]:
        """The schedules that deliver to `audience` now: its own, or the configured ones, or none."""
        return self.schedules().for_audience(audience)

    def digest(self, audience: Audience, schedule: DigestSchedule | None = None,
               now: dt.datetime | None = None) -> Digest:
        """Build the digest `audience` would get now (a preview posts nothing and records nothing)."""
        return digest_for(self.settings, self.engine, self.store, audience,
                          schedule or self.schedule_for(audience), now or self.now())

    # -- entry points --------------------------------------------------------------

    def register(self) -> None:
        """Record every configured schedule as seen: slots before this moment are never posted late.

        With one workspace, rows written before workspaces were recorded become that workspace's.
        """
        now = self.now()
        team = self.default_team()
        if team and (adopted := self.store.adopt_rows(team)):
            log.info("%d stored row(s) recorded as workspace %s's", adopted, team)
        for schedule, _ in self.triggers:
            self._schedule_start(Served(schedule), now)

    def tick(self) -> list[Outcome]:
        """Post every due slot not yet posted (catch-up, retries, posts to confirm, schedules set in Slack)."""
        with self._lock:
            now = self.now()
            outcomes = self._recover(now)
            schedules = self.schedules()
            for item in schedules.served():
                outcomes += self._run(item, schedules, now)
            return outcomes

    def run_schedule(self, schedule: DigestSchedule) -> list[Outcome]:
        """Post the latest slot of one configured schedule (what its cron job calls)."""
        with self._lock:
            if schedule not in self._triggers:
                raise ValueError(f"unknown schedule: {schedule}")
            return self._run(Served(schedule), self.schedules(), self.now())

    def post_now(self, audience: Audience, *, kind: str = "manual") -> Outcome:
        """Post the digest to `audience` at once (`/policy digest now`), even when nothing is new.

        Claimed per audience and minute in the database: the same command run twice, on one
        instance or two, posts once.
        """
        return self._post_claimed(DigestPlan(audience, self.schedule_for(audience)), kind, post_empty=True)

    def post_cli(self, plan: DigestPlan) -> Outcome:
        """Post from `policybot digest`: claimed per minute, so a doubled cron run posts once."""
        return self._post_claimed(plan, "cli", post_empty=not plan.schedule.skip_empty)

    def _post_claimed(self, plan: DigestPlan, kind: str, *, post_empty: bool) -> Outcome:
        with self._lock:
            now = self.now()
            slot = now.replace(second=0, microsecond=0)
            key = f"{kind} {plan.audience.key}"
            if not self.store.claim(key, slot, plan.audience, instance=self.instance, now=now, lease=self.lease):
                return Outcome(plan.audience, "held", kind, key, slot)
            return self._deliver(plan.audience, plan.schedule, kind=kind, claim=(key, slot), post_empty=post_empty)

    # -- the work ------------------------------------------------------------------

    def _trigger(self, schedule: DigestSchedule):
        if schedule not in self._triggers:
            self._triggers[schedule] = cron_trigger(schedule)  # validated when it was set; ConfigError if not
        return self._triggers[schedule]

    def _schedule_start(self, item: Served, now: dt.datetime) -> dt.datetime:
        """When a schedule's slots start counting: first seen by any instance, or when an audience set it."""
        key = schedule_key(item.schedule)
        if key not in self._first_seen:
            found = self.store.audience_settings(item.own) if item.own is not None else None
            since = found.schedule_at if found is not None and found.schedule_at else now
            self._first_seen[key] = self.store.schedule_first_seen(key, min(since, now), item.schedule.team)
        return self._first_seen[key]

    def _run(self, item: Served, schedules: Schedules, now: dt.datetime) -> list[Outcome]:
        schedule = item.schedule
        key = schedule_key(schedule)
        try:
            trigger = self._trigger(schedule)
        except ConfigError as exc:
            log.error("digest schedule %s skipped: %s", key, "; ".join(exc.problems))
            return []
        start = self._schedule_start(item, now)
        outcomes = []
        for audience, first in schedules.audiences(item):
            slot = latest_slot(trigger, now, max(start, first) if first else start)
            if slot is None:
                continue
            run = self.store.run(key, slot, audience)
            if run is not None and run.status not in (FAILED, CLAIMED):
                continue  # posted, skipped, blocked, or being posted or checked: nothing to do
            if not self.store.claim(key, slot, audience, instance=self.instance, now=now, lease=self.lease):
                continue
            if now - slot > dt.timedelta(minutes=5):
                log.info("digest %s for %s: slot %s was missed; posting it now", key, audience, slot.isoformat())
            outcomes.append(self._deliver(audience, schedule, kind="scheduled", claim=(key, slot),
                                          post_empty=not schedule.skip_empty))
        return outcomes

    def _recover(self, now: dt.datetime) -> list[Outcome]:
        """Settle posts whose instance stopped mid-way: found in the channel, recorded; not found, posted."""
        for run in self.store.unconfirm_stale_posts(now, self.lease):
            log.warning("digest %s slot %s for %s: the instance %s stopped while posting; looking for the post "
                        "in the channel", run.schedule_key, run.slot.isoformat(), run.audience, run.instance)
        outcomes = []
        for run in self.store.unconfirmed_runs(now):
            if self.store.take_unconfirmed(run, instance=self.instance, now=now):
                outcomes.append(self._confirm(run, now))
        return outcomes

    def _confirm(self, run: DigestRun, now: dt.datetime) -> Outcome:
        key, slot, audience = run.schedule_key, run.slot, run.audience
        kind = _kind(key)
        tag = DigestTag(key, slot, audience)
        try:
            found = self.publisher.find(tag, oldest=run.claimed_at - HISTORY_MARGIN, latest=now + HISTORY_MARGIN)
        except DeliveryError as exc:
            if not exc.permanent:
                return self._unconfirmed(run, now, exc)
            found = None  # the channel refuses for good: posting says so, and stops the digest
        except Exception as exc:  # the history could not be read: look again later, never post blindly
            return self._unconfirmed(run, now, exc)
        if found:
            if not self.store.confirm_posted(run, instance=self.instance, now=now, message_ts=found):
                log.warning("digest %s for %s: found without its baseline; the next digest repeats it", key, audience)
            self._log(PostRecord(now, audience, kind, "posted", key, slot, found, 1, self.instance,
                                 "found in the channel after the posting instance stopped"))
            log.info("digest %s slot %s for %s: found in the channel (ts %s); recorded as posted",
                     key, slot.isoformat(), audience, found)
            return Outcome(audience, "recovered", kind, key, slot, found)
        log.info("digest %s slot %s for %s: not in the channel; posting it", key, slot.isoformat(), audience)
        schedule = next((item.schedule for item in self.schedules().served()
                         if schedule_key(item.schedule) == key), None) or self.schedule_for(audience)
        self.store.update_run(key, slot, audience, status=CLAIMED, now=now, instance=self.instance)
        return self._deliver(audience, schedule, kind=kind, claim=(key, slot),
                             post_empty=kind == "manual" or not schedule.skip_empty)

    def _unconfirmed(self, run: DigestRun, now: dt.datetime, exc: Exception) -> Outcome:
        """The channel's history could not be read: leave the run to be checked again later."""
        error = f"{type(exc).__name__}: {exc}"[:2000]
        self.store.update_run(run.schedule_key, run.slot, run.audience, status=UNCONFIRMED, now=now,
                              instance=self.instance, error=f"could not look for the post: {error}",
                              next_attempt_at=now + retry_delay(run.attempts))
        log.error("digest %s slot %s for %s: could not look for the post (%s); trying again later",
                  run.schedule_key, run.slot.isoformat(), run.audience, error)
        return Outcome(run.audience, "failed", _kind(run.schedule_key), run.schedule_key, run.slot, error=error)

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
            finish(POSTING, baseline=digest.baseline)
            delivery = self.publisher.publish(digest, DigestTag(key, slot, audience) if claim else None)
        except Exception as exc:  # any failure is recorded and retried; none is dropped silently
            error = f"{type(exc).__name__}: {exc}"[:2000]
            refused = exc if isinstance(exc, DeliveryError) else None
            if refused is not None and refused.permanent and kind != "manual":
                # The person who asked `digest now` is told at once; a schedule stops and its owner hears.
                finish(BLOCKED, error=error)
                self._log(PostRecord(self.now(), audience, kind, "blocked", key, slot, instance=self.instance,
                                     error=error))
                self._stop(audience, refused)
                return Outcome(audience, "blocked", kind, key, slot, error=error, code=refused.code)
            attempts = (self.store.run(key, slot, audience).attempts if claim else 1)
            retry_at = self.now() + retry_delay(attempts)
            if refused is not None and refused.retry_after:
                retry_at = max(retry_at, self.now() + dt.timedelta(seconds=refused.retry_after))
            finish(FAILED, error=error, next_attempt_at=retry_at)
            self._log(PostRecord(self.now(), audience, kind, "failed", key, slot, instance=self.instance,
                                 error=error))
            log.error("digest for %s failed (attempt %d, %s); %s", audience, attempts, error,
                      f"retrying after {retry_at.isoformat()}" if kind != "manual" else "not retried",
                      exc_info=refused is None)
            return Outcome(audience, "failed", kind, key, slot, error=error, code=refused.code if refused else None)
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

    def _stop(self, audience: Audience, refused: DeliveryError) -> None:
        """Stop an audience's digests after a permanent refusal; tell whoever set them up, once."""
        code = refused.code or "refused"
        if not self.store.block(audience, code, at=self.now()):
            return
        people = self.responsible(audience)
        log.error("digests to %s stopped: %s; telling %s", audience, refused, ", ".join(people) or "nobody")
        for user in people:
            try:
                self.publisher.tell_stopped(user, StoppedDigest(audience.in_team(audience.team), code, str(refused)))
            except Exception as exc:  # the block stands; the log line above says who should have heard
                log.error("could not tell %s that digests to %s stopped: %s", user, audience, exc)

    def responsible(self, audience: Audience) -> list[str]:
        """Who set up an audience's digests: who set its schedule, else its owner, else the admins."""
        if audience.is_user:
            return []  # the user themself: a refusal means they cannot be reached
        found = self.store.audience_settings(audience)
        who = (found.schedule_by if found and found.cron else None) or self.store.owner_of(audience)
        return [who] if who else sorted(self.settings.admins)

    def _log(self, record: PostRecord) -> None:
        try:
            self.store.log_post(record)
        except Exception:  # the post happened (or not) either way; the log line below says which
            log.exception("could not write the post log for %s", record.audience)


def _kind(schedule_key: str) -> str:
    """What posted a run, from its key: `manual …` and `cli …` are claimed per minute, the rest are schedules."""
    first = schedule_key.split(" ", 1)[0]
    return first if first in ("manual", "cli") else "scheduled"
