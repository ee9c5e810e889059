"""Subscriptions, digests and reload: `/policy subscribe …`, `digest preview|now`, `reload`.

In a channel, subscriptions belong to the channel; in the bot's DM they belong to the user,
whose digest then comes as a DM.
"""
from __future__ import annotations

from bot import strings as s
from bot.digest import topic_hits
from bot.model import Intent, Query
from bot.store import Audience, normalize_topic
from bot.strings import Catalog
from handlers import digest_blocks as view
from handlers.blocks import context, escape, plain, render_notice
from handlers.context import PolicyContext, Reply
from handlers.corpus_blocks import render_reload
from handlers.digest_stopped import stopped_note
from handlers.table import CommandTable

MAX_SUBSCRIPTIONS = 25  # per channel or user: a digest of more topics is not read
NOT_HERE = frozenset({"not_in_channel", "channel_not_found"})  # Slack's refusals that inviting the bot fixes


def audience_of(ctx: PolicyContext) -> Audience | None:
    """In the bot's DM: the user; elsewhere: the channel."""
    if ctx.is_dm:
        return Audience.user(ctx.user_id, ctx.team_id) if ctx.user_id else None
    return Audience.channel(ctx.channel_id, ctx.team_id) if ctx.channel_id else None


def where(audience: Audience, t: Catalog) -> str:
    """Name the audience's place: `your DMs`, `this channel`."""
    return t(s.WHERE_DM if audience.is_user else s.WHERE_CHANNEL)


def _rest(query: Query) -> str:
    """The text after the subcommand word, filters kept (`subscribe 研发 in:成都` → `研发 in:成都`)."""
    parts = query.raw.split(None, 1)
    return normalize_topic(parts[1] if len(parts) > 1 else query.topic)


def for_audience(answer):
    """Run `answer(query, ctx, audience)` for the channel or DM the request came from."""
    def answer_here(query: Query, ctx: PolicyContext) -> Reply:
        audience = audience_of(ctx)
        if audience is None:
            return Reply(render_notice(ctx.t(s.NO_AUDIENCE)), query.intent, 0)
        return Reply(answer(query, ctx, audience), query.intent)
    answer_here.__doc__ = answer.__doc__
    return answer_here


def subscribe(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """Follow a topic in the digest of this channel (or of the user's DMs)."""
    services, t, topic = ctx.services, ctx.t, _rest(query)
    here = where(audience, t)
    if not topic:
        return render_notice(t(s.SUBSCRIBE_USAGE, prefix=ctx.prefix))
    followed = services.store.topics(audience)
    if topic in followed:
        return render_notice(t(s.ALREADY, topic=plain(topic, 200), where=here))
    if len(followed) >= MAX_SUBSCRIPTIONS:
        return render_notice(t(s.TOO_MANY, where=here, count=len(followed)))
    services.store.subscribe(audience, topic, by=ctx.user_id, at=services.clock())
    if not audience.is_user and ctx.user_id:
        services.store.claim_ownership(audience, ctx.user_id, at=services.clock())
    count = len(topic_hits(services.engine, topic))
    matches = t.count(s.MATCHES, count) if count else t(s.NO_MATCHES)
    return view.render_result(t(s.SUBSCRIBED, where=here, topic=plain(topic, 200), matches=matches),
                              note=view.schedule_note(services.digests.schedules_for(audience), t, ctx.prefix))


def unsubscribe(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """Stop following a topic here."""
    topic, t = _rest(query), ctx.t
    if not topic:
        return render_notice(t(s.UNSUBSCRIBE_USAGE, prefix=ctx.prefix))
    text = s.UNSUBSCRIBED if ctx.services.store.unsubscribe(audience, topic) else s.NOT_FOLLOWED
    return render_notice(t(text, topic=plain(topic, 200), where=where(audience, t)))


def list_subscriptions(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """List the topics followed here and when digests arrive."""
    services = ctx.services
    message = view.render_subscriptions(services.store.subscriptions(audience), where(audience, ctx.t),
                                        services.digests.schedules_for(audience), t=ctx.t, prefix=ctx.prefix)
    stopped = stopped_note(services.store.audience_settings(audience), where(audience, ctx.t), ctx.language)
    if stopped:
        message["blocks"].append(context(stopped))
    return message


def digest_usage(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """Say what `digest` can do."""
    return render_notice(ctx.t(s.DIGEST_USAGE, prefix=ctx.prefix, where=where(audience, ctx.t)))


def preview_digest(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """Show the next digest to the user alone."""
    digest = ctx.services.digests.digest(audience)
    return view.render_preview(digest, where(audience, ctx.t), t=ctx.t, links=ctx.services.links)


def post_digest_now(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """Post this channel's (or user's) digest at once."""
    outcome, t = ctx.services.digests.post_now(audience), ctx.t
    if outcome.status == "held":
        return render_notice(t(s.JUST_POSTED, where=where(audience, t)))
    if outcome.code in NOT_HERE:
        return render_notice(t(s.NOT_A_MEMBER))
    if outcome.status == "failed":
        return render_notice(t(s.POST_FAILED, error=escape(outcome.error or t(s.UNKNOWN_ERROR))))
    return render_notice(t.count(s.POSTED, outcome.parts, where=where(audience, t)))


def reload_corpus(query: Query, ctx: PolicyContext) -> Reply:
    """Re-read the corpus folder; say what changed, which files kept their last good version, or why not."""
    engine = ctx.services.engine
    report = engine.reload()
    return Reply(render_reload(report, len(engine.documents), ctx.t), Intent.RELOAD, len(engine.documents))


def register(table: CommandTable) -> None:
    """Add the subscription, digest and reload subcommands to the table."""
    table.add(Intent.SUBSCRIBE, for_audience(subscribe), changes_channel=True, needs_membership=True)
    table.add(Intent.UNSUBSCRIBE, for_audience(unsubscribe), changes_channel=True)
    table.add(Intent.SUBSCRIPTIONS, for_audience(list_subscriptions))
    table.add(Intent.DIGEST, for_audience(digest_usage))
    table.add(Intent.DIGEST, for_audience(preview_digest), action="preview")
    table.add(Intent.DIGEST, for_audience(post_digest_now), action="now", admin_only=True)
    table.add(Intent.RELOAD, reload_corpus, admin_only=True)
