"""Plain-text rendering of answers for the command line."""
from __future__ import annotations

from bot.model import Answer, Document, Hit, Span, Target
from bot import strings


def mark(text: str, marks: tuple[Span, ...], ansi: bool) -> str:
    """Wrap the matched words: bold on a terminal, 【】 in a pipe or file."""
    open_, close = ("\033[1m", "\033[0m") if ansi else ("【", "】")
    out, last = [], 0
    for span in marks:
        out.append(text[last:span.start])
        out.append(open_ + text[span.start:span.end] + close)
        last = span.end
    out.append(text[last:])
    return "".join(out)


def target_line(target: Target) -> str:
    """`全社会研发投入强度 0.7% (以上) [到2022年底] 目标`, `… [2022年(按计划年份)] 标准`."""
    parts = [target.metric or "—"]
    if target.value is not None:
        parts.append(target.figure)
    if target.comparator:
        parts.append(f"({target.comparator})")
    if target.horizon:
        parts.append(f"[{target.horizon}]")
    elif target.horizon_year:
        parts.append(f"[{strings.IMPLIED_YEAR.format(year=target.horizon_year)}]")
    parts.append(strings.TARGET_KINDS.get(target.kind, target.kind))
    return " ".join(parts)


def unit_lines(clause) -> list[str]:
    """Lead and support units as the text states them; a prose duty with its sentence."""
    if clause.duties:
        return [f"{strings.ROLES.get(d.role, d.role)}: {d.unit} —— {strings.FROM_TEXT}「{d.sentence}」"
                for d in clause.duties]
    if not clause.units:
        return []
    rule = strings.UNITS_RULE.get(clause.units_rule, clause.units_rule)
    line = (f"{strings.LEAD}: {'、'.join(clause.lead_units) or '—'}   "
            f"{strings.SUPPORT}: {'、'.join(clause.support_units) or '—'}")
    if clause.responsible_units:
        line += f"   {strings.RESPONSIBLE}: {'、'.join(clause.responsible_units)}"
    return [f"{line}   ({rule})"]


def render_metadata(doc: Document) -> list[str]:
    """Each metadata field with where it was read, for `policybot check`."""
    def field(label: str, value, source: str | None) -> str:
        return f"{label}: {value if value else '—'}" + (f"  ({source})" if value and source else "")

    return [field("title", f"《{doc.title}》", doc.title_source),
            field("issuer", doc.issuer, doc.issuer_source),
            field("region", doc.region, doc.region_source),
            field("date", doc.date.isoformat() if doc.date else None, doc.date_source),
            field("kind", doc.kind, None) + (f" · {doc.doc_number}" if doc.doc_number else "")]


def date_text(doc: Document) -> str:
    """The date as known: a year read from the file name is only a year, and says so."""
    if not doc.date:
        return strings.UNKNOWN_DATE
    if doc.date_source == "file name":
        return strings.YEAR_FROM_FILE_NAME.format(year=doc.date.year)
    return doc.date.isoformat()


def document_line(doc: Document) -> str:
    bits = [doc.region or strings.UNKNOWN_REGION, date_text(doc), doc.kind or "—"]
    return f"《{doc.title}》 · {' · '.join(bits)}"


def render_hit(n: int, hit: Hit, ansi: bool) -> list[str]:
    c, d = hit.clause, hit.document
    lines = [f"{n}. {c.ref}",
             f"   {d.region or strings.UNKNOWN_REGION} · {date_text(d)}"
             f" · {strings.SCORE} {hit.score:.2f}",
             f"   {mark(hit.excerpt, hit.marks, ansi)}"]
    lines.extend(f"   {line}" for line in unit_lines(c))
    for target in hit.targets or ():
        lines.append(f"   {strings.TARGET}: {target_line(target)}")
    return lines


def render_answer(answer: Answer, ansi: bool = False) -> str:
    """Readable text for one answer: document, reference, excerpt, units, targets."""
    q = answer.query
    if q.error == "too_long":
        return strings.TOO_LONG
    if q.intent == "help":
        return strings.HELP_TEXT
    if q.intent in ("subscribe", "unsubscribe", "subscriptions", "digest", "reload"):
        return strings.SLACK_ONLY
    if q.intent == "docs":
        if not answer.documents:
            return strings.NO_DOCUMENTS
        return "\n".join(render_document_summary(d) for d in answer.documents)
    if not answer.matched:
        lines = [strings.NOTHING_FOUND.format(topic=q.topic or q.raw)]
        if answer.suggestions:
            lines.append(strings.CLOSEST + "、".join(answer.suggestions))
        lines.append(strings.TRY_HELP)
        return "\n".join(lines)
    header = strings.RESULTS_HEADER.format(
        intent=strings.INTENT_NAMES.get(q.intent, q.intent), topic=q.topic or "—",
        first=answer.offset + 1, last=answer.offset + len(answer.hits), total=answer.total)
    lines = [header, ""]
    for n, hit in enumerate(answer.hits, answer.offset + 1):
        lines.extend(render_hit(n, hit, ansi))
        lines.append("")
    return "\n".join(lines).rstrip()


def render_document_summary(doc: Document) -> str:
    counts = strings.COUNTS.format(clauses=doc.clause_count, targets=doc.target_count, tasks=doc.task_count,
                                   units=doc.unit_count)
    return f"{doc.id}\n  {document_line(doc)}\n  {counts}"
