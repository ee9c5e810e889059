"""PDF files, through pypdfium2 (the only import of it): the text layer, or OCR for scanned pages.

PDFium gives every character with its box; `layout` puts them in reading order. A page
without a text layer is a scan: it is rendered and read by Tesseract when that is
installed (`ocr`), and otherwise reported, by page, as not read.
"""
from __future__ import annotations

import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from bot.corpus.readers import Extracted
from bot.corpus.readers.layout import Glyph, Page, lay_out
from bot.errors import DocumentError

OCR_DPI = 300  # Tesseract reads body text best at 300 dpi
_TITLE_JUNK_RE = re.compile(r"^(Microsoft Word|WPS文字|Word)\s*-\s*|\.(docx?|wps|pdf|txt)$", re.I)


def read(data: bytes, name: str) -> Extracted:
    """Extract a PDF's text page by page, with OCR for pages that are scans."""
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise DocumentError(name, "encrypted PDF: it needs a password to open") from None
        raise DocumentError(name, f"not a readable PDF ({exc})") from None
    try:
        pages: list[Page] = []
        scanned: list[int] = []
        for number in range(len(pdf)):
            page = pdf[number]
            content = _text_layer(page)
            if content is None:
                scanned.append(number + 1)
                content = Page(page.get_width(), page.get_height(), [])
            pages.append(content)
        notes: list[str] = []
        if scanned:
            _read_scans(pdf, scanned, pages, name, notes)
        title = (pdf.get_metadata_dict(skip_empty=True).get("Title") or "").strip()
    finally:
        pdf.close()
    text, starts = lay_out(pages)
    if not text.strip():
        raise DocumentError(name, "no text found in the PDF")
    hints = {}
    if title and re.search(r"[\u4e00-\u9fff]", title):
        hints["title"] = _TITLE_JUNK_RE.sub("", _TITLE_JUNK_RE.sub("", title)).strip()
    return Extracted(text=text, hints=hints, page_starts=starts, notes=tuple(notes))


def _text_layer(page) -> Page | None:
    """The page's characters and rules, or None when it has no text (a scan)."""
    width, height = page.get_width(), page.get_height()
    textpage = page.get_textpage()
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range() if count else ""
        if not text.strip():
            return None
        glyphs = []
        by_char = len(text) == count  # one UTF-16 unit per character: index the string directly
        for i in range(count):
            char = text[i] if by_char else textpage.get_text_range(i, 1)
            if not char.strip():
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            glyphs.append(Glyph(char, left, height - top, right, height - bottom))
    finally:
        textpage.close()
    rules = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=2):
        left, bottom, right, top = obj.get_bounds()
        if min(right - left, top - bottom) <= 3:  # a rule, not a filled shape
            rules.append((left, height - top, right, height - bottom))
    return Page(width, height, glyphs, rules)


def _read_scans(pdf, scanned: list[int], pages: list[Page], name: str, notes: list[str]) -> None:
    """OCR the scanned pages when Tesseract is installed; otherwise say they were not read."""
    from bot.corpus.readers import ocr

    problem = ocr.unavailable()
    if problem:
        if len(scanned) == len(pages):
            raise DocumentError(name, f"scanned, no text layer ({problem})")
        notes.append(f"page(s) {_ranges(scanned)} scanned, no text layer: not read ({problem})")
        return
    scale = OCR_DPI / 72
    for number in scanned:
        image = pdf[number - 1].render(scale=scale).to_pil()
        words, rules = ocr.read_image(image)
        glyphs = [Glyph(g.text, g.x0 / scale, g.top / scale, g.x1 / scale, g.bottom / scale) for g in words]
        rules = [(x0 / scale, top / scale, x1 / scale, bottom / scale) for x0, top, x1, bottom in rules]
        pages[number - 1] = Page(pages[number - 1].width, pages[number - 1].height, glyphs, rules)
    notes.append(f"page(s) {_ranges(scanned)} read by OCR (scanned, no text layer)")


def _ranges(numbers: list[int]) -> str:
    """`1–3, 5` for [1, 2, 3, 5]."""
    out: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:] + [None]:  # type: ignore[list-item]
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return ", ".join(out)
