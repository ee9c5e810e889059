"""The DM telling whoever set up a digest that Slack refuses it for good, and what to do about it."""
from __future__ import annotations

from bot import strings as s
from bot.digest_runner import StoppedDigest
from bot.store import AudienceSettings
from handlers.blocks import Message, escape, render_notice

AUTHORISATION = frozenset({"invalid_auth", "token_revoked", "not_installed"})


def why_stopped(code: str, language: str = "zh") -> str:
    """Why Slack refuses a digest, and what to do about it, from Slack's name for the refusal."""
    if code in AUTHORISATION:
        return s.STOPPED_AUTH(language)
    if code in s.STOPPED_WHY:
        return s.STOPPED_WHY[code](language)
    return escape(code)


def render_stopped(stopped: StoppedDigest, language: str = "zh") -> Message:
    """Say which digests stopped, why, and how to turn them back on."""
    audience = stopped.audience
    where = f"<@{audience.id}>" if audience.is_user else f"<#{audience.id}>"
    return render_notice(s.STOPPED(language).format(where=where, why=why_stopped(stopped.code, language)))


def stopped_note(found: AudienceSettings | None, where: str, language: str = "zh") -> str | None:
    """A line saying the digests of an audience stopped for good, for the lists of its subscriptions."""
    if found is None or not found.blocked_error:
        return None
    return s.PAUSED(language).format(where=where, why=why_stopped(found.blocked_error, language))
