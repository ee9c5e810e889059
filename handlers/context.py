"""What every Slack listener shares: who asked and where, the reply, one log line per request."""
from __future__ import annotations

import json
import logging
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.model import Intent
from bot.services import Services
from bot.strings import COMMAND, Catalog

REQUEST_LOG = "policybot.requests"
MESSAGE_KEYS = ("text", "blocks", "attachments")


def new_error_id() -> str:
    """Return a short id a user can quote and an operator can grep for."""
    return "E" + secrets.token_hex(4)


@dataclass
class PolicyContext:
    """Who asked, where, and with which services; handed to every subcommand.

    Attributes:
        surface: "command" (slash command), "dm" (direct message) or "mention".
        client: the request's `slack_sdk.WebClient` (bot token, API base URL already set).
        language: the asker's language (`handlers.languages`), which every reply is written in.
    """

    services: Services
    surface: str
    user_id: str | None = None
    channel_id: str | None = None
    team_id: str | None = None
    thread_ts: str | None = None
    client: Any = None
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("policybot"))
    language: str = "zh"
    typed_links: tuple[str, ...] = ()  # addresses of the links in what the user typed (`/policy add <URL>`)

    @property
    def is_dm(self) -> bool:
        return self.surface == "dm" or (self.channel_id or "").startswith("D")

    @property
    def is_admin(self) -> bool:
        return bool(self.user_id) and self.user_id in self.services.settings.admins

    @property
    def prefix(self) -> str:
        """How the user addresses the bot here: `/policy ` for the command, nothing in a DM."""
        return f"{COMMAND} " if self.surface == "command" else ""

    @property
    def t(self) -> Catalog:
        """The string catalog in the asker's language."""
        return Catalog(self.language)


@dataclass
class Reply:
    """What to send back, and what the request log says of it."""

    message: dict[str, Any] | None
    intent: Intent | str | None = None
    results: int | None = None


def message_args(message: dict[str, Any], **defaults: Any) -> dict[str, Any]:
    """Return the keyword arguments to send `message` with; keys it sets itself win over `defaults`."""
    args = {key: message[key] for key in MESSAGE_KEYS if key in message}
    for key, value in defaults.items():
        args[key] = message.get(key, value)
    return args


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
        self.intent = str(reply.intent) if reply.intent else None
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
