"""The services a front end is handed: built once at start by `bot.app`, passed in, never global."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.corpus.library import CorpusLibrary
from bot.digest_runner import DigestRunner
from bot.engine import PolicyEngine
from bot.settings import Settings
from bot.store import Store

Clock = Callable[[], dt.datetime]  # returns an aware datetime; tests pass one they control


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class Services:
    """What every Slack listener (and `policybot digest`) works with."""

    settings: Settings
    engine: PolicyEngine
    store: Store
    clock: Clock
    digests: DigestRunner
    library: CorpusLibrary  # adds documents, shared through the database with every instance
