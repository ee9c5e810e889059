"""Which language to answer each user in: their Slack locale, else the workspace's.

Slack tells a user's locale only through `users.info` with `include_locale=true` (no
request payload carries it), so each user's answer is kept for a while: a user changes
language rarely, and a lookup on every request would cost a round trip each time.
"""
from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from bot.strings import Catalog, language_of

log = logging.getLogger("policybot.languages")

LOCALE_TTL_SECONDS = 3600  # a changed Slack language is followed within the hour
FAILED_TTL_SECONDS = 120  # after a failed lookup, the workspace language for two minutes, then ask again
MAX_USERS = 10_000


class UserLanguages:
    """The catalog language of each user, from `users.info`, in a bounded cache with a time to live.

    Thread-safe: Bolt runs listeners on a pool. A lookup that fails (a missing `users:read`
    scope, an unknown user, Slack unreachable) answers with the workspace language and never
    fails the request it serves.
    """

    def __init__(self, client, workspace_locale: str, *, ttl: float = LOCALE_TTL_SECONDS,
                 failed_ttl: float = FAILED_TTL_SECONDS, max_users: int = MAX_USERS,
                 clock: Callable[[], float] = time.monotonic):
        """Use `client` (a `slack_sdk.WebClient`) for lookups; `workspace_locale` is `slack.language`."""
        self._client = client
        self.default = language_of(workspace_locale) or "zh"
        self._ttl = ttl
        self._failed_ttl = failed_ttl
        self._max = max_users
        self._clock = clock
        self._cache: OrderedDict[str, tuple[str, float]] = OrderedDict()  # user -> (language, expires)
        self._pending: dict[str, threading.Event] = {}  # users whose lookup is under way
        self._lock = threading.Lock()

    def known(self, user_id: str | None) -> str:
        """Return the user's language if already known, else the workspace's; never call Slack."""
        if not user_id:
            return self.default
        now = self._clock()
        with self._lock:
            entry = self._cache.get(user_id)
            return entry[0] if entry and entry[1] > now else self.default

    def of(self, user_id: str | None, client=None, *, within: float | None = None) -> str:
        """Return the user's language: from the cache, else from `users.info` (through `client` when given).

        Args:
            within: wait at most this long for a lookup (a slash command has 3 s for its whole
                answer); past it, answer in the workspace language while the lookup finishes
                for the next request.
        """
        if not user_id:
            return self.default
        now = self._clock()
        with self._lock:
            entry = self._cache.get(user_id)
            if entry and entry[1] > now:
                return entry[0]
            done = self._pending.get(user_id)
            owner = done is None
            if owner:  # one lookup per user at a time: a burst of requests waits for the same one
                done = self._pending[user_id] = threading.Event()
        if owner:
            if within is None:
                self._fill(user_id, client or self._client, done)
            else:
                threading.Thread(target=self._fill, args=(user_id, client or self._client, done),
                                 name="users-info", daemon=True).start()
        if not done.wait(within):
            return self.default
        with self._lock:
            entry = self._cache.get(user_id)
        return entry[0] if entry else self.default

    def _fill(self, user_id: str, client, done: threading.Event) -> None:
        try:
            language, ttl = self._look_up(user_id, client)
            with self._lock:
                self._cache[user_id] = (language, self._clock() + ttl)
                self._cache.move_to_end(user_id)
                while len(self._cache) > self._max:
                    self._cache.popitem(last=False)
        finally:
            with self._lock:
                self._pending.pop(user_id, None)
            done.set()

    def catalog(self, user_id: str | None, client=None) -> Catalog:
        """Return the string catalog in the user's language."""
        return Catalog(self.of(user_id, client))

    def _look_up(self, user_id: str, client) -> tuple[str, float]:
        try:
            response = client.users_info(user=user_id, include_locale=True)
            locale = (response.get("user") or {}).get("locale")
        except Exception as exc:  # any failure: answer in the workspace language rather than not at all
            log.warning("users.info for %s failed (%s); answering in %s", user_id, exc, self.default)
            return self.default, self._failed_ttl
        # A locale the catalog does not have (ja-JP, fr-FR) reads the workspace language.
        return language_of(locale) or self.default, self._ttl
