"""Where index generations live on disk, and which one matches the corpus folder now.

    <cache_dir>/corpus-<hash of the corpus folder's path>/
        CURRENT                     name of the generation in use
        gen-<build>-<corpus>/       one built index: manifest.json, arrays, clause store

A generation is named by what it was built with (code, dictionaries, BM25
parameters) and from (every corpus file's content), so a process that starts, or
reloads, opens the one another process already built instead of building it again.
Whether the folder still matches is judged by size and modification time, reading
only the files whose stat changed. Generations are written under a temporary name
and renamed into place; the pointer is replaced atomically.
"""
from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bot.corpus.files import SIDECAR_SUFFIXES, list_corpus_files
from bot.search.files import read_json, replace_text, write_json

log = logging.getLogger(__name__)
FORMAT_VERSION = "2"  # bump when the files of a generation change shape
STALE_BUILD_SECONDS = 3600  # an unfinished generation older than this was left by a dead process
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class CorpusScan:
    """The corpus folder as it is now: each file's size, modification time and content hash."""

    files: dict[str, tuple[int, int, str]]
    documents: int  # document files (sidecars excluded)

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(f"{name}\x1f{self.files[name][2]}\x1e".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()[:20]


def scan_corpus(folder: Path, known: dict[str, tuple[int, int, str]] | None = None) -> CorpusScan:
    """Stat every document and sidecar; hash only those whose size or time differ from `known`.

    Raises:
        ConfigError: the folder does not exist.
    """
    known = known or {}
    files: dict[str, tuple[int, int, str]] = {}
    documents = list_corpus_files(folder)
    paths = list(documents)
    for path in documents:
        paths.extend(side for suffix in SIDECAR_SUFFIXES if (side := path.with_suffix(suffix)).is_file())
    for path in paths:
        name = path.relative_to(folder).as_posix()
        try:
            stat = path.stat()
        except OSError as exc:
            files[name] = (0, 0, f"unreadable:{exc.errno}")
            continue
        before = known.get(name)
        if before and tuple(before[:2]) == (stat.st_size, stat.st_mtime_ns):
            files[name] = (stat.st_size, stat.st_mtime_ns, before[2])
            continue
        try:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:  # kept in the fingerprint: the file counts as changed once it reads
            sha = f"unreadable:{exc.errno}"
        files[name] = (stat.st_size, stat.st_mtime_ns, sha)
    return CorpusScan(files, len(documents))


class IndexCache:
    """The generations of one corpus folder's index, built with one build version."""

    def __init__(self, cache_dir: Path, corpus_dir: Path, build: str):
        key = hashlib.sha256(str(corpus_dir.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:12]
        self.root = cache_dir / f"corpus-{key}"
        self.build = build

    def current(self) -> Path | None:
        """The generation in use, if there is one whose files are all in place."""
        try:
            name = (self.root / "CURRENT").read_text(encoding="utf-8").strip()
        except OSError:
            return None
        folder = self.root / name
        return folder if name and (folder / MANIFEST).is_file() else None

    @staticmethod
    def manifest(generation: Path) -> dict:
        """What a generation was built with and from; empty when it cannot be read."""
        try:
            manifest = read_json(generation / MANIFEST)
        except (OSError, ValueError):
            return {}
        return manifest if isinstance(manifest, dict) else {}

    def matches(self, generation: Path, scan: CorpusScan) -> bool:
        """Whether `generation` was built with this build version from the corpus as scanned."""
        manifest = self.manifest(generation)
        return manifest.get("build") == self.build and manifest.get("corpus") == scan.fingerprint

    def start(self) -> Path:
        """Make a folder to write a new generation into (published by `publish`)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            return Path(tempfile.mkdtemp(prefix=".building-", dir=self.root))
        except OSError as exc:
            log.warning("cannot write the index cache in %s (%s); this index is kept in a temporary folder",
                        self.root, exc.strerror)
            return Path(tempfile.mkdtemp(prefix="policybot-index-"))

    def publish(self, building: Path, scan: CorpusScan, note: dict | None = None) -> Path:
        """Name a written generation, make it current, remove old ones; return where it now is."""
        write_json(building / MANIFEST, {"build": self.build, "corpus": scan.fingerprint,
                                         "files": scan.files, "built": time.time(), **(note or {})})
        if building.parent != self.root:
            return building  # the cache folder is not writable: serve from the temporary one
        final = self.root / f"gen-{self.build}-{scan.fingerprint}"
        try:
            building.rename(final)
        except OSError:  # another process published the same generation first: use that one
            shutil.rmtree(building, ignore_errors=True)
        replace_text(self.root / "CURRENT", final.name)
        self._prune(keep=final)
        return final

    def discard(self, generation: Path) -> None:
        """Remove a damaged generation, so that a new build can take its name."""
        shutil.rmtree(generation, ignore_errors=True)

    def _prune(self, keep: Path) -> None:
        """Remove all but the current and the newest other generation.

        A process still serving a removed one keeps reading it: its files are mapped, and
        on Linux a mapped file stays readable until it is unmapped.
        """
        generations = sorted((p for p in self.root.glob("gen-*") if p != keep),
                             key=lambda p: p.stat().st_mtime, reverse=True)
        for old in generations[1:]:
            shutil.rmtree(old, ignore_errors=True)
        for pickle in self.root.parent.glob("snapshot-*.pickle"):  # the cache of earlier versions
            pickle.unlink(missing_ok=True)
        for building in self.root.glob(".building-*"):
            try:
                if time.time() - building.stat().st_mtime > STALE_BUILD_SECONDS:
                    shutil.rmtree(building, ignore_errors=True)
            except OSError:
                continue


def build_version(parts: list[bytes]) -> str:
    """A short hash of everything a generation's content depends on besides the corpus."""
    digest = hashlib.sha256(FORMAT_VERSION.encode())
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()[:12]


# The modules whose code decides what a generation holds (ranking and presentation do not).
BUILD_MODULES = ("segment.py", "model.py", "query.py", "links.py", "search/builder.py", "search/cache.py",
                 "search/files.py", "search/index.py", "search/snapshot.py", "search/store.py", "search/tables.py")


def code_of(package: Path) -> list[bytes]:
    """The source of the modules that parse and index: a new version builds a new generation."""
    modules = sorted(package.glob("corpus/**/*.py")) + [package / name for name in BUILD_MODULES]
    return [p.read_bytes() for p in modules if p.is_file()]

