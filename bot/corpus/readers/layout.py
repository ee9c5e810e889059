"""Turn positioned characters (PDF, OFD, OCR) into paragraphs in reading order.

A page arrives as glyph boxes in top-down coordinates. On each page the glyphs of ruled
tables are read cell by cell, the rest are grouped into lines (two columns are read one
after the other), running headers, footers and page numbers are dropped. Lines are then
joined into paragraphs across pages the way a reader does: a paragraph ends where a line
stops short, and a new one starts where a line is indented or a numbering begins.
The result is one paragraph a line, with the offset where each page begins.
"""
from __future__ import annotations

import bisect
import re
import statistics
from dataclasses import dataclass, field

_PAGE_NUMBER_RE = re.compile(
    r"^[-—–_\s]*\d{1,4}[-—–_\s]*$|^第\s*\d+\s*页(\s*[,/]?\s*共\s*\d+\s*页)?$|^\d{1,4}\s*/\s*\d{1,4}$"
    r"|^(page\s*)?\d{1,4}(\s*of\s*\d{1,4})?$", re.I)
# A numbering that starts a paragraph even when the line is not indented.
_ITEM_START_RE = re.compile(r"^(第[一二三四五六七八九十百零〇\d]+[章条部分节]|[一二三四五六七八九十]+、|[((][一二三四五六七八九十\d]+[))]"
                            r"|\d{1,3}[.、](?!\d)|[①-⑳]|附件)")
_SENTENCE_END = "。;;!!??::"
_NO_BREAK = "“‘\"'(([《〈.%%,，。、;；:：)）]》〉”’"  # marks a line break may not separate from their neighbour
HEADER_BAND = 0.1  # share of the page height at the top and bottom where running heads may be
FURNITURE_BAND = 0.06  # nearer the edge than any type area: set across the page whatever the columns
CELL_GAP = 1.5  # a gap this many character sizes wide separates table cells (or columns)


