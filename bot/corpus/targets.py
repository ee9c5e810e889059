"""Quantitative targets: metric, value, unit, comparator and horizon of each figure.

`到2022年底,全社会研发投入强度达到0.7%以上` gives metric 全社会研发投入强度, value 0.7,
unit %, comparator 以上, horizon 到2022年底. A horizon stated once carries over to the
following sentences of the same clause, as in a list of goals under `到2025年,`.
"""
from __future__ import annotations

import datetime as dt
import re

from bot.corpus.text import split_sentences
from bot.model import Target

_UNITS = ("个百分点", "万亿元", "千亿元", "百亿元", "亿元", "万元", "元", "万家", "家", "万个", "个", "万项", "项",
          "万套", "套", "万人次", "人次", "万人", "人", "名", "所", "座", "件", "条", "位", "倍", "万吨", "吨",
          "公里", "千米", "万平方米", "平方米", "万亩", "亩", "台", "辆", "户", "支", "批", "种", "款", "次", "%", "‰")
_UNIT_RE = "|".join(map(re.escape, _UNITS))
_NUMBER_RE = re.compile(
    rf"(?P<num>\d+(?:\.\d+)?)(?P<range>\s*[-~—至到]\s*\d+(?:\.\d+)?)?\s*(?P<unit>{_UNIT_RE})"
)
_PREFIX_COMPARATORS = ("力争达到", "力争突破", "不少于", "不低于", "不超过", "不高于", "超过", "突破", "达到", "高于",
                       "至少", "控制在", "保持在", "提高到", "提升至", "提升到", "增长到", "达", "力争")
_SUFFIX_COMPARATORS = ("以上", "以下", "以内", "左右", "上下", "内")
_LINKING = re.compile(r"(力争|努力|确保|实现|达到|达|突破|超过|不少于|不低于|至少|提高到|提升至|提升到|增长到|"
                      r"控制在|保持在|完成|为|的|将|要|使|了|累计|年均|每年)$")
_HORIZON_RES = [
    re.compile(r"(?:到|至|截至|截止到?)?(?P<year>20\d\d)\s*年\s*(?:底|末|前|内|年底)?(?!\s*\d*\s*[月号])"),
    re.compile(r"(?:到|至)?\s*“?(?P<plan>十[一二三四五六七八九]五)”?\s*(?:期末|末|时期|期间)"),
]
_PLAN_END = {"十二五": 2015, "十三五": 2020, "十四五": 2025, "十五五": 2030, "十六五": 2035}
# Words that make a sentence a goal without a figure, the most telling first.
_GOAL_PRIORITY = ("倍增", "翻一番", "翻番", "高于", "超过", "显著提升", "大幅提升", "大幅提高", "大幅上升", "位居", "迈入",
                  "进入", "建成", "达到", "实现", "力争")
_DEADLINE_RE = re.compile(r"(?:完成时限|完成时间|时间节点|完成期限)\s*[::]\s*([^。;\n]{2,20})")
_DATED_GOAL = re.compile(r"(到|至|力争|确保)\s*20\d\d年")
# Verbs that make a bare figure a target (`培育高新技术企业5家`), as opposed to a count (`委员39人`).
_TARGET_VERBS = re.compile(r"培育|新增|新建|建设|建成|打造|引进|筹集|争创|创建|组建|形成|认定|签订|开展|实施|布局|完成|实现|"
                           r"支持|招引|吸引|集聚|设立|培养|达到|力争|突破|提升|提高|增长|增加|扩大|降低|减少|确保|推动|招商|落地")
_VERB_END = re.compile(r"(培育|新增|新建|建设|打造|引进|筹集|争创|创建|组建|形成|认定|签订|开展|布局|招引|设立|培养|建成|集聚)$")
_NOT_TARGET_AFTER = ("版", "号", "年", "月", "日", "G", "予以", "给予", "的奖励", "奖励", "补助", "补贴")
# Numbers that are not targets: document numbers, ordinals, versions, counts of plans.
_NOT_TARGET_BEFORE = re.compile(r"(第|〔|\[|号|届|次|“|\+|—)$")


def parse_horizon(text: str) -> tuple[str | None, dt.date | None]:
    """Return the first time horizon in `text` and the last day it names."""
    best: tuple[int, str, dt.date] | None = None
    for pattern in _HORIZON_RES:
        for m in pattern.finditer(text):
            if text[max(0, m.start() - 1):m.start()] in ("较", "比") or text[max(0, m.start() - 2):m.start()] == "相比":
                continue  # `较“十三五”末` is the baseline, not the horizon
            if m.groupdict().get("year"):
                year = int(m.group("year"))
                if text[m.end():m.end() + 1].isdigit():
                    continue
                due = dt.date(year, 12, 31)
            else:
                year = _PLAN_END.get(m.group("plan"))
                if year is None:
                    continue
                due = dt.date(year, 12, 31)
            phrase = m.group(0).strip()
            if best is None or m.start() < best[0]:
                best = (m.start(), phrase, due)
    if best is None:
        return None, None
    return best[1], best[2]


