"""From query text to a reply: shared by `/policy`, direct messages and mentions.

A handler builds a `PolicyContext` (who asked, where, with which services), calls
`reply_to`, and sends what comes back. The reply is a plain message dict, so the
transport (ack, respond, chat.postMessage) is the handler's business only.
"""
from __future__ import annotations

import difflib
import importlib
import json
import logging
import re
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.model import Answer, Query
from bot.services import Services
from handlers import blocks
from handlers import strings as s

# Subcommands served by the digest module (subscriptions, digests, reload).
DIGEST_INTENTS = frozenset({"subscribe", "unsubscribe", "subscriptions", "digest", "reload"})
# `unit` or `search` with nothing after it has nothing to look for (a bare `target` lists all targets).
TOPIC_REQUIRED = frozenset({"unit", "search"})
REQUEST_LOG = "policybot.requests"
_COMMAND_WORD = re.compile(r"^[A-Za-z][A-Za-z-]*$")


def new_error_id() -> str:
    """Return a short id a user can quote and an operator can grep for."""
    return "E" + secrets.token_hex(4)


@dataclass
class PolicyContext:
    """Who asked, where, and with which services; handed to every subcommand.

    Attributes:
        surface: "command" (slash command), "dm" (direct message) or "mention".
        client: the request's `slack_sdk.WebClient` (bot token, API base URL already set).
    """

    services: Services
    surface: str
    user_id: str | None = None
    channel_id: str | None = None
    team_id: str | None = None
    thread_ts: str | None = None
    client: Any = None
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("policybot"))

    @property
    def is_dm(self) -> bool:
        return self.surface == "dm" or (self.channel_id or "").startswith("D")

    @property
    def is_admin(self) -> bool:
        return bool(self.user_id) and self.user_id in self.services.settings.admins

    @property
    def prefix(self) -> str:
        """How the user addresses the bot here: `/policy ` for the command, nothing in a DM."""
        return f"{s.COMMAND} " if self.surface == "command" else ""


@dataclass
class Reply:
    """What to send back: a message now, or work to finish after the acknowledgement."""

    message: dict[str, Any] | None
    intent: str | None = None
    results: int | None = None
    later: Callable[[], dict[str, Any] | None] | None = None  # slow work (digests, reload)

    def finish(self) -> "Reply":
        """Run the slow part, if any, so `message` holds the final reply."""
        if self.later is not None:
            self.message, self.later = self.later(), None
        return self


def reply_to(text: str, ctx: PolicyContext) -> Reply:
    """Parse and answer one query text (what follows `/policy`, or a DM's text)."""
    services = ctx.services
    settings = services.settings
    text = (text or "").strip()
    if not text:
        return Reply(blocks.render_help(prefix=ctx.prefix, empty=True), intent="help", results=0)
    limit = settings.max_query_chars
    echo = text if ctx.surface == "command" else None
    # Refused before the engine sees it: a huge query is not worth segmenting.
    query = None if len(text) > limit else services.engine.parse(text)
    if query is None or query.error == "too_long":
        return Reply(blocks.render_too_long(len(text), limit, raw=echo, prefix=ctx.prefix or s.COMMAND),
                     intent="refused", results=0)
    if query.error:
        return Reply(blocks.render_refusal(s.QUERY_ERROR.format(error=query.error), raw=echo,
                                           prefix=ctx.prefix or s.COMMAND), intent=query.intent, results=0)
    if query.intent == "help" or (query.intent in TOPIC_REQUIRED and not query.topic and query.filters.is_empty()):
        return Reply(blocks.render_help(prefix=ctx.prefix), intent="help", results=0)
    if query.intent in DIGEST_INTENTS:
        return Reply(None, intent=query.intent, later=lambda: digest_subcommand(query, ctx))
    unknown = unknown_subcommand(query, settings.vocabulary)
    if unknown:
        return Reply(blocks.render_help(prefix=ctx.prefix, unknown=unknown), intent="help", results=0)
    if query.intent == "docs":
        answer = services.engine.answer(query)
        documents = answer.documents
        message = blocks.render_docs(documents, query=query, echo=ctx.surface == "command", prefix=ctx.prefix)
        return Reply(message, intent="docs", results=len(documents))
    answer = services.engine.answer(query, limit=settings.default_limit)
    return Reply(render_for(answer, ctx.surface), intent=query.intent, results=len(answer.hits) if answer.matched else 0)


