"""Responsibility annotations: who leads a task and who supports it.

Forms of the genre: `(责任单位:A、B,C。逗号前为牵头单位,下同)`, `牵头单位:A;配合单位:B`,
`A牵头,B配合`, `A(牵头)、B`. The annotation is taken out of the clause body.
"""
from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass

_LEAD_LABELS = "牵头单位|牵头部门|主责单位|主办单位|牵头"
_SUPPORT_LABELS = "配合单位|配合部门|协同单位|协办单位|参与单位|协助单位|配合"
_RESPONSIBLE_LABELS = "责任单位|责任部门|责任主体|实施单位|承办单位"
_LABEL_RE = re.compile(rf"({_RESPONSIBLE_LABELS}|{_LEAD_LABELS}|{_SUPPORT_LABELS})\s*[::]")
_ANNOTATION_LABELS = rf"(?:{_RESPONSIBLE_LABELS}|牵头单位|牵头部门|主责单位|主办单位|配合单位|配合部门|协同单位|协办单位|参与单位)"
# `(责任单位:…)`, `责任单位:…`, `【牵头单位】…`, `[责任单位]:…`
_ANNOTATION_START = re.compile(
    rf"(?P<open>[((])?\s*(?:[【\[]{_ANNOTATION_LABELS}[】\]]\s*[::]?|{_ANNOTATION_LABELS}\s*[::])"
)
_BRACKET_LABEL = re.compile(rf"[【\[]({_ANNOTATION_LABELS})[】\]]\s*[::]?")
# Conventions a document states once for all its annotations.
_CONVENTION_RES = [
    (re.compile(r"(逗号|,)(之?前)(的|面的)?(为|是)牵头(单位|部门)"), "comma"),
    (re.compile(r"(分号|;)(之?前)(的|面的)?(为|是)牵头(单位|部门)"), "semicolon"),
    (re.compile(r"(排|列)(在)?(第一|首)(位)?(的)?(为|是)牵头(单位|部门)|第一(个|家)?(单位)?为牵头(单位|部门)"), "first"),
]
_CONVENTION_SENTENCE = re.compile(r"[。.;]?\s*[^。;,]*?为牵头(单位|部门)[^。;)]*[,,]?\s*(下同)?[。.]?")
# Where a unit name ends and another may begin with no separator (市文体广电旅游局市科技局).
_UNIT_SUFFIXES = ("管委会", "委员会", "政府", "中心", "支行", "分行", "分局", "公司", "集团", "学院", "大学",
                  "局", "委", "办", "院", "厅", "部", "会", "组", "处", "室", "署", "所", "馆", "站", "队", "团", "行")
_UNIT_STARTS = ("市", "省", "县", "区", "各", "有关", "人行", "国家", "自治", "中国")
_PLACE_BEFORE_PAREN = tuple("县区市乡镇州旗")


@dataclass(frozen=True)
class Units:
    lead: tuple[str, ...]
    support: tuple[str, ...]
    rule: str  # stated | first-listed


def find_convention(text: str) -> str | None:
    """Return how a document says its annotations name the lead ("comma", "first", ...)."""
    for pattern, name in _CONVENTION_RES:
        if pattern.search(text):
            return name
    return None


def _annotation_end(text: str, start: int, limit: int) -> int:
    """Return where an annotation starting at `start` ends (exclusive), balancing brackets."""
    depth = 0  # brackets opened inside the annotation, as in 各县(区)
    i = start
    while i < limit and text[i] in " ))〕":  # a stray closer right after the colon
        i += 1
    while i < limit:
        ch = text[i]
        if ch in "((":
            depth += 1
        elif ch in "))]】":
            if depth == 0:  # closes the annotation's own bracket, or a missing one
                return i + 1
            depth -= 1
        elif ch == "〕" or ch == "\n":
            return i + 1 if ch == "〕" else i
        i += 1
    return limit


def _strip_stray(name: str) -> str:
    name = name.strip(" 〕〔[]【】。.,;:")
    while name.startswith((")", ")")):
        name = name[1:].strip()
    if name.count("(") < name.count(")"):
        name = name.rstrip(")")
    if name.count("(") > name.count(")"):
        name = name + ")" if name.endswith(tuple("区县市")) else name.rstrip("(")
    return name.strip()


def _looks_like_unit(name: str) -> bool:
    return len(name) <= 20 and (name.endswith(_UNIT_SUFFIXES + ("部门", "单位", "各部门")) or name.startswith("各"))


def split_unit_names(text: str) -> list[str]:
    """Split a list of unit names on separators, and where a separator is missing."""
    return list(_split_unit_names(text))


@lru_cache(maxsize=1 << 16)
def _split_unit_names(text: str) -> tuple[str, ...]:
    # The same lists of units recur through a corpus (and a city's documents): split each once.
    names: list[str] = []
    depth, current = 0, ""
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if depth == 0 and ch in "、,,;;/ ":
            names.append(current)
            current = ""
            continue
        current += ch
    names.append(current)
    out: list[str] = []
    for name in names:
        for part in _split_glued(_strip_stray(name)):
            part = _strip_stray(re.sub(r"等$", "", part))
            if len(part) >= 2 and part not in out:
                out.append(part)
    return tuple(out)


def _split_glued(name: str) -> list[str]:
    """`市文体广电旅游局市科技局` → two names; `各县(区)政府(管委会)` stays whole."""
    parts, start, i = [], 0, 0
    while i < len(name):
        cut = None
        if name[i] == ")" and i + 1 < len(name):
            open_at = name.rfind("(", start, i)
            before = name[start:open_at] if open_at >= 0 else ""
            if before.endswith(_UNIT_SUFFIXES) and not before.endswith(_PLACE_BEFORE_PAREN):
                cut = i + 1
        else:
            for suffix in _UNIT_SUFFIXES:
                end = i + len(suffix)
                if name.startswith(suffix, i) and name.startswith(_UNIT_STARTS, end) and end - start >= 3:
                    cut = end
                    break
        if cut is not None and cut < len(name):
            parts.append(name[start:cut])
            start = cut
            i = cut
            continue
        i += 1
    parts.append(name[start:])
    return [p for p in parts if p]


