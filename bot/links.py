"""Where a document and its clauses can be opened: the viewer's URLs, and the official source.

Every front end (Slack replies, digests, unfurls, `policybot ask`) builds its links here, so
the URL scheme cannot differ between them, and a link pasted back into Slack can be read
back to the clause it names. The viewer serves `/d/<doc_id>` with one anchor per clause,
the clause id's numbering path (`/d/guangyuan-2022-collaborative-innovation-action-plan#2.2.5`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit

VIEWER_PREFIX = "/d/"
# Metadata keys that may hold the address the document was published at, most specific first:
# `source_url` (fetched documents), then what people write in front matter or a sidecar.
# `来源` often names an office (来源:市政府办公室), so only a web address counts.
SOURCE_URL_KEYS = ("source_url", "url", "原文链接", "原文地址", "来源链接", "来源网址", "网址", "link", "来源",
                   "source")


def is_web_address(value: Any) -> bool:
    """Whether `value` is an absolute http(s) URL with a host (nothing a browser would run)."""
    if not isinstance(value, str) or any(c.isspace() for c in value.strip()):
        return False
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def source_url_of(meta: Mapping[str, Any]) -> str | None:
    """Return the official address of a document from its front matter or sidecar, if one is given."""
    for key in SOURCE_URL_KEYS:
        value = meta.get(key)
        if is_web_address(value):
            return value.strip()
    return None


def split_clause_id(clause_id: str) -> tuple[str, str]:
    """Split `<doc_id>#<path>` into the document id and the anchor (a numbering path has no `#`)."""
    doc_id, _, anchor = clause_id.rpartition("#")
    return (doc_id, anchor) if doc_id else (clause_id, "")


def document_path(doc_id: str) -> str:
    """Return the viewer's path for a document (`/d/<doc_id>`, sub-folders kept as `/`)."""
    return VIEWER_PREFIX + quote(doc_id, safe="/")


@dataclass(frozen=True)
class LinkTarget:
    """What a viewer URL names: a document, and a clause of it when the URL has an anchor."""

    doc_id: str
    anchor: str | None = None

    @property
    def clause_id(self) -> str | None:
        return f"{self.doc_id}#{self.anchor}" if self.anchor else None


@dataclass(frozen=True)
class ClauseLinks:
    """Viewer URLs under one public base URL (`server.public_url`); none when it is not set.

    Attributes:
        base_url: e.g. `https://policy.example.org` or `https://example.org/policybot`,
            without a trailing slash; None when the viewer is not reachable from outside.
    """

    base_url: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.strip().rstrip("/") or None if self.base_url else None)

    def __bool__(self) -> bool:
        return bool(self.base_url)

    @property
    def root(self) -> str:
        """The path the server is reached under (`/policybot` in `https://example.org/policybot`), or ``."""
        return urlsplit(self.base_url).path.rstrip("/") if self.base_url else ""

    def document_url(self, doc_id: str) -> str | None:
        return f"{self.base_url}{document_path(doc_id)}" if self.base_url else None

    def clause_url(self, clause_id: str) -> str | None:
        """Return the URL that opens the viewer on the clause, highlighted; None without a base URL."""
        if not self.base_url:
            return None
        doc_id, anchor = split_clause_id(clause_id)
        url = f"{self.base_url}{document_path(doc_id)}"
        return f"{url}#{quote(anchor, safe='.')}" if anchor else url

    def target_of(self, url: str) -> LinkTarget | None:
        """Read a URL back to the document and clause it names; None when it is not one of ours."""
        if not self.base_url:
            return None
        try:
            parts, base = urlsplit(url.strip()), urlsplit(self.base_url)
        except ValueError:
            return None
        prefix = base.path.rstrip("/") + VIEWER_PREFIX
        if (parts.scheme.lower(), (parts.netloc or "").lower()) != (base.scheme.lower(), base.netloc.lower()) \
                or not parts.path.startswith(prefix):
            return None
        doc_id = unquote(parts.path[len(prefix):]).strip("/")
        if not doc_id:
            return None
        return LinkTarget(doc_id, unquote(parts.fragment) or None)


NO_LINKS = ClauseLinks()  # references stay plain text when no public URL is configured
