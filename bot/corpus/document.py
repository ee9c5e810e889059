"""Turn one document's text into a Document with its clauses."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import PurePath
from typing import Any

from bot.corpus.clean import clean_text, close_ocr_spaces
from bot.corpus.duties import find_duties, whole_name
from bot.corpus.head import REGULATION_KINDS, kind_of, parse_date, parse_head, region_of, signature
from bot.corpus.structure import Node, parse_outline
from bot.corpus.targets import extract_targets, parse_horizon
from bot.corpus.units import extract_units, find_convention
from bot.errors import DocumentError
from bot.links import source_url_of
from bot.model import Clause, ParsedDocument, Target

_GOAL_HEADING = re.compile(r"(主要|发展|奋斗|总体|工作|预期|阶段性|具体)目标|目标任务|主要指标")
_STANDARD_HEADINGS = re.compile(
    r"^(总体要求|指导思想|基本原则|主要目标|发展目标|奋斗目标|工作目标|总体目标|重点任务|主要任务|保障措施|组织保障|"
    r"工作要求|组织实施|实施步骤|工作措施|政策措施|支持措施|适用范围)(?=[^。,,:;\n])"
)
_LABEL_KEY = {"part": "b", "chapter": "c", "article": "a", "cn": "", "cn_paren": "", "ar": "", "ar_paren": "n",
              "ar_half": "h", "circled": "o", "dash": "d"}
_SPACED_KINDS = ("ar", "ar_paren", "ar_half", "circled", "dash", "article", "chapter", "appendix")


_ARTICLE_TITLE = re.compile(r"^\s*[(【\[]([^()【】\[\]]{2,16})[)】\]]\s*")


def split_heading(text: str, article: bool = False) -> tuple[str | None, str]:
    """Split a clause's own heading from its text.

    Returns (heading, text): a heading on a line of its own is taken out of the text;
    a heading that is the first short sentence (`提升人才服务保障水平。筹集...`) stays in it.
    An article's title in brackets (`第四条(管理部门)`) is its heading, on its line or not.
    """
    if article and (m := _ARTICLE_TITLE.match(text)):
        return m.group(1), text[m.end():].strip()
    first, _, rest = text.partition("\n")
    first = first.strip()
    if not first:
        return None, text
    if first[-1] not in "。;:!?" and len(first) <= 60 and (rest.strip() or "," in first or len(first) <= 30):
        return first.rstrip("。"), rest.strip()
    if (m := re.match(r"([^。;:!?]{2,32}?)[。:]", first)) and (first[m.end():].strip() or rest.strip()):
        return m.group(1).strip(), text
    if m := _STANDARD_HEADINGS.match(first):
        return m.group(1), text[m.end():].strip()
    return None, text


class _Builder:
    """Walks the outline and emits clauses with their references."""

    def __init__(self, doc_id: str, title: str, convention: str | None, issued_year: int | None = None,
                 regulation: bool = False):
        self.issued_year = issued_year
        self.regulation = regulation
        self.doc_id = doc_id
        self.title = title
        self.convention = convention
        self.clauses: list[Clause] = []
        self.problems: list[str] = []
        self.used_ids: set[str] = set()
        self.aliases: dict[str, str] = {}  # `(以下简称市交通局)`: short name → full name
        self.notes: list[str] = []

    def ref(self, labels: list[tuple[str, str]]) -> str:
        out, previous = "", None
        for kind, label in labels:
            spaced = kind in _SPACED_KINDS or previous in ("part", "chapter", "article", "appendix")
            out += (" " if out and spaced else "") + label
            previous = kind
        return f"《{self.title}》{out}"

    def clause_id(self, keys: list[str]) -> str:
        base = f"{self.doc_id}#{'.'.join(keys)}"
        cid, n = base, 2
        while cid in self.used_ids:
            cid, n = f"{base}~{n}", n + 1
        self.used_ids.add(cid)
        return cid

    def take_units(self, text: str, labels) -> tuple[str, object]:
        """Take the responsibility annotation out of a node's text, noting what failed."""
        text, units, raw = extract_units(text, self.convention)
        if raw and units is None:
            self.problems.append(f"unparsed responsibility annotation in {self.ref(labels)}: {raw[:60]}")
        if re.search(r"(责任|牵头|配合)单位\s*[::]", text):
            self.problems.append(f"annotation left in the text of {self.ref(labels)}")
        return text, units

    def add(self, *, keys, labels, path, heading, text, goal, units=None, inherited=(None, None)) -> None:
        if not text and not heading:
            return
        target_text = text if not heading or heading in text else f"{heading}。{text}"
        duties = None if units is not None else find_duties(text)
        targets = extract_targets(target_text, goal, is_task=units is not None,
                                  horizon=inherited[0], due=inherited[1], regulation=self.regulation)
        if self.issued_year:  # a figure for a year before the document is a result, not a target
            targets = [t for t in targets if not (t.due and t.due.year < self.issued_year)]
        self.clauses.append(Clause(
            id=self.clause_id(keys),
            doc_id=self.doc_id,
            order=len(self.clauses),
            labels=tuple(label for _, label in labels),
            path=tuple(path),
            heading=heading,
            text=text or heading or "",
            ref=self.ref(labels),
            lead_units=units.lead if units else duties.lead if duties else (),
            support_units=units.support if units else duties.support if duties else (),
            units_rule=units.rule if units else "prose" if duties else "none",
            targets=tuple(targets),
            is_goal_section=goal,
            responsible_units=duties.responsible if duties else (),
            duties=duties.duties if duties else (),
        ))
        if duties:
            self.aliases.update(duties.aliases)

    def finish(self, year: int | None) -> tuple[Clause, ...]:
        """Make unit names whole within the document and date a plan's undated targets.

        `科技局` where the document elsewhere says `市科技局` becomes `市科技局`; a target with no
        horizon of its own in a plan that works towards `year` takes that year, marked implied.
        """
        known = {u for c in self.clauses for u in c.units} | set(self.aliases.values())
        out = []
        for clause in self.clauses:
            def whole(names: tuple[str, ...]) -> tuple[str, ...]:
                return tuple(dict.fromkeys(whole_name(n, known, self.aliases) for n in names))

            lead = whole(clause.lead_units)
            support = tuple(u for u in whole(clause.support_units) if u not in lead)
            responsible = tuple(u for u in whole(clause.responsible_units) if u not in lead + support)
            duties = tuple(dict.fromkeys(dataclasses.replace(d, unit=whole_name(d.unit, known, self.aliases))
                                         for d in clause.duties))
            targets = tuple(self._implied(t, year) for t in clause.targets)
            out.append(dataclasses.replace(clause, lead_units=lead, support_units=support,
                                           responsible_units=responsible, duties=duties, targets=targets))
        return tuple(out)

    def _implied(self, target: Target, year: int | None) -> Target:
        if year is None or self.regulation or target.horizon_year is not None:
            return target
        return dataclasses.replace(target, horizon_year=year, due=dt.date(year, 12, 31), horizon_implied=True)

    def walk(self, nodes: list[Node], keys: list[str], labels: list[tuple[str, str]], path: list[str],
             goal: bool, inherited: tuple = (None, None)) -> None:
        dash_count = 0
        for node in nodes:
            if node.kind == "dash":
                dash_count += 1
                key, label = f"d{dash_count}", f"——{dash_count}"
            else:
                key, label = f"{_LABEL_KEY[node.kind]}{node.number}", node.label
            node_keys, node_labels = keys + [key], labels + [(node.kind, label)]
            body, units = self.take_units(node.text, node_labels)
            heading, text = split_heading(body, article=node.kind == "article")
            # A goal section is titled by its goal (主要目标, 发展目标), not a chapter that mentions one.
            node_goal = goal or bool(heading and len(heading) <= 16 and _GOAL_HEADING.search(heading))
            if node.children:
                if text and text != heading:
                    self.add(keys=node_keys, labels=node_labels, path=path, heading=heading, text=text,
                             goal=node_goal, units=units, inherited=inherited)
                # A horizon in a section's lead-in (`通过“十四五”时期的不懈奋斗`) holds for its items.
                found = parse_horizon(text)
                title = heading or (text[:16] + "…" if len(text) > 16 else text)
                self.walk(node.children, node_keys, node_labels, path + [f"{node.label}{title}"],
                          node_goal, found if found[0] else inherited)
            else:
                self.add(keys=node_keys, labels=node_labels, path=path, heading=heading, text=text,
                         goal=node_goal, units=units, inherited=inherited)


