"""Direct messages and @mentions: the same query language, answered in a thread.

An @mention inside a thread that says nothing to look for (`@policybot`, or only
`@policybot 目标`) asks about the thread itself: its first message is read as the query.
"""
from __future__ import annotations

import logging

from bot.engine import PolicyEngine
from bot.message_query import query_from_message
from bot.model import Intent
from bot.seen import EVENT_TTL, SeenKeys
from bot.services import Services
from handlers.commands import reply_to
from handlers.context import PolicyContext, logged_request, message_args
from handlers.languages import UserLanguages
from handlers.slack_text import link_addresses, user_text
from handlers.table import CommandTable

log = logging.getLogger("policybot.messages")


def asks_about_the_thread(text: str, engine: PolicyEngine) -> bool:
    """Tell whether a message names no topic of its own: nothing, or only an intent word and filters."""
    if not text:
        return True
    query = engine.parse(text)
    if query.topic:
        return False
    if query.intent in (Intent.TARGET, Intent.LEAD_UNIT, Intent.UNIT, Intent.SEARCH):
        return True
    # `unit` or `search` alone parse as help (there is nothing to look for): here the thread is.
    return query.intent == Intent.HELP and engine.vocabulary.intent_of(text.split()[0]) in (Intent.UNIT,
                                                                                            Intent.SEARCH)


def thread_parent_text(client, channel: str, thread_ts: str) -> str | None:
    """Return the first message of a thread, decoded; None when Slack will not say (no scope, no access)."""
    try:
        response = client.conversations_replies(channel=channel, ts=thread_ts, limit=1, inclusive=True)
    except Exception as exc:  # the mention is still answered, as if it had no thread
        log.warning("conversations.replies for %s/%s failed: %s", channel, thread_ts, exc)
        return None
    messages = response.get("messages") or []
    parent = next((m for m in messages if m.get("ts") == thread_ts), messages[0] if messages else None)
    return user_text(parent.get("text")) if parent else None


def with_thread(text: str, parent: str, engine: PolicyEngine, max_chars: int) -> str:
    """Apply the mention's own words (an intent, filters) to what the thread's first message is about."""
    about = query_from_message(parent, engine, max_chars=max(max_chars - len(text) - 1, 1))
    if text and about and engine.vocabulary.intent_of(about.split()[0]) is not None:
        about = about.split(" ", 1)[1] if " " in about else ""  # the mention's intent word wins
    return f"{text} {about}".strip()


def is_from_a_bot(event: dict, bot_user_id: str | None) -> bool:
    return bool(event.get("bot_id") or event.get("bot_profile")) or (
        bot_user_id is not None and event.get("user") == bot_user_id)


def make_event_listener(services: Services, table: CommandTable, seen: SeenKeys, surface: str,
                        languages: UserLanguages):
    """Return a listener answering a DM (`surface="dm"`) or a mention (`surface="mention"`)."""

    def handle_query_message(body, event, client, context, logger):
        """Answer a message addressed to the bot, threaded under it."""
        if surface == "dm" and event.get("channel_type") != "im":
            return
        # Edits, deletions, joins, bot posts... carry a subtype; only plain user messages are questions.
        if event.get("subtype") or is_from_a_bot(event, context.bot_user_id) or not event.get("user"):
            return
        channel, ts = event.get("channel"), event.get("ts")
        team = body.get("team_id") or context.team_id
        # Slack retries an event it thinks went unanswered, maybe to another instance; a mention in
        # a DM arrives as both message.im and app_mention: the event and the message are each taken once.
        event_id = body.get("event_id")
        if not seen.claim(event_id and f"event:{event_id}", f"message:{team}:{channel}:{ts}", ttl=EVENT_TTL,
                          team=team):
            logger.debug("skipping an event already handled (event_id=%s)", body.get("event_id"))
            return
        with logged_request(surface, surface) as log:
            thread_ts = event.get("thread_ts") or ts
            ctx = PolicyContext(
                services=services, surface=surface, user_id=event.get("user"), channel_id=channel,
                team_id=event.get("team") or context.team_id, thread_ts=thread_ts, client=client, logger=logger,
                language=languages.of(event.get("user"), client), typed_links=link_addresses(event.get("text")),
            )
            text = user_text(event.get("text"))
            if surface == "mention" and thread_ts != ts and asks_about_the_thread(text, services.engine):
                parent = thread_parent_text(client, channel, thread_ts)
                if parent:
                    text = with_thread(text, parent, services.engine, services.settings.max_query_chars)
            reply = reply_to(text, ctx, table)
            log.note(reply)
            if reply.message:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                        **message_args(reply.message, unfurl_links=False, unfurl_media=False))

    return handle_query_message


def register(app, services: Services, table: CommandTable, languages: UserLanguages) -> None:
    """Register the DM and mention listeners; both share the database's memory of handled events."""
    seen = services.seen
    # Every message event is taken (and ignored when not a question): an unhandled event
    # gets a 404, which Slack counts as a failure and retries.
    app.event("message")(make_event_listener(services, table, seen, "dm", languages))
    app.event("app_mention")(make_event_listener(services, table, seen, "mention", languages))
