"""A channel's own digest schedule: `/policy digest schedule <cron> [time zone]` and `/policy digest off`.

The schedule is kept in the database per channel (or, in the bot's DM, per user) and
replaces a configured schedule for that channel; every instance serves it from its next
sweep, without a restart. `digest off` stops the digests there and keeps the topics.
Who may do either is decided before the answer runs (`handlers.channel_access`).
"""
from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import strings as s
from bot.cron import parse_crontab
from bot.digest_runner import schedules_for
from bot.model import Intent, Query
from bot.store import Audience
from handlers.blocks import escape, render_notice
from handlers.context import PolicyContext
from handlers.subcommands import for_audience
from handlers.table import CommandTable

DEFAULT_TIMEZONE = "Asia/Shanghai"
MAX_CRON_CHARS = 120
_QUOTES = re.compile(r"[\"'“”‘’`]")
# A last word that names a zone rather than a cron field: `Asia/Shanghai`, `UTC`, `Etc/GMT-8`.
_ZONE = re.compile(r"^(?:[A-Za-z_]+(?:/[A-Za-z0-9_+\-]+)+|UTC|GMT)$")


def where(audience: Audience, language: str) -> str:
    return (s.WHERE_DM if audience.is_user else s.WHERE_CHANNEL)(language)


def schedule_words(query: Query) -> list[str]:
    """The words after `digest schedule`, quotes dropped (`"0 9 * * 1"` is five words)."""
    return _QUOTES.sub(" ", query.raw).split()[2:]


def read_schedule(words: list[str], default_zone: str) -> tuple[str, str]:
    """Split `0 9 * * 1 Asia/Shanghai` into the cron expression and the zone (default when absent)."""
    if len(words) > 5 or (words and _ZONE.match(words[-1])):
        return " ".join(words[:-1]), words[-1]
    return " ".join(words), default_zone


def set_schedule(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """Set when the digest comes here: a cron expression and a time zone."""
    services, language = ctx.services, ctx.language
    words = schedule_words(query)
    current = services.digests.schedules_for(audience)
    cron, zone_name = read_schedule(words, current[0].timezone if current else DEFAULT_TIMEZONE)
    if not cron:
        return render_notice(s.SCHEDULE_USAGE(language).format(prefix=ctx.prefix))
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return render_notice(s.BAD_TIMEZONE(language).format(zone=escape(zone_name[:64])))
    try:
        if len(cron) > MAX_CRON_CHARS:
            raise ValueError(f"longer than {MAX_CRON_CHARS} characters")
        trigger = parse_crontab(cron, zone)
    except (ValueError, TypeError) as exc:
        text = s.BAD_CRON(language).format(cron=escape(cron[:MAX_CRON_CHARS]), why=escape(str(exc)[:200]))
        return render_notice(text + "\n" + s.SCHEDULE_USAGE(language).format(prefix=ctx.prefix))
    now = services.clock()
    configured = [c for c in schedules_for(services.settings, audience) if (c.cron, c.timezone) != (cron, zone_name)]
    services.store.set_schedule(audience, cron, zone_name, by=ctx.user_id, at=now)
    if not audience.is_user and ctx.user_id:
        services.store.claim_ownership(audience, ctx.user_id, at=now)
    upcoming = trigger.get_next_fire_time(None, now.astimezone(zone))
    text = s.SCHEDULE_SET(language).format(
        where=where(audience, language), cron=escape(cron), zone=zone_name,
        next=f"{upcoming:%Y-%m-%d %H:%M}" if isinstance(upcoming, dt.datetime) else s.NO_NEXT_SLOT(language))
    if configured:
        listed = "; ".join(f"`{escape(c.cron)}` ({escape(c.timezone)})" for c in configured)
        text += " " + s.SCHEDULE_OVER_CONFIG(language).format(schedules=listed)
    return render_notice(text)


def stop_digests(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """Stop the digests here; the topics followed stay."""
    ctx.services.store.stop_digests(audience, by=ctx.user_id, at=ctx.services.clock())
    return render_notice(s.DIGESTS_OFF(ctx.language).format(where=where(audience, ctx.language), prefix=ctx.prefix))


def register(table: CommandTable) -> None:
    """Add `digest schedule` and `digest off` to the table."""
    table.add(Intent.DIGEST, for_audience(set_schedule), action="schedule", changes_channel=True,
              needs_membership=True)
    table.add(Intent.DIGEST, for_audience(stop_digests), action="off", changes_channel=True)
