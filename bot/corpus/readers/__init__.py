"""Readers for the formats governments publish: PDF, Word, web pages, OFD.

Each format has its own module, imported only when a file of that type is read, so a
corpus of text files never loads a PDF library. Every reader turns the file's bytes into
the same `Extracted` value the text reader produces; parsing then does not care where
the text came from.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any

from bot.errors import DocumentError

# File suffix -> module of this package that reads it.
READER_MODULES = {".pdf": "pdf", ".docx": "word", ".html": "web", ".htm": "web", ".ofd": "ofd"}


@dataclass(frozen=True)
class Extracted:
    """A document's text as a reader found it.

    Attributes:
        text: one paragraph a line, in reading order.
        meta: metadata the file states authoritatively (a web page's ArticleTitle, an OFD's DocInfo);
            it overrides what the text says, as front matter does.
        hints: weaker metadata (a Word file's core properties, a PDF's Title): used only where the
            text says nothing, because such properties are often left over from another document.
        page_starts: offset in `text` where each page begins (page 1 first); empty without pages.
        notes: what reading did that `policybot check` should show (pages read by OCR).
    """

    text: str
    meta: dict[str, Any] = field(default_factory=dict)
    hints: dict[str, str] = field(default_factory=dict)
    page_starts: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()


def read_document_bytes(data: bytes, name: str) -> Extracted:
    """Extract the text of a PDF, Word, HTML or OFD file.

    Raises:
        DocumentError: when the file cannot be read (damaged, encrypted, scanned without OCR).
    """
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    module_name = READER_MODULES.get(suffix)
    if module_name is None:
        raise DocumentError(name, f"unsupported file type {suffix or '(none)'}")
    try:
        module = importlib.import_module(f"{__name__}.{module_name}")
    except ImportError as exc:  # an optional library missing from this installation
        raise DocumentError(name, f"cannot read {suffix} files here: {exc.name or exc} is not installed") from None
    return module.read(data, name)