MESSAGE_KEYS = ("text", "blocks", "attachments")


def message_args(message: dict[str, Any], **defaults: Any) -> dict[str, Any]:
    """Return the keyword arguments to send `message` with; keys it sets itself win over `defaults`."""
    args = {key: message[key] for key in MESSAGE_KEYS if key in message}
    for key, value in defaults.items():
        args[key] = message.get(key, value)
    return args


def render_for(answer: Answer, surface: str) -> dict[str, Any]:
    """Render an answer as it should look on `surface`.

    Slash command replies are ephemeral: they repeat the query and offer sharing.
    DM and mention replies are threaded under the visible question, so they do neither.
    """
    ephemeral = surface == "command"
    return blocks.render_answer(answer, echo=ephemeral, share=ephemeral,
                                prefix=s.COMMAND if ephemeral else "")


def unknown_subcommand(query: Query, vocabulary) -> str | None:
    """Return the first word when it looks like a mistyped subcommand (`targte 研发`), else None.

    Free text is a search, so only a leading ASCII word close to a known subcommand alias
    counts as a command the user got wrong.
    """
    if query.intent != "search":
        return None
    words = query.raw.split()
    if not words or not _COMMAND_WORD.match(words[0]):
        return None
    first = words[0].lower()
    if vocabulary.intent_of(first):
        return None
    aliases = [a.lower() for names in vocabulary.intents.values() for a in names if _COMMAND_WORD.match(a)]
    return words[0] if difflib.get_close_matches(first, aliases, n=1, cutoff=0.75) else None


def digest_subcommand(query: Query, ctx: PolicyContext) -> dict[str, Any] | None:
    """Hand a subscription/digest/reload query to the digest module, when it is installed."""
    try:
        digests = importlib.import_module("handlers.digests")
    except ModuleNotFoundError as exc:
        if exc.name != "handlers.digests":
            raise
        return blocks.render_unavailable(query.raw.split()[0] if query.raw.split() else query.intent)
    handle = getattr(digests, "handle_policy_subcommand", None)
    if handle is None:
        return blocks.render_unavailable(query.intent)
    reply = handle(query, ctx)
    return blocks.fit_message(reply) if reply else None


# ---------------------------------------------------------------- one log line per request

@dataclass
class RequestLog:
    """The structured line logged once per request; handlers fill in what they learn."""

    surface: str
    command: str
    intent: str | None = None
    results: int | None = None
    error_id: str | None = None
    status: str = "ok"
    started: float = field(default_factory=time.perf_counter)

    def line(self) -> str:
        return json.dumps({
            "event": "request",
            "surface": self.surface,
            "command": self.command,
            "intent": self.intent,
            "results": self.results,
            "latency_ms": round((time.perf_counter() - self.started) * 1000, 1),
            "status": self.status,
            "error_id": self.error_id,
        }, ensure_ascii=False)

    def note(self, reply: Reply) -> None:
        self.intent = reply.intent
        self.results = reply.results


@contextmanager
def logged_request(surface: str, command: str) -> Iterator[RequestLog]:
    """Log one structured line when the request is done; on an error, give it an error id.

    The id travels on the exception (`policybot_error_id`) to the app's error handler,
    which logs the traceback and apologises to the user with the same id.
    """
    record = RequestLog(surface=surface, command=command)
    try:
        yield record
    except Exception as exc:
        record.status = "error"
        record.error_id = getattr(exc, "policybot_error_id", None) or new_error_id()
        try:
            exc.policybot_error_id = record.error_id  # type: ignore[attr-defined]
        except AttributeError:
            pass
        logging.getLogger(REQUEST_LOG).info(record.line())
        raise
    logging.getLogger(REQUEST_LOG).info(record.line())
