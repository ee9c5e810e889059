"""Notice corpus changes while serving and reload the engine: a job of its own, every minute."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.engine import PolicyEngine, ReloadReport

log = logging.getLogger("policybot.corpus")


def folder_fingerprint(folder: Path) -> tuple:
    """Names, sizes and modification times of the files under `folder` (hidden ones left out)."""
    out = []
    try:
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                out.append((os.path.relpath(path, folder), st.st_size, st.st_mtime_ns))
    except OSError:
        return ()
    return tuple(out)


class CorpusWatcher:
    """Reload the engine when the corpus folder changed (a file added, edited or removed).

    Polling names, sizes and modification times is enough for a folder of documents and
    works on every file system, network mounts included.
    """

    def __init__(self, engine: "PolicyEngine", folder: Path):
        self.engine = engine
        self.folder = folder
        self._seen = folder_fingerprint(folder)

    def changed(self) -> bool:
        current = folder_fingerprint(self.folder)
        if current == self._seen:
            return False
        self._seen = current
        return True

    def check(self) -> "ReloadReport | None":
        """Reload when the folder changed; return the engine's report, or None."""
        if not self.changed():
            return None
        try:
            report = self.engine.reload()
        except Exception:  # a half-copied folder, a vanished mount: keep serving the corpus we have
            log.exception("corpus reload failed; keeping the previous corpus and trying again at the next check")
            self._seen = ()  # the next check reloads again
            return None
        log.info("corpus changed: added=%s changed=%s removed=%s errors=%d",
                 list(report.added), list(report.changed), list(report.removed), len(report.errors))
        return report
