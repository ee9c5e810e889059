"""Repair a document's raw text: clutter, pinyin annotations, OCR damage, page markers.

The result is a list of clean Simplified lines plus what was set apart on the way
(a commentary before the real text, metadata hints found in web clutter).
"""
from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from bot.corpus.text import SENTENCE_END, to_halfwidth, to_simplified

# A pinyin syllable with a tone mark, in parentheses right after a Chinese character: 產(chǎn).
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_PINYIN_RE = re.compile(rf"(?<=[\u4e00-\u9fff])\((?=[a-zü{_TONED}]*[{_TONED}])[a-zü{_TONED}]{{1,7}}\)")

# Lines that are web-page furniture, never document text.
_CLUTTER_LINE_RES = [re.compile(p) for p in (
    r"由会员分享|可在线阅读|更多相关|请在.{1,12}上搜索|文档分享|下载文档|VIP|原创力文档|豆丁|道客巴巴|百度文库",
    r"^(您|你)?当前(的)?位置|^当前时间$|^首页\s*[»>›/]",
    r"字号\s*[::]|我要打印|【?打印】?\s*【?关闭|视力保护色|^【?(打印|关闭|收藏|分享)(本页)?】?$",
    r"^相关(信息|文章|链接|阅读|新闻)\s*[::]?$|^(上|下)一篇\s*[::]|^扫一扫|^分享到|^微信扫一扫|^(返回|回到)顶部",
    r"^(责任)?编辑\s*[::]|^(来源|作者|审核|校对|供稿|浏览次数|点击数|阅读数)\s*[::]",
    r"^(发布|发表|更新)(时间|日期)\s*[::]",
    r"记者.{0,12}摄\s*$|^(图为|图片来源|摄影\s*[::])|\s摄$",
    r"戳.{0,4}图|划重点|长按|扫码|关注(我们|公众号)|点击(查看|阅读|进入)",
    r"^[↓↑→←▼▲\s]+$",
    r"^\(此件(公开发布|不予公开|主动公开)\)$|^抄送\s*[::]|^(主题词|关键词)\s*[::]|\d{1,2}月\d{1,2}日\s*印发$|^(打印|关闭)本页$",
    r"^[\d\s/-]{1,4}$|^第\s*\d+\s*页(\s*共\s*\d+\s*页)?$|^-\s*\d+\s*-$",
)]
_HINT_RES = {
    "title": re.compile(r"《(.+?)(?:\.docx?|\.pdf|\.wps|\.txt)?(?:\(\d+页[^)]*\))?》"),
    "date": re.compile(r"(?:发布|发表|成文)(?:时间|日期)\s*[::]\s*(\d{4}\s*[-年/.]\s*\d{1,2}\s*[-月/.]\s*\d{1,2})"),
    "issuer": re.compile(r"^(?:来源|发布机构)\s*[::]\s*(\S{2,30})$"),
}
# Where a commentary ends and the document it talks about begins.
_FULLTEXT_RE = re.compile(r"^(以下为|以下是|附)?.{0,12}(全文|原文)(如下)?\s*[::]\s*$|^(全文|原文)如下")
_PAGE_MARKER_RE = re.compile(r"^(\d{1,3})、")
# OCR: letters read for digits inside a number (`IOO家`, `3.O版本`).
_UNIT_AFTER = "家个项人元万亿%套件名所座条次倍年月日千百"
_OCR_NUMBER_RE = re.compile(rf"(?<![A-Za-z])([0-9IOlo][0-9IOlo.]*[0-9IOlo])(?=[{_UNIT_AFTER}版])")


# Markdown furniture in `.md` documents: heading hashes, emphasis, quote and list marks.
_MARKDOWN = re.compile(r"^\s*(#{1,6}|>|[-*+])\s+|\*\*|__|^\s*[-*_]{3,}\s*$")


_HTML_TAG = re.compile(r"</?\s*([a-zA-Z][a-zA-Z0-9]*)\b[^<>]{0,500}>")
_BLOCK_TAGS = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "P", "BR", "DIV"}


