"""Web pages (`.html`, `.htm`), through trafilatura and lxml (the only imports of both).

A government page wraps the document in navigation, a location bar, share buttons,
related links and a footer. trafilatura finds the main content; its paragraphs and
tables are turned into lines here. Chinese government sites state the publication in
`<meta>` fields: `ArticleTitle` (the document's title, taken as is), `PubDate` (when the
page was published, which may be later than the document's own date: a hint only) and
`ContentSource` (who supplied it: an issuer hint). The canonical link is the source URL.
"""
from __future__ import annotations

import functools
import re

import lxml.etree
import lxml.html
import trafilatura

from bot.corpus.readers import Extracted
from bot.errors import DocumentError

_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.I)
_BLOCKS = ("p", "head", "item", "quote", "code")


def read(data: bytes, name: str) -> Extracted:
    """Extract a web page's main text, its publication `<meta>` fields and canonical URL."""
    page = _decode(data, name)
    try:
        tree = lxml.html.fromstring(page)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise DocumentError(name, f"not a readable HTML page ({exc})") from None
    meta, hints = _page_meta(tree)
    xml = trafilatura.extract(page, output_format="xml", include_tables=True, include_comments=False,
                              include_links=False, favor_recall=True, deduplicate=False, with_metadata=False,
                              config=_extraction_settings())
    if not xml:
        raise DocumentError(name, "no main text found in the page")
    lines = _lines(lxml.etree.fromstring(xml.encode("utf-8")))
    title = meta.get("title") or _heading(tree)
    if title and re.sub(r"\s+", "", title) not in "".join(lines[:4]):
        lines.insert(0, title)  # the title stands above the content block; the text starts with it in print
    text = "\n".join(lines)
    if not text.strip():
        raise DocumentError(name, "no main text found in the page")
    return Extracted(text=text, meta=meta, hints=hints)


@functools.lru_cache(maxsize=1)
def _extraction_settings():
    """trafilatura's settings, with its minimum sizes lowered: a notice of three short paragraphs is a
    document, and below those sizes trafilatura gives up on the page's structure and returns it flat."""
    from trafilatura.settings import use_config

    settings = use_config()
    for key in ("MIN_EXTRACTED_SIZE", "MIN_OUTPUT_SIZE", "MIN_EXTRACTED_COMM_SIZE", "MIN_OUTPUT_COMM_SIZE"):
        settings.set("DEFAULT", key, "10")
    return settings


def _decode(data: bytes, name: str) -> str:
    """Decode by the page's declared charset, else as the text reader does (UTF-8, GB18030, Big5)."""
    declared = _CHARSET_RE.search(data[:4096])
    if declared:
        encoding = declared.group(1).decode("ascii").lower()
        encoding = "gb18030" if encoding in ("gb2312", "gbk") else encoding  # pages say gb2312 and use GBK
        try:
            return data.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    from bot.corpus.reader import decode_bytes

    return decode_bytes(data, name)


def _page_meta(tree) -> tuple[dict[str, str], dict[str, str]]:
    fields = {}
    for element in tree.iter("meta"):
        key = (element.get("name") or element.get("property") or "").strip().lower()
        value = (element.get("content") or "").strip()
        if key and value:
            fields.setdefault(key, value)
    meta, hints = {}, {}
    if fields.get("articletitle"):
        meta["title"] = fields["articletitle"]
    if fields.get("pubdate") or fields.get("firstpublishedtime"):
        hints["date"] = fields.get("pubdate") or fields["firstpublishedtime"]
    if fields.get("contentsource"):
        hints["issuer"] = fields["contentsource"]
    canonical = next((link.get("href") for link in tree.iter("link")
                      if "canonical" in (link.get("rel") or "").lower() and link.get("href")), None)
    url = canonical or fields.get("og:url") or fields.get("url")
    if url and url.startswith(("http://", "https://")):
        meta["source_url"] = url.strip()
    return meta, hints


def _heading(tree) -> str | None:
    for tag in ("h1", "h2"):
        for element in tree.iter(tag):
            text = re.sub(r"\s+", "", element.text_content())
            if 4 <= len(text) <= 80:
                return text
    return None


def _lines(root) -> list[str]:
    """Paragraphs one a line; a table one line a row, cells separated by spaces."""
    lines: list[str] = []
    for element in root.iter():
        if element.tag == "row":
            cells = [_cell(cell) for cell in element.iterchildren("cell")]
            if any(cells):
                lines.append(" ".join(c or "—" for c in cells))
        elif element.tag in _BLOCKS and not _inside_table(element):
            text = _text(element)
            lines += [part for part in text.split("\n") if part.strip()]
    return [line.strip() for line in lines]


def _inside_table(element) -> bool:
    return any(parent.tag in ("table", "row", "cell") for parent in element.iterancestors())


def _text(element) -> str:
    parts = [element.text or ""]
    for child in element:
        parts.append("\n" if child.tag == "lb" else "".join(child.itertext()) if child.tag not in _BLOCKS else "")
        parts.append(child.tail or "")
    return "".join(parts)


def _cell(cell) -> str:
    text = "".join(cell.itertext()).strip()
    if re.search(r"[A-Za-z0-9]\s+[A-Za-z0-9]", text):
        return re.sub(r"\s+", "\u00a0", text)
    return re.sub(r"\s+", "", text)