def parse_document(raw: str, *, doc_id: str, source: str, content_hash: str,
                   meta: dict[str, Any] | None = None, hints: dict[str, str] | None = None) -> ParsedDocument:
    """Parse a document's text (front matter already removed) into a Document.

    `meta` overrides what the text says; `hints` (title, issuer, date from a file's
    properties) only fill what the text leaves open.

    Raises:
        DocumentError: when nothing usable is left after cleaning.
    """
    meta = meta or {}
    cleaned = clean_text(raw)
    if not cleaned.lines:
        raise DocumentError(source, "no text left after removing page clutter")
    lines = list(cleaned.lines)
    hints = {**(hints or {}), **cleaned.hints}
    head = parse_head(lines, hints.get("title"))
    body_lines = lines[head.body_start:]
    if head.first_line_rest is not None:
        body_lines = [head.first_line_rest] + body_lines[1:]
    sign_issuer, sign_date = signature(body_lines)
    if sign_date:
        body_lines = body_lines[:-2] if sign_issuer else body_lines[:-1]
    else:  # a covering notice signs and dates before the document it issues
        sign_date = next((parse_date(line) for line in body_lines[:15] if len(line) <= 16 and parse_date(line)
                          and not re.search(r"[,。]", line)), None)

    title, title_source, issuer, issuer_source = _title_and_issuer(meta, head, body_lines, source)
    if issuer is None and sign_issuer:
        issuer, issuer_source = sign_issuer, "signature"
    if issuer is None and hints.get("issuer"):
        issuer, issuer_source = hints["issuer"], "web page"
    date, date_source = _date(meta, head, sign_date, hints.get("date", ""), source)
    body = "\n".join(body_lines)
    region, region_source = (meta["region"], "metadata") if meta.get("region") else region_of(issuer, title, body=body)
    kind = meta.get("kind") or kind_of(title)
    convention = find_convention(body)

    builder = _Builder(doc_id, title, convention, issued_year=date.year if date else None,
                       regulation=bool(kind and kind in REGULATION_KINDS))
    main_lines, appendices = split_appendices(body_lines)
    _build_part(builder, main_lines, keys=[], labels=[], path=[])
    for n, (name, lines) in enumerate(appendices, 1):
        # An appendix (often the task table) numbers itself afresh: parse it on its own.
        _build_part(builder, lines, keys=[f"a{n}"], labels=[("appendix", name)], path=[name])
    if not builder.clauses:
        raise DocumentError(source, "no clauses found")
    clauses = builder.finish(plan_year(title, builder.clauses))
    return ParsedDocument(
        id=doc_id,
        title=title,
        issuer=str(issuer) if issuer else None,
        region=str(region) if region else None,
        date=date,
        kind=str(kind) if kind else None,
        doc_number=meta.get("文号") or meta.get("doc_number") or head.doc_number,
        source=source,
        content_hash=content_hash,
        clause_count=len(clauses),
        target_count=sum(len(c.targets) for c in clauses),
        task_count=sum(1 for c in clauses if c.units),
        unit_count=len({u for c in clauses for u in c.units}),
        clauses=clauses,
        commentary=cleaned.commentary,
        units_convention=convention,
        problems=tuple(builder.problems),
        notes=tuple(_notes(cleaned)) + tuple(builder.notes),
        title_source=title_source,
        issuer_source=issuer_source if issuer else None,
        region_source=region_source if region else None,
        date_source=date_source if date else None,
        source_url=source_url_of(meta),
    )