def _parse_labelled(body: str, convention: str | None) -> Units | None:
    """Parse `责任单位:...` / `牵头单位:...;配合单位:...` bodies."""
    body = _CONVENTION_SENTENCE.sub("", body) if "为牵头" in body else body
    pieces = _LABEL_RE.split(body)
    lead: list[str] = []
    support: list[str] = []
    responsible = ""
    stated = False
    for label, value in zip(pieces[1::2], pieces[2::2]):
        value = value.strip()
        if re.fullmatch(_LEAD_LABELS, label):
            lead += split_unit_names(value)
            stated = True
        elif re.fullmatch(_SUPPORT_LABELS, label):
            support += split_unit_names(value)
            stated = True
        else:
            responsible += value
    if responsible and lead:
        support += split_unit_names(responsible)  # `牵头单位:A;责任单位:B`: the lead is already named
    elif responsible:
        inline = _parse_inline_roles(responsible)
        if inline:
            lead += list(inline.lead)
            support += list(inline.support)
            stated = True
        elif convention in ("comma", "semicolon"):
            sep = r"[,,]" if convention == "comma" else r"[;;]"
            head, _, tail = _split_outside_parens(responsible, sep)
            lead += split_unit_names(head)
            support += split_unit_names(tail)
            stated = True
        else:
            names = split_unit_names(responsible)
            if names:
                lead.append(names[0])
                support += names[1:]
            stated = stated or convention == "first"
    if not lead and not support:
        return None
    if not lead and support:
        pass
    return Units(tuple(dict.fromkeys(lead)), tuple(u for u in dict.fromkeys(support) if u not in lead),
                 "stated" if stated else "first-listed")


def _split_outside_parens(text: str, sep: str) -> tuple[str, str, str]:
    depth = 0
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        elif depth == 0 and re.fullmatch(sep, ch):
            return text[:i], ch, text[i + 1:]
    return text, "", ""


_INLINE_LEAD = re.compile(r"^(.*?)(?:\(牵头\)|牵头(?:负责)?|负责)$")
_INLINE_SUPPORT = re.compile(r"^(.*?)(?:\(配合\)|配合|参与|协同|按职责分工负责)$")


def _parse_inline_roles(text: str) -> Units | None:
    """Parse `A牵头,B、C配合` or `A(牵头)、B`."""
    if "牵头" not in text:
        return None
    lead: list[str] = []
    support: list[str] = []
    for segment in re.split(r"[,,;;]", text):
        segment = segment.strip(" 。")
        if not segment:
            continue
        if m := _INLINE_LEAD.match(segment):
            lead += split_unit_names(m.group(1))
        elif "(牵头)" in segment:
            for name in re.split(r"[、]", segment):
                (lead if "(牵头)" in name else support).extend(split_unit_names(name.replace("(牵头)", "")))
        elif m := _INLINE_SUPPORT.match(segment):
            support += split_unit_names(m.group(1))
        else:
            support += split_unit_names(segment)
    if not lead:
        return None
    return Units(tuple(dict.fromkeys(lead)), tuple(dict.fromkeys(support)), "stated")


# `(市科技局、市财政局按职责分工负责)`: responsible units with no lead named.
_TRAILING_DUTY = re.compile(r"[((]([^()()]{2,100}?)(?:按职责分工|分别)?负责[))]\s*[。]?\s*$")
_TRAILING_ROLES = re.compile(r"[((]([^()()]{2,120}?(?:牵头|\(牵头\))[^()()]*?)[))]\s*[。]?\s*$")


def extract_units(text: str, convention: str | None) -> tuple[str, Units | None, str | None]:
    """Take the responsibility annotations out of a clause's text.

    An annotation may close the clause in brackets, stand on its own line, or come
    as two lines (`牵头单位:…` then `配合单位:…`); all of them are taken out and read together.

    Returns:
        (text without the annotations, the units or None, the raw annotations or None)
    """
    bodies, raws = [], []
    while m := _ANNOTATION_START.search(text):
        following = _ANNOTATION_START.search(text, m.end())
        end = _annotation_end(text, m.end(), following.start() if following else len(text))
        raws.append(text[m.start():end])
        body = _BRACKET_LABEL.sub(r"\1:", text[m.start() + (1 if m.group("open") else 0):end].rstrip(" \n"))
        body = re.sub(r"([::])\s*[))〕]+", r"\1", body)  # `责任单位:)党委…`: a stray closer
        if body.endswith(("〕", "]", "】")) or body.endswith((")", ")")) and body.count("(") < body.count(")"):
            body = body[:-1]  # the annotation's own closer, not the end of 政府(管委会)
        bodies.append(body.strip().rstrip("。;;"))
        text = (text[:m.start()].rstrip() + ("\n" if text[end:].strip() else "") + text[end:].lstrip()).strip()
    if bodies:
        return text, _parse_labelled(";".join(bodies), convention), " ".join(raws)
    m = _TRAILING_ROLES.search(text)
    if m and (units := _parse_inline_roles(m.group(1))):
        return text[:m.start()].rstrip(), units, m.group(0)
    m = _TRAILING_DUTY.search(text)
    if m and (names := split_unit_names(m.group(1))) and all(_looks_like_unit(n) for n in names):
        return text[:m.start()].rstrip(), Units((names[0],), tuple(names[1:]), "first-listed"), m.group(0)
    return text, None, None
