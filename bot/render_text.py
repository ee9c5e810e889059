"""Plain-text rendering of answers for the command line."""
from __future__ import annotations

from bot.digest import Digest, short_ref
from bot.links import NO_LINKS, ClauseLinks
from bot.model import QUERY_INTENTS, Answer, Document, Hit, Intent, Span, Target
from bot.settings import Vocabulary
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


def render_hit(n: int, hit: Hit, ansi: bool, links: ClauseLinks = NO_LINKS) -> list[str]:
    c, d = hit.clause, hit.document
    url = links.clause_url(c.id)
    lines = [f"{n}. {c.ref}" + (f" {c.page_label}" if c.pages else "") + (f"  {url}" if url else ""),
             f"   {d.region or strings.UNKNOWN_REGION} · {date_text(d)}"
             f" · {strings.SCORE} {hit.score:.2f}",
             f"   {mark(hit.excerpt, hit.marks, ansi)}"]
    lines.extend(f"   {line}" for line in unit_lines(c))
    for target in hit.targets or ():
        lines.append(f"   {strings.TARGET}: {target_line(target)}")
    return lines


# The subcommands the command line answers, in the order its help lists them.
CLI_COMMANDS = (Intent.TARGET, Intent.LEAD_UNIT, Intent.UNIT, Intent.SEARCH, Intent.DOCS, Intent.HELP)


def render_help(vocabulary: Vocabulary, language: str = "zh") -> str:
    """The query language, from the same table and aliases as Slack's help."""
    lines = [strings.HELP_TITLE, ""]
    for intent in CLI_COMMANDS:
        usage, what, _ = strings.COMMAND_HELP[intent]
        aliases = [a for a in vocabulary.intents.get(intent, ()) if a != intent]
        note = f"({strings.HELP_ALIASES}:{' '.join(aliases)})" if aliases else ""
        lines += [f"  {usage(language)}", f"      {what(language)}{note}"]
    lines += ["", strings.HELP_FILTERS, strings.HELP_EXAMPLES]
    lines += [f"  {strings.COMMAND_HELP[intent][2]}" for intent in CLI_COMMANDS if intent != Intent.HELP]
    return "\n".join(lines)


def render_answer(answer: Answer, vocabulary: Vocabulary, ansi: bool = False, links: ClauseLinks = NO_LINKS) -> str:
    """Readable text for one answer: document, reference (with its viewer link), excerpt, units, targets."""
    q = answer.query
    if q.error == "too_long":
        return strings.TOO_LONG
    if q.error:
        return strings.QUERY_ERRORS[q.error]("zh").format(detail=q.error_detail)
    if q.intent == Intent.HELP:
        return render_help(vocabulary)
    if q.intent not in QUERY_INTENTS:
        return strings.SLACK_ONLY
    if q.intent == Intent.DOCS:
        if not answer.documents:
            return strings.NO_DOCUMENTS
        return "\n".join(render_document_summary(d) for d in answer.documents)
    if not answer.matched:
        lines = [strings.NOTHING_FOUND.format(topic=q.topic or q.raw)]
        if answer.suggestions:
            lines.append(strings.CLOSEST + "、".join(answer.suggestions))
        lines.append(strings.TRY_HELP)
        return "\n".join(lines)
    if not answer.hits:  # an offset past the last result
        return strings.PAST_THE_END.format(first=answer.offset + 1, topic=q.topic or q.raw, total=answer.total)
    header = strings.RESULTS_HEADER.format(
        intent=strings.INTENT_NAMES.get(q.intent, q.intent), topic=q.topic or "—",
        first=answer.offset + 1, last=answer.offset + len(answer.hits), total=answer.total)
    lines = [header, ""]
    for n, hit in enumerate(answer.hits, answer.offset + 1):
        lines.extend(render_hit(n, hit, ansi, links))
        lines.append("")
    return "\n".join(lines).rstrip()


