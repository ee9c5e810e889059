"""Optical character recognition with Tesseract, through pytesseract (the only import of it).

Optional: `pip install 'policybot[ocr]'` and the Debian packages `tesseract-ocr` and
`tesseract-ocr-chi-sim`. Without them a scanned page is reported, not read.
"""
from __future__ import annotations

import functools

from bot.corpus.readers.layout import Glyph

LANGUAGE = "chi_sim"
PAGE_SECONDS = 120  # one page at 300 dpi takes a few seconds; a hung Tesseract must not hang the load


@functools.lru_cache(maxsize=1)
def unavailable() -> str | None:
    """Return why OCR cannot run here, or None when it can."""
    try:
        import pytesseract
    except ImportError:
        return "OCR is not installed: pip install 'policybot[ocr]'"
    try:
        languages = pytesseract.get_languages(config="")
    except (pytesseract.TesseractNotFoundError, OSError):
        return "Tesseract is not installed: apt-get install tesseract-ocr tesseract-ocr-chi-sim"
    if LANGUAGE not in languages:
        return f"Tesseract has no {LANGUAGE} data: apt-get install tesseract-ocr-chi-sim"
    return None


def read_image(image) -> list[Glyph]:
    """Recognise the words of a page image; each comes with the box of its line, in pixels.

    The line's box rather than the word's: a flat character such as 一 would otherwise
    look like a line of its own to the layout.
    """
    import pytesseract

    data = pytesseract.image_to_data(image, lang=LANGUAGE, output_type=pytesseract.Output.DICT,
                                     timeout=PAGE_SECONDS)
    lines: dict[tuple[int, int, int], tuple[int, int]] = {}
    for i, level in enumerate(data["level"]):
        if level == 4:
            lines[(data["block_num"][i], data["par_num"][i], data["line_num"][i])] = (data["top"][i], data["height"][i])
    glyphs = []
    for i, level in enumerate(data["level"]):
        text = (data["text"][i] or "").strip()
        if level != 5 or not text:
            continue
        top, height = lines.get((data["block_num"][i], data["par_num"][i], data["line_num"][i]),
                                (data["top"][i], data["height"][i]))
        left = data["left"][i]
        glyphs.append(Glyph(text, float(left), float(top), float(left + data["width"][i]), float(top + height)))
    return glyphs
