"""The services a front end is handed: built once at start by `bot.app`, passed in, never global."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.corpus.library import CorpusLibrary
from bot.digest_runner import DigestRunner
from bot.engine import PolicyEngine
from bot.links import ClauseLinks
from bot.seen import SeenKeys
from bot.settings import Settings
from bot.store import Store
from bot.watcher import CorpusWatcher

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
    links: ClauseLinks  # where references link to (the viewer under server.public_url)
    seen: SeenKeys  # events, request signatures and commands taken once, across instances
    watcher: CorpusWatcher  # reloads the engine when the corpus changed (after a document is added, at once)