# CJK compatibility ideographs and Kangxi radicals (PDF and old-encoding copies): NFKC gives the unified form.
_COMPATIBILITY = re.compile("[\u2e80-\u2fdf\uf900-\ufaff\U0002f800-\U0002fa1f]")
_CJK_SPACE_CJK = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")
# Running heads of printed records (`立法会 2012年6月20日 LEGISLATIVE COUNCIL`, `立法院公报 第112卷`).
_RECORD_HEAD = re.compile(r"(立法[会院]|公报|会议过程|议事录|纪录|记录|LEGISLATIVE|COUNCIL|Hansard)", re.I)
_HEADING_START = re.compile(r"^(第[一二三四五六七八九十百\d]+[章节条部分]|[一二三四五六七八九十]+[、.]|\(\S{1,3}\)|\d{1,3}[.、)]|[①-⑳]|——|附件)")


def fold_compatibility(text: str) -> tuple[str, int]:
    """Fold CJK compatibility ideographs and Kangxi radicals (`⾦` U+2FA6) to their unified forms."""
    count = 0

    def fold(m: re.Match) -> str:
        nonlocal count
        count += 1
        return unicodedata.normalize("NFKC", m.group(0))

    return _COMPATIBILITY.sub(fold, text), count


def unspace_letterspaced(line: str) -> str:
    """`環 境 運 輸 及 工 務 局`: a line set with a space after every character loses them all."""
    if line.count(" ") < 3:
        return line
    pairs = len(_CJK_SPACE_CJK.findall(line))
    cjk = sum(1 for ch in line if "\u4e00" <= ch <= "\u9fff")
    if pairs < 3 or pairs < 0.5 * cjk:
        return line
    line = re.sub(r"(?<=[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef,.;:()《》“”、。]) (?=\S)"
                  r"|(?<=\S) (?=[\u4e00-\u9fff,。;:、()《》“”])", "", line)
    return re.sub(r"(?<=\d) (?=\d{3}(?!\d))", "", line)  # `20 248 宗`: a thousands space


def close_ocr_spaces(lines: list[str]) -> tuple[list[str], int]:
    """Remove spaces OCR put inside words (`市政 府交通局`).

    A space between two Chinese characters is taken out when the document writes that
    pair of characters together elsewhere: the words on either side were one word.
    """
    joined = "".join(line.replace(" ", "\n") for line in lines)
    pairs = Counter(joined[i:i + 2] for i in range(len(joined) - 1))
    removed = 0

    def close(m: re.Match) -> str:
        nonlocal removed
        text = m.string
        pair = text[m.start() - 1] + text[m.end()]
        if pairs[pair] >= 1:
            removed += 1
            return ""
        return m.group(0)

    return [_CJK_SPACE_CJK.sub(close, line) for line in lines], removed


_PAGE_NUMBER = re.compile(r"^[\d\s/-]{1,4}$|^第\s*\d+\s*页(\s*共\s*\d+\s*页)?$|^-\s*\d+\s*-$")


def drop_running_heads(lines: list[str]) -> tuple[list[str], list[str], set[int]]:
    """Remove the page heads a printed record repeats on every page, with their page numbers.

    A line is a running head when, its digits aside, it comes back three times or more
    and names a record (立法会, 公报, 纪录, LEGISLATIVE COUNCIL).
    """
    shapes = Counter(re.sub(r"\d+", "#", line) for line in lines if len(line) <= 60)
    heads = {shape for shape, n in shapes.items() if n >= 3 and _RECORD_HEAD.search(shape)}
    kept, removed, cut_after = [], [], set()
    for line in lines:
        if re.sub(r"\d+", "#", line) in heads:
            removed.append(line)
            if kept:
                cut_after.add(len(kept) - 1)
        else:
            kept.append(line)
    return kept, removed, cut_after


def join_wrapped(lines: list[str]) -> tuple[list[str], int]:
    """Join lines hard-wrapped at a fixed width (every ~25 characters) back into paragraphs.

    The width is the length most full lines share; a line of that width that does not end a
    sentence continues on the next line, unless the next line starts a numbered heading.
    """
    lengths = Counter(len(line) for line in lines if len(line) >= 12)
    if not lengths:
        return lines, 0
    width, count = lengths.most_common(1)[0]
    near = sum(n for length, n in lengths.items() if abs(length - width) <= 1)
    if near < 5 or near < 0.3 * len(lines) or width > 60:
        return lines, 0
    out: list[str] = []
    joins = 0
    carry = False
    for line in lines:
        if carry and out and not _HEADING_START.match(line):
            out[-1] += line
            joins += 1
        else:
            out.append(line)
        carry = abs(len(line) - width) <= 1 and line[-1] not in SENTENCE_END + ":"
    return out, joins


