"""Subscriptions, digests and reload: `/policy subscribe …`, `digest preview|now`, `reload`.

In a channel, subscriptions belong to the channel; in the bot's DM they belong to the user,
whose digest then comes as a DM.
"""
from __future__ import annotations

from bot import strings as s
from bot.digest import topic_hits
from bot.model import Intent, Query
from bot.store import Audience, normalize_topic
from handlers import digest_blocks as view
from handlers.blocks import context, escape, plain, render_notice
from handlers.context import PolicyContext, Reply
from handlers.digest_stopped import stopped_note
from handlers.table import CommandTable

MAX_SUBSCRIPTIONS = 25  # per channel or user: a digest of more topics is not read
NOT_HERE = frozenset({"not_in_channel", "channel_not_found"})  # Slack's refusals that inviting the bot fixes

NO_AUDIENCE = "I cannot tell which channel this is; try again from the channel itself."
SUBSCRIBE_USAGE = ("Tell me what to follow: `{prefix}subscribe 研发投入` "
                   "(filters work too: `{prefix}subscribe target 研发 in:成都`).")
UNSUBSCRIBE_USAGE = ("Tell me which topic to drop: `{prefix}unsubscribe 研发投入`. "
                     "`{prefix}subscriptions` lists them.")
DIGEST_USAGE = ("`{prefix}digest preview` shows the next digest {where} (only to you); "
                "`{prefix}digest now` posts it (admins).")
SUBSCRIBED = "Subscribed {where} to *{topic}*. {matches}"
MATCHES = "{count} clause(s) match it today; new ones will appear in the digest."
NO_MATCHES = "Nothing in the documents matches it yet; new clauses that do will appear in the digest."
ALREADY = "Already following *{topic}* {where}."
TOO_MANY = "{count} topics are already followed {where}, the most a digest can usefully hold. Drop one first."
UNSUBSCRIBED = "Stopped following *{topic}* {where}."
NOT_FOLLOWED = "*{topic}* is not followed {where}."
POSTED = "Digest posted {where} ({parts} message(s))."
JUST_POSTED = "A digest was posted {where} a moment ago; try again in a minute."
POST_FAILED = "I could not post the digest: {error}. It is recorded in the post log; try again in a minute."
RELOADED = "Reloaded the corpus: {count} document(s). Added: {added}. Changed: {changed}. Removed: {removed}."
RELOAD_ERRORS = "Skipped file(s): {errors}"
NONE = "none"


def audience_of(ctx: PolicyContext) -> Audience | None:
    """In the bot's DM: the user; elsewhere: the channel."""
    if ctx.is_dm:
        return Audience.user(ctx.user_id, ctx.team_id) if ctx.user_id else None
    return Audience.channel(ctx.channel_id, ctx.team_id) if ctx.channel_id else None


def _where(audience: Audience) -> str:
    return "in your DMs" if audience.is_user else "in this channel"


def _rest(query: Query) -> str:
    """The text after the subcommand word, filters kept (`subscribe 研发 in:成都` → `研发 in:成都`)."""
    parts = query.raw.split(None, 1)
    return normalize_topic(parts[1] if len(parts) > 1 else query.topic)


def for_audience(answer):
    """Run `answer(query, ctx, audience)` for the channel or DM the request came from."""
    def answer_here(query: Query, ctx: PolicyContext) -> Reply:
        audience = audience_of(ctx)
        if audience is None:
            return Reply(render_notice(NO_AUDIENCE), query.intent, 0)
        return Reply(answer(query, ctx, audience), query.intent)
    answer_here.__doc__ = answer.__doc__
    return answer_here


