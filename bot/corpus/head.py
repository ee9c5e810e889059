"""A document's head: title (possibly over several lines), issuer, date, region, kind."""
from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from bot.corpus.places import NATIONWIDE, count_places, is_central, place_in, special_region
from bot.corpus.text import cn_number, cn_to_int

KINDS = ("自治条例", "实施细则", "管理办法", "实施办法", "暂行办法", "施政报告", "工作报告", "实施意见", "指导意见",
         "行动计划", "行动方案", "实施方案", "工作方案", "决定", "意见", "公报", "方案", "计划", "办法", "通知", "规划",
         "纲要", "若干措施", "措施", "细则", "条例", "规定", "决议", "报告", "通告", "批复", "建议", "要点", "函")
# A kind ends the title, before an optional note such as (试行), (征求意见稿) or (2021—2025年).
_KIND_RE = re.compile(rf"({'|'.join(KINDS)})(\([^()]{{1,20}}\))?$")
_DATE_RE = re.compile(r"(20\d\d|19\d\d)\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?")
_ADOPTION_RE = re.compile(r"^\((?P<body>[^()]*?(?:20|19)\d\d年\d{1,2}月\d{1,2}日[^()]*?(?:通过|印发|发布|施行|批准)[^()]*)\)$")
_DOC_NUMBER_RE = re.compile(r"[\u4e00-\u9fff]{1,8}[〔\[(]\d{4}[〕\])]\s*\d+\s*号")
_ORG_END = r"(?:市委|省委|县委|区委|州委|人民政府|政府|办公厅|办公室|委员会|管委会|局|厅|委|部)"
_ISSUER_PREFIX_RE = re.compile(rf"^(?P<issuer>[\u4e00-\u9fff ]{{2,40}}?{_ORG_END}|国务院)\s*关于")
_PARTY_COMMITTEE_RE = re.compile(r"^(中共[\u4e00-\u9fff]{2,8}?[省市县区州]委)")
# A region not in the gazetteer still counts when it stands alone before its government (`某某市人民政府`).
_REGION_RE = re.compile(r"(?:^|(?<=中共)|(?<=[\s《“,:]))([\u4e00-\u9fff]{2,6}?(?:自治州|市|州|盟|省))"
                        r"(?:委|人民政府|政府|委员会|人大)")
_NOT_REGION = ("全市", "本市", "我市", "各市", "城市", "上市", "副市", "该市", "市市", "超市", "门市", "同城市", "型城市")
REGULATION_KINDS = ("条例", "自治条例", "办法", "管理办法", "实施办法", "暂行办法", "规定", "细则", "实施细则", "规则", "准则",
                    "标准")
_PREAMBLE_START = re.compile(r"(为(深入|进一步|全面|贯彻|认真|加快|切实|推动|落实|更好)|根据|按照|近年来|当前|为了)")
_HEADING_WORDS = re.compile(r"^(第[一二三四五六七八九十]+[章条]|[一二三四五六七八九十]+、|\([一二三四五六七八九十\d]+\)|\d+\s*[.、])")


_PROMULGATION_RE = re.compile(r"^(?:中华)?(?:民国\s*\d{2,3}|(?:19|20)\d\d)\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日.{0,80}?"
                              r"(?:公布|发布|施行|通过|修正|修订|印发)[^。]{0,20}$")


@dataclass
class Head:
    title: str | None = None
    issuer: str | None = None
    date: dt.date | None = None
    kind: str | None = None
    region: str | None = None
    doc_number: str | None = None
    body_start: int = 0  # index of the first body line
    first_line_rest: str | None = None  # body text that shared the title's line
    date_source: str | None = None


