"""Plain-text rendering of answers and digests for the command line, in the language asked for."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from bot import strings
from bot.links import NO_LINKS, ClauseLinks
from bot.help import filter_help
from bot.model import QUERY_INTENTS, Answer, Document, Excluded, Hit, Intent, Query, Span, Target
from bot.query import FILTER_WORDS
from bot.settings import Vocabulary
from bot.strings import Catalog


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


def excluded_lines(excluded: Sequence[Excluded], t: Catalog, *, code: Callable[[str], str] = str,
                   plain: Callable[[str], str] = str) -> list[str]:
    """Say which filters left no document and what the documents have instead, then what to do.

    Args:
        code: how a front end sets a filter as written (`in:北京`); plain: how it sets any other text.
    """
    lines = []
    for item in excluded:
        word = FILTER_WORDS[item.filter][0]
        written = " ".join(f"{word}:{value}" for value in item.asked)
        values = t.join(plain(v) for v in item.values) or t(strings.NOTHING)
        if item.more:
            values += (" " if t.language == "en" else "") + t(strings.EXCLUDED_MORE, count=item.more)
        entry = (strings.EXCLUDED_WITH_OTHERS if item.with_others else strings.EXCLUDED_ALONE)[item.filter]
        lines.append(t(entry, value=plain(t.join(item.asked)), filter=code(written), values=values))
    return lines + [t(strings.EXCLUDED_HINT)]


def target_line(target: Target, t: Catalog) -> str:
    """Write a target on one line: `全社会研发投入强度 0.7% (以上) [到2022年底]`, `… [2022年(按计划年份)] (标准)`.

    A goal is what a target is; only a rule's limit (a standard) says its kind.
    """
    parts = [target.metric or "—"]
    if target.value is not None:
        parts.append(target.figure)
    if target.comparator:
        parts.append(f"({target.comparator})")
    if target.horizon:
        parts.append(f"[{target.horizon}]")
    elif target.horizon_year:
        parts.append(f"[{t(strings.IMPLIED_YEAR, year=target.horizon_year)}]")
    if target.kind == "standard":
        parts.append(t(strings.STANDARD_MARK))
    return " ".join(parts)


def unit_lines(clause, t: Catalog) -> list[str]:
    """List lead and support units as the text states them; a prose duty with its sentence."""
    if clause.duties:
        return [f"{t(strings.ROLES[d.role]) if d.role in strings.ROLES else d.role}{t.colon}{d.unit} —— "
                f"{t(strings.FROM_TEXT)}「{d.sentence}」" for d in clause.duties]
    if not clause.units:
        return []
    rule = t(strings.UNITS_RULE[clause.units_rule]) if clause.units_rule in strings.UNITS_RULE else clause.units_rule
    line = (f"{t(strings.LEAD)}{t.colon}{t.join(clause.lead_units) or '—'}   "
            f"{t(strings.SUPPORT)}{t.colon}{t.join(clause.support_units) or '—'}")
    if clause.responsible_units:
        line += f"   {t(strings.DUTY_RESPONSIBLE)}{t.colon}{t.join(clause.responsible_units)}"
    return [f"{line}  {t.aside(rule)}"]


def render_metadata(doc: Document) -> list[str]:
    """List each metadata field with where it was read, for `policybot check`."""
    def field(label: str, value, source: str | None) -> str:
        return f"{label}: {value if value else '—'}" + (f"  ({source})" if value and source else "")

    return [field("title", f"《{doc.title}》", doc.title_source),
            field("issuer", doc.issuer, doc.issuer_source),
            field("region", doc.region, doc.region_source),
            field("date", doc.date.isoformat() if doc.date else None, doc.date_source),
            field("kind", doc.kind, None) + (f" · {doc.doc_number}" if doc.doc_number else "")]


def date_text(doc: Document, t: Catalog) -> str:
    """Write the date as known: a year read from the file name is only a year, and says so."""
    if doc.date and doc.date_source == "file name":
        return t(strings.YEAR_FROM_FILE_NAME, year=doc.date.year)
    return t.date(doc.date)


def document_line(doc: Document, t: Catalog) -> str:
    bits = [doc.region or t(strings.UNKNOWN_REGION), date_text(doc, t), doc.kind or "—"]
    return f"《{doc.title}》 · {' · '.join(bits)}"


def render_hit(n: int, hit: Hit, ansi: bool, t: Catalog, links: ClauseLinks = NO_LINKS) -> list[str]:
    c, d = hit.clause, hit.document
    url = links.clause_url(c.id)
    lines = [f"{n}. {c.ref}" + (f" {c.page_label}" if c.pages else "") + (f"  {url}" if url else ""),
             f"   {d.region or t(strings.UNKNOWN_REGION)} · {date_text(d, t)} · {t(strings.SCORE)} {hit.score:.2f}",
             f"   {mark(hit.excerpt, hit.marks, ansi)}"]
    lines.extend(f"   {line}" for line in unit_lines(c, t))
    for target in hit.targets or ():
        lines.append(f"   {t(strings.TARGET)}{t.colon}{target_line(target, t)}")
    return lines


# The subcommands the command line answers, in the order its help lists them.
CLI_COMMANDS = (Intent.TARGET, Intent.LEAD_UNIT, Intent.UNIT, Intent.SEARCH, Intent.DOCS, Intent.HELP)


def render_help(vocabulary: Vocabulary, t: Catalog, documents: Sequence[Document] = ()) -> str:
    """Explain the query language, from the same catalog, aliases and filter words as Slack's help."""
    lines = [t(strings.HELP_TITLE), ""]
    for intent in CLI_COMMANDS:
        usage, what, _ = strings.COMMAND_HELP[intent]
        aliases = [a for a in vocabulary.intents.get(intent, ()) if a != intent]
        note = t.aside(f"{t(strings.HELP_ALIASES)}{t.colon}{' '.join(aliases)}") if aliases else ""
        lines += [f"  {t(usage)}", f"      {t(what)}{note}"]
    lines += ["", t(strings.HELP_FILTERS)]
    for item in filter_help(documents, vocabulary.kinds):
        others = " ".join(f"{word}:" for word in item.words[1:])
        also = t.aside(f"{t(strings.HELP_ALIASES)}{t.colon}{others}") if others else ""
        lines.append(f"  {item.usage}  {t(strings.FILTER_NAMES[item.name])}{also}")
    lines += ["", t(strings.HELP_EXAMPLES)]
    lines += [f"  {strings.COMMAND_HELP[intent][2]}" for intent in CLI_COMMANDS if intent != Intent.HELP]
    return "\n".join(lines)