@dataclass(frozen=True)
class Glyph:
    """One character (or a run of them) with its box; `top` grows downwards."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float

    @property
    def size(self) -> float:
        return max(self.bottom - self.top, 0.1)


@dataclass
class Page:
    """What a reader found on one page."""

    width: float
    height: float
    glyphs: list[Glyph]
    rules: list[tuple[float, float, float, float]] = field(default_factory=list)  # x0, top, x1, bottom


@dataclass
class Line:
    x0: float
    top: float
    x1: float
    bottom: float
    size: float
    cells: list[str]
    region: str = "full"  # full | left | right: which column
    table: bool = False
    lead: float = 0.0  # width of the line's first unbreakable run (`2025年`, `“5G”`): what could not fit above

    @property
    def text(self) -> str:
        return " ".join(self.cells)


def lay_out(pages: list[Page]) -> tuple[str, tuple[int, ...]]:
    """Return the text of `pages`, one paragraph a line, and the offset where each page begins."""
    page_lines = [_page_lines(page) for page in pages]
    _drop_running_heads(page_lines, pages)
    paragraphs: list[str] = []
    base = 0  # offset of the last paragraph in the joined text
    starts: list[int] = []
    previous: Line | None = None
    every = [line for lines in page_lines for line in lines]
    margins = _margins(every)  # one type area for the document
    body_size = statistics.median([ln.size for ln in every if not ln.table] or [10.0])
    for lines in page_lines:
        starts.append(base + len(paragraphs[-1]) if paragraphs else 0)
        for i, line in enumerate(lines):
            gap = line.top - lines[i - 1].bottom if i else None
            if previous is not None and not _starts_paragraph(previous, line, margins, gap, body_size):
                joiner = _joiner(paragraphs[-1], line.text)
                if i == 0:
                    starts[-1] = base + len(paragraphs[-1]) + len(joiner)
                paragraphs[-1] += joiner + line.text
            else:
                if paragraphs:
                    base += len(paragraphs[-1]) + 1
                paragraphs.append(line.text)
                if i == 0:
                    starts[-1] = base
            previous = line
    return "\n".join(paragraphs), tuple(starts)


def _joiner(before: str, after: str) -> str:
    """Nothing between Chinese characters; a space between two Latin words or numbers."""
    if before and after and before[-1].isascii() and before[-1].isalnum() and after[0].isascii() and after[0].isalnum():
        return " "
    return ""


def _starts_paragraph(prev: Line, line: Line, margins: dict[str, tuple[float, float]], gap: float | None,
                      body_size: float) -> bool:
    if line.table or prev.table:
        return True
    left, right = margins.get(line.region, margins["full"])
    size = line.size
    if abs(line.size - prev.size) > 0.15 * max(line.size, prev.size) or line.size > 1.15 * body_size:
        return True  # a title in a larger font (its lines stand alone: the title parser joins them), a note
    if line.x0 > left + 0.8 * size:
        return True  # indented (首行缩进) or centred
    prev_left, prev_right = margins.get(prev.region, margins["full"])
    if prev.x1 < prev_right - max(1.5 * prev.size, line.lead + 0.5 * prev.size):
        return True  # the line before stopped short, and not for want of room for this line's first word
    if gap is not None and gap > 1.2 * size:
        return True  # blank space between paragraphs
    if prev.text and prev.text[-1] in _SENTENCE_END and _ITEM_START_RE.match(line.text):
        return True
    return False


def _margins(lines: list[Line]) -> dict[str, tuple[float, float]]:
    """Left and right edge of the text in each column: where most lines start and end."""
    out = {}
    for region in ("full", "left", "right"):
        body = [ln for ln in lines if ln.region == region and not ln.table]
        if body:
            out[region] = (_mode([ln.x0 for ln in body]), _quantile([ln.x1 for ln in body], 0.9))
    out.setdefault("full", (0.0, float("inf")))
    return out


def _mode(values: list[float]) -> float:
    rounded = [round(v) for v in values]
    best = max(set(rounded), key=lambda v: (sum(1 for r in rounded if abs(r - v) <= 1), -v))
    return float(min(v for v in values if abs(round(v) - best) <= 1))


def _quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# -- one page -----------------------------------------------------------------------

def _page_lines(page: Page) -> list[Line]:
    glyphs = [g for g in page.glyphs if g.text.strip() and g.x1 >= g.x0]
    table_lines, glyphs = _ruled_tables(glyphs, page.rules)
    body = [g for g in glyphs if FURNITURE_BAND * page.height < g.top and g.bottom < (1 - FURNITURE_BAND) * page.height]
    gutter = _gutter(body, page.width)
    if gutter is None:
        lines = _group_lines(glyphs, "full")
    else:
        middle = (gutter[0] + gutter[1]) / 2  # lines of the left column may reach into the strip, not across it
        # Running heads and page numbers are set across the page, whatever the columns below them.
        inside = set(body)
        crossing = [g for g in glyphs if g.x0 < middle < g.x1 or g not in inside]
        bands = _merge_bands([(g.top, g.bottom) for g in crossing])
        in_band = [g for g in glyphs if _in_bands(g, bands)]
        rest = [g for g in glyphs if not _in_bands(g, bands)]
        lines = (_group_lines(in_band, "full") + _group_lines([g for g in rest if g.x1 <= middle], "left")
                 + _group_lines([g for g in rest if g.x1 > middle], "right"))
    lines += table_lines
    return _reading_order(lines)


def _reading_order(lines: list[Line]) -> list[Line]:
    """Top to bottom; between two full-width lines, the left column before the right one."""
    ordered: list[Line] = []
    pending: list[Line] = []
    for line in sorted(lines, key=lambda ln: (ln.top, ln.x0)):
        if line.region == "full":
            ordered += [ln for ln in pending if ln.region == "left"] + [ln for ln in pending if ln.region == "right"]
            pending = []
            ordered.append(line)
        else:
            pending.append(line)
    return ordered + [ln for ln in pending if ln.region == "left"] + [ln for ln in pending if ln.region == "right"]


def _in_bands(g: Glyph, bands: list[tuple[float, float]]) -> bool:
    middle = (g.top + g.bottom) / 2
    return any(top <= middle <= bottom for top, bottom in bands)


def _merge_bands(bands: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[list[float]] = []
    for top, bottom in sorted(bands):
        if merged and top <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], bottom)
        else:
            merged.append([top, bottom])
    return [(a, b) for a, b in merged]


def _gutter(glyphs: list[Glyph], width: float) -> tuple[float, float] | None:
    """The empty strip between two columns of text, when the page has two."""
    if len(glyphs) < 200:
        return None
    size = statistics.median(g.size for g in glyphs)
    bins = [0] * (int(width) + 2)
    for g in glyphs:
        for x in range(max(int(g.x0), 0), min(int(g.x1) + 1, len(bins))):
            bins[x] += 1
    lo, hi = int(min(g.x0 for g in glyphs)), int(max(g.x1 for g in glyphs))
    span = hi - lo
    if span <= 0:
        return None
    peak = max(bins)
    best: tuple[int, int] | None = None
    start = None
    for x in range(lo + int(0.3 * span), lo + int(0.7 * span) + 1):
        empty = bins[x] <= 0.1 * peak  # a title set across both columns crosses the gutter on a line or two
        if empty and start is None:
            start = x
        if (not empty or x == lo + int(0.7 * span)) and start is not None:
            if x - start >= size and (best is None or x - start > best[1] - best[0]):
                best = (start, x)
            start = None
    if best is None:
        return None
    left = sum(1 for g in glyphs if g.x1 <= best[0] + 1)
    right = sum(1 for g in glyphs if g.x0 >= best[1] - 1)
    if min(left, right) < 0.25 * len(glyphs):
        return None  # an indented block or a short table column, not a second column of text
    return float(best[0]), float(best[1])


def _group_lines(glyphs: list[Glyph], region: str) -> list[Line]:
    """Group glyphs whose vertical middles fall in one band into lines, split at wide gaps."""
    lines: list[list[Glyph]] = []
    band: tuple[float, float] | None = None
    for g in sorted(glyphs, key=lambda g: ((g.top + g.bottom) / 2, g.x0)):
        middle = (g.top + g.bottom) / 2
        if band is not None and band[0] <= middle <= band[1]:
            lines[-1].append(g)
        else:
            lines.append([g])
            band = (g.top + 0.2 * g.size, g.bottom - 0.2 * g.size)
            band = (min(band[0], middle), max(band[1], middle))
    return [_make_line(sorted(members, key=lambda g: g.x0), region) for members in lines]


def _make_line(glyphs: list[Glyph], region: str) -> Line:
    size = statistics.median(g.size for g in glyphs)
    cells = [[glyphs[0]]]
    for before, g in zip(glyphs, glyphs[1:]):
        if g.x0 - before.x1 > CELL_GAP * size:
            cells.append([g])
        else:
            cells[-1].append(g)
    texts = [_cell_text(cell, size) for cell in cells]
    k = 0
    def unbreakable(text: str) -> bool:
        return text.isascii() and text.isalnum() or text in _NO_BREAK

    while k + 1 < len(glyphs) and unbreakable(glyphs[k].text):
        k += 1  # a number or Latin word is not broken; nor is a closing mark parted from what it closes
    return Line(glyphs[0].x0, min(g.top for g in glyphs), max(g.x1 for g in glyphs), max(g.bottom for g in glyphs),
                size, texts, region, table=len(texts) >= 3, lead=glyphs[k].x1 - glyphs[0].x0)


def _cell_text(glyphs: list[Glyph], size: float) -> str:
    out = glyphs[0].text
    for before, g in zip(glyphs, glyphs[1:]):
        if g.x0 - before.x1 > 0.25 * size and before.text[-1:].isascii() and g.text[:1].isascii():
            out += " "
        out += g.text
    return out


# -- ruled tables ---------------------------------------------------------------------

def _ruled_tables(glyphs: list[Glyph], rules: list[tuple[float, float, float, float]]
                  ) -> tuple[list[Line], list[Glyph]]:
    """Read tables drawn with rules cell by cell; return their rows and the glyphs left over."""
    rows_out: list[Line] = []
    used: set[int] = set()
    for xs, ys in table_grids(rules):
        cells: dict[tuple[int, int], list[Glyph]] = {}
        for i, g in enumerate(glyphs):
            cx, cy = (g.x0 + g.x1) / 2, (g.top + g.bottom) / 2
            if xs[0] <= cx <= xs[-1] and ys[0] <= cy <= ys[-1]:
                col, row = bisect.bisect(xs, cx) - 1, bisect.bisect(ys, cy) - 1
                cells.setdefault((row, col), []).append(g)
                used.add(i)
        for row in range(len(ys) - 1):
            texts = [_cell_block_text(cells.get((row, col), [])) for col in range(len(xs) - 1)]
            if any(texts):
                size = statistics.median(g.size for col in range(len(xs) - 1) for g in cells.get((row, col), [])) \
                    if any(cells.get((row, col)) for col in range(len(xs) - 1)) else 10.0
                rows_out.append(Line(xs[0], ys[row], xs[-1], ys[row + 1], size,
                                     [t or "—" for t in texts], "full", table=len(texts) >= 2))
    return rows_out, [g for i, g in enumerate(glyphs) if i not in used]


def table_grids(rules: list[tuple[float, float, float, float]], thin: float = 3
                ) -> list[tuple[list[float], list[float]]]:
    """The column and row boundaries of each ruled table: rules that touch make one table."""
    horizontal = [r for r in rules if r[3] - r[1] <= thin and r[2] - r[0] > 10]
    vertical = [r for r in rules if r[2] - r[0] <= thin and r[3] - r[1] > 5]
    if len(horizontal) < 2 or len(vertical) < 2:
        return []
    grids = []
    for box in _rule_groups(horizontal + vertical):
        xs = _distinct(sorted((r[0] + r[2]) / 2 for r in vertical if _inside(r, box)))
        ys = _distinct(sorted((r[1] + r[3]) / 2 for r in horizontal if _inside(r, box)))
        if len(xs) >= 2 and len(ys) >= 2:
            grids.append((xs, ys))
    return grids


def _cell_block_text(glyphs: list[Glyph]) -> str:
    """A cell's lines joined into one run, without spaces between Chinese characters."""
    if not glyphs:
        return ""
    lines = _group_lines(glyphs, "full")
    text = ""
    for line in lines:
        part = "".join(line.cells)
        text += _joiner(text, part) + part
    return re.sub(r"\s+", "", text) if not re.search(r"[A-Za-z]\s+[A-Za-z]", text) else text.replace(" ", "\u00a0")


