"""Notice corpus changes while serving and reload the engine: a job of its own, every minute."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.corpus.files import corpus_stat

if TYPE_CHECKING:
    from bot.corpus.library import CorpusLibrary
    from bot.engine import PolicyEngine, ReloadReport

log = logging.getLogger("policybot.corpus")


class CorpusWatcher:
    """Reload the engine when the corpus changed: in this folder, or in the database instances share.

    Documents added through another instance are first copied from the database into this
    instance's folder (`CorpusLibrary.sync`); then names, sizes and modification times tell
    whether anything changed, which works on every file system, network mounts included.
    """

    def __init__(self, engine: "PolicyEngine", library: "CorpusLibrary"):
        self.engine = engine
        self.library = library
        self._seen = corpus_stat(library.folder)

    def changed(self) -> bool:
        current = corpus_stat(self.library.folder)
        if current == self._seen:
            return False
        self._seen = current
        return True

    def check(self) -> "ReloadReport | None":
        """Sync from the database, reload when the folder changed; return the engine's report, or None."""
        try:
            self.library.sync()
        except Exception:  # the database is down: the folder is still a corpus to serve
            log.exception("could not sync documents from the database; checking the folder alone")
        if not self.changed():
            return None
        try:
            report = self.engine.reload()
        except Exception:  # a half-copied folder, a vanished mount: keep serving the corpus we have
            log.exception("corpus reload failed; keeping the previous corpus and trying again at the next check")
            self._seen = ()  # the next check reloads again
            return None
        # Each skipped file has its WARNING line (with the reason) from the engine; this one sums up.
        log.info("corpus changed: added=%s changed=%s removed=%s errors=%d kept=%s%s",
                 list(report.added), list(report.changed), list(report.removed), len(report.errors),
                 list(report.kept), " (folder refused: index kept)" if report.warning else "")
        return report