def render_answer(answer: Answer, vocabulary: Vocabulary, ansi: bool = False, t: Catalog = Catalog(),
                  documents: Sequence[Document] = (), links: ClauseLinks = NO_LINKS) -> str:
    """Readable text for one answer: document, reference (with its viewer link), excerpt, units, targets.

    Args:
        documents: the indexed documents, which help draws its examples from.
    """
    q = answer.query
    if q.error == "too_long":
        return t(strings.TOO_LONG_CLI, limit=len(q.raw))
    if q.error:
        return t(strings.QUERY_ERRORS[q.error], detail=q.error_detail)
    if q.intent == Intent.HELP:
        return render_help(vocabulary, t, documents)
    if q.intent not in QUERY_INTENTS:
        return t(strings.SLACK_ONLY)
    if answer.excluded:
        return "\n".join(excluded_lines(answer.excluded, t))
    if q.intent == Intent.DOCS:
        if not answer.documents:
            return t(strings.NO_DOCUMENTS)
        return "\n".join(render_document_summary(d, t) for d in answer.documents)
    if not answer.matched:
        lines = [t(strings.NOTHING_FOUND, topic=q.topic or q.raw)]
        if answer.elsewhere:
            lines.append(t(strings.ELSEWHERE, places=t.join(answer.elsewhere)))
        if answer.suggestions:
            lines.append(t(strings.CLOSEST) + t.join(answer.suggestions))
        lines.append(t(strings.TRY_HELP))
        return "\n".join(lines)
    if not answer.hits:  # an offset past the last result
        return t(strings.PAST_THE_END, first=answer.offset + 1, topic=q.topic or q.raw, total=answer.total)
    header = t(strings.RESULTS_HEADER, intent=t(strings.INTENT_NAMES[q.intent]), topic=q.topic or _scope(q) or "—",
               first=answer.offset + 1, last=answer.offset + len(answer.hits), total=answer.total)
    lines = [header, ""]
    if answer.broadened:  # say first that these clauses are not what was asked for
        lines[1:1] = [t(strings.BROADENED[q.intent], topic=q.topic) + t.colon.rstrip()]
    for n, hit in enumerate(answer.hits, answer.offset + 1):
        lines.extend(render_hit(n, hit, ansi, t, links))
        lines.append("")
    return "\n".join(lines).rstrip()


def _scope(q: Query) -> str:
    """What narrows a query without a topic (`target 成都 2025` → `成都市 2025`), to head its results."""
    f = q.filters
    year = f.year or q.horizon_year
    return " ".join([*f.regions, *f.doc_ids, *([f.kind] if f.kind else []), *([str(year)] if year else [])])


def document_counts(doc: Document, t: Catalog, *, units: bool = True) -> str:
    """Count a document's clauses, targets and tasks: `条款 12 条 · 目标 3 个 · 任务 5 项`, `12 clauses · …`."""
    counts = [t.count(strings.CLAUSES, doc.clause_count), t.count(strings.TARGETS, doc.target_count),
              t.count(strings.TASKS, doc.task_count)]
    if units:
        counts.append(t.count(strings.UNITS, doc.unit_count))
    return " · ".join(counts)


def render_document_summary(doc: Document, t: Catalog = Catalog()) -> str:
    return f"{doc.id}\n  {document_line(doc, t)}\n  {document_counts(doc, t)}"