def _distinct(values: list[float], tolerance: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in values:
        if not out or v - out[-1] > tolerance:
            out.append(v)
    return out


def _inside(rule, box) -> bool:
    return rule[0] >= box[0] - 1 and rule[2] <= box[2] + 1 and rule[1] >= box[1] - 1 and rule[3] <= box[3] + 1


def _rule_groups(rules: list[tuple[float, float, float, float]]) -> list[tuple[float, float, float, float]]:
    """Bounding boxes of rules that touch each other: one per table."""
    boxes: list[list[float]] = []
    for r in sorted(rules, key=lambda r: (r[1], r[0])):
        for box in boxes:
            if r[0] <= box[2] + 2 and r[2] >= box[0] - 2 and r[1] <= box[3] + 2 and r[3] >= box[1] - 2:
                box[:] = min(box[0], r[0]), min(box[1], r[1]), max(box[2], r[2]), max(box[3], r[3])
                break
        else:
            boxes.append(list(r))
    merged = True
    while merged:  # boxes that grew into each other are one table
        merged = False
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                a, b = boxes[i], boxes[j]
                if a[0] <= b[2] + 2 and a[2] >= b[0] - 2 and a[1] <= b[3] + 2 and a[3] >= b[1] - 2:
                    boxes[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                    del boxes[j]
                    merged = True
                    break
            if merged:
                break
    return [tuple(b) for b in boxes]  # type: ignore[misc]


# -- running heads ---------------------------------------------------------------------

def _drop_running_heads(page_lines: list[list[Line]], pages: list[Page]) -> None:
    """Remove page numbers and lines repeated at the top or bottom of most pages."""
    def key(line: Line) -> str:
        return re.sub(r"\d+", "#", line.text.replace(" ", ""))

    def edge_lines(lines: list[Line], page: Page) -> list[Line]:
        top = [ln for ln in lines[:2] if ln.bottom <= HEADER_BAND * page.height]
        bottom = [ln for ln in lines[-2:] if ln.top >= (1 - HEADER_BAND) * page.height]
        return top + bottom

    counts: dict[str, int] = {}
    for lines, page in zip(page_lines, pages):
        for k in {key(ln) for ln in edge_lines(lines, page)}:
            counts[k] = counts.get(k, 0) + 1
    repeated = {k for k, n in counts.items() if len(pages) >= 2 and n >= max(2, len(pages) // 2)}
    for lines, page in zip(page_lines, pages):
        for line in edge_lines(lines, page):
            if key(line) in repeated or _PAGE_NUMBER_RE.match(line.text.strip()):
                lines.remove(line)
