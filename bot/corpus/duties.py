"""Duties stated in prose: who is responsible, who leads, who supports, sentence by sentence.

Regulations, 办法 and central 意见 name no `(责任单位:…)`; they write `市交通运输行政部门主管本市…工作`,
`区住房城乡建设委负责…`, `由省发展改革委牵头,省财政厅配合`, `X会同Y…`, `X、Y按照各自职责做好…`,
`…的主管单位是X`, `X是…的责任主体`. Each sentence is read on its own, so a clause that gives three
bureaus three duties keeps them apart. Only 牵头/会同 make a lead and only 配合/协助 a support unit:
a unit that is `负责` or `主管` is responsible, and nothing more is claimed for it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot.corpus.text import split_sentences
from bot.model import Duty

LEAD, SUPPORT, RESPONSIBLE = "lead", "support", "responsible"
_SUFFIXES = ("行政主管部门", "主管部门", "行政部门", "管理部门", "职能部门", "部门", "机关", "机构", "办事处", "管委会", "委员会", "议会",
             "人民政府", "政府", "办公厅", "办公室", "工作局", "局", "委", "办", "厅", "部", "署", "院", "中心", "处", "分行",
             "支行", "总队", "支队", "大队", "站")
_SUFFIX_RE = "|".join(sorted(map(re.escape, _SUFFIXES), key=len, reverse=True))
_GENERIC_TAIL = re.compile(r"(行政主管部门|主管部门|行政部门|管理部门|职能部门|部门|机关|机构)$")
# A duty verb and the role it gives the unit before it.
_VERBS = [
    (re.compile(r"牵头(?!单位|部门|组建|建设|成立)"), LEAD),
    (re.compile(r"会同"), LEAD),
    (re.compile(r"(?:具体|统一|分别|共同|主要)?负责(?!人|同志|制(?!定|订))"), RESPONSIBLE),
    (re.compile(r"主管(?!部门|机关|单位|人员|领导|负责)"), RESPONSIBLE),
    (re.compile(r"配合|协助"), SUPPORT),
    (re.compile(r"(?:应当|要)?(?:按照|依据|依照|根据|按)(?:各自|其)?(?:的)?(?:法定)?职责(?:分工)?"), RESPONSIBLE),
]
# `X是本市道路运输的行政主管部门`, `X为…的主管机关`, `X是…的责任主体`.
_IS_AUTHORITY = re.compile(r"(?:是|为)(?:本市|本省|本区|本县|全市|全省|全国)?[^,;。]{0,40}?的?(?:行政)?"
                           r"(?:主管部门|主管机关|主管单位|责任主体|责任单位|管理部门)")
# `…的主管单位是X`.
_AUTHORITY_IS = re.compile(r"的(?:行政)?(?:主管部门|主管机关|主管单位|责任单位)(?:是|为)(?P<units>[^,;。]{2,60})")
_LEADING_WORDS = re.compile(r"^(由|并|另|此外|同时|其中|以及|其他|另外|和|及|日常工作由|具体工作由|本条例由|本办法由)+")
_TRAILING_WORDS = re.compile(r"(应当|应|要|须|必须|具体|主要|统一|共同|分别|依法|切实|负责|按照规定|各自|会同|牵头|"
                             r"主管|是|为|也|均|都|等)+$")
_ALIAS = re.compile(r"\((?:以下简称|下称|简称)[“\"]?([^()“”\"]{2,20})[”\"]?\)")
_BOUNDARY = re.compile(r"[,;:。!?]")
_ANY_DUTY = re.compile(r"牵头|会同|负责|主管|配合|协助|职责|责任主体|主管单位")


@dataclass(frozen=True)
class Duties:
    """What the duty sentences of one clause say."""

    duties: tuple[Duty, ...]
    aliases: tuple[tuple[str, str], ...] = ()  # (short name, full name) from `(以下简称市交通局)`

    @property
    def lead(self) -> tuple[str, ...]:
        return self._of(LEAD)

    @property
    def support(self) -> tuple[str, ...]:
        return tuple(u for u in self._of(SUPPORT) if u not in self.lead)

    @property
    def responsible(self) -> tuple[str, ...]:
        named = set(self.lead) | set(self.support)
        return tuple(u for u in self._of(RESPONSIBLE) if u not in named)

    def _of(self, role: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d.unit for d in self.duties if d.role == role))


def looks_like_unit(name: str) -> bool:
    """A government body or office, as opposed to a thing or a person (`负责人`)."""
    return 2 <= len(name) <= 30 and bool(re.search(rf"({_SUFFIX_RE})$", name)) and not name.endswith(("人部", "全部"))


def _units_in(phrase: str) -> list[str]:
    """`交通、建设部门` → 交通部门, 建设部门; `市财政局和市教育局` → both; `人力资源和社会保障局` stays whole."""
    phrase = _ALIAS.sub("", phrase)
    phrase = _LEADING_WORDS.sub("", phrase.strip(" “”"))
    phrase = _TRAILING_WORDS.sub("", phrase).strip(" “”、")
    items = [p.strip() for p in re.split(r"、|,", phrase) if p.strip()]
    joined: list[str] = []
    for item in items:  # `A和B`: two units only when both halves are units
        for joiner in ("和", "及", "与"):
            halves = [re.sub(r"^(其|其所)?(辖下|属下|所属)的?", "", h) for h in item.split(joiner, 1)]
            if len(halves) == 2 and all(looks_like_unit(h) for h in halves):
                joined.extend(halves)
                break
        else:
            joined.append(item)
    if joined and (tail := _GENERIC_TAIL.search(joined[-1])):
        joined = [i if looks_like_unit(i) else i + tail.group(1) for i in joined]
    return [i for i in joined if looks_like_unit(i)]


def _subject(sentence: str, verb_start: int) -> str:
    """The words before a duty verb, back to the last phrase boundary; after `由`, the one who acts."""
    before = sentence[:verb_start]
    bounds = list(_BOUNDARY.finditer(before))
    start = bounds[-1].end() if bounds else 0
    subject = before[start:]
    if "由" in subject:  # `X由辖下的Y协助`, `工作主要由Y负责`: Y acts
        subject = subject[subject.rindex("由") + 1:]
    return re.sub(r"^(其|其所)?(辖下|属下|所属)的?", "", subject)


def _topic(sentence: str) -> str:
    """The unit a sentence opens with (`运输署由运输署署长主管,负责…` → 运输署)."""
    m = re.match(rf"^[^,;。]{{0,30}}?({_SUFFIX_RE})(?=由|是|为|在|作为|应当|,)", sentence)
    return m.group(0) if m and looks_like_unit(m.group(0)) else ""


def _objects(text: str) -> list[str]:
    """The units right after `会同`: `市财政局、市教育局制定…` → both."""
    units: list[str] = []
    rest = text
    while m := re.match(rf"^([^,;。、]{{1,24}}?(?:{_SUFFIX_RE}))(?:等(?:有关)?(?:部门|单位)?)?(、|和|及|与)?", rest):
        units.extend(_units_in(m.group(1)))
        rest = rest[m.end():]
        if not m.group(2):
            break
    return units


def find_duties(text: str) -> Duties | None:
    """Read the duty sentences of a clause's text; None when it states no duty."""
    if not _ANY_DUTY.search(text):
        return None
    duties: list[Duty] = []
    aliases: list[tuple[str, str]] = []
    for sentence in split_sentences(text):
        found: list[tuple[str, str]] = []
        for m in _ALIAS.finditer(sentence):
            full = _units_in(sentence[:m.start()].split(",")[-1].split("。")[-1])
            if full:
                aliases.append((m.group(1), full[-1]))
        for m in _AUTHORITY_IS.finditer(sentence):
            found += [(u, RESPONSIBLE) for u in _units_in(m.group("units"))]
        for m in _IS_AUTHORITY.finditer(sentence):
            subject = _subject(sentence, m.start())
            units = _units_in(subject)
            if not units and "责任主体" in m.group(0):  # `运输企业、驾驶员是…的责任主体`: not only bodies
                units = [u for u in re.split(r"、|及|和", _LEADING_WORDS.sub("", subject)) if 2 <= len(u) <= 12]
            found += [(u, RESPONSIBLE) for u in units]
        topic = _topic(sentence)
        for pattern, role in _VERBS:
            for m in pattern.finditer(sentence):
                subject = _subject(sentence, m.start())
                units = _units_in(subject)
                if not units and topic and role == RESPONSIBLE and re.match(r"^\s*((在|就|对)[^,]*)?$", subject):
                    units = [topic]  # `运输署…,负责执行…`: the sentence's own subject
                found += [(u, role) for u in units]
                if m.group(0) == "会同":
                    found += [(u, SUPPORT) for u in _objects(sentence[m.end():])]
        for unit, role in dict.fromkeys(found):
            duties.append(Duty(unit=unit, role=role, sentence=sentence))
    if not duties:
        return None
    return Duties(tuple(dict.fromkeys(duties)), tuple(dict.fromkeys(aliases)))


def make_whole(names: tuple[str, ...], known: set[str], aliases: dict[str, str]) -> tuple[str, ...]:
    """Complete a unit name the document writes in full elsewhere (`科技局` → `市科技局`)."""
    out = []
    for name in names:
        out.append(whole_name(name, known, aliases))
    return tuple(dict.fromkeys(out))


def whole_name(name: str, known: set[str], aliases: dict[str, str]) -> str:
    """`科技局` → `市科技局`, `科技` → `市科技局`, `市交通局` → its `(以下简称…)` full name; else unchanged."""
    if name in aliases:
        return aliases[name]
    if name.startswith(("市", "省", "县", "区", "州", "国家", "中共", "各", "有关")) or name in known and len(name) > 4:
        return name
    candidates = {k for k in known if k != name and re.fullmatch(rf"(市|省|县|区|州){re.escape(name)}", k)}
    if not candidates:  # `科技` for `市科技局`: the name without its level and its suffix
        candidates = {k for k in known if re.fullmatch(rf"(市|省|县|区|州){re.escape(name)}(局|委|办|厅)", k)}
    return candidates.pop() if len(candidates) == 1 else name
