"""The services a front end is handed: built once at start, passed in, never global."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.engine import PolicyEngine
    from bot.settings import Settings


@dataclass
class Services:
    settings: "Settings"
    engine: "PolicyEngine"
    store: Any = None  # bot.store.Store once digests are wired
    clock: Any = None  # callable returning an aware datetime; tests pass a controllable one
