"""Slack side of digests: subscription commands, digest preview/now, reload, feedback buttons.

`handle_policy_subcommand` is called by the `/policy` dispatcher (and for DMs) for the
intents subscribe, unsubscribe, subscriptions, digest and reload; it returns the reply as a
message dict and sends nothing itself. In a channel, subscriptions belong to the channel;
in the bot's DM they belong to the user, whose digest comes as a DM.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping
from typing import Any

from slack_sdk.errors import SlackApiError

from bot.digest import Delivery, Digest, DeliveryError, digest_for, schedule_for, topic_hits
from bot.errors import ConfigError
from bot.model import Query
from bot.scheduler import DigestRunner, describe_schedules
from bot.services import Services
from bot.store import HELPFUL, NOT_HELPFUL, Audience, Feedback, normalize_topic
from handlers import digest_blocks as view
from handlers.blocks import ACTION_HELPFUL, ACTION_NOT_HELPFUL, escape, plain, render_notice, unpack_value
from handlers.dispatch import logged_request, message_args

MAX_SUBSCRIPTIONS = 25  # per channel or user: a digest of more topics is not read
MAX_FEEDBACK_IDS = 50

NO_STORE = "Subscriptions and digests need the database, which this installation has not configured."
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
ADMINS_ONLY = ("Sorry, only policybot admins can {action}. `{prefix}digest preview` shows you the "
               "next digest in the meantime.")
POSTED = "Digest posted {where} ({parts} message(s))."
POST_FAILED = "I could not post the digest: {error}. It is recorded in the post log; try again in a minute."
RELOADED = "Reloaded the corpus: {count} document(s). Added: {added}. Changed: {changed}. Removed: {removed}."
RELOAD_ERRORS = "Skipped file(s): {errors}"
NONE = "none"
FEEDBACK_THANKS = {HELPFUL: "Thanks, noted as helpful.",
                   NOT_HELPFUL: "Thanks, noted as not helpful. It helps us improve the answers."}
FEEDBACK_NOT_STORED = "Thanks! (Feedback is not stored in this installation.)"


# ---------------------------------------------------------------- posting digests to Slack

class SlackPublisher:
    """Post a digest with chat.postMessage: the first message, then the rest in its thread.

    The WebClient's RateLimitErrorRetryHandler waits out `429 Retry-After` and retries; a
    refusal that remains becomes a DeliveryError, which the runner records and retries.
    """

    def __init__(self, client):
        self.client = client

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "SlackPublisher":
        """Build a publisher from SLACK_BOT_TOKEN and SLACK_API_URL (for `policybot digest`).

        Raises:
            ConfigError: SLACK_BOT_TOKEN is not set.
        """
        from bot.app import api_url, make_web_client

        env = os.environ if env is None else env
        token = env.get("SLACK_BOT_TOKEN", "").strip()
        if not token:
            raise ConfigError(["environment variable SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)"])
        return cls(make_web_client(token, api_url(env)))

    def publish(self, digest: Digest) -> Delivery:
        messages = view.render_digest(digest)
        # For a user, chat.postMessage to the user id posts in the bot's DM with them.
        try:
            head = self.client.chat_postMessage(channel=digest.audience.id, unfurl_links=False, unfurl_media=False,
                                                **messages[0])
        except SlackApiError as exc:
            raise _delivery_error(exc, digest.audience) from exc
        channel, ts = head.get("channel") or digest.audience.id, head.get("ts")
        errors = []
        posted = 1
        for n, message in enumerate(messages[1:], start=2):
            try:
                self.client.chat_postMessage(channel=channel, thread_ts=ts, unfurl_links=False, unfurl_media=False,
                                             **message)
                posted += 1
            except SlackApiError as exc:
                errors.append(f"part {n}/{len(messages)} refused: {exc.response.get('error')}")
                break
        return Delivery(ts, posted, tuple(errors))


def _delivery_error(exc: SlackApiError, audience: Audience) -> DeliveryError:
    response = exc.response
    retry_after = None
    if response.status_code == 429:
        value = (response.headers or {}).get("Retry-After") or (response.headers or {}).get("retry-after")
        retry_after = float(value) if value and str(value).isdigit() else None
    return DeliveryError(f"Slack refused chat.postMessage to {audience.id}: {response.get('error')} "
                         f"(HTTP {response.status_code})", retry_after=retry_after)


# ---------------------------------------------------------------- /policy subcommands

def audience_of(ctx) -> Audience | None:
    """In the bot's DM: the user; elsewhere: the channel."""
    if ctx.is_dm:
        return Audience.user(ctx.user_id) if ctx.user_id else None
    return Audience.channel(ctx.channel_id) if ctx.channel_id else None


