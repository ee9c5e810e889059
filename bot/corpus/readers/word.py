"""Word `.docx` files, through python-docx (the only import of it).

Word does not store the numbers of automatically numbered paragraphs (`一、`, `(二)`,
`第三条`): it computes them from the numbering definitions when it shows the document.
They are computed here the same way, because the clause structure rests on them.
Tables become one line a row, cells separated by spaces, the form the task-table parser
reads. The core properties (title, creation date) are hints: they are often left over
from the file a new document was copied from.
"""
from __future__ import annotations

import io
import re
import zipfile

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn

from bot.corpus.readers import Extracted
from bot.errors import DocumentError

MAX_UNPACKED_BYTES = 512 * 1024 * 1024  # text, styles and images of the longest plans stay far below
_CN = "零一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_TIANGAN = "甲乙丙丁戊己庚辛壬癸"
_DIZHI = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"  # the copy for old readers


def read(data: bytes, name: str) -> Extracted:
    """Extract a Word document's text with its automatic numbering, tables and core properties."""
    _check_unpacked_size(data, name)
    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise DocumentError(name, f"not a readable Word .docx file ({type(exc).__name__})") from None
    numbering = Numbering(document)
    lines: list[str] = []
    page_starts: list[int] = []
    offset = 0
    for block in document.element.body.iterchildren():
        if block.tag == qn("w:p"):
            text, breaks = _paragraph_text(block)
            label = numbering.label(block)
            line, shift = (label + text).strip(), len(label)
        elif block.tag == qn("w:tbl"):
            line, breaks, shift = _table_text(block, numbering), [], 0
        else:
            continue
        page_starts += [offset + min(shift + at, len(line)) for at in breaks]
        if line:
            lines.append(line)
            offset += len(line) + 1
    text = "\n".join(lines)
    if not text.strip():
        raise DocumentError(name, "no text found in the Word file")
    starts = tuple(sorted({0, *(min(p, max(len(text) - 1, 0)) for p in page_starts)})) if page_starts else ()
    return Extracted(text=text, hints=_core_hints(document), page_starts=starts)


def _check_unpacked_size(data: bytes, name: str) -> None:
    """Refuse a file that would unpack to more than any real document (a zip bomb) before python-docx reads it all."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile:
        raise DocumentError(name, "not a readable Word .docx file (not a zip archive)") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise DocumentError(name, f"not a readable Word .docx file (it unpacks to {unpacked:,} bytes)")


def _paragraph_text(p) -> tuple[str, list[int]]:
    """The visible text of a paragraph (deleted revisions left out) and where Word broke pages in it."""
    out: list[str] = []
    breaks: list[int] = []
    length = 0
    for node in p.iter(qn("w:t"), qn("w:tab"), qn("w:br"), qn("w:cr"), qn("w:lastRenderedPageBreak")):
        if _deleted_or_fallback(node, p):
            continue
        tag = node.tag
        if tag == qn("w:t"):
            piece = node.text or ""
        elif tag == qn("w:tab"):
            piece = " "
        elif tag == qn("w:lastRenderedPageBreak") or (tag == qn("w:br") and node.get(qn("w:type")) == "page"):
            breaks.append(length)
            continue
        else:
            piece = "\n"
        out.append(piece)
        length += len(piece)
    return "".join(out), breaks


def _deleted_or_fallback(node, stop) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not stop:
        if parent.tag in (qn("w:del"), qn("w:moveFrom"), _MC_FALLBACK):
            return True
        parent = parent.getparent()
    return False


def _table_text(tbl, numbering: "Numbering") -> str:
    """One line a row; a cell's text without inner spaces, an empty cell as `—`."""
    rows = []
    for tr in tbl.iterchildren(qn("w:tr")):
        cells = []
        for tc in tr.iterchildren(qn("w:tc")):
            parts = [(numbering.label(p) + _paragraph_text(p)[0]) for p in tc.iterchildren(qn("w:p"))]
            cell = "".join(parts)
            cell = re.sub(r"\s+", "", cell) if not re.search(r"[A-Za-z0-9]\s+[A-Za-z0-9]", cell) \
                else re.sub(r"\s+", "\u00a0", cell.strip())
            cells.append(cell or "—")
        if any(c != "—" for c in cells):
            rows.append(" ".join(cells))
    return "\n".join(rows)


def _core_hints(document) -> dict[str, str]:
    props = document.core_properties
    hints = {}
    title = (props.title or "").strip()
    if title and re.search(r"[\u4e00-\u9fff]", title) and not re.search(r"\.(docx?|wps)$", title, re.I):
        hints["title"] = title
    when = props.created or props.modified
    if when and when.year > 1990:
        hints["date"] = when.date().isoformat()
    return hints


