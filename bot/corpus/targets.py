"""Quantitative targets: subject, value, unit, comparator, kind and horizon of each figure.

`到2022年底,全社会研发投入强度达到0.7%以上` gives metric 全社会研发投入强度, value 0.7,
unit %, comparator 以上, horizon 到2022年底 (2022). A horizon stated once carries over to the
following sentences of the same clause, as in a list of goals under `到2025年,`.

What is not a target: rewards and subsidies (`给予最高100万元奖励`), eligibility thresholds
(`10万元以上的研发项目`), version numbers (`3.0版`), names that hold a number (`5553工程`),
plans named after a goal (`倍增计划`), counts in a report (`委员39人`).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.corpus.text import cn_number, split_sentences
from bot.model import Target

_UNITS = ("个百分点", "万亿元", "千亿元", "百亿元", "亿美元", "万美元", "亿港元", "万港元", "亿元", "万元", "美元", "港元",
          "元", "万家", "家", "万个", "个位次", "个工作日", "工作日", "个", "万项", "项", "万套", "套", "万人次", "人次",
          "万人", "人", "名", "所", "座", "件", "条", "位", "倍", "万吨", "吨", "公里", "千米", "平方公里", "万平方米",
          "平方米", "米", "万亩", "亩", "公顷", "台", "辆", "户", "支", "批", "种", "款", "宗", "间", "张", "栋", "处",
          "分钟", "小时", "天", "日", "年", "%", "‰")
_UNIT_RE = "|".join(map(re.escape, sorted(_UNITS, key=len, reverse=True)))
_ARABIC = r"\d+(?:,\d{3})*(?:\.\d+)?"
_CHINESE = r"[零〇一二两三四五六七八九十百千万]+"
_FIGURE_RE = re.compile(
    rf"(?P<num>{_ARABIC}|{_CHINESE})(?:\s*(?:%|‰)?\s*(?:-|~|—|–|至|到)\s*(?P<max>{_ARABIC}|{_CHINESE}))?"
    rf"\s*(?P<unit>{_UNIT_RE})"
)
# Units that only make a figure with a limit word (`30日内`, `不超过3年`), never alone (`7月15日`).
_DURATION_UNITS = ("日", "年", "天")
_PREFIX_COMPARATORS = ("不得超过", "不得少于", "不得低于", "力争达到", "力争突破", "不少于", "不低于", "不超过", "不高于",
                       "不大于", "不小于", "超过", "突破", "达到", "高于", "至少", "至多", "最多", "控制在", "保持在",
                       "提高到", "提升至", "提升到", "增长到", "降低到", "降至", "达", "力争")
_SUFFIX_COMPARATORS = ("及以上", "以上", "以下", "以内", "之内", "左右", "上下", "内")
# A rule's limit, as opposed to an aim to reach.
_LIMITS = frozenset({"不得超过", "不得少于", "不得低于", "不少于", "不低于", "不超过", "不高于", "不大于", "不小于", "至少",
                     "至多", "最多", "以内", "之内", "内", "以下", "控制在"})
_NORMATIVE = re.compile(r"应当|不得|必须|须|应")
_LINKING = re.compile(r"(力争|努力|确保|实现|达到|达|突破|超过|不少于|不低于|至少|提高到|提升至|提升到|增长到|"
                      r"控制在|保持在|完成|为|的|将|要|使|了|累计|总计|每年|年均)$")
# Verbs that lead into what is to be reached (`培育高新技术企业5家`); the object is the subject.
_LEADING_VERBS = re.compile(r"^(培育|认定|争创|创建|打造|建设|引进|招引|开展|签订|完成|实现|推动|支持|组建|筹集|累计|"
                            r"力争|努力|确保|预计|通过|全年)+")
_VERB_END = re.compile(r"(培育|新增|新建|建设|打造|引进|筹集|争创|创建|组建|形成|认定|签订|开展|布局|招引|设立|培养|建成|集聚|"
                       r"设置|配备|建立)$")
# Verbs that make a bare figure a target (`培育高新技术企业5家`), as opposed to a count (`委员39人`).
_TARGET_VERBS = re.compile(r"培育|新增|新建|建设|建成|打造|引进|筹集|争创|创建|组建|形成|认定|签订|开展|实施|布局|完成|实现|"
                           r"支持|招引|吸引|集聚|设立|培养|达到|力争|突破|提升|提高|增长|增加|扩大|降低|减少|确保|推动|招商|落地")
_NOT_TARGET_AFTER = ("版", "号", "月", "G", "予以", "给予", "的奖励", "奖励", "补助", "补贴", "届", "期")
# Numbers that are not targets: document numbers, ordinals, versions, counts of plans.
_NOT_TARGET_BEFORE = re.compile(r"(第|〔|\[|号|届|次|“|\+|—|月|版)$")
# A figure in the same phrase as these words is money given or a bar to qualify, not an aim.
_REWARD = re.compile(r"奖励|奖补|补助|补贴|资助|贴息|给予|予以|一次性|最高|罚款|罚金|处以")
_PAST = re.compile(r"已(经)?(达到|建成|超过|突破|完成|有|累计|实现|形成)|同比|比上年|较上年")
_RATE_SUFFIX = re.compile(r"(年均增速|年均增幅|年均增长率|年均增长|增速|增幅|增长率|占比|比重)$")
_BENCHMARK = re.compile(r"(与|同)[^,、;。]{1,8}?(同步|持平|保持一致|相当)")
_BASELINE = re.compile(r"(较|比|相比|与)[^,、;。]{1,12}?(末|初|年|水平|基础上)(相比)?")

_PLAN_END = {"十一五": 2010, "十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030, "十六五": 2035}
_HORIZON_RES = [
    re.compile(r"(?:到|至|截至|截止到?|力争)?\s*(?P<year>(?:19|20)\d\d)\s*年\s*(?:年底前|底前|年底|底|末|前|内|以前)?"
               r"(?!\s*\d*\s*[月号度])"),
    re.compile(r"(?:到|至)?\s*“?(?P<plan>十[一二三四五六]五)”?\s*(?:期末|末|时期|期间)"),
    re.compile(r"(?:到|至)?\s*民[国國]\s*(?P<roc>\d{2,3}|[一二三四五六七八九十百零〇]{2,5})\s*年\s*(?:底前|底|末|前|内)?"),
    re.compile(r"(?:到|至)?\s*(?P<roc>1\d\d)\s*年\s*(?:底前|年底|底|前)"),  # `115年底前`: a 民国 year
]
_CN_YEAR = re.compile(r"[〇零○O一二三四五六七八九]{4}(?=年)")
# Words that make a phrase a goal without a figure, the most telling first.
_GOAL_PRIORITY = ("倍增", "翻一番", "翻番", "高于", "超过", "显著提升", "显著提高", "大幅提升", "大幅提高", "大幅上升", "位居", "迈入",
                  "进入", "建成", "达到", "实现", "基本形成", "初步形成", "全面形成", "成为", "力争")
_DOUBLING = re.compile(r"(?:实现)?(倍增|翻一番|翻两番|翻番)(?!计划|行动|工程|专项|战略|工作|方案|目标任务)")
_DOUBLING_VALUE = {"倍增": 2.0, "翻一番": 2.0, "翻番": 2.0, "翻两番": 4.0}
_DEADLINE_RE = re.compile(r"(?:完成时限|完成时间|时间节点|完成期限|时限)\s*[::]\s*([^。;\n]{2,20})")
_DATED_GOAL = re.compile(r"(到|至|力争|确保)\s*(20\d\d|“?十[一二三四五六]五)")
_SEGMENT_SPLIT = re.compile(r"[,;:]")


@dataclass(frozen=True)
class Horizon:
    """A time horizon as written, with the year it names."""

    text: str
    year: int

    @property
    def due(self) -> dt.date:
        return dt.date(self.year, 12, 31)


def _western_years(text: str) -> str:
    """`二〇三五年` → `2035年`, so a horizon in Chinese numerals reads as one in digits."""
    return _CN_YEAR.sub(lambda m: "".join(str("〇一二三四五六七八九".index(c)) if c not in "零○O" else "0"
                                          for c in m.group(0)), text)


def find_horizon(text: str) -> Horizon | None:
    """Return the first time horizon in `text`; a baseline (`较“十三五”末`) is never one."""
    if "年" not in text and "五" not in text:
        return None
    text = _western_years(text)
    best: tuple[int, Horizon] | None = None
    for pattern in _HORIZON_RES:
        for m in pattern.finditer(text):
            start = m.start()
            if text[max(0, start - 1):start] in ("较", "比") or text[max(0, start - 2):start] in ("相比", "同比"):
                continue
            if text[m.end():m.end() + 1].isdigit() or text[m.end():m.end() + 2] in ("相比", "以来"):
                continue
            groups = m.groupdict()
            if groups.get("year"):
                year = int(groups["year"])
            elif groups.get("plan"):
                year = _PLAN_END[groups["plan"]]
            else:
                roc = groups["roc"]
                number = int(roc) if roc.isdigit() else cn_number(roc)
                if number is None:
                    continue
                year = 1911 + number
            horizon = Horizon(m.group(0).strip(), year)
            if best is None or start < best[0]:
                best = (start, horizon)
    return best[1] if best else None


def parse_horizon(text: str) -> tuple[str | None, dt.date | None]:
    """Return the first time horizon in `text` and the last day of its year."""
    horizon = find_horizon(text)
    return (horizon.text, horizon.due) if horizon else (None, None)


def _value(number: str) -> float | None:
    if number[0].isdigit():
        return float(number.replace(",", ""))
    value = cn_number(number)
    return float(value) if value is not None else None


def _comparator(before: str, after: str) -> str | None:
    for word in _SUFFIX_COMPARATORS:
        if after.startswith(word):
            return word
    tail = before[-8:]
    found = [(tail.rfind(w) + len(w), len(w), w) for w in _PREFIX_COMPARATORS if w in tail]
    if found:  # the word nearest the figure, the longest ending there (`力争达到` over `达到`)
        return max(found)[2]
    return None


def _strip_time(phrase: str) -> str:
    """Take horizons, hedges and benchmarks out of a subject phrase."""
    phrase = _western_years(phrase)
    phrase = re.sub(r"(到|至|截至|力争|在)?\s*((19|20)\d\d|民[国國]\d{2,3})\s*年(年底前|底前|年底|底|末|前|内|以前)?", "",
                    phrase)
    phrase = re.sub(r"(到|至)?“?十[一二三四五六]五”?(期末|末|时期|期间)?", "", phrase)
    phrase = _BENCHMARK.sub("", phrase)
    return phrase


def _clean_subject(phrase: str) -> str:
    phrase = _strip_time(phrase).strip(" “”、,")
    phrase = re.sub(r"(达到|实现|突破|超过)", "", phrase) if len(phrase) > 6 else phrase
    while True:
        stripped = _LINKING.sub("", phrase)
        stripped = _LEADING_VERBS.sub("", stripped).strip(" 、")
        if stripped == phrase:
            break
        phrase = stripped
    return phrase.strip(" “”")


_LEAD_IN_VERBS = re.compile(r".*(推进|推动|依托|通过|围绕|实施|加快|开展|加强|支持|鼓励|引导|促进|聚焦)")


def _shorten(metric: str) -> str:
    """A long phrase with no separator (`依托…推进…人才`): its subject follows the last lead-in verb."""
    if len(metric) <= 16:
        return metric
    tail = _LEAD_IN_VERBS.sub("", metric)
    return tail if len(tail) >= 2 else metric


def _base(metric: str) -> str:
    """`高新技术产业产值年均增速` → `高新技术产业产值`: the quantity a rate is of."""
    return _RATE_SUFFIX.sub("", metric)


def _following_noun(after: str) -> str:
    following = re.split(r"[,、。;:(和及]", after)[0]
    following = re.sub(r"(全面|基本|初步)?(建成|完成|实现|投用|运行|落地)$", "", following)
    following = re.sub(rf"^({'|'.join(_SUFFIX_COMPARATORS)})", "", following).strip(" “”")
    if following.startswith("的"):
        following = following[1:]
    return following if 2 <= len(following) <= 24 else ""


@dataclass
class _Subject:
    metric: str
    detail: str | None = None
    items: tuple[str, ...] = ()  # `A、B各1家`: one target per item


def _subject(before: str, after: str, unit: str, previous: str) -> _Subject:
    """The noun phrase a figure measures, from the words before it, after it, or the figure before it."""
    each = before.rstrip().endswith("各")
    raw = before.rstrip()[:-1] if each else before
    phrase = _clean_subject(raw)
    following = _following_noun(after)
    if re.search(r"每\s*$", raw):  # `至少应每二年…检讨`: a frequency of what follows
        return _Subject(re.sub(r"(至少|应当|应|须|必须|每)+$", "", phrase) + following)
    if raw.lstrip(" ,、").startswith(("距离", "距")):  # `距离信号灯15米以内`: a distance from the things named
        return _Subject(phrase)
    phrase = re.sub(r"^(须|应当|应|必须)", "", phrase)
    is_list = "、" in phrase or phrase.endswith("等")
    listed = re.sub(r"等$", "", phrase)
    if each and is_list:
        items = tuple(i for i in (x.strip() for x in re.split(r"、|和|及", listed)) if i)
        return _Subject(listed, detail=listed, items=items)
    if following and is_list:
        return _Subject(following, detail=listed)
    if following and re.fullmatch(r"(全市|全省|全区|全县|全国)?(首批|第一批|累计|共|共计)?", phrase):
        return _Subject(following)  # `全市首批100个示范社区`: the noun after is what is counted
    if following and (not phrase or _VERB_END.search(phrase)):
        prefix = _VERB_END.sub("", phrase) if not re.fullmatch(r"(新增|新建)", phrase) else phrase
        return _Subject(f"{prefix}{following}" if prefix and not _VERB_END.fullmatch(phrase) else following)
    if phrase.startswith("占") and previous:
        return _Subject(f"{_base(previous)}{phrase}")
    if not phrase and previous:
        return _Subject(previous if unit in ("%", "‰", "个百分点") else _base(previous))
    return _Subject(phrase or following[:20])


def _segments(sentence: str) -> list[tuple[int, str]]:
    """Split a sentence at , ; : into (offset, text) phrases."""
    out, start = [], 0
    for m in _SEGMENT_SPLIT.finditer(sentence):
        out.append((start, sentence[start:m.start()]))
        start = m.end()
    out.append((start, sentence[start:]))
    return out


def _is_threshold(after: str, unit: str) -> bool:
    """`10万元以上的项目`, `超过1亿元的企业`, `10万元以上研发项目库`: a bar to qualify, not an aim."""
    rest = re.sub(r"^(及以上|以上|以下|以内|左右)", "", after)
    if rest.startswith("的") and unit not in ("%", "‰") and not rest.startswith(("的标准", "的要求", "的原则", "的目标")):
        return True
    bar = re.sub(r"^(及以上|以上|以下)", "", after)
    return unit.endswith("元") and bar != after and bool(bar) and "\u4e00" <= bar[0] <= "\u9fff"


@dataclass
class _Context:
    goal_section: bool
    is_task: bool
    regulation: bool


def _kind(comparator: str | None, segment: str, context: _Context) -> str:
    if comparator in _LIMITS and (context.regulation or _NORMATIVE.search(segment)):
        return "standard"
    return "goal"


def _figures(sentence: str, horizon: Horizon | None, context: _Context) -> list[Target]:
    """Every figure of one sentence that states something to reach or a limit to keep."""
    targets: list[Target] = []
    previous = ""
    for offset, segment in _segments(sentence):
        last_end = 0
        local = horizon
        for m in _FIGURE_RE.finditer(segment):
            before, after = segment[last_end:m.start()], segment[m.end():]
            whole_before = segment[:m.start()]
            unit, number = m.group("unit"), m.group("num")
            chinese = not number[0].isdigit()
            if found := find_horizon(whole_before[-24:]):
                local = found
            if (_NOT_TARGET_BEFORE.search(whole_before) or re.search(r"[\dA-Za-z.]$", whole_before)
                    or after.startswith(_NOT_TARGET_AFTER) or _is_threshold(after, unit)
                    or _REWARD.search(segment) or _PAST.search(whole_before)):
                continue
            comparator = _comparator(whole_before, after)
            value = _value(number)
            if value is None:
                continue
            if unit in _DURATION_UNITS and (comparator not in _LIMITS or value >= 100):
                continue  # `7月15日`, `2022年内`: a date, not a duration
            if chinese and not comparator:
                continue  # `一个桥头堡`, `十大工程`: Chinese numerals count only with a limit or an aim word
            ahead = local and re.search(r"^(到|至|力争|确保)|(底|末|前|内)$", local.text)
            if not (comparator or context.goal_section or context.is_task or _TARGET_VERBS.search(whole_before)
                    or ahead):
                continue  # a count in a report (`委员39人`, `二〇〇六年接获20248宗`), not something to reach
            subject = _subject(before, after, unit, previous)
            previous = subject.metric
            # What follows the figure up to the next separator is its own (`2个万亿级产业集群、`).
            last_end = m.end() + len(re.split(r"[、和及]", after)[0])
            value_max = _value(m.group("max")) if m.group("max") else None
            for metric in subject.items or (subject.metric,):
                targets.append(Target(
                    sentence=sentence, metric=metric, value=value, unit=unit,
                    comparator=None if value_max is not None and comparator in (None, "力争") else comparator,
                    horizon=local.text if local else None, due=local.due if local else None,
                    value_max=value_max, kind=_kind(comparator, sentence, context),
                    horizon_year=local.year if local else None, detail=subject.detail,
                ))
        for m in _DOUBLING.finditer(segment):
            whole_before = segment[:m.start()]
            if not (context.goal_section or context.is_task or horizon or "实现" in m.group(0)):
                continue
            baseline = _BASELINE.search(whole_before)
            phrase = _BASELINE.sub("", whole_before) if baseline else whole_before
            metric = _shorten(_clean_subject(phrase))
            targets.append(Target(
                sentence=sentence, metric=metric or previous, value=_DOUBLING_VALUE[m.group(1)], unit="倍",
                comparator=m.group(1), horizon=horizon.text if horizon else None,
                due=horizon.due if horizon else None, horizon_year=horizon.year if horizon else None,
                detail=baseline.group(0) if baseline else None,
            ))
    return targets


def _goal_phrases(sentence: str, horizon: Horizon | None, goal_section: bool) -> list[Target]:
    """Goals without a figure (`建成国家知识产权示范城市`), one per phrase and per year named."""
    targets: list[Target] = []
    pieces = re.split(r"[,;]|、(?=\s*(?:到|至)?\s*(?:19|20)\d\d\s*年)", sentence)
    if not goal_section:  # a dated sentence: its goals are what follows the year, not the preamble
        dated = next((i for i, p in enumerate(pieces) if find_horizon(p)), 0)
        pieces = pieces[dated:]
    for piece in pieces:
        piece = piece.strip("—。 ")
        if piece.endswith(":") or "以下目标" in piece or _FIGURE_RE.search(piece) and _figure_in(piece):
            continue  # the lead-in to a list of goals, or a phrase whose figure is its own target
        if _DOUBLING.search(piece):
            continue
        word = next((w for w in _GOAL_PRIORITY if w in piece), None)
        if not word:
            continue
        if found := find_horizon(piece):
            horizon = found
        metric = _strip_time(piece).strip(" ,、")
        metric = re.sub(r"^(力争|努力|确保|预计)+", "", metric)
        metric = re.sub(r"^实现", "", metric)
        targets.append(Target(sentence=sentence, metric=metric[:40] or piece[:40], value=None, unit=None,
                              comparator=word, horizon=horizon.text if horizon else None,
                              due=horizon.due if horizon else None, horizon_year=horizon.year if horizon else None))
    return targets


def _figure_in(piece: str) -> bool:
    return any(m.group("unit") not in _DURATION_UNITS for m in _FIGURE_RE.finditer(piece)
               if m.group("num")[0].isdigit())


def extract_targets(text: str, goal_section: bool = False, *, is_task: bool = False,
                    horizon: str | None = None, due: dt.date | None = None,
                    regulation: bool = False) -> list[Target]:
    """Find the quantitative and dated targets of a clause's text.

    Args:
        goal_section: the clause stands under 主要目标/发展目标/…: qualitative goals count too.
        is_task: the clause names responsible units: its figures are task targets.
        horizon, due: the horizon inherited from the section above, if any.
        regulation: the document is a 条例/办法/规定: limits it sets are standards.
    """
    current = find_horizon(horizon) if horizon else None
    if horizon and current is None and due:
        current = Horizon(horizon, due.year)
    if current is None and (m := _DEADLINE_RE.search(text)):
        current = find_horizon(m.group(1))  # a task's `完成时限:2024年底` is its targets' horizon
    context = _Context(goal_section, is_task, regulation)
    targets: list[Target] = []
    for sentence in split_sentences(text):
        found = find_horizon(sentence)
        if found:
            current = found
        figures = _figures(sentence, current, context)
        targets.extend(figures)
        # Goals without a figure count in a goal section (`数量较“十三五”末实现倍增`), and
        # anywhere when they name their year (`力争2025年实现碳达峰`).
        if goal_section or found and _DATED_GOAL.search(_western_years(sentence)):
            targets.extend(_goal_phrases(sentence, current, goal_section))
    return targets