def _where(audience: Audience) -> str:
    return "in your DMs" if audience.is_user else "in this channel"


def _rest(query: Query) -> str:
    """The text after the subcommand word, filters kept (`subscribe 研发 in:成都` → `研发 in:成都`)."""
    parts = query.raw.split(None, 1)
    rest = parts[1] if len(parts) > 1 else ""
    return normalize_topic(rest or query.topic)


def _now(services: Services) -> dt.datetime:
    return services.clock() if services.clock else dt.datetime.now(dt.timezone.utc)


def handle_policy_subcommand(query: Query, ctx) -> dict[str, Any]:
    """Answer subscribe, unsubscribe, subscriptions, digest (preview|now) and reload.

    Args:
        query: the parsed query (intent one of the above).
        ctx: handlers.dispatch.PolicyContext: services, user_id, channel_id, is_dm, is_admin,
            prefix, and client (the request's WebClient, used by `digest now`).
    """
    services: Services = ctx.services
    prefix = ctx.prefix
    if query.intent == "reload":
        return reload_corpus(ctx)
    if services.store is None:
        return render_notice(NO_STORE)
    audience = audience_of(ctx)
    if audience is None:
        return render_notice(NO_AUDIENCE)
    where = _where(audience)
    topic = _rest(query)
    store = services.store
    if query.intent == "subscribe":
        if not topic:
            return render_notice(SUBSCRIBE_USAGE.format(prefix=prefix))
        followed = store.topics(audience)
        if topic in followed:
            return render_notice(ALREADY.format(topic=plain(topic, 200), where=where))
        if len(followed) >= MAX_SUBSCRIPTIONS:
            return render_notice(TOO_MANY.format(where=where, count=len(followed)))
        store.subscribe(audience, topic, by=ctx.user_id, at=_now(services))
        count = len(topic_hits(services.engine, topic))
        matches = MATCHES.format(count=count) if count else NO_MATCHES
        schedules = describe_schedules(services.settings.schedules, audience)
        return view.render_result(SUBSCRIBED.format(where=where, topic=plain(topic, 200), matches=matches),
                                  note=view.schedule_note(schedules, prefix))
    if query.intent == "unsubscribe":
        if not topic:
            return render_notice(UNSUBSCRIBE_USAGE.format(prefix=prefix))
        text = UNSUBSCRIBED if store.unsubscribe(audience, topic) else NOT_FOLLOWED
        return render_notice(text.format(topic=plain(topic, 200), where=where))
    if query.intent == "subscriptions":
        return view.render_subscriptions(store.subscriptions(audience), where,
                                         describe_schedules(services.settings.schedules, audience), prefix=prefix)
    if query.intent == "digest":
        word = topic.lower()
        if word in ("preview", "预览", "next"):
            schedule = schedule_for(services.settings, audience)
            digest = digest_for(services, audience, schedule, _now(services))
            return view.render_preview(digest, where.replace("in ", "", 1))
        if word in ("now", "立即", "post"):
            return post_digest_now(ctx, audience)
        return render_notice(DIGEST_USAGE.format(prefix=prefix, where=where))
    return render_notice(DIGEST_USAGE.format(prefix=prefix, where=where))