def render_document_summary(doc: Document) -> str:
    counts = strings.COUNTS.format(clauses=doc.clause_count, targets=doc.target_count, tasks=doc.task_count,
                                   units=doc.unit_count)
    return f"{doc.id}\n  {document_line(doc)}\n  {counts}"


TEXT_TITLE = "政策摘要 Policy digest"
TEXT_FIRST = "首次摘要 (first digest)"
TEXT_SINCE = "自上次摘要 {since} 以来"
TEXT_NOTHING_NEW = "自 {since} 以来没有新内容。(Nothing new.)"
TEXT_DOCUMENTS = "新增和修改的文件 New and changed documents"
TEXT_ADDED, TEXT_CHANGED, TEXT_REMOVED = "新增", "修改", "已删除"
TEXT_TOPICS = "订阅主题 Subscribed topics"
TEXT_TOPIC_FIRST = "(新订阅:最相关的条款)"
TEXT_TOPIC_NONE = "没有新条款。"
TEXT_MORE = "……另有 {count} 条"
TEXT_DUE = "即将到期和刚到期的目标 Targets due {start} – {end}"
TEXT_PAST, TEXT_COMING = "已到期", "将到期"
TEXT_COUNTS = "{clauses} 条款 · {targets} 个目标 · {tasks} 项任务"



def _with_url(text: str, url: str | None) -> str:
    return f"{text}  {url}" if url else text


def format_digest(digest: Digest, links: ClauseLinks = NO_LINKS) -> str:
    """Render a digest as plain text, as `policybot digest --dry-run` prints it."""
    when = f"{digest.local(digest.generated_at):%Y-%m-%d %H:%M} {digest.timezone}"
    lines = [f"{TEXT_TITLE} · {digest.audience} · {when}"]
    since = None if digest.first else f"{digest.local(digest.since):%Y-%m-%d %H:%M}"
    if digest.is_empty and since:
        lines.append(TEXT_NOTHING_NEW.format(since=since))
        return "\n".join(lines)
    lines.append(TEXT_SINCE.format(since=since) if since else TEXT_FIRST)
    if digest.documents or digest.removed:
        lines += ["", TEXT_DOCUMENTS]
        for change in digest.documents:
            doc = change.document
            label = TEXT_ADDED if change.status == "added" else TEXT_CHANGED
            lines.append(f"[{label}] {document_line(doc)}")
            lines.append("    " + TEXT_COUNTS.format(clauses=doc.clause_count, targets=doc.target_count,
                                                    tasks=doc.task_count))
            lines += [f"    - {_with_url(short_ref(c, doc), links.clause_url(c.id))}" for c in change.clauses]
        lines += [f"[{TEXT_REMOVED}] 《{title}》" for title in digest.removed]
    if digest.topics:
        lines += ["", TEXT_TOPICS]
        for update in digest.topics:
            lines.append(f"* {update.topic}{' ' + TEXT_TOPIC_FIRST if update.first else ''}")
            if not update.hits:
                lines.append(f"    {TEXT_TOPIC_NONE}")
            for hit in update.hits:
                where = f"{hit.clause.ref} · {hit.document.region or '—'}"
                lines.append(f"    - {_with_url(where, links.clause_url(hit.clause.id))}")
                lines.append(f"      {hit.excerpt}")
            if update.more:
                lines.append("    " + TEXT_MORE.format(count=update.more))
    if digest.due:
        start, end = digest.window
        lines += ["", TEXT_DUE.format(start=start.isoformat(), end=end.isoformat())]
        for city in digest.due:
            lines.append(f"* {city.region or '—'}")
            for item in city.items:
                status = TEXT_PAST if item.past else TEXT_COMING
                line = f"{item.target.due} {status} · {target_line(item.target)} · {item.clause.ref}"
                lines.append(f"    - {_with_url(line, links.clause_url(item.clause.id))}")
    return "\n".join(lines)


