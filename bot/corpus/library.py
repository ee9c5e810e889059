"""Documents added by hand (`policybot add`, later Slack): checked, kept in the folder and in the database.

`CorpusLibrary.add` is the one call a front end makes with a file's bytes and name (or
`add_url` with an address): the document is parsed first, so a file that cannot be used
is refused with the reason and nothing is written; then it is written to the corpus
folder (with a sidecar holding what is known of it from outside, such as the address it
was fetched from) and saved in the database. `sync` brings another instance's corpus
folder up to date with the database: the lead's corpus watcher calls it, then reloads.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Callable

from bot.corpus.fetch import FetchLimits, fetch_document, sniff_suffix
from bot.corpus.files import DOCUMENT_SUFFIXES, SIDECAR_SUFFIXES, document_ids, list_corpus_files
from bot.corpus.reader import parse_sidecar, read_document
from bot.errors import DocumentError, PolicybotError
from bot.model import Document
from bot.settings import dump_yaml_text

if TYPE_CHECKING:
    from bot.store import Store

log = logging.getLogger(__name__)
ADDED, REPLACED, UNCHANGED = "added", "replaced", "unchanged"
MAX_NAME_CHARS = 120


class AddError(PolicybotError):
    """A document was not added; the message is the reason, for a user to act on (the caller names the file)."""


@dataclass(frozen=True)
class AddResult:
    """What adding one document did, and what was parsed from it (for `check`-like output or Slack)."""

    name: str  # the file's path inside the corpus folder
    status: str  # added | replaced | unchanged
    document: Document
    shared: bool  # saved in the database, so every instance gets it

    @property
    def problems(self) -> tuple[str, ...]:
        return self.document.problems


@dataclass(frozen=True)
class SyncReport:
    """What `sync` wrote into the folder, and which documents it could not write."""

    written: tuple[str, ...] = ()
    unchanged: int = 0
    problems: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.written)


@dataclass
class CorpusLibrary:
    """The corpus folder of this instance and the database every instance shares.

    Attributes:
        folder: this instance's corpus folder.
        store: the shared database; None keeps added documents in the folder only.
        clock: returns the current aware time.
    """

    folder: Path
    store: "Store | None" = None
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)
    _hashes: dict[Path, tuple[int, int, str]] = field(default_factory=dict, repr=False)

    # -- adding --------------------------------------------------------------------------

    def add(self, data: bytes, name: str, *, meta: dict[str, Any] | None = None,
            added_by: str | None = None) -> AddResult:
        """Check a document and add it to the corpus folder and the shared database.

        Args:
            data: the file's bytes, as downloaded or read.
            name: its file name (any folder part is dropped); the suffix says the format, and is
                guessed from the bytes when missing.
            meta: what is known of it from outside (source_url, fetched_at, title, region...);
                kept in its sidecar.
            added_by: who added it (a Slack user id), recorded in the database.

        Raises:
            AddError: the name or format is not usable, or the document cannot be parsed; nothing
                is written then.
        """
        name = safe_name(name, data)
        target = self.folder / name
        sidecar = {**self._existing_sidecar(target), **(meta or {})}
        ids = document_ids(sorted(set(list_corpus_files(self.folder)) | {target}), self.folder)
        try:
            document = read_document(data, name, doc_id=ids[target], sidecar=_normalized(sidecar, name))
        except DocumentError as exc:
            raise AddError(exc.reason) from None
        status = self._write(target, data, sidecar)
        shared = False
        if self.store is not None:
            self.store.save_corpus_document(name, data, sidecar, sha256=_sha256(data), by=added_by, at=self.clock())
            shared = True
        log.info("%s %s (%s)", status, name, document.title)
        return AddResult(name, status, document.summary(), shared)

    def add_url(self, url: str, *, limits: FetchLimits = FetchLimits(), added_by: str | None = None) -> AddResult:
        """Fetch a page or file from an http(s) address and add it, its address and fetch time in the sidecar.

        Raises:
            FetchError: the address is refused or the fetch fails.
            AddError: what was fetched is not a usable document.
        """
        fetched = fetch_document(url, limits=limits, now=self.clock())
        return self.add(fetched.data, fetched.name, meta=fetched.meta, added_by=added_by)

    def _existing_sidecar(self, target: Path) -> dict[str, Any]:
        """Keys an operator wrote beside an earlier version (a region, say) stay unless replaced."""
        for suffix in SIDECAR_SUFFIXES:
            path = target.with_suffix(suffix)
            if path.is_file():
                try:
                    return dict(parse_sidecar(path.read_text(encoding="utf-8"), path.name))
                except (OSError, UnicodeDecodeError, DocumentError):
                    return {}
        return {}

    def _write(self, target: Path, data: bytes, sidecar: dict[str, Any]) -> str:
        """Write the document and its sidecar atomically; say whether it was new, replaced or the same."""
        before = target.read_bytes() if target.is_file() else None
        same_sidecar = _normalized(sidecar, target.name) == _normalized(self._existing_sidecar(target), target.name)
        if before == data and same_sidecar:
            return UNCHANGED
        target.parent.mkdir(parents=True, exist_ok=True)
        if sidecar:
            # The sidecar first: a watcher that sees the new document must find its metadata.
            _atomic_write(target.with_suffix(".yaml"), dump_yaml_text(_plain(sidecar)).encode("utf-8"))
        _atomic_write(target, data)
        return ADDED if before is None else REPLACED

    # -- syncing ---------------------------------------------------------------------------

    def sync(self) -> SyncReport:
        """Write every document of the database that this folder lacks or holds in another version.

        A document whose name is unsafe, or that cannot be written, is reported and the others
        still sync. Documents that are only in the folder are left alone.
        """
        if self.store is None:
            return SyncReport()
        written: list[str] = []
        problems: list[str] = []
        unchanged = 0
        for entry in self.store.corpus_entries():
            try:
                name = safe_relative_name(entry.name)
            except AddError as exc:
                problems.append(str(exc))
                continue
            target = self.folder / name
            wanted_sidecar = _normalized(dict(entry.meta), name)
            if self._local_sha256(target) == entry.sha256 and \
                    _normalized(self._existing_sidecar(target), name) == wanted_sidecar:
                unchanged += 1
                continue
            content = self.store.corpus_content(entry.name)
            if content is None:  # removed from the database since the listing
                continue
            try:
                self._write(target, content, dict(entry.meta))
            except OSError as exc:
                problems.append(f"{name}: cannot write ({exc.strerror})")
                continue
            written.append(name)
        for name in written:
            log.info("synced %s from the database", name)
        for problem in problems:
            log.warning("not synced: %s", problem)
        return SyncReport(tuple(written), unchanged, tuple(problems))

    def _local_sha256(self, path: Path) -> str | None:
        """The file's hash, remembered while its size and modification time stay the same."""
        try:
            stat = path.stat()
        except OSError:
            return None
        known = self._hashes.get(path)
        if known and known[:2] == (stat.st_size, stat.st_mtime_ns):
            return known[2]
        try:
            digest = _sha256(path.read_bytes())
        except OSError:
            return None
        self._hashes[path] = (stat.st_size, stat.st_mtime_ns, digest)
        return digest


