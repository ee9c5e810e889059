"""Read the corpus folder: every supported file, in sub-folders too, with its sidecar metadata.

Text files (`.txt`, `.md`) are decoded here, with their YAML front matter; PDF, Word,
HTML and OFD files go to `bot.corpus.readers`, imported only when such a file is read.
Every format ends in the same call, `parse_document`, and paged formats then have
their clauses' pages attached.
"""
from __future__ import annotations

import codecs
import dataclasses
import os
import hashlib
import logging
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from bot.corpus.clean import drop_invisible
from bot.corpus.files import SIDECAR_SUFFIXES, TEXT_SUFFIXES, document_id, document_ids, list_corpus_files
from bot.corpus.document import parse_document
from bot.errors import ConfigError, DocumentError
from bot.model import ParsedDocument
from bot.settings import load_yaml_text

log = logging.getLogger(__name__)
# Sidecar keys that say when or how a file was fetched, not what it is: a re-fetch of the same bytes is no change.
VOLATILE_META = frozenset({"fetched_at"})
PARALLEL_FROM = 64  # files; below this a process pool costs more than it saves
_FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
# Front-matter keys in Chinese or English, mapped to one spelling.
_META_KEYS = {"标题": "title", "题目": "title", "名称": "title", "文号": "doc_number", "发文字号": "doc_number",
              "发布单位": "issuer", "发文单位": "issuer", "发文机关": "issuer", "印发单位": "issuer",
              "发布日期": "date", "印发日期": "date", "成文日期": "date", "日期": "date",
              "地区": "region", "城市": "region", "类型": "kind", "文种": "kind",
              "原文链接": "source_url", "url": "source_url"}


@dataclass(frozen=True)
class CorpusLoad:
    documents: tuple[ParsedDocument, ...]
    errors: tuple[DocumentError, ...]


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
    except UnicodeDecodeError as exc:
        if _cut_utf8(data, exc):
            raise DocumentError(source, "cannot decode: UTF-8 text cut off in the middle of a character "
                                        "(a truncated or half-written file)") from None
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


def _cut_utf8(data: bytes, error: UnicodeDecodeError) -> bool:
    """Whether `data` is UTF-8 text whose only fault is its last character, cut short.

    A copy stopped half-way ends inside a character; its other bytes, Chinese text in
    UTF-8, would never decode so cleanly as GB18030 or Big5 text would.
    """
    return (error.reason == "unexpected end of data" and error.end == len(data)
            and any(byte >= 0x80 for byte in data[:error.start]))


def _chinese_share(text: str) -> float:
    """Share of common CJK characters among non-space characters: near 0 for a wrong codec."""
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return 0.0
    common = sum(1 for c in visible if "\u4e00" <= c <= "\u9fa5" or c in ",。、:;“”《》()" or c.isascii())
    return common / len(visible)


def split_front_matter(text: str, source: str) -> tuple[dict[str, Any], str]:
    """Split a YAML front matter block (`---` … `---`) from the text; its keys normalized.

    Raises:
        DocumentError: when the block is not YAML, or not a mapping.
    """
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
    """Read `NAME.yaml` beside a document (what its text does not say), or nothing."""
    for suffix in SIDECAR_SUFFIXES:
        sidecar = path.with_suffix(suffix)
        if sidecar.is_file():
            try:
                text = sidecar.read_text(encoding="utf-8")
            except OSError as exc:
                raise DocumentError(sidecar.name, f"cannot read the sidecar ({exc.strerror})") from None
            except UnicodeDecodeError:
                raise DocumentError(sidecar.name, "sidecar is not UTF-8 text") from None
            return parse_sidecar(text, sidecar.name)
    return {}