def _comparator(before: str, after: str) -> str | None:
    for word in _SUFFIX_COMPARATORS:
        if after.startswith(word):
            return word
    for word in _PREFIX_COMPARATORS:
        if before.endswith(word):
            return word
    return "力争" if "力争" in before else None


def _metric(before: str, after: str) -> str:
    """The thing measured: the phrase before the figure, or the noun after it."""
    phrase = re.split(r"[,、:;]", before)[-1].strip()
    while True:
        stripped = _LINKING.sub("", phrase)
        if stripped == phrase:
            break
        phrase = stripped
    while (shorter := re.sub(r"^(到|至)?20\d\d年(底|末|前)?|^(力争|努力|确保|实现)", "", phrase)) != phrase:
        phrase = shorter
    phrase = phrase.strip(" “”")
    following = re.split(r"[,、。;:(]", after)[0]
    following = re.sub(rf"^({'|'.join(_SUFFIX_COMPARATORS)})", "", following).strip(" “”")
    if following.startswith(("的", "级")):
        following = following[1:]
    phrase = re.sub(r"各$", "", phrase)
    if len(following) >= 2 and (len(phrase) < 2 or _VERB_END.search(phrase)) and len(following) <= 16:
        return f"{phrase}{following}"
    return phrase if len(phrase) >= 2 else following[:20]


def extract_targets(text: str, goal_section: bool = False, *, is_task: bool = False,
                    horizon: str | None = None, due: dt.date | None = None) -> list[Target]:
    """Find the quantitative targets of a clause's text.

    Args:
        goal_section: the clause stands under 主要目标/发展目标/…: qualitative goals count too.
        is_task: the clause carries a responsibility annotation: its figures are task targets.
        horizon, due: the horizon inherited from the section above, if any.
    """
    targets: list[Target] = []
    if horizon is None and (m := _DEADLINE_RE.search(text)):
        horizon, due = parse_horizon(m.group(1))  # a task's `完成时限:2024年底` is its targets' horizon
    for sentence in split_sentences(text):
        found_horizon, found_due = parse_horizon(sentence)
        if found_horizon:
            horizon, due = found_horizon, found_due
        found_any = False
        previous_metric = ""
        for m in _NUMBER_RE.finditer(sentence):
            before, after = sentence[:m.start()], sentence[m.end():]
            if _NOT_TARGET_BEFORE.search(before) or after.startswith(_NOT_TARGET_AFTER):
                continue
            if re.search(r"\d$|[A-Za-z]$", before):
                continue
            comparator = _comparator(before, after)
            if not (comparator or horizon or goal_section or is_task or _TARGET_VERBS.search(before)):
                continue  # a count in a report (`委员39人`), not something to reach
            value = float(m.group("num"))
            unit = m.group("unit")
            if m.group("range"):  # 2-3个: the lower bound is the value, the range the comparator
                comparator = "至" + re.sub(r"^[-~—至到]\s*", "", m.group("range").strip())
            local_horizon, local_due = parse_horizon(before[-20:])
            metric = _metric(before, after) or previous_metric
            previous_metric = metric
            targets.append(Target(
                sentence=sentence,
                metric=metric,
                value=value,
                unit=unit,
                comparator=comparator,
                horizon=local_horizon or horizon,
                due=local_due or due,
            ))
            found_any = True
        # Goals without a figure count in a goal section (`数量较“十三五”末实现倍增`), and
        # anywhere when they name their year (`力争2025年实现碳达峰`).
        if not found_any and (goal_section or found_horizon and _DATED_GOAL.search(sentence)):
            for segment in re.split(r"[,;]", sentence):
                if segment.rstrip().endswith(":") or "以下目标" in segment:
                    continue  # the lead-in to a list of goals, not a goal
                if word := next((w for w in _GOAL_PRIORITY if w in segment), None):
                    segment_horizon, segment_due = parse_horizon(segment)
                    metric = re.sub(r"^(力争|努力|确保)?(到|至)?(20\d\d年(底|末|前)?)?", "", segment.strip("—。 "))
                    targets.append(Target(sentence=sentence, metric=metric[:40] or segment[:40], value=None,
                                          unit=None, comparator=word, horizon=segment_horizon or horizon,
                                          due=segment_due or due))
    return targets
