"""The DM telling whoever set up a digest that Slack refuses it for good, and what to do about it."""
from __future__ import annotations

from bot import strings as s
from bot.digest_runner import StoppedDigest
from handlers.blocks import Message, render_notice

AUTHORISATION = frozenset({"invalid_auth", "token_revoked", "not_installed"})


def render_stopped(stopped: StoppedDigest, language: str = "zh") -> Message:
    """Say which digests stopped, why, and how to turn them back on."""
    audience = stopped.audience
    where = f"<@{audience.id}>" if audience.is_user else f"<#{audience.id}>"
    if stopped.code in AUTHORISATION:
        why = s.STOPPED_AUTH(language)
    elif stopped.code in s.STOPPED_WHY:
        why = s.STOPPED_WHY[stopped.code](language)
    else:
        why = stopped.code
    return render_notice(s.STOPPED(language).format(where=where, why=why))