# `关于印发《X》的通知`, `转发…《X》的通知`: the document is X; the notice only issues it.
_COVERING_NOTICE = re.compile(r"^(?P<issuer>[^《]*?)(?:关于)?(?:印发|转发|颁布|发布|公布)(?P<issued>.+?)的(?:通知|通告|命令|令)$")


def _title_and_issuer(meta: dict, head, body_lines: list[str], source: str
                      ) -> tuple[str, str, str | None, str | None]:
    """The document's own title and issuer, each with where it was read."""
    issuer = meta.get("issuer") or head.issuer
    issuer_source = "metadata" if meta.get("issuer") else "title line" if head.issuer else None
    if meta.get("title"):
        return str(meta["title"]), "metadata", issuer, issuer_source
    if head.title:
        if m := _COVERING_NOTICE.match(head.title):
            issued = m.group("issued")
            if quoted := re.search(r"《([^《》]+)》", issued):
                issued = quoted.group(1)
            issued = re.sub(r"^.*?(?=关于)", "", issued) if "关于" in issued and not kind_of(issued.split("关于")[0]) \
                else issued
            if kind_of(issued):
                notice_issuer = m.group("issuer").strip() or None
                return issued.strip("《》 "), "covering notice", issuer or notice_issuer, issuer_source or (
                    "covering notice" if notice_issuer else None)
        return head.title.split("\n")[0], "title line", issuer, issuer_source
    return _fallback_title(body_lines, source) + (issuer, issuer_source)