def post_digest_now(ctx, audience: Audience) -> dict[str, Any]:
    """`digest now`: post this channel's (or user's) digest at once; admins only."""
    if not ctx.is_admin:
        return render_notice(ADMINS_ONLY.format(action="post a digest", prefix=ctx.prefix))
    services: Services = ctx.services
    runner = DigestRunner(services, SlackPublisher(ctx.client), watch=False)
    outcome = runner.post_now(audience, schedule_for(services.settings, audience))
    if outcome.status == "failed":
        return render_notice(POST_FAILED.format(error=escape(outcome.error or "unknown error")))
    return render_notice(POSTED.format(where=_where(audience), parts=outcome.parts))


def reload_corpus(ctx) -> dict[str, Any]:
    """`reload`: re-read the corpus folder and say what changed; admins only."""
    if not ctx.is_admin:
        return render_notice(ADMINS_ONLY.format(action="reload the corpus", prefix=ctx.prefix))
    engine = ctx.services.engine
    report = engine.reload()

    def names(ids) -> str:
        return escape(", ".join(ids)) if ids else NONE

    text = RELOADED.format(count=len(engine.documents), added=names(report.added),
                           changed=names(report.changed), removed=names(report.removed))
    note = None
    if report.errors:
        note = RELOAD_ERRORS.format(errors=escape("; ".join(str(e) for e in report.errors))[:2000])
    return view.render_result(text, note=note)


def home_blocks(services: Services, user_id: str) -> list[dict[str, Any]]:
    """The user's own (DM) subscriptions, for the App Home tab."""
    if services.store is None or not user_id:
        return []
    return view.home_subscription_blocks(services.store.subscriptions(Audience.user(user_id)))


# ---------------------------------------------------------------- feedback buttons

def _feedback_from(body: dict, services: Services, verdict: str) -> Feedback | None:
    action = (body.get("actions") or [{}])[0]
    value = unpack_value(action.get("value"))
    user_id = (body.get("user") or {}).get("id")
    if not user_id:
        return None
    query = value.get("q") if isinstance(value.get("q"), str) else ""
    intent = value.get("i") if isinstance(value.get("i"), str) else None
    ids = value.get("ids") if isinstance(value.get("ids"), list) else []
    ids = [i for i in ids if isinstance(i, str)][:MAX_FEEDBACK_IDS]
    shown = []
    for clause_id in ids:
        found = services.engine.clause(clause_id)
        shown.append((clause_id, found[0].ref if found else None))
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    return Feedback(at=_now(services), user_id=user_id, query=query[:2000], verdict=verdict,
                    intent=intent[:32] if intent else None, channel_id=channel,
                    clause_ids=tuple(ids), shown=tuple(shown))


def make_feedback(services: Services, verdict: str):
    action_id = ACTION_HELPFUL if verdict == HELPFUL else ACTION_NOT_HELPFUL

    def handle_feedback(ack, body, respond):
        """Store a Helpful / Not helpful click and thank the user (only they see it)."""
        ack()
        with logged_request("action", action_id) as log:
            item = _feedback_from(body, services, verdict)
            log.intent, log.results = "feedback", len(item.clause_ids) if item else 0
            if item is None:
                return
            if services.store is None:
                text = FEEDBACK_NOT_STORED
            else:
                services.store.add_feedback(item)
                text = FEEDBACK_THANKS[verdict]
            respond(**message_args(render_notice(text), response_type="ephemeral", replace_original=False))

    return handle_feedback


def register(app, services: Services) -> None:
    """Register the feedback buttons (the subcommands come through the `/policy` dispatcher)."""
    app.action(ACTION_HELPFUL)(make_feedback(services, HELPFUL))
    app.action(ACTION_NOT_HELPFUL)(make_feedback(services, NOT_HELPFUL))
