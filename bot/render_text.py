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
    """`全社会研发投入强度 0.7% (以上) [到2022年底]`."""
    parts = [target.metric or "—"]
    if target.value is not None:
        parts.append(target.figure)
    if target.comparator:
        parts.append(f"({target.comparator})")
    if target.horizon:
        parts.append(f"[{target.horizon}]")
    return " ".join(parts)


def document_line(doc: Document) -> str:
    bits = [doc.region or strings.UNKNOWN_REGION, doc.date.isoformat() if doc.date else strings.UNKNOWN_DATE,
            doc.kind or "—"]
    return f"《{doc.title}》 · {' · '.join(bits)}"


def render_hit(n: int, hit: Hit, ansi: bool) -> list[str]:
    c, d = hit.clause, hit.document
    lines = [f"{n}. {c.ref}" + (f" {c.page_label}" if c.pages else ""),  # 第3页: where a PDF prints it
             f"   {d.region or strings.UNKNOWN_REGION} · {d.date.isoformat() if d.date else strings.UNKNOWN_DATE}"
             f" · {strings.SCORE} {hit.score:.2f}",
             f"   {mark(hit.excerpt, hit.marks, ansi)}"]
    if c.lead_units or c.support_units:
        rule = strings.UNITS_RULE.get(c.units_rule, c.units_rule)
        lines.append(f"   {strings.LEAD}: {'、'.join(c.lead_units) or '—'}   "
                     f"{strings.SUPPORT}: {'、'.join(c.support_units) or '—'}   ({rule})")
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