def safe_name(name: str, data: bytes = b"") -> str:
    """A file name fit for the corpus folder: no folders, no control characters, a supported suffix.

    Raises:
        AddError: when the suffix is not a supported format and the bytes do not say one.
    """
    base = re.split(r"[\\/]", name.strip())[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = f".{suffix.lower()}" if suffix else ""
    if suffix not in DOCUMENT_SUFFIXES:
        sniffed = sniff_suffix(data)
        if sniffed is None:
            supported = " ".join(DOCUMENT_SUFFIXES)
            raise AddError(f"unsupported file type {suffix or '(none)'} (supported: {supported})")
        stem, suffix = base, sniffed
    stem = re.sub(r"\s+", "-", stem)[:MAX_NAME_CHARS].strip("-") or "document"
    return f"{stem}{suffix}"


def safe_relative_name(name: str) -> str:
    """Accept a stored name only as a plain relative path inside the folder (`2023/plan.pdf`).

    Raises:
        AddError: for an absolute path, `..`, or a hidden part.
    """
    path = PurePosixPath(name)
    if path.is_absolute() or not path.parts or any(p in ("", ".", "..") or p.startswith(".") for p in path.parts):
        raise AddError(f"{name!r} is not a safe name inside the corpus folder")
    return path.as_posix()


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # hidden: the corpus listing skips it
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _normalized(meta: dict[str, Any], source: str) -> dict[str, Any]:
    """Metadata as the reader will see it in the sidecar (keys in one spelling)."""
    return parse_sidecar(dump_yaml_text(_plain(meta)), source) if meta else {}


def _plain(meta: dict[str, Any]) -> dict[str, Any]:
    """Values YAML writes and reads back as they were (dates as ISO text)."""
    return {str(k): (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v) for k, v in meta.items()}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()

