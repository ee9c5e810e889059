"""Character-level helpers shared by the corpus parsers and the query side."""
from __future__ import annotations

import re
from functools import lru_cache

CJK = r"\u3400-\u4dbf\u4e00-\u9fff"
CN_DIGITS = "〇零一二三四五六七八九十百两"
SENTENCE_END = "。;!?"
# Full-width ASCII (！ to ～) maps to ASCII; the ideographic space and NBSP to a space.
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_HALFWIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x200B: None, 0xFEFF: None})
_SENTENCE_RE = re.compile(r"[^。;!?\n]+[。;!?]*[”’」』)]?")


def to_halfwidth(text: str) -> str:
    """Fold full-width ASCII punctuation, digits and letters to ASCII."""
    return text.translate(_HALFWIDTH)


def split_sentences(text: str) -> list[str]:
    """Split at 。;!? and line breaks, keeping the terminator (and a closing quote)."""
    return [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip()]


def cn_to_int(numeral: str) -> int | None:
    """Convert a Chinese numeral up to the hundreds (`二十一`, `十五`) to an int."""
    digits = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
    if not numeral or any(ch not in digits and ch not in "十百" for ch in numeral):
        return None
    total, current = 0, 0
    for ch in numeral:
        if ch in digits:
            current = digits[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
    return total + current


_CN_DIGIT_VALUES = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                    "六": 6, "七": 7, "八": 8, "九": 9}
_CN_SCALES = {"十": 10, "百": 100, "千": 1000}


def cn_number(numeral: str) -> int | None:
    """Convert a Chinese numeral with 十/百/千/万 (`十五`, `五万`, `一百一十五`, `一一五`) to an int."""
    if not numeral or any(ch not in _CN_DIGIT_VALUES and ch not in _CN_SCALES and ch != "万" for ch in numeral):
        return None
    if all(ch in _CN_DIGIT_VALUES for ch in numeral) and len(numeral) > 1:
        return int("".join(str(_CN_DIGIT_VALUES[ch]) for ch in numeral))  # digit by digit: 一一五 = 115
    total, section, current = 0, 0, 0
    for ch in numeral:
        if ch in _CN_DIGIT_VALUES:
            current = _CN_DIGIT_VALUES[ch]
        elif ch in _CN_SCALES:
            section += (current or 1) * _CN_SCALES[ch]
            current = 0
        else:  # 万
            total += (section + current or 1) * 10000
            section, current = 0, 0
    return total + section + current


def is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@lru_cache(maxsize=1)
def _t2s():
    import opencc  # the only door to OpenCC

    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional characters to Simplified (phrase-aware, via OpenCC)."""
    return _t2s().convert(text) if text else text


def normalize_query_text(text: str) -> str:
    """Fold a user's text the way documents are folded: half-width, Simplified."""
    return to_simplified(to_halfwidth(text)).strip()