# `二〇二三年六月一日`; OCR and typists write the zero as ○, O or 零 (`二OO六年二月二十日`).
_CN_DATE_RE = re.compile(r"([〇零○O一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
# `中华民国115年1月3日`, `民國 103 年 10 月 31 日`: the year counts from 1912.
_ROC_DATE_RE = re.compile(r"民[国國]\s*(\d{2,3}|[一二三四五六七八九十百零〇]{1,5})\s*年\s*(\d{1,2}|[一二三四五六七八九十]{1,3})"
                          r"\s*月\s*(\d{1,2}|[一二三四五六七八九十]{1,3})\s*日")


def _cn_date(text: str) -> str:
    """`二〇二三年六月一日` → `2023年6月1日`: official documents sign dates in Chinese numerals."""
    def convert(m: re.Match) -> str:
        if sum(c in "〇零○O" for c in m.group(1)) == 4:
            return m.group(0)
        year = "".join(str("〇一二三四五六七八九".index(c)) if c not in "零○O" else "0" for c in m.group(1))
        return f"{year}年{cn_to_int(m.group(2))}月{cn_to_int(m.group(3))}日"
    return _CN_DATE_RE.sub(convert, text)


def _int(text: str) -> int | None:
    return int(text) if text.isdigit() else cn_number(text)


def parse_date(text: str) -> dt.date | None:
    """The first date in `text`: digits, Chinese numerals or a 民国 year."""
    if m := _ROC_DATE_RE.search(text):
        year, month, day = _int(m.group(1)), _int(m.group(2)), _int(m.group(3))
        if year and month and day:
            try:
                return dt.date(1911 + year, month, day)
            except ValueError:
                pass
    m = _DATE_RE.search(_cn_date(text))
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def last_date(text: str) -> dt.date | None:
    """The last date in an adoption note (`…通过 … 修正 … 修订`): the version in force."""
    dates = [d for m in _DATE_RE.finditer(_cn_date(text)) if (d := parse_date(m.group(0)))]
    return dates[-1] if dates else None


def kind_of(title: str | None) -> str | None:
    if not title:
        return None
    m = _KIND_RE.search(title.rstrip("》 "))
    return m.group(1) if m else None


def region_of(issuer: str | None, title: str | None, *, body: str = "") -> tuple[str | None, str | None]:
    """The region a document belongs to and where it was read: from its issuer, title, then text.

    Regions are provinces, cities (with their district when the issuer is one), 全国 for central
    bodies, Hong Kong, Macau and Taiwan's cities. A name that is not a known place and does not
    stand alone before its government is no region: absent is better than wrong.
    """
    if region := special_region(issuer, title):
        return region, "issuer" if special_region(issuer) else "title"
    for text, source in ((issuer, "issuer"), (title, "title")):
        if is_central(text):
            return NATIONWIDE, source
        if region := place_in(text):
            return region, source
        if text and (m := _REGION_RE.search(text)) and not m.group(1).endswith(_NOT_REGION):
            return m.group(1), source
    if region := special_region(body[:3000]):
        return region, "text"
    places = count_places(body)
    if places:
        return places[0][0], "text"
    counts = Counter(m.group(1) for m in _REGION_RE.finditer(body) if not m.group(1).endswith(_NOT_REGION))
    if counts:
        return counts.most_common(1)[0][0], "text"
    return None, None


def _is_head_line(line: str) -> bool:
    return len(line) <= 60 and line[-1] not in "。;!?," and not _HEADING_WORDS.match(line)


def parse_head(lines: list[str], title_hint: str | None = None) -> Head:
    """Read title, issuer, date and doc number from the first lines of the clean text."""
    head = Head()
    i = 0
    title_parts: list[str] = []
    candidates: list[str] = []
    while i < min(len(lines), 12):
        line = lines[i]
        if m := _ADOPTION_RE.match(line):
            if not head.date:
                head.date, head.date_source = last_date(m.group("body")), "adoption note"
            i += 1
            break
        if (m := _PROMULGATION_RE.match(line)) and (date := parse_date(m.group(0))):
            # `中华民国106年11月29日台北市政府…令修正公布`: the version's date
            head.date, head.date_source = head.date or date, head.date_source or "promulgation line"
            i += 1
            continue
        if _DOC_NUMBER_RE.fullmatch(line):
            head.doc_number = line
            i += 1
            continue
        if _DATE_RE.fullmatch(_cn_date(line.strip("()"))):
            if not head.date:
                head.date, head.date_source = parse_date(line), "date line"
            i += 1
            continue
        if not _is_head_line(line):
            break
        title_parts.append(line)
        joined = "".join(title_parts)
        if _KIND_RE.search(joined) and len(joined) >= 6:
            candidates.append(joined)
            title_parts = []
        i += 1
    head.body_start = i
    if title_parts and not candidates:
        # Lines that did not end on a kind word: take them as the title only if short.
        joined = "".join(title_parts)
        if len(joined) <= 60:
            candidates.append(joined)
        else:
            head.body_start -= len(title_parts)
    if candidates:
        head.title = min(candidates, key=len) if _all_share_suffix(candidates) else candidates[-1]
        longest = max(candidates, key=len)
        if longest != head.title and longest.endswith(head.title):
            head.issuer = longest[: -len(head.title)].strip() or None
    elif i < len(lines):
        _split_glued_title(lines, head, title_hint)
    if head.title and not head.issuer:
        if m := _ISSUER_PREFIX_RE.match(head.title):
            head.issuer = m.group("issuer").strip()
        elif m := _PARTY_COMMITTEE_RE.match(head.title):
            head.issuer = m.group(1)
    head.kind = kind_of(head.title)
    return head


def _all_share_suffix(candidates: list[str]) -> bool:
    shortest = min(candidates, key=len)
    return all(c.endswith(shortest) for c in candidates)


_GREETING = r"各[\u4e00-\u9fff、()]{1,30}[::,]"
_BODY_START = (rf"\s|\(|〔|[\u4e00-\u9fff]{{1,8}}[〔\[]\d{{4}}[〕\]]|{_GREETING}|第[一二三四五六七八九十]+[章条]|一、|"
               rf"{_PREAMBLE_START.pattern}")
# A title runs at most 60 characters; a covering notice's (several issuers, then 关于印发…) up to 140.
_GLUED_TITLE_RE = re.compile(rf"^(.{{4,60}}?(?:{'|'.join(KINDS)})(?:\([^()]{{1,20}}\))?|"
                             rf"[^。,;]{{4,100}}?关于[^。,;]{{4,60}}?的(?:通知|通告|决定))(?={_BODY_START})")
_LEADING_ADOPTION = re.compile(r"^\s*\((?P<body>[^()]*?(?:20|19)\d\d年\d{1,2}月\d{1,2}日[^()]*)\)\s*")
_LEADING_DOC_NUMBER = re.compile(rf"^\s*({_DOC_NUMBER_RE.pattern})\s*")


def _split_glued_title(lines: list[str], head: Head, title_hint: str | None) -> None:
    """Split a title from the body it runs into (`…行动计划为深入贯彻…`, `…条例 (…通过) 第一章 总则 第一条…`)."""
    line = lines[head.body_start]
    if title_hint and line.startswith(title_hint):
        head.title, rest = title_hint, line[len(title_hint):]
    elif m := _GLUED_TITLE_RE.match(line):
        head.title, rest = m.group(1).strip(), line[m.end():]
    else:
        head.title = title_hint
        return
    while True:  # the adoption note and the document number between title and body
        if m := _LEADING_ADOPTION.match(rest):
            if not head.date:
                head.date, head.date_source = last_date(m.group("body")), "adoption note"
        elif m := _LEADING_DOC_NUMBER.match(rest):
            head.doc_number = head.doc_number or m.group(1)
        else:
            break
        rest = rest[m.end():]
    head.first_line_rest = rest.strip()


def signature(lines: list[str]) -> tuple[str | None, dt.date | None]:
    """Issuer and date signed at the end (`安顺市人民政府` / `2022年12月1日`), if any."""
    tail = lines[-3:]
    date = None
    issuer = None
    for line in tail:
        if _DATE_RE.fullmatch(_cn_date(line.strip())) or _ROC_DATE_RE.fullmatch(line.strip()):
            date = parse_date(line)
        elif len(line) <= 30 and re.search(rf"{_ORG_END}$", line) and not line.endswith("。"):
            issuer = line
    return (issuer, date) if date else (None, None)
