"""Take a request, an event or a command once, across every instance sharing the database.

Slack retries an event it thinks went unanswered (for about an hour), a replayed request
carries the same signature for five minutes, and with several instances behind a load
balancer a retry may reach another instance than the first delivery. Memory of what was
taken is therefore kept in the database (`Store.claim_keys`), where one INSERT decides.
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from bot.store import Store

log = logging.getLogger("policybot.seen")

EVENT_TTL = dt.timedelta(hours=1)  # Slack stops retrying an event after about an hour
SIGNATURE_TTL = dt.timedelta(minutes=10)  # a signature is accepted for five minutes either side of its time
PRUNE_EVERY = dt.timedelta(minutes=10)


class SeenKeys:
    """Keys taken once until they expire, shared by every instance.

    Args:
        store: the shared database.
        clock: returns the current aware time.
    """

    def __init__(self, store: Store, clock: Callable[[], dt.datetime]):
        self.store = store
        self.clock = clock
        self._pruned: dt.datetime | None = None
        self._lock = threading.Lock()

    def claim(self, *keys: str | None, ttl: dt.timedelta = EVENT_TTL, team: str | None = None) -> bool:
        """Return True when none of `keys` was taken before (and take them all); False otherwise.

        Empty keys are ignored; with none left the answer is True.
        """
        now = self.clock()
        self._prune(now)
        return self.store.claim_keys([k for k in keys if k], now=now, ttl=ttl, team=team or "")

    def _prune(self, now: dt.datetime) -> None:
        with self._lock:
            if self._pruned is not None and now - self._pruned < PRUNE_EVERY:
                return
            self._pruned = now
        try:
            removed = self.store.prune_seen_keys(now)
        except Exception:  # pruning is housekeeping: a failure must not refuse the request
            log.exception("could not prune expired keys")
            return
        if removed:
            log.debug("pruned %d expired key(s)", removed)
