"""Before a channel's digest changes: may this person change it, and can the bot post there?

Who may change a channel's topics and schedule is the setting `slack.channel_changes`:
`anyone`, `owner` (whoever first subscribed or set a schedule there, and admins) or `admins`.
Before a subscription or a schedule that will post in a channel, Slack is asked whether the
bot is a member (`conversations.info`): a digest to a channel the bot is not in would fail
at every slot. A user's own DM digest is always theirs to change.
"""
from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError

from bot import strings as s
from bot.store import Audience
from handlers.blocks import render_notice
from handlers.context import PolicyContext
from handlers.table import Subcommand

log = logging.getLogger("policybot.channels")

MEMBER, NOT_MEMBER, ARCHIVED, UNKNOWN = "member", "not a member", "archived", "unknown"


def channel_audience(ctx: PolicyContext) -> Audience | None:
    """The channel a request came from, in its workspace; None in the bot's DM."""
    if ctx.is_dm or not ctx.channel_id:
        return None
    return Audience.channel(ctx.channel_id, ctx.team_id)


def refusal(command: Subcommand, ctx: PolicyContext) -> dict | None:
    """The reply refusing `command` in this channel, or None when it may go ahead."""
    if not (command.changes_channel or command.needs_membership):
        return None
    audience = channel_audience(ctx)
    if audience is None:
        return None
    text = permission_refusal(ctx, audience) if command.changes_channel else None
    if text is None and command.needs_membership:
        text = membership_refusal(ctx, audience)
    return render_notice(text) if text else None


def permission_refusal(ctx: PolicyContext, audience: Audience) -> str | None:
    """Why this user may not change the channel's digest, or None when they may."""
    settings = ctx.services.settings
    if ctx.is_admin or settings.channel_changes == "anyone":
        return None
    if settings.channel_changes == "owner":
        owner = ctx.services.store.owner_of(audience)
        if owner is None or owner == ctx.user_id:
            return None
        return s.ONLY_OWNER(ctx.language).format(owner=owner)
    return s.ONLY_ADMINS(ctx.language).format(admins=admin_mentions(ctx))


def admin_mentions(ctx: PolicyContext) -> str:
    """The admins as Slack mentions, or a note that there are none."""
    admins = sorted(ctx.services.settings.admins)
    return "、".join(f"<@{a}>" for a in admins) if admins else s.NO_ADMINS(ctx.language)


def membership_refusal(ctx: PolicyContext, audience: Audience) -> str | None:
    """Why the bot cannot post in the channel, or None when it can (or Slack would not say)."""
    status = bot_membership(ctx.client, audience.id)
    if status == MEMBER:
        if ctx.services.store.unblock(audience, at=ctx.services.clock()):
            log.info("digests to %s resume: the bot is a member again", audience)
        return None
    if status == ARCHIVED:
        return s.CHANNEL_ARCHIVED(ctx.language)
    if status == NOT_MEMBER:
        return s.NOT_A_MEMBER(ctx.language)
    return None  # unknown: go ahead; a refused post stops the digest and says so


def bot_membership(client, channel: str) -> str:
    """Ask Slack whether the bot is in `channel`: MEMBER, NOT_MEMBER, ARCHIVED or UNKNOWN."""
    try:
        info = client.conversations_info(channel=channel)
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "channel_not_found":  # a private channel the bot was not invited to looks like this
            return NOT_MEMBER
        log.warning("conversations.info for %s failed (%s); membership unknown", channel, error)
        return UNKNOWN
    except Exception as exc:  # Slack unreachable: the subscription is worth more than the check
        log.warning("conversations.info for %s failed (%s: %s); membership unknown", channel, type(exc).__name__, exc)
        return UNKNOWN
    found = info.get("channel") or {}
    if found.get("is_archived"):
        return ARCHIVED
    if found.get("is_im"):
        return MEMBER
    return MEMBER if found.get("is_member") else NOT_MEMBER
