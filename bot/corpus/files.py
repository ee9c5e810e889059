"""Which files make the corpus, and the id each document gets: listing only, no reading.

Kept apart from the reader so that what only needs the list (the index cache's key, the
corpus watcher) does not import the parsers.
"""
from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from bot.errors import ConfigError

log = logging.getLogger("bot.corpus.reader")  # one logger for what the corpus skips

TEXT_SUFFIXES = (".txt", ".md")
# Text first: when `a.txt` and `a.pdf` share a name, the text keeps the plain id `a`.
DOCUMENT_SUFFIXES = TEXT_SUFFIXES + (".docx", ".pdf", ".ofd", ".html", ".htm")
SIDECAR_SUFFIXES = (".yaml", ".yml")


def is_document(name: str) -> bool:
    """Whether a file of this name is read as a corpus document (by its suffix)."""
    return name.lower().endswith(DOCUMENT_SUFFIXES) and not name.startswith(".")


def list_corpus_files(folder: Path) -> list[Path]:
    """Every document in the corpus folder and its sub-folders (hidden ones and sidecars excluded), sorted."""
    if not folder.is_dir():
        raise ConfigError([f"corpus folder not found: {folder}"])
    found = []
    for root, dirs, files in os.walk(folder, onerror=_unlistable):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(root) / name for name in files if is_document(name)]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def corpus_stat(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """Name, size and modification time of every document and sidecar: cheap to poll for changes.

    For a watcher: unlike a scan of the top folder only, it sees sub-folders and ignores
    files that are not documents (editor backups, the `.tmp` of a copy in progress).
    """
    out = []
    try:
        for path in list_corpus_files(folder):
            for part in (path, *(path.with_suffix(s) for s in SIDECAR_SUFFIXES)):
                try:
                    st = part.stat()
                except OSError:
                    continue
                out.append((part.relative_to(folder).as_posix(), st.st_size, st.st_mtime_ns))
    except ConfigError:  # the folder is gone: that is a state too
        return ()
    return tuple(out)


def _unlistable(exc: OSError) -> None:
    log.warning("skipped folder %s: cannot list it (%s)", exc.filename, exc.strerror)


def document_ids(files: list[Path], folder: Path) -> dict[Path, str]:
    """Give every file an id unique in the corpus, as short as that allows.

    The id is the path inside the corpus folder without the suffix (`plan`, `2023/plan`);
    only files that would share an id keep their suffix (`plan.pdf` beside `plan.txt`,
    which keeps `plan`), so adding a file never changes the id of a text file already there.
    """
    def base(path: Path) -> str:
        relative = path.relative_to(folder)
        parts = [*relative.parent.parts, relative.stem] if relative.parent.parts else [relative.stem]
        return "/".join(re.sub(r"\s+", "-", part.strip()) for part in parts)

    def rank(path: Path) -> tuple:
        suffix = path.suffix.lower()
        return (DOCUMENT_SUFFIXES.index(suffix) if suffix in DOCUMENT_SUFFIXES else len(DOCUMENT_SUFFIXES),
                path.name)

    groups: dict[str, list[Path]] = {}
    for path in files:
        groups.setdefault(base(path).casefold(), []).append(path)
    ids: dict[Path, str] = {}
    for members in groups.values():
        members.sort(key=rank)
        ids[members[0]] = base(members[0])
        for path in members[1:]:
            ids[path] = f"{base(path)}{path.suffix.lower()}"
    taken: set[str] = set()
    for path in sorted(ids, key=lambda p: (ids[p].count("."), p.as_posix())):
        candidate, n = ids[path], 2
        while candidate.casefold() in taken:  # `a.md.txt` beside `a.md` and `a.txt`
            candidate, n = f"{ids[path]}~{n}", n + 1
        ids[path] = candidate
        taken.add(candidate.casefold())
    return ids


def document_id(path: Path) -> str:
    """The id of a file alone in its folder: its name without the suffix (see `document_ids`)."""
    return re.sub(r"\s+", "-", path.stem.strip())
