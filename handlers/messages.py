"""Direct messages and @mentions: the same query language, answered in a thread."""
from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict

from bot.services import Services
from handlers.commands import reply_to
from handlers.context import PolicyContext, logged_request, message_args
from handlers.table import CommandTable

# Slack retries an event it thinks went unanswered (header X-Slack-Retry-Num) and keeps
# doing so for about an hour; an hour of ids bounded by count is enough to answer once.
SEEN_TTL_SECONDS = 3600
SEEN_MAX = 10_000
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")


class SeenEvents:
    """Remember which events and messages were already taken, to answer each only once.

    Thread-safe: Bolt runs listeners on a pool, and a retry can arrive while the first
    delivery is still being answered, so an event is claimed before it is answered.
    """

    def __init__(self, ttl: float = SEEN_TTL_SECONDS, max_size: int = SEEN_MAX, clock=time.monotonic):
        self._ttl = ttl
        self._max = max_size
        self._clock = clock
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, *keys: str | None) -> bool:
        """Return True when none of `keys` was claimed before, and claim them all."""
        keys = tuple(k for k in keys if k)
        now = self._clock()
        with self._lock:
            while self._seen and (len(self._seen) > self._max or next(iter(self._seen.values())) < now - self._ttl):
                self._seen.popitem(last=False)
            if any(k in self._seen for k in keys):
                return False
            for k in keys:
                self._seen[k] = now
            return True


def strip_mentions(text: str, bot_user_id: str | None) -> str:
    """Remove mentions of the bot (`<@U123> target 研发` → `target 研发`)."""
    if not bot_user_id:
        return _MENTION.sub(lambda m: "" if m.start() == 0 else m.group(0), text).strip()
    return _MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else m.group(0), text).strip()


def is_from_a_bot(event: dict, bot_user_id: str | None) -> bool:
    return bool(event.get("bot_id") or event.get("bot_profile")) or (
        bot_user_id is not None and event.get("user") == bot_user_id)


def make_event_listener(services: Services, table: CommandTable, seen: SeenEvents, surface: str):
    """Return a listener answering a DM (`surface="dm"`) or a mention (`surface="mention"`)."""

    def handle_query_message(body, event, client, context, logger):
        """Answer a message addressed to the bot, threaded under it."""
        if surface == "dm" and event.get("channel_type") != "im":
            return
        # Edits, deletions, joins, bot posts... carry a subtype; only plain user messages are questions.
        if event.get("subtype") or is_from_a_bot(event, context.bot_user_id) or not event.get("user"):
            return
        channel, ts = event.get("channel"), event.get("ts")
        # A mention in a DM can arrive as both message.im and app_mention: key on the message too.
        if not seen.claim(body.get("event_id"), f"{channel}:{ts}"):
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
    """Register the DM and mention listeners; both share one memory of handled events."""
    seen = SeenEvents()
    # Every message event is taken (and ignored when not a question): an unhandled event
    # gets a 404, which Slack counts as a failure and retries.
    app.event("message")(make_event_listener(services, table, seen, "dm"))
    app.event("app_mention")(make_event_listener(services, table, seen, "mention"))