def _fallback_title(lines: list[str], source: str) -> tuple[str, str]:
    """No title in the text: the first heading, else the file name; never a sentence fragment."""
    for line in lines[:5]:
        m = re.match(r"^(?:第[一二三四五六七八九十]+[章部分]+|[一二三四五六七八九十]+、)\s*([^。,;:!?]{2,30})$", line)
        if m:
            return m.group(1).strip(), "first heading"
    return PurePath(source).stem, "file name"


_FILE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def _date(meta: dict, head, sign_date: dt.date | None, hint: str, source: str) -> tuple[dt.date | None, str | None]:
    """The document's date and where it was read; a year in the file name is the last resort."""
    if date := _as_date(meta.get("date")):
        return date, "metadata"
    if head.date:
        return head.date, head.date_source
    if sign_date:
        return sign_date, "signature"
    if date := parse_date(hint):
        return date, "web page"
    if m := _FILE_YEAR.search(PurePath(source).stem):
        return dt.date(int(m.group(1)), 1, 1), "file name"
    return None, None


def plan_year(title: str, clauses: list[Clause]) -> int | None:
    """The year a plan works towards: its title's (`2021—2025年`), else its goals' first horizon."""
    if m := re.search(r"(?:19|20)\d\d\s*[—\-–~至到]\s*((?:19|20)\d\d)\s*年", title):
        return int(m.group(1))
    if m := re.search(r"((?:19|20)\d\d)\s*年", title):
        return int(m.group(1))
    years = [t.horizon_year for c in clauses if c.is_goal_section for t in c.targets if t.horizon_year]
    return years[0] if years else None


_APPENDIX_RE = re.compile(r"^附\s*件\s*(\d{0,2})\s*[::]?\s*(.{0,40})$")


def split_appendices(lines: list[str]) -> tuple[list[str], list[tuple[str, list[str]]]]:
    """Split off appendices (`附件1` / `附件:重点任务分工表`) that follow the main text."""
    starts = [i for i, line in enumerate(lines) if i > 0 and _APPENDIX_RE.match(line)]
    if not starts:
        return lines, []
    appendices = []
    for n, start in enumerate(starts):
        stop = starts[n + 1] if n + 1 < len(starts) else len(lines)
        m = _APPENDIX_RE.match(lines[start])
        name = f"附件{m.group(1)}" if m.group(1) else ("附件" if len(starts) == 1 else f"附件{n + 1}")
        part = ([m.group(2)] if m.group(2) else []) + lines[start + 1:stop]
        if part:
            appendices.append((name, part))
    return lines[:starts[0]], appendices


_TABLE_ROLES = {"lead": ("牵头单位", "牵头部门", "主责单位"), "responsible": ("责任单位", "责任部门"),
                "support": ("配合单位", "配合部门", "参与单位", "协同单位"), "number": ("序号", "编号"),
                "deadline": ("完成时限", "完成时间", "时间节点", "时限")}