class Numbering:
    """Word's automatic paragraph numbering, computed as Word computes it while reading in order."""

    def __init__(self, document):
        self.levels: dict[str, dict[int, dict]] = {}  # abstractNumId -> ilvl -> level definition
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, start overrides)
        self.counters: dict[str, dict[int, int]] = {}  # abstractNumId -> ilvl -> current number
        self.overridden: set[tuple[str, int]] = set()
        self.style_numbering: dict[str, tuple[str, int]] = {}
        try:
            root = document.part.numbering_part.element
        except (NotImplementedError, KeyError, AttributeError):
            root = None
        if root is not None:
            self._read_definitions(root)
        self._read_styles(document.styles.element)

    def _read_definitions(self, root) -> None:
        for abstract in root.iterchildren(qn("w:abstractNum")):
            levels = {}
            for lvl in abstract.iterchildren(qn("w:lvl")):
                levels[int(lvl.get(qn("w:ilvl"), "0"))] = {
                    "start": int(_val(lvl, "w:start") or 1),
                    "format": _val(lvl, "w:numFmt") or "decimal",
                    "text": _val(lvl, "w:lvlText") or "",
                    "restart": _val(lvl, "w:lvlRestart"),
                    "legal": lvl.find(qn("w:isLgl")) is not None,
                    "suffix": _val(lvl, "w:suff") or "tab",
                }
            self.levels[abstract.get(qn("w:abstractNumId"))] = levels
        for num in root.iterchildren(qn("w:num")):
            overrides = {}
            for override in num.iterchildren(qn("w:lvlOverride")):
                start = _val(override, "w:startOverride")
                if start is not None:
                    overrides[int(override.get(qn("w:ilvl"), "0"))] = int(start)
            self.nums[num.get(qn("w:numId"))] = (_val(num, "w:abstractNumId"), overrides)

    def _read_styles(self, styles) -> None:
        """Numbering given by a paragraph style (directly or through the style it is based on)."""
        by_id = {s.get(qn("w:styleId")): s for s in styles.iterchildren(qn("w:style"))}
        for style_id in by_id:
            seen, current = set(), by_id.get(style_id)
            while (current is not None and style_id not in self.style_numbering
                   and current.get(qn("w:styleId")) not in seen):
                seen.add(current.get(qn("w:styleId")))
                num_pr = current.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
                if num_pr is not None and _val(num_pr, "w:numId"):
                    self.style_numbering[style_id] = (_val(num_pr, "w:numId"), int(_val(num_pr, "w:ilvl") or 0))
                    break
                based = current.find(qn("w:basedOn"))
                current = by_id.get(based.get(qn("w:val"))) if based is not None else None

    def label(self, p) -> str:
        """Return the number Word shows before paragraph `p` (`一、`, `(二)`, `3.`), or ``."""
        num_id, ilvl = self._numbering_of(p)
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract_id, overrides = self.nums[num_id]
        levels = self.levels.get(abstract_id or "", {})
        level = levels.get(ilvl)
        if level is None:
            return ""
        counters = self.counters.setdefault(abstract_id, {})
        if (num_id, ilvl) not in self.overridden and ilvl in overrides:
            self.overridden.add((num_id, ilvl))
            counters[ilvl] = overrides[ilvl]
        else:
            counters[ilvl] = counters[ilvl] + 1 if ilvl in counters else level["start"]
        for deeper in [k for k in counters if k > ilvl]:
            restart = levels.get(deeper, {}).get("restart")
            if restart is None or int(restart) > ilvl:  # restarts after any shallower level by default
                del counters[deeper]
        if level["format"] in ("bullet", "none"):
            return ""

        def number(match: re.Match) -> str:
            k = int(match.group(1)) - 1
            definition = levels.get(k, level)
            value = counters.get(k, definition["start"])
            return format_number(value, "decimal" if level["legal"] and k != ilvl else definition["format"])

        text = re.sub(r"%([1-9])", number, level["text"])
        if level["suffix"] == "nothing" or text.endswith(("、", ".", "．", ")", ")", "条", "章", "节")):
            return text
        return text + " "

    def _numbering_of(self, p) -> tuple[str | None, int]:
        num_pr = p.find(f"{qn('w:pPr')}/{qn('w:numPr')}")
        if num_pr is not None and _val(num_pr, "w:numId") is not None:
            ilvl = _val(num_pr, "w:ilvl")
            style_ilvl = self.style_numbering.get(self._style_of(p), (None, 0))[1]
            return _val(num_pr, "w:numId"), int(ilvl) if ilvl is not None else style_ilvl
        style_num = self.style_numbering.get(self._style_of(p))
        if style_num:
            return style_num
        return None, 0

    @staticmethod
    def _style_of(p) -> str | None:
        style = p.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        return style.get(qn("w:val")) if style is not None else None


def _val(element, tag: str) -> str | None:
    child = element.find(qn(tag))
    return child.get(qn("w:val")) if child is not None else None


def format_number(n: int, fmt: str) -> str:
    """Render `n` in one of Word's number formats (`chineseCounting` 12 -> 十二)."""
    if fmt in ("chineseCounting", "chineseCountingThousand", "japaneseCounting", "taiwaneseCounting",
               "taiwaneseCountingThousand", "koreanCounting"):
        return _chinese(n, _CN)
    if fmt == "chineseLegalSimplified":
        return _chinese(n, _LEGAL).replace("十", "拾").replace("百", "佰")
    if fmt in ("ideographDigital", "japaneseDigitalTenThousand", "taiwaneseDigital"):
        return "".join("〇一二三四五六七八九"[int(d)] for d in str(n))
    if fmt == "ideographTraditional":
        return _TIANGAN[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _DIZHI[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return _CIRCLED[n - 1]
    if fmt == "decimalEnclosedParen":
        return f"({n})"
    if fmt == "decimalEnclosedFullstop":
        return f"{n}."
    if fmt == "decimalFullWidth":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt in ("upperLetter", "lowerLetter"):
        letter = chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)
        return letter if fmt == "upperLetter" else letter.lower()
    if fmt in ("upperRoman", "lowerRoman"):
        roman = _roman(n)
        return roman if fmt == "upperRoman" else roman.lower()
    return str(n)


def _chinese(n: int, digits: str) -> str:
    """`一`…`十`, `十一`, `二十`, `一百零五`: the way Chinese documents count sections."""
    if n <= 0:
        return digits[0]
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    rest = n % 100
    tail = "" if not rest else (digits[0] + digits[rest] if rest < 10 else
                                (digits[1] + _chinese(rest, digits) if rest < 20 else _chinese(rest, digits)))
    return digits[n // 100 % 10] + "百" + tail if n < 1000 else str(n)


def _roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out