def join_cut_sentences(lines: list[str], cut_after: set[int]) -> list[str]:
    """Join a line that ends mid-sentence to the next when page furniture stood between them."""
    out: list[str] = []
    for i, line in enumerate(lines):
        if out and (i - 1) in cut_after and _ends_mid_sentence(out[-1]) and len(out[-1]) >= 20 \
                and not _HEADING_START.match(line):
            out[-1] += line
        else:
            out.append(line)
    return out


@dataclass
class CleanText:
    lines: list[str]
    commentary: str = ""
    hints: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)


def strip_pinyin(text: str) -> str:
    """Remove pinyin annotations such as `產(chǎn)` (only toned syllables, so `(IPv6)` stays)."""
    return _PINYIN_RE.sub("", text)


def is_clutter(line: str) -> bool:
    return any(p.search(line) for p in _CLUTTER_LINE_RES)


def _fix_ocr_number(match: re.Match) -> str:
    token = match.group(1)
    if not any(c in "IOlo" for c in token):
        return token
    letters = sum(c in "IOlo" for c in token)
    # Only a run that is mostly digit-like and stands as a number: `IOO`, `3.O`, `1O`.
    if letters == len(token.replace(".", "")) and len(token) < 2:
        return token
    return token.translate(str.maketrans("IOlo", "1010"))


def repair_ocr(line: str) -> str:
    """Mend OCR damage inside one line: `(-)` for `(一)`, letters read for digits."""
    line = re.sub(r"\([-—─–]\)", "(一)", line)
    line = re.sub(r"(?<=[0-9])\s*[Oo](?=[0-9.%])|(?<=[0-9]\.)[Oo]", "0", line)
    return _OCR_NUMBER_RE.sub(_fix_ocr_number, line)


def _ends_mid_sentence(line: str) -> bool:
    return bool(line) and line[-1] not in SENTENCE_END + ":)”」》"


def join_page_markers(lines: list[str]) -> tuple[list[str], bool]:
    """Remove page numbers printed as `N、` at line starts and join the halves they cut.

    They are told apart from a real `1、2、3、` list by two facts of the genre: page
    numbers run on through the whole document without restarting, and most of them
    cut a sentence in half (the line before does not end a sentence).
    """
    marked = [(i, int(m.group(1))) for i, line in enumerate(lines) if (m := _PAGE_MARKER_RE.match(line))]
    if len(marked) < 3:
        return lines, False
    numbers = [n for _, n in marked]
    if numbers != list(range(numbers[0], numbers[0] + len(numbers))):
        return lines, False
    cuts = [i for i, _ in marked if i > 0]
    mid = sum(1 for i in cuts if _ends_mid_sentence(lines[i - 1]) and len(lines[i - 1]) > 40)
    if not cuts or mid / len(cuts) < 0.6:
        return lines, False
    out: list[str] = []
    marker_rows = {i for i, _ in marked}
    after_marker = False  # the line follows a page number that stood alone on its line
    for i, line in enumerate(lines):
        if i in marker_rows:
            line = _PAGE_MARKER_RE.sub("", line, count=1).strip()
            if not line:
                after_marker = True
                continue
        if (i in marker_rows or after_marker) and out and _ends_mid_sentence(out[-1]):
            out[-1] += line
        else:
            out.append(line)
        after_marker = False
    return out, True


def split_commentary(lines: list[str]) -> tuple[list[str], list[str]]:
    """Set apart a commentary that precedes `以下为《决定》全文:`, when there is one."""
    for i, line in enumerate(lines[:-1]):
        if _FULLTEXT_RE.search(line) and len(line) < 40:
            return lines[:i], lines[i + 1:]
    return [], lines


# Invisible characters that carry nothing a reader sees: C0/C1 controls, zero-width and bidi marks,
# the soft hyphen. Left in, they split words (`加强\u200b管理` is not found by `加强管理`) and reach Slack.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u00ad\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]")
# Line and page separators other than \n (a form feed between PDF pages, NEL, U+2028/9) end a line.
_OTHER_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85\u2028\u2029]")


def drop_invisible(raw: str) -> tuple[str, list[str]]:
    """Make every line end `\\n` and drop invisible controls; the note says how many were dropped."""
    text, invisible = _INVISIBLE.subn("", _OTHER_BREAKS.sub("\n", raw))
    return text, [f"{invisible} invisible control character(s) removed"] if invisible else []


