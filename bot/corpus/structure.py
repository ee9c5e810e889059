"""Find the numbering tree of a document body: 一、 → (一) → 1. → (1), 第X条, —— bullets.

Markers are looked for at line starts and, because OCR and web copies often run a
whole document into one line, also inside a line right after a sentence or a
bracket ends. A candidate is only taken when it continues a numbering sequence
(the next sibling of an open level, or the first child of a new one), which is
what keeps `2-3个`, `0.7%` or a cross-reference out of the tree.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.corpus.text import cn_to_int, is_cjk

_CN = "一二三四五六七八九十百零〇"
# (kind, pattern); the pattern's group 1 is the number.
_MARKER_PATTERNS = [
    ("part", re.compile(rf"第\s?([{_CN}]+)\s?部分\s*")),
    ("chapter", re.compile(rf"第\s?([{_CN}\d]+)\s?章\s*")),
    ("article", re.compile(rf"第\s?([{_CN}\d]+)\s?条\s*")),
    ("cn", re.compile(rf"([{_CN}]+)\s*[、.]\s*")),
    ("cn_paren", re.compile(rf"\(([{_CN}]+)\)\s*[、.]?\s*")),
    ("ar", re.compile(r"(\d{1,3})\s*[.、](?![\d%])\s*")),
    ("ar_paren", re.compile(r"\((\d{1,3})\)\s*(?![%年月日])")),
    ("ar_half", re.compile(r"(\d{1,2})\)\s*(?=[\u4e00-\u9fff“])")),
    ("circled", re.compile(r"([①-⑳])\s*")),
    ("dash", re.compile(r"(——)(?=[^—\s])")),
]
# Characters after which a marker may start inside a line.
_INLINE_BOUNDARY = set("。;!?:)〕」”]")
_CANDIDATE_START = re.compile(rf"第\s?[{_CN}]+\s?部分|第\s?[{_CN}\d]+\s?[章条]|[{_CN}]+\s*[、.]|\([{_CN}\d]+\)"
                              rf"|\d{{1,3}}\s*[.、)]|[①-⑳]|——")


@dataclass
class Node:
    kind: str
    number: int
    label: str
    text: str = ""
    children: list["Node"] = field(default_factory=list)
    start: int = 0  # offset of the marker in the body


@dataclass
class Outline:
    preamble: str
    roots: list[Node]
    numbered: bool
    rejected: list[str] = field(default_factory=list)  # line starts that looked numbered but broke sequence


def _number_of(kind: str, raw: str) -> int | None:
    if kind == "circled":
        return ord(raw) - ord("①") + 1
    if kind == "dash":
        return 0
    if raw.isdigit():
        return int(raw)
    return cn_to_int(raw)


def _label(kind: str, number_text: str) -> str:
    return {
        "part": f"第{number_text}部分",
        "chapter": f"第{number_text}章",
        "article": f"第{number_text}条",
        "cn": f"{number_text}、",
        "cn_paren": f"({number_text})",
        "ar": f"{number_text}.",
        "ar_paren": f"({number_text})",
        "ar_half": f"{number_text})",
        "circled": number_text,
        "dash": "——",
    }[kind]


def _loose_marker_ok(body: str, pos: int) -> bool:
    """Whether a marker glued to the previous text (`重点任务(一)优化…`, `布局1 .融入…`) may count.

    Only `(一)` and `1.` qualify, right after a Chinese character and followed by one:
    copies that lost their line breaks glue headings this way; prose does not.
    """
    before = body[pos - 1]
    if not is_cjk(before) or before in "第至到和及或":
        return False
    m = re.match(rf"\([{_CN}]+\)|\d{{1,3}}\s*\.(?!\d)\s*", body[pos:])
    return bool(m) and pos + m.end() < len(body) and is_cjk(body[pos + m.end()])


def _candidates(body: str):
    """Yield (offset, end, kind, number, label) for every marker-shaped spot."""
    for m in _CANDIDATE_START.finditer(body):
        pos = m.start()
        at_line_start = pos == 0 or body[pos - 1] == "\n"
        loose = not at_line_start and body[pos - 1] not in _INLINE_BOUNDARY
        # A chapter or article after a space is a heading run into the line (`总 则 第一条 为了…`).
        spaced = body[pos - 1] == " " and body.startswith("第", pos)
        if loose and not spaced and not _loose_marker_ok(body, pos):
            continue
        for kind, pattern in _MARKER_PATTERNS:
            mm = pattern.match(body, pos)
            if not mm:
                continue
            if kind in ("dash", "ar_half") and not at_line_start:
                continue
            if mm.end() >= len(body) or body[mm.end()] == "\n" and kind in ("cn", "ar"):
                continue  # a bare number on its own line is a page number, not a heading
            number = _number_of(kind, mm.group(1))
            if number is None:
                continue
            yield pos, mm.end(), kind, number, _label(kind, mm.group(1))
            break


def parse_outline(body: str) -> Outline:
    """Build the numbering tree of `body` (clean lines joined by newlines)."""
    stack: list[Node] = []
    roots: list[Node] = []
    last_seen: dict[str, int] = {}  # numbering often runs on across parents (1.–27. under (一)–(六))
    accepted: list[tuple[int, int, Node]] = []

    rejected: list[str] = []

    def reject(pos: int) -> None:
        if pos == 0 or body[pos - 1] == "\n":  # inline candidates are mostly prose, not worth a word
            rejected.append(body[pos:pos + 24].split("\n")[0])

    for pos, end, kind, number, label in _candidates(body):
        depth = next((i for i, n in enumerate(stack) if n.kind == kind), None)
        node = Node(kind, number, label, start=pos)
        # Articles at a line start may skip numbers (a deleted article, an excerpt); elsewhere they are
        # cross-references unless they continue the sequence.
        skips = kind == "article" and (pos == 0 or body[pos - 1] == "\n")
        if depth is not None:
            if kind != "dash" and number != stack[depth].number + 1 and not (skips and number > stack[depth].number):
                reject(pos)
                continue
            del stack[depth:]
        elif kind != "dash" and number != 1 and number != last_seen.get(kind, -1) + 1 and not (
                skips and number > last_seen.get(kind, number)):
            reject(pos)
            continue
        elif kind != "dash" and number != 1 and not stack and roots and roots[-1].kind != kind:
            reject(pos)
            continue
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
        last_seen[kind] = number
        accepted.append((pos, end, node))

    if not accepted:
        return Outline(preamble=body.strip(), roots=[], numbered=False, rejected=rejected)
    for i, (pos, end, node) in enumerate(accepted):
        stop = accepted[i + 1][0] if i + 1 < len(accepted) else len(body)
        node.text = body[end:stop].strip()
    return Outline(preamble=body[: accepted[0][0]].strip(), roots=roots, numbered=True, rejected=rejected)
