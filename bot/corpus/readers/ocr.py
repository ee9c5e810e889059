"""Optical character recognition with Tesseract, through pytesseract (the only import of it).

Optional: `pip install 'policybot[ocr]'` and the Debian packages `tesseract-ocr` and
`tesseract-ocr-chi-sim`. Without them a scanned page is reported, not read.
"""
from __future__ import annotations

import functools
import re

from bot.corpus.readers.layout import Glyph, table_grids

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


def read_image(image) -> tuple[list[Glyph], list[tuple[float, float, float, float]]]:
    """Recognise the text of a page image and find its ruled lines, both in pixels.

    Rules are found first and painted out: Tesseract reads a cell border as `|` or as part
    of the character beside it. A ruled table is read cell by cell (each cell's image on its
    own, so wrapped cells do not interleave); the rest of the page in one pass. The rules
    are returned so the layout reads the table as it does in a PDF.
    """
    import numpy as np
    from PIL import Image

    pixels = np.asarray(image.convert("L"))
    rule_mask, rules = _rules(pixels < 128)
    cleaned = np.where(rule_mask, 255, pixels).astype(np.uint8)
    glyphs: list[Glyph] = []
    for xs, ys in table_grids(rules, thin=12):
        for top, bottom in zip(ys, ys[1:]):
            for left, right in zip(xs, xs[1:]):
                cell = cleaned[int(top) + 3:int(bottom) - 2, int(left) + 3:int(right) - 2]
                text = _recognise(Image.fromarray(cell), "--psm 6") if cell.size and (cell < 128).any() else ""
                text = "".join(text.split()) if not re.search(r"[A-Za-z0-9]\s+[A-Za-z0-9]", text) else text
                if text:
                    middle, centre = (top + bottom) / 2, (left + right) / 2
                    glyphs.append(Glyph(text, centre - 1, middle - 1, centre + 1, middle + 1))
        cleaned[int(ys[0]):int(ys[-1]) + 1, int(xs[0]):int(xs[-1]) + 1] = 255  # read: keep it out of the page pass
    glyphs += _words(Image.fromarray(cleaned))
    return glyphs, rules


def _recognise(image, config: str) -> str:
    import pytesseract

    return pytesseract.image_to_string(image, lang=LANGUAGE, config=config, timeout=PAGE_SECONDS).strip()


def _words(image) -> list[Glyph]:
    """Each recognised word with the box of its line: a flat character such as 一 keeps its line's height."""
    import pytesseract

    data = pytesseract.image_to_data(image, lang=LANGUAGE, output_type=pytesseract.Output.DICT,
                                     timeout=PAGE_SECONDS)
    lines: dict[tuple[int, int, int], tuple[int, int]] = {}
    for i, level in enumerate(data["level"]):
        if level == 4:
            lines[(data["block_num"][i], data["par_num"][i], data["line_num"][i])] = (data["top"][i], data["height"][i])
    glyphs = []
    for i, level in enumerate(data["level"]):
        text = (data["text"][i] or "").strip().strip("|")
        if level != 5 or not text:
            continue
        top, height = lines.get((data["block_num"][i], data["par_num"][i], data["line_num"][i]),
                                (data["top"][i], data["height"][i]))
        left = data["left"][i]
        glyphs.append(Glyph(text, float(left), float(top), float(left + data["width"][i]), float(top + height)))
    return glyphs


def _rules(dark, min_run: int = 90):
    """Pixels of straight dark runs longer than any character stroke (`min_run` px, ~8 mm at 300 dpi).

    Returns the mask of those pixels and each rule's box (x0, top, x1, bottom).
    """
    import numpy as np

    def runs(mask):  # along axis 0: mark pixels inside runs of at least min_run
        padded = np.vstack([np.zeros((1, mask.shape[1]), np.int32), np.cumsum(mask, axis=0, dtype=np.int32)])
        full = (padded[min_run:] - padded[:-min_run]) == min_run  # window starting at row i is all dark
        edges = np.zeros((mask.shape[0] + 1, mask.shape[1]), np.int32)
        edges[:full.shape[0]] += full
        edges[min_run:min_run + full.shape[0]] -= full
        return np.cumsum(edges, axis=0)[:-1] > 0

    if dark.shape[0] < min_run or dark.shape[1] < min_run:
        return np.zeros_like(dark), []
    vertical = runs(dark)
    horizontal = runs(dark.T).T
    boxes = []
    for mask, axis in ((vertical, 0), (horizontal, 1)):
        along = mask.any(axis=axis)  # columns (or rows) that hold a rule
        positions = np.flatnonzero(along)
        if positions.size == 0:
            continue
        groups = np.split(positions, np.flatnonzero(np.diff(positions) > 1) + 1)
        for group in groups:
            band = mask[:, group[0]:group[-1] + 1] if axis == 0 else mask[group[0]:group[-1] + 1, :]
            extent = np.flatnonzero(band.any(axis=1 if axis == 0 else 0))
            if axis == 0:
                boxes.append((float(group[0]), float(extent[0]), float(group[-1] + 1), float(extent[-1] + 1)))
            else:
                boxes.append((float(extent[0]), float(group[0]), float(extent[-1] + 1), float(group[-1] + 1)))
    # Text glued to a rule keeps its pixels: widen the mask by a pixel around each rule.
    grown = vertical | horizontal
    grown[1:] |= grown[:-1].copy()
    grown[:, 1:] |= grown[:, :-1].copy()
    return grown, boxes