def fold_characters(raw: str) -> tuple[str, list[str]]:
    """Fold raw text character by character, before any line is read: the text every clause is cut from.

    Line breaks made one kind, invisible controls dropped, tags and entities of a page saved as
    text resolved, full-width forms half-width, compatibility ideographs unified, pinyin
    annotations dropped, Traditional made Simplified.

    Returns:
        (the folded text, notes on what was repaired, for `policybot check`).
    """
    text, notes = drop_invisible(raw)
    text = to_halfwidth(text)
    if "<" in text or "&" in text:  # pages saved as text keep tags and entities (&nbsp;)
        text = html.unescape(_HTML_TAG.sub(lambda m: "\n" if m.group(1) in _BLOCK_TAGS else "", text))
        text = _INVISIBLE.sub("", to_halfwidth(text))
    text, folded = fold_compatibility(text)
    if folded:
        notes.append(f"{folded} compatibility ideograph(s) folded to their unified forms")
    return to_simplified(strip_pinyin(text)), notes


def clean_text(raw: str) -> CleanText:
    """Turn raw document text into clean, Simplified lines."""
    text, notes = fold_characters(raw)
    result = CleanText(lines=[], fixes=notes)
    kept: list[str] = []
    cut_after: set[int] = set()  # kept lines after which page furniture was removed
    for raw_line in text.split("\n"):
        line = _MARKDOWN.sub("", re.sub(r"[ \t]+", " ", raw_line)).strip()
        if not line:
            continue
        line = unspace_letterspaced(line)
        for key, pattern in _HINT_RES.items():
            if key not in result.hints and (m := pattern.search(line)) and is_clutter(line):
                result.hints[key] = m.group(1).strip()
        if is_clutter(line):
            result.removed.append(line)
            if kept and _PAGE_NUMBER.match(line):
                cut_after.add(len(kept) - 1)
            continue
        kept.append(line)
    if cut_after:
        kept = join_cut_sentences(kept, cut_after)
    kept, heads, cut_after = drop_running_heads(kept)
    if heads:
        result.removed.extend(heads)
        result.fixes.append(f"{len(heads)} running page head(s) of a printed record removed")
        kept = join_cut_sentences(kept, cut_after)
    kept, wrapped = join_wrapped(kept)
    if wrapped:
        result.fixes.append(f"{wrapped} hard-wrapped line(s) joined")
    kept, joined = join_page_markers(kept)
    if joined:
        result.fixes.append("joined lines cut by page numbers")
    repaired = [repair_ocr(line) for line in kept]
    result.fixes.extend(_describe_fixes(a, b) for a, b in zip(kept, repaired) if a != b)
    commentary, body = split_commentary(repaired)
    result.commentary = "\n".join(commentary)
    result.lines = _drop_trailing_promo(body, result.removed)
    return result


def _describe_fixes(before: str, after: str) -> str:
    """`OCR: IOO家 → 100家; 3.O版 → 3.0版`: each repaired spot with a character of context.

    Repairs only replace characters or drop a space, so the two lines are aligned in
    one pass; a full diff of a 4,000-character line costs seconds, only to word a note.
    """
    spots = []
    for i1, i2, j1, j2 in _changed_runs(before, after):
        spots.append(f"{before[max(0, i1 - 1):i2 + 1]} → {after[max(0, j1 - 1):j2 + 1]}")
    return "OCR: " + "; ".join(spots[:8])


def _changed_runs(before: str, after: str) -> list[tuple[int, int, int, int]]:
    """Runs (i1, i2, j1, j2) where `before[i1:i2]` became `after[j1:j2]`, in order."""
    i = j = 0
    runs: list[tuple[int, int, int, int]] = []
    while i < len(before) or j < len(after):
        if i < len(before) and j < len(after) and before[i] == after[j]:
            i, j = i + 1, j + 1
            continue
        i1, j1 = i, j
        while i < len(before) and (j >= len(after) or before[i] != after[j]):
            # A dropped space, when the rest is longer than what it became; else a replaced character.
            if before[i].isspace() and len(before) - i > len(after) - j:
                i += 1
            elif j < len(after):
                i, j = i + 1, j + 1
            else:
                i += 1
        if i >= len(before):
            j = len(after)  # whatever is left over was added at the end
        runs.append((i1, i, j1, j))
    return runs


def _drop_trailing_promo(lines: list[str], removed: list[str]) -> list[str]:
    """Drop short teaser lines after the last paragraph (`有哪些重要内容?`)."""
    while lines and len(lines[-1]) <= 30 and re.search(r"[?!]\s*$", lines[-1]):
        removed.append(lines.pop())
    return lines
