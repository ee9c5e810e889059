"""Read the corpus folder: decode each file, split front matter, merge sidecar metadata."""
from __future__ import annotations

import codecs
import os
import hashlib
import logging
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from bot.corpus.document import parse_document
from bot.errors import ConfigError, DocumentError
from bot.model import ParsedDocument
from bot.settings import load_yaml_text

log = logging.getLogger(__name__)
DOCUMENT_SUFFIXES = (".txt", ".md")
PARALLEL_FROM = 64  # files; below this a process pool costs more than it saves
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
# Front-matter keys in Chinese or English, mapped to one spelling.
_META_KEYS = {"标题": "title", "题目": "title", "名称": "title", "文号": "doc_number", "发文字号": "doc_number",
              "发布单位": "issuer", "发文单位": "issuer", "发文机关": "issuer", "印发单位": "issuer",
              "发布日期": "date", "印发日期": "date", "成文日期": "date", "日期": "date",
              "地区": "region", "城市": "region", "类型": "kind", "文种": "kind"}


@dataclass(frozen=True)
class CorpusLoad:
    documents: tuple[ParsedDocument, ...]
    errors: tuple[DocumentError, ...]


def list_corpus_files(folder: Path) -> list[Path]:
    """Every `.txt`/`.md` file in the corpus folder (sidecar YAML excluded), sorted by name."""
    if not folder.is_dir():
        raise ConfigError([f"corpus folder not found: {folder}"])
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
                  and not p.name.startswith("."))


def decode_bytes(data: bytes, source: str) -> str:
    """Decode UTF-8, GB18030 or Big5 text.

    Raises:
        DocumentError: when the bytes are none of these, or not text at all.
    """
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise DocumentError(source, "cannot decode: broken UTF-16") from None
    if b"\x00" in data:
        raise DocumentError(source, "cannot decode: binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in ("gb18030", "big5"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        candidates.append((_chinese_share(text), text))
    if candidates:
        share, text = max(candidates, key=lambda c: c[0])
        if share >= 0.3:
            return text
    raise DocumentError(source, "cannot decode: not UTF-8, GB18030 or Big5 text")


def _chinese_share(text: str) -> float:
    """Share of common CJK characters among non-space characters: near 0 for a wrong codec."""
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return 0.0
    common = sum(1 for c in visible if "\u4e00" <= c <= "\u9fa5" or c in ",。、:;“”《》()" or c.isascii())
    return common / len(visible)


def split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str]:
    m = _FRONT_MATTER_RE.match(text.lstrip("\ufeff"))
    if not m:
        return {}, text
    try:
        data = load_yaml_text(m.group(1), source)
    except ConfigError as exc:
        raise DocumentError(source, f"front matter is not valid YAML ({exc.problems[0].split(': ', 1)[-1]})") from None
    if not isinstance(data, dict):
        raise DocumentError(source, "front matter is not a mapping of keys to values")
    return normalize_meta(data), text[m.end():]


def normalize_meta(data: dict) -> dict[str, Any]:
    return {_META_KEYS.get(str(k).strip(), str(k).strip()): v for k, v in data.items() if v not in (None, "")}


def read_sidecar(path: Path) -> dict[str, Any]:
    for suffix in (".yaml", ".yml"):
        sidecar = path.with_suffix(suffix)
        if sidecar.is_file():
            try:
                data = load_yaml_text(sidecar.read_text(encoding="utf-8"), sidecar.name)
            except (ConfigError, UnicodeDecodeError) as exc:
                raise DocumentError(sidecar.name, f"sidecar is not valid YAML ({exc})") from None
            if not isinstance(data, dict):
                raise DocumentError(sidecar.name, "sidecar must be a mapping of keys to values")
            return normalize_meta(data)
    return {}


def document_id(path: Path) -> str:
    """A stable id from the file name: unaffected by other files being added."""
    return re.sub(r"\s+", "-", path.stem.strip())


def content_hash(data: bytes, meta: dict[str, Any]) -> str:
    digest = hashlib.sha256(data)
    if meta:
        digest.update(repr(sorted(meta.items())).encode())
    return digest.hexdigest()[:16]


def load_document(path: Path) -> ParsedDocument:
    """Read and parse one file; raise DocumentError when it cannot be used."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(path.name, f"cannot read ({exc.strerror})") from None
    if not data.strip():
        raise DocumentError(path.name, "empty file")
    text = decode_bytes(data, path.name)
    front, body = split_front_matter(text, path.name)
    meta = {**read_sidecar(path), **front}
    return parse_document(body, doc_id=document_id(path), source=path.name,
                          content_hash=content_hash(data, meta), meta=meta)


def _load_one(path: Path) -> ParsedDocument | DocumentError:
    try:
        return load_document(path)
    except DocumentError as exc:
        return exc
    except Exception as exc:  # a parser bug must not take the whole corpus down
        log.exception("unexpected parser error in %s", path.name)
        return DocumentError(path.name, f"could not be parsed ({type(exc).__name__}: {exc})")


def load_corpus(folder: Path, *, on_progress: Callable[[int, int], None] | None = None,
                workers: int | None = None) -> CorpusLoad:
    """Load every document in `folder`; a bad file is reported and skipped, the rest load.

    Large corpora are parsed in a pool of processes (one per core); results keep file order.
    """
    files = list_corpus_files(folder)
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers > 1 and len(files) >= PARALLEL_FROM:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = pool.map(_load_one, files, chunksize=max(1, len(files) // (workers * 8)))
            loaded = _collect(results, len(files), on_progress)
    else:
        loaded = _collect(map(_load_one, files), len(files), on_progress)
    documents = tuple(r for r in loaded if isinstance(r, ParsedDocument))
    errors = tuple(r for r in loaded if isinstance(r, DocumentError))
    for error in errors:
        log.warning("skipped %s", error)
    return CorpusLoad(documents, errors)


def _collect(results, total: int, on_progress) -> list:
    loaded = []
    for n, result in enumerate(results, 1):
        loaded.append(result)
        if on_progress:
            on_progress(n, total)
    return loaded
