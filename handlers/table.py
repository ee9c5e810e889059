"""The command table: each `/policy` subcommand registered once, with what answers it.

Dispatch (`handlers.commands`) and the help screen (`handlers.blocks.render_help`) both read
this table, so what help lists is exactly what the bot answers. A subcommand's words come
from `config/vocabulary.yaml` (its aliases, and the words of its actions such as
`digest now`); its help text from the string catalog, keyed by intent and action.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.model import Intent, Query

if TYPE_CHECKING:
    from handlers.context import PolicyContext

Answer = Callable[[Query, "PolicyContext"], "dict[str, Any]"]


@dataclass(frozen=True)
class Subcommand:
    """One thing `/policy` does: an intent, optionally narrowed by an action word (`digest now`)."""

    intent: Intent
    action: str | None
    answer: Answer
    admin_only: bool = False
    changes_channel: bool = False  # changes a channel's topics or schedule: `slack.channel_changes` decides who may
    needs_membership: bool = False  # the bot must be in the channel (it will post there)

    @property
    def key(self) -> str:
        return f"{self.intent}.{self.action}" if self.action else str(self.intent)


class CommandTable:
    """Subcommands by intent and action, in the order they were registered (the order of help)."""

    def __init__(self) -> None:
        self._commands: dict[tuple[Intent, str | None], Subcommand] = {}

    def add(self, intent: Intent, answer: Answer, *, action: str | None = None, admin_only: bool = False,
            changes_channel: bool = False, needs_membership: bool = False) -> None:
        """Make `answer` the answer to `intent` (and `action`)."""
        key = (intent, action)
        if key in self._commands:
            raise ValueError(f"subcommand {intent} {action or ''} registered twice")
        self._commands[key] = Subcommand(intent, action, answer, admin_only, changes_channel, needs_membership)

    def find(self, intent: Intent, action: str | None = None) -> Subcommand | None:
        """The subcommand for an intent and action word; the intent's own entry when the action is unknown."""
        return self._commands.get((intent, action)) or self._commands.get((intent, None))

    def actions(self, intent: Intent) -> list[Subcommand]:
        return [c for (i, a), c in self._commands.items() if i == intent and a is not None]

    def listed(self) -> list[Subcommand]:
        """What help lists: every subcommand, but of one with actions only its actions."""
        with_actions = {i for (i, a) in self._commands if a is not None}
        return [c for c in self if c.action is not None or c.intent not in with_actions]

    def __iter__(self) -> Iterator[Subcommand]:
        return iter(self._commands.values())