def subscribe(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """Follow a topic in the digest of this channel (or of the user's DMs)."""
    services, where, topic = ctx.services, _where(audience), _rest(query)
    if not topic:
        return render_notice(SUBSCRIBE_USAGE.format(prefix=ctx.prefix))
    followed = services.store.topics(audience)
    if topic in followed:
        return render_notice(ALREADY.format(topic=plain(topic, 200), where=where))
    if len(followed) >= MAX_SUBSCRIPTIONS:
        return render_notice(TOO_MANY.format(where=where, count=len(followed)))
    services.store.subscribe(audience, topic, by=ctx.user_id, at=services.clock())
    if not audience.is_user and ctx.user_id:
        services.store.claim_ownership(audience, ctx.user_id, at=services.clock())
    count = len(topic_hits(services.engine, topic))
    matches = MATCHES.format(count=count) if count else NO_MATCHES
    return view.render_result(SUBSCRIBED.format(where=where, topic=plain(topic, 200), matches=matches),
                              note=view.schedule_note(services.digests.schedules_for(audience), ctx.prefix))


def unsubscribe(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """Stop following a topic here."""
    topic = _rest(query)
    if not topic:
        return render_notice(UNSUBSCRIBE_USAGE.format(prefix=ctx.prefix))
    text = UNSUBSCRIBED if ctx.services.store.unsubscribe(audience, topic) else NOT_FOLLOWED
    return render_notice(text.format(topic=plain(topic, 200), where=_where(audience)))


def list_subscriptions(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """List the topics followed here and when digests arrive."""
    services = ctx.services
    message = view.render_subscriptions(services.store.subscriptions(audience), _where(audience),
                                        services.digests.schedules_for(audience), prefix=ctx.prefix)
    stopped = stopped_note(services.store.audience_settings(audience), s.WHERE_DM(ctx.language) if audience.is_user
                           else s.WHERE_CHANNEL(ctx.language), ctx.language)
    if stopped:
        message["blocks"].append(context(stopped))
    return message


def digest_usage(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """Say what `digest` can do."""
    return render_notice(DIGEST_USAGE.format(prefix=ctx.prefix, where=_where(audience)))


def preview_digest(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """Show the next digest to the user alone."""
    digest = ctx.services.digests.digest(audience)
    return view.render_preview(digest, _where(audience).replace("in ", "", 1))


def post_digest_now(query: Query, ctx: PolicyContext, audience: Audience) -> dict:
    """Post this channel's (or user's) digest at once."""
    outcome = ctx.services.digests.post_now(audience)
    if outcome.status == "held":
        return render_notice(JUST_POSTED.format(where=_where(audience)))
    if outcome.code in NOT_HERE:
        return render_notice(s.NOT_A_MEMBER(ctx.language))
    if outcome.status == "failed":
        return render_notice(POST_FAILED.format(error=escape(outcome.error or "unknown error")))
    return render_notice(POSTED.format(where=_where(audience), parts=outcome.parts))


def reload_corpus(query: Query, ctx: PolicyContext) -> Reply:
    """Re-read the corpus folder and say what changed."""
    engine = ctx.services.engine
    report = engine.reload()

    def names(ids) -> str:
        return escape(", ".join(ids)) if ids else NONE

    text = RELOADED.format(count=len(engine.documents), added=names(report.added),
                           changed=names(report.changed), removed=names(report.removed))
    note = None
    if report.errors:
        note = RELOAD_ERRORS.format(errors=escape("; ".join(str(e) for e in report.errors))[:2000])
    return Reply(view.render_result(text, note=note), Intent.RELOAD, len(engine.documents))


def register(table: CommandTable) -> None:
    """Add the subscription, digest and reload subcommands to the table."""
    table.add(Intent.SUBSCRIBE, for_audience(subscribe), changes_channel=True, needs_membership=True)
    table.add(Intent.UNSUBSCRIBE, for_audience(unsubscribe), changes_channel=True)
    table.add(Intent.SUBSCRIPTIONS, for_audience(list_subscriptions))
    table.add(Intent.DIGEST, for_audience(digest_usage))
    table.add(Intent.DIGEST, for_audience(preview_digest), action="preview")
    table.add(Intent.DIGEST, for_audience(post_digest_now), action="now", admin_only=True)
    table.add(Intent.RELOAD, reload_corpus, admin_only=True)