def parse_sidecar(text: str, source: str) -> dict[str, Any]:
    """Parse sidecar YAML into normalized metadata keys.

    Raises:
        DocumentError: when it is not YAML, or not a mapping.
    """
    try:
        data = load_yaml_text(text, source)
    except ConfigError as exc:
        raise DocumentError(source, f"sidecar is not valid YAML ({exc.problems[0].split(': ', 1)[-1]})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DocumentError(source, "sidecar must be a mapping of keys to values")
    return normalize_meta(data)


def content_hash(data: bytes, meta: dict[str, Any]) -> str:
    """Hash a file's bytes and the metadata that changes what it says (not when it was fetched)."""
    digest = hashlib.sha256(data)
    stable = {k: v for k, v in meta.items() if k not in VOLATILE_META}
    if stable:
        digest.update(repr(sorted(stable.items(), key=lambda kv: str(kv[0]))).encode())
    return digest.hexdigest()[:16]


def load_document(path: Path, *, doc_id: str | None = None, source: str | None = None) -> ParsedDocument:
    """Read and parse one file; raise DocumentError when it cannot be used."""
    source = source or path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(source, f"cannot read ({exc.strerror})") from None
    return read_document(data, source, doc_id=doc_id or document_id(path), sidecar=read_sidecar(path))


def read_document(data: bytes, source: str, *, doc_id: str, sidecar: dict[str, Any] | None = None
                  ) -> ParsedDocument:
    """Parse a document from its bytes, whatever its format (told by the suffix of `source`).

    Args:
        data: the file's bytes.
        source: the file's name (a path inside the corpus folder), shown in references and errors.
        doc_id: the document's id.
        sidecar: metadata from outside the file (a sidecar YAML); the file's own front matter wins.

    Raises:
        DocumentError: when the file cannot be read or holds no clauses.
    """
    sidecar = sidecar or {}
    if not data.strip():
        raise DocumentError(source, "empty file")
    if source.lower().endswith(TEXT_SUFFIXES):
        # Before the front matter is looked for: Windows line ends and stray controls must not hide it.
        text, notes = drop_invisible(decode_bytes(data, source))
        front, body = split_front_matter(text, source)
        meta = {**sidecar, **front}
        doc = parse_document(body, doc_id=doc_id, source=source, content_hash=content_hash(data, meta), meta=meta)
        return dataclasses.replace(doc, notes=tuple(notes) + doc.notes) if notes else doc
    from bot.corpus.readers import read_document_bytes

    extracted = read_document_bytes(data, source)
    meta = {**extracted.meta, **sidecar}
    doc = parse_document(extracted.text, doc_id=doc_id, source=source, content_hash=content_hash(data, meta),
                         meta=meta, hints=extracted.hints)
    if extracted.page_starts:
        from bot.corpus.pages import attach_pages

        doc = attach_pages(doc, extracted.text, extracted.page_starts)
    if extracted.notes:
        doc = dataclasses.replace(doc, notes=extracted.notes + doc.notes)
    return doc


def _load_one(job: tuple[Path, str, str]) -> ParsedDocument | DocumentError:
    path, doc_id, source = job
    try:
        return load_document(path, doc_id=doc_id, source=source)
    except DocumentError as exc:
        return exc
    except Exception as exc:  # a parser bug must not take the whole corpus down
        log.debug("unexpected parser error in %s", source, exc_info=True)
        return DocumentError(source, f"could not be parsed ({type(exc).__name__}: {exc})")


def load_corpus(folder: Path, *, on_progress: Callable[[int, int], None] | None = None,
                workers: int | None = None, log_skips: bool = True) -> CorpusLoad:
    """Load every document in `folder`; a bad file is reported and skipped, the rest load.

    Each skipped file is logged once at WARNING with its reason (`log_skips=False`: the
    caller says it, knowing more, as the index builder does when it keeps a last good
    version). Large corpora are parsed in a pool of processes (one per core); results keep
    file order.
    """
    files = list_corpus_files(folder)
    ids = document_ids(files, folder)
    jobs = [(path, ids[path], path.relative_to(folder).as_posix()) for path in files]
    workers = workers if workers is not None else (os.cpu_count() or 1)
    if workers > 1 and len(jobs) >= PARALLEL_FROM:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = pool.map(_load_one, jobs, chunksize=max(1, len(jobs) // (workers * 8)))
            loaded = _collect(results, len(jobs), on_progress)
    else:
        loaded = _collect(map(_load_one, jobs), len(jobs), on_progress)
    documents = tuple(r for r in loaded if isinstance(r, ParsedDocument))
    errors = tuple(r for r in loaded if isinstance(r, DocumentError))
    for error in errors if log_skips else ():
        log.warning("skipped %s: %s", error.source, error.reason)
    return CorpusLoad(documents, errors)


def _collect(results, total: int, on_progress) -> list:
    loaded = []
    for n, result in enumerate(results, 1):
        loaded.append(result)
        if on_progress:
            on_progress(n, total)
    return loaded
