"""Direct messages and @mentions: the same query language, answered in a thread."""
from __future__ import annotations

import re

from bot.seen import EVENT_TTL, SeenKeys
from bot.services import Services
from handlers.commands import reply_to
from handlers.context import PolicyContext, logged_request, message_args
from handlers.table import CommandTable

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


def strip_mentions(text: str, bot_user_id: str | None) -> str:
    """Remove mentions of the bot (`<@U123> target 研发` → `target 研发`)."""
    if not bot_user_id:
        return _MENTION.sub(lambda m: "" if m.start() == 0 else m.group(0), text).strip()
    return _MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else m.group(0), text).strip()


def is_from_a_bot(event: dict, bot_user_id: str | None) -> bool:
    return bool(event.get("bot_id") or event.get("bot_profile")) or (
        bot_user_id is not None and event.get("user") == bot_user_id)


def make_event_listener(services: Services, table: CommandTable, seen: SeenKeys, surface: str):
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
            )
            reply = reply_to(strip_mentions(event.get("text") or "", context.bot_user_id), ctx, table)
            log.note(reply)
            if reply.message:
                client.chat_postMessage(channel=channel, thread_ts=thread_ts,
                                        **message_args(reply.message, unfurl_links=False, unfurl_media=False))

    return handle_query_message


def register(app, services: Services, table: CommandTable) -> None:
    """Register the DM and mention listeners; both share the database's memory of handled events."""
    seen = services.seen
    # Every message event is taken (and ignored when not a question): an unhandled event
    # gets a 404, which Slack counts as a failure and retries.
    app.event("message")(make_event_listener(services, table, seen, "dm"))
    app.event("app_mention")(make_event_listener(services, table, seen, "mention"))