def tables_as_items(lines: list[str]) -> list[str]:
    """Rewrite a task table flattened to text (`序号 重点任务 牵头单位 配合单位` and its rows)
    as numbered items with a unit annotation, which the rest of the parser reads."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        cells = lines[i].split()
        # A header cell is known by its words alone: a stray mark or a glyph a PDF font left does not hide it.
        roles = [next((r for r, names in _TABLE_ROLES.items() if re.sub(r"\W", "", c) in names), "task")
                 for c in cells]
        if len(cells) < 3 or not ({"lead", "responsible"} & set(roles)) or any(len(c) > 8 for c in cells):
            out.append(lines[i])
            i += 1
            continue
        i += 1
        if "number" not in roles:
            roles = _number_column(roles, cells, lines[i:])
        n = 0
        # The deadline keeps the header's own words (完成时间, 时间节点): the text says only what the table does.
        deadline_label = next((re.sub(r"\W", "", c) for c, r in zip(cells, roles) if r == "deadline"), "")
        while i < len(lines) and len(row := lines[i].split()) == len(cells):
            n += 1
            cell = dict(zip(roles, row))
            number = cell.get("number", str(n)).rstrip(".、")
            annotation = ";".join(f"{label}:{cell[role]}" for role, label in
                                  (("lead", "牵头单位"), ("responsible", "责任单位"), ("support", "配合单位"))
                                  if cell.get(role) and cell[role] not in ("/", "—", "-"))
            # The cells in the row's order (the parser moves no words): tasks, the units as one
            # annotation where the first unit column stands, the deadline where its column stands.
            parts: list[str] = []
            for role, text in zip(roles, row):
                if role == "task":
                    parts.append(text.rstrip("。") + "。")
                elif role == "deadline":
                    parts.append(f"{deadline_label}:{text}。")
                elif role != "number" and annotation:
                    parts.append(f"({annotation})")
                    annotation = ""
            out.append(f"{number}.{''.join(parts)}")
            i += 1
    return out


def _number_column(roles: list[str], header: list[str], rows: list[str]) -> list[str]:
    """Read the first column as the rows' numbers when it counts 1, 2, 3… though its header says otherwise.

    A header damaged by OCR or a copy (`序号` split over two lines) still numbers its rows;
    written as text, the number would sit glued to the task (`1.1。努力实现…`).
    """
    firsts = []
    for line in rows:
        row = line.split()
        if len(row) != len(header):
            break
        firsts.append(row[0].rstrip(".、"))
    if firsts and roles[0] == "task" and firsts == [str(k) for k in range(1, len(firsts) + 1)]:
        return ["number"] + roles[1:]
    return roles


def _build_part(builder: _Builder, lines: list[str], *, keys: list[str], labels: list, path: list[str]) -> None:
    """Emit the clauses of the main text or of one appendix."""
    lines = tables_as_items(lines)
    if any(" " in line for line in lines):  # after the tables: their cells are separated by spaces
        lines, closed = close_ocr_spaces(lines)
        if closed:
            builder.notes.append(f"{closed} space(s) inside words removed (OCR)")
    outline = parse_outline("\n".join(lines))
    builder.problems.extend(f"numbering out of sequence, read as text: {line}…" for line in outline.rejected)
    if outline.numbered:
        if outline.preamble:
            preamble_labels = labels or [("preamble", "前言")]
            text, units = builder.take_units(outline.preamble, preamble_labels)
            heading, body = split_heading(text) if labels else (None, text)
            if labels and heading and not body.replace(heading, "").strip("。 "):
                path = [f"{path[-1]} {heading}"]  # only the appendix's title: it names the section
            else:
                builder.add(keys=keys + ["p0"], labels=preamble_labels, path=path[:-1], heading=heading,
                            text=body, goal=False, units=units)
        builder.walk(outline.roots, keys, labels, path, False)
        return
    for n, paragraph in enumerate(p for p in lines if p.strip()):
        paragraph_labels = labels + [("paragraph", f"第{n + 1}段")]
        text, units = builder.take_units(paragraph, paragraph_labels)
        builder.add(keys=keys + [f"p{n + 1}"], labels=paragraph_labels, path=path, heading=None, text=text,
                    units=units, goal=bool(_GOAL_HEADING.search(paragraph[:40])))


def _notes(cleaned) -> list[str]:
    """What cleaning set aside, for `policybot check`."""
    notes = []
    if cleaned.removed:
        notes.append(f"{len(cleaned.removed)} line(s) of page clutter removed, e.g. {cleaned.removed[0][:30]!r}")
    if cleaned.commentary:
        notes.append(f"commentary before the text kept apart ({len(cleaned.commentary)} characters)")
    notes.extend(cleaned.fixes[:10])
    return notes


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return parse_date(value) or _iso(value)
    return None


def _iso(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None

