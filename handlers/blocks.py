"""Block Kit rendering: pure functions from engine values to Slack message dicts.

Every `render_*` returns a message dict (`{"text": ..., "blocks": [...]}`) or a view,
ready to hand to `ack`, `respond`, `say` or the Web API. Nothing here talks to Slack, so
everything here is tested by value. Each renderer is handed a `Catalog` bound to the
reader's language (`t`); none picks a language itself.

Three Slack facts shape this module:
- Slack rejects a message over its Block Kit limits (50 blocks, 3000 characters per text,
  10 fields of 2000, button text 75, button value 2000) with `invalid_blocks`; every
  renderer ends in `fit_message`, so the limits hold whatever the corpus or the user typed.
- A whole message holds about 12,000 characters of text across its blocks: an answer that
  would be longer stops at a result boundary and offers the rest behind *More results*, a
  long clause behind *Continue reading*.
- Slack reads `&`, `<` and `>` in mrkdwn as control sequences (`<!channel>` pings a whole
  channel), so all text that is not ours goes through `escape` (`handlers.slack_text`).
"""
from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from bot.links import NO_LINKS, ClauseLinks
from bot import strings as s
from bot.help import filter_help
from bot.model import QUERY_INTENTS, Answer, Clause, Document, Hit, Intent, Query, Span, Target
from bot.render_text import date_text, document_counts, excluded_lines
from bot.search.presentation import merge_spans
from bot.settings import Vocabulary
from bot.strings import COMMAND, Catalog
from handlers.slack_text import escape, unescape, without_controls
from handlers.table import CommandTable

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_LABEL = 75  # Slack: a button's accessibility_label holds 75 characters
MAX_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTION_ELEMENTS = 25
MAX_ID = 255
MAX_FALLBACK = 3000  # Slack truncates message text at 40,000; a notification needs far less
MAX_MESSAGE_TEXT = 12_000  # Slack: about 12,000 characters of text across all of a message's blocks
FOOTER_RESERVE = 600  # what the summary's companions need: the "not shown" line and the buttons

EXCERPT_CHARS = 1200  # an excerpt is a sentence or two; longer ones are cut before bolding
COMPARISON_ROWS = 20
COMPARISON_CHARS = 4000  # the side-by-side table leaves most of the message to the results
HOME_RECENT_DOCUMENTS = 10
ZWSP = "\u200b"  # Slack only bolds `*x*` at a word boundary; CJK text has none, a zero-width space makes one

# Comparators written after the figure (`50家以上`); the others come before it (`不少于50家`).
SUFFIX_COMPARATORS = ("以上", "以下", "左右", "以内")

HOME_EXAMPLES = (Intent.TARGET, Intent.LEAD_UNIT, Intent.UNIT, Intent.SEARCH, Intent.DOCS)
ACTION_SHARE = "share_result"
ACTION_FULL_CLAUSE = "full_clause"
ACTION_CLAUSE_MORE = "clause_more"
ACTION_MORE = "more_results"
ACTION_HELPFUL = "feedback_helpful"
ACTION_NOT_HELPFUL = "feedback_not_helpful"
ACTION_OPEN_SEARCH = "open_search"
ACTION_UNSUBSCRIBE = "home_unsubscribe"

Message = dict[str, Any]
Block = dict[str, Any]


# ---------------------------------------------------------------- text primitives

def clip(text: str, limit: int) -> str:
    """Cut already-escaped text to `limit` characters, never inside an `&...;` entity."""
    if len(text) <= limit:
        return text
    cut = text[: max(limit - len(s.TRUNCATED), 0)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    return cut + s.TRUNCATED


def plain(text: str, limit: int) -> str:
    """Escape user or document text and cut it to `limit` characters."""
    return clip(escape(text), limit)


def bold_marks(excerpt: str, marks: Sequence[Span], limit: int = EXCERPT_CHARS) -> str:
    """Return the excerpt as escaped mrkdwn with each marked span in bold.

    The excerpt is cut to `limit` characters first, so a cut never splits a bold span.
    """
    if len(excerpt) > limit:
        excerpt = excerpt[: limit - len(s.TRUNCATED)] + s.TRUNCATED
    out: list[str] = []
    pos = 0
    for start, end in merge_spans(marks, len(excerpt)):
        word = excerpt[start:end]
        # Slack does not bold across a line break or with spaces just inside the stars.
        if not word.strip() or "\n" in word:
            continue
        lead = len(word) - len(word.lstrip())
        trail = len(word) - len(word.rstrip())
        start, end = start + lead, end - trail
        out.append(escape(excerpt[pos:start]))
        out.append(f"{ZWSP}*{escape(excerpt[start:end])}*{ZWSP}")  # after escape: these ZWSPs are ours
        pos = end
    out.append(escape(excerpt[pos:]))
    return "".join(out)


def pack_value(data: dict[str, Any], limit: int = MAX_VALUE) -> str:
    """Serialise a button value as JSON of at most `limit` characters.

    Lists (clause ids) are shortened from the end first, then the query text `q`.
    `&`, `<` and `>` are written as JSON escapes, so no Slack control sequence appears
    anywhere in a payload, not even in a value nobody sees; `json.loads` restores them.
    """
    data = dict(data)

    def dump() -> str:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")

    value = dump()
    for key in list(data):
        while isinstance(data[key], list) and data[key] and len(value) > limit:
            data[key] = data[key][:-1]
            value = dump()
    while len(value) > limit and isinstance(data.get("q"), str) and data["q"]:
        excess = len(value) - limit
        data["q"] = data["q"][: max(len(data["q"]) - excess, 0)]
        value = dump()
    return value if len(value) <= limit else "{}"


def unpack_value(value: str | None) -> dict[str, Any]:
    """Read a button value written by `pack_value`; anything unreadable gives `{}`."""
    try:
        data = json.loads(value or "")
    except (TypeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _texts(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text") and isinstance(node.get("text"), str):
            yield node["text"]
        for key, value in node.items():
            if key != "text" or not isinstance(value, str):
                yield from _texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts(item)


def text_size(blocks: Any) -> int:
    """Count the characters of text that blocks show: what Slack counts against a message's total."""
    return sum(len(text) for text in _texts(blocks))


# ---------------------------------------------------------------- block primitives

def mrkdwn(text: str, limit: int = MAX_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit) or " "}


def plain_text(text: str, limit: int) -> dict[str, Any]:
    """A plain_text object: shown as written (no markup to escape), cut to `limit`."""
    return {"type": "plain_text", "text": _clip_plain(without_controls(text), limit)}


def section(text: str, *, fields: Sequence[str] = (), block_id: str | None = None,
            accessory: dict[str, Any] | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if fields:
        block["fields"] = [mrkdwn(f, MAX_FIELD_TEXT) for f in fields[:MAX_FIELDS]]
    if block_id:
        block["block_id"] = block_id[:MAX_ID]
    if accessory:
        block["accessory"] = accessory
    return block


def fields_section(fields: Sequence[str]) -> Block:
    return {"type": "section", "fields": [mrkdwn(f, MAX_FIELD_TEXT) for f in fields[:MAX_FIELDS]]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:MAX_CONTEXT_ELEMENTS]]}


def header(text: str) -> Block:
    return {"type": "header", "text": plain_text(text, MAX_HEADER_TEXT)}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, style: str | None = None,
           label: str | None = None) -> dict[str, Any]:
    """A button; `label` is what a screen reader says instead of its text (name the result it acts on)."""
    element: dict[str, Any] = {
        "type": "button",
        "text": plain_text(text, MAX_BUTTON_TEXT),
        "action_id": action_id,
        "value": value[:MAX_VALUE],
    }
    if style:
        element["style"] = style
    if label:
        element["accessibility_label"] = _clip_plain(without_controls(label), MAX_LABEL)
    return element


def actions(elements: Sequence[dict[str, Any]], block_id: str | None = None) -> Block:
    block: Block = {"type": "actions", "elements": list(elements[:MAX_ACTION_ELEMENTS])}
    if block_id:
        block["block_id"] = block_id[:MAX_ID]
    return block


def _clip_plain(text: str, limit: int) -> str:
    text = text or " "
    return text if len(text) <= limit else text[: limit - len(s.TRUNCATED)] + s.TRUNCATED


# ---------------------------------------------------------------- pieces of an answer

def format_target(target: Target) -> str:
    """Return a target's figure with its comparator where Chinese puts it: `50家以上`, `不少于50家`."""
    figure = target.figure or ""
    comparator = target.comparator or ""
    if comparator and comparator in figure:
        return figure
    if comparator in SUFFIX_COMPARATORS:
        return f"{figure}{comparator}"
    return f"{comparator}{figure}"


def linked(text: str, url: str | None, limit: int = 500) -> str:
    """Return `text` as escaped mrkdwn, as a link `<url|text>` when there is a URL.

    Slack ends a link's label at the first `>` and its URL at the first `|`: the label is
    escaped (`>` becomes `&gt;`) and a `|` in it is written as the full-width `｜`; the
    URL (percent-encoded by `bot.links`) holds neither.
    """
    if not url:
        return plain(text, limit)
    return f"<{escape(url)}|{clip(escape(text.replace('|', '｜')), limit)}>"


def reference_line(clause: Clause, document: Document, t: Catalog, links: ClauseLinks = NO_LINKS) -> str:
    """Return `《title》 path · city · date` as escaped mrkdwn, the reference linking to the viewer."""
    parts = [linked(clause.ref or f"《{document.title}》", links.clause_url(clause.id)),
             escape(document.region or s.NO_REGION)]
    if document.date:
        parts.append(escape(date_text(document, t)))
    return " · ".join(parts)


def short_name(clause: Clause, document: Document, limit: int) -> str:
    """Name a result in at most `limit` characters (for screen readers): its reference, the title shortened first."""
    ref = clause.ref or f"《{document.title}》"
    if len(ref) <= limit:
        return ref
    path = ref.removeprefix(f"《{document.title}》").strip()
    room = max(limit - len(path) - 3, 4)
    return f"《{document.title[:room]}…》{path}"[:limit]


def unit_list(units: Sequence[str], t: Catalog, highlight: str = "", limit: int = 1800) -> str:
    """Join unit names, bolding those that contain `highlight` (the unit asked about)."""
    names = [f"{ZWSP}*{escape(u)}*{ZWSP}" if highlight and highlight in u else escape(u) for u in units]
    return clip(t.join(names), limit)


def unit_fields(clause: Clause, t: Catalog, highlight: str = "") -> list[str]:
    fields = []
    if clause.units_rule == "first-listed":
        if clause.units:
            fields.append(f"*{t(s.RESPONSIBLE)}*\n{unit_list(clause.units, t, highlight)}\n"
                          f"_{t(s.LABEL_FIRST_LISTED)}_")
        return fields
    if clause.lead_units:
        fields.append(f"*{t(s.LEAD)}*\n{unit_list(clause.lead_units, t, highlight)}")
    if clause.support_units:
        fields.append(f"*{t(s.SUPPORT)}*\n{unit_list(clause.support_units, t, highlight)}")
    if clause.responsible_units:  # a prose duty (`X负责…`) says neither lead nor support
        fields.append(f"*{t(s.RESPONSIBLE)}*\n{unit_list(clause.responsible_units, t, highlight)}")
    sentences = dict.fromkeys(d.sentence for d in clause.duties)
    fields += [f"_{t(s.FROM_TEXT)}_ {plain(sentence, 300)}" for sentence in sentences]
    return fields


def target_fields(targets: Sequence[Target], t: Catalog) -> list[str]:
    fields = []
    for target in targets:
        if target.horizon:
            horizon = f" · {plain(target.horizon, 100)}"
        else:
            horizon = f" · {target.horizon_year}" if target.horizon_year else ""
        kind = f" · {t(s.STANDARD)}" if target.kind == "standard" else ""  # a rule's limit, not an aim
        fields.append(f"*{plain(target.metric or t(s.TARGET), 300)}*\n{plain(format_target(target), 200)}"
                      f"{horizon}{kind}")
    return fields


def _hit_title(number: int, clause: Clause) -> str:
    title = clause.heading or (clause.path[-1] if clause.path else "") or " ".join(clause.labels)
    return f"*{number}. {plain(title, 300)}*" if title else f"*{number}.*"


def render_hit(hit: Hit, number: int, *, query: Query, offset: int, share: bool, t: Catalog,
               buttons: bool = True, links: ClauseLinks = NO_LINKS) -> list[Block]:
    """Render one result: title, excerpt with matches in bold, reference, fields, buttons."""
    clause, document = hit.clause, hit.document
    excerpt = bold_marks(hit.excerpt or clause.text, hit.marks if hit.excerpt else ())
    blocks: list[Block] = [
        section(f"{_hit_title(number, clause)}\n{excerpt}", block_id=f"hit-{number}"),
        context(reference_line(clause, document, t, links)),
    ]
    targets = hit.targets or (clause.targets if query.intent == "target" else ())
    fields = unit_fields(clause, t, query.topic if query.intent == "unit" else "") + target_fields(targets, t)
    if fields:
        blocks.append(fields_section(fields))
    if buttons:
        def label(entry: s.Text) -> str:
            room = MAX_LABEL - len(t(entry, n=number, ref=""))
            return t(entry, n=number, ref=short_name(clause, document, room))

        row = []
        if share:
            value = pack_value({"q": query.raw, "id": clause.id, "o": offset})
            row.append(button(t(s.BUTTON_SHARE), ACTION_SHARE, value, label=label(s.LABEL_SHARE)))
        row.append(button(t(s.BUTTON_FULL_CLAUSE), ACTION_FULL_CLAUSE, clause.id, label=label(s.LABEL_FULL_CLAUSE)))
        blocks.append(actions(row, block_id=f"hit-actions-{number}"))
    return blocks


def render_comparison(hits: Sequence[Hit], t: Catalog) -> list[Block]:
    """Lay the targets of a `target` answer out as rows: city · metric | value · horizon."""
    rows = []
    seen = set()
    for hit in hits:
        for target in hit.targets or hit.clause.targets:
            region = hit.document.region or s.NO_REGION
            key = (region, target.metric, target.figure, target.comparator, target.horizon)
            if key not in seen:  # a communiqué often repeats its decision's targets word for word
                seen.add(key)
                rows.append((region, target))
    if not rows:
        return []
    cells = [t(s.LABEL_CITY_METRIC), t(s.LABEL_VALUE_HORIZON)]
    size = sum(map(len, cells))
    for region, target in rows[:COMPARISON_ROWS]:
        row = [f"*{plain(region, 50)}* · {plain(target.metric or t(s.TARGET), 300)}",
               f"*{plain(format_target(target), 200)}* · {plain(_horizon(target, t), 100)}"]
        size += sum(map(len, row))
        if size > COMPARISON_CHARS:
            break
        cells += row
    blocks: list[Block] = [section(f"*{t(s.LABEL_COMPARISON)}*")]
    for i in range(0, len(cells), MAX_FIELDS):
        blocks.append(fields_section(cells[i:i + MAX_FIELDS]))
    return blocks


def _horizon(target: Target, t: Catalog) -> str:
    """When a target is due: its own horizon, else the year of its plan (a listing by year sorts on it)."""
    if target.horizon:
        return target.horizon
    return t(s.IMPLIED_YEAR, year=target.horizon_year) if target.horizon_year else t(s.NO_HORIZON)


def render_echo(raw: str, prefix: str = COMMAND) -> Block:
    """Repeat the user's query: Slack shows a slash command's text to no one."""
    return context(escape(f"{prefix} {raw}"))


def feedback_buttons(query: Query, clause_ids: Sequence[str], t: Catalog) -> list[dict[str, Any]]:
    value = pack_value({"q": query.raw, "i": query.intent, "ids": list(clause_ids)})
    return [
        button(t(s.BUTTON_HELPFUL), ACTION_HELPFUL, value, label=t(s.LABEL_HELPFUL)),
        button(t(s.BUTTON_NOT_HELPFUL), ACTION_NOT_HELPFUL, value, label=t(s.LABEL_NOT_HELPFUL)),
    ]


def _summary(answer: Answer, shown: int, t: Catalog) -> str:
    q = answer.query
    with_topic, without = s.SUMMARY.get(q.intent, s.SUMMARY["search"])
    what = t(with_topic, topic=plain(q.topic, 200)) if q.topic else t(without)
    if answer.broadened:  # no target or task is about the topic: say so before the clauses that mention it
        what = t(s.BROADENED[q.intent], topic=plain(q.topic, 200))
    return t(s.SUMMARY_PAGE, what=what, first=answer.offset + 1, last=answer.offset + shown,
             total=max(answer.total, answer.offset + shown))


def _fallback_for_hits(answer: Answer, hits: Sequence[Hit]) -> str:
    lines = [f"{COMMAND} {answer.query.raw}"]
    for n, hit in enumerate(hits, start=answer.offset + 1):
        lines.append(f"{n}. {hit.clause.ref} {hit.excerpt or hit.clause.text}")
    return plain("\n".join(lines), MAX_FALLBACK)


def _take_groups(groups: Sequence[list[Block]], blocks_left: int, chars_left: int) -> list[list[Block]]:
    """Take the leading groups (one result each) that fit in what is left of the message, dividers included."""
    taken: list[list[Block]] = []
    for group in groups:
        cost = len(group) + (1 if taken else 0)
        size = text_size(group)
        if cost > blocks_left or size > chars_left:
            break
        taken.append(group)
        blocks_left -= cost
        chars_left -= size
    return taken


# ---------------------------------------------------------------- whole messages

def render_answer(answer: Answer, *, t: Catalog, echo: bool = True, share: bool = True, prefix: str = COMMAND,
                  max_blocks: int = MAX_BLOCKS, links: ClauseLinks = NO_LINKS) -> Message:
    """Render an engine answer: the results with their buttons, or why there are none.

    Results that do not fit in one message (50 blocks, about 12,000 characters) are left
    for *More results*, which continues from the first one not shown.

    Args:
        answer: what the engine found.
        t: the catalog in the reader's language.
        echo: repeat the query at the top (slash commands, whose text nobody sees).
        share: offer "Share in channel" (only useful on a reply only the asker sees).
        prefix: how the user invokes the bot here, for help hints (`/policy ` or nothing).
        max_blocks: the surface's block limit.
        links: where each reference links to (the document viewer), if anywhere.
    """
    query = answer.query
    if answer.excluded:
        return render_no_match(answer, t=t, echo=echo, prefix=prefix)
    if query.intent == "docs":
        return render_docs(answer.documents or tuple({h.document.id: h.document for h in answer.hits}.values()),
                           t=t, query=query, echo=echo, prefix=prefix)
    if not answer.matched or not answer.hits:
        return render_no_match(answer, t=t, echo=echo, prefix=prefix)

    head: list[Block] = [render_echo(query.raw, prefix.strip() or COMMAND)] if echo else []
    shown_as = replace(query, intent=Intent.SEARCH) if answer.broadened else query  # clauses, not targets
    comparison = render_comparison(answer.hits, t) if shown_as.intent == "target" else []
    groups = [render_hit(hit, answer.offset + i + 1, query=shown_as, offset=answer.offset, share=share, t=t,
                         links=links) for i, hit in enumerate(answer.hits)]
    # Reserve room for the summary, the comparison, the "not shown" note and the footer row.
    blocks_left = max_blocks - len(head) - 1 - len(comparison) - 2
    chars_left = MAX_MESSAGE_TEXT - text_size(head + comparison) - FOOTER_RESERVE
    shown_groups = _take_groups(groups, blocks_left, chars_left)
    if not shown_groups:  # a pathological hit: show it trimmed rather than nothing
        comparison = []
        shown_groups = [fit_blocks(groups[0][: max(blocks_left, 1)], MAX_MESSAGE_TEXT - FOOTER_RESERVE)]
    shown = len(shown_groups)
    hits = answer.hits[:shown]
    next_offset = answer.offset + shown

    blocks = head + [context(_summary(answer, shown, t))] + comparison
    for i, group in enumerate(shown_groups):
        if i:
            blocks.append(divider())
        blocks.extend(group)
    if shown < len(answer.hits):
        blocks.append(context(t(s.MORE_NOT_SHOWN, count=len(answer.hits) - shown, button=t(s.BUTTON_MORE))))
    footer = []
    if next_offset < max(answer.total, answer.offset + len(answer.hits)):
        footer.append(button(t(s.BUTTON_MORE), ACTION_MORE, pack_value({"q": query.raw, "o": next_offset}),
                             style="primary", label=t(s.LABEL_MORE, first=next_offset + 1)))
    footer.extend(feedback_buttons(query, [h.clause.id for h in hits], t))
    blocks.append(actions(footer, block_id="answer-actions"))
    return fit_message({"text": _fallback_for_hits(answer, hits), "blocks": blocks}, max_blocks)


def render_no_match(answer: Answer, *, t: Catalog, echo: bool = True, prefix: str = COMMAND) -> Message:
    """Say plainly that nothing is relevant (or which filter left no document), offer close topics and help."""
    query = answer.query
    topic = query.topic or query.raw
    if answer.excluded:
        lines = excluded_lines(answer.excluded, t, code=lambda text: f"`{plain(text, 200)}`",
                               plain=lambda text: plain(text, 200))
    else:
        lines = [t(s.NO_MATCH, topic=plain(topic, 500))]
    if answer.elsewhere:
        lines.append(t(s.ELSEWHERE, places=t.join(plain(place, 100) for place in answer.elsewhere)))
    if answer.suggestions:
        lines.append(t(s.NO_MATCH_SUGGEST, suggestions=t.join(f"`{plain(x, 100)}`" for x in answer.suggestions[:8])))
    lines.append(t(s.NO_MATCH_HELP, prefix=_prefix(prefix)))
    blocks = ([render_echo(query.raw, prefix.strip() or COMMAND)] if echo else []) + [section("\n".join(lines))]
    blocks.append(actions(feedback_buttons(query, [], t), block_id="answer-actions"))
    text = "\n".join(lines).replace(ZWSP, "")
    return fit_message({"text": clip(text, MAX_FALLBACK), "blocks": blocks})


def render_docs(documents: Sequence[Document], *, t: Catalog, query: Query | None = None, echo: bool = False,
                prefix: str = COMMAND, max_blocks: int = MAX_BLOCKS) -> Message:
    """List the indexed documents with their counts."""
    blocks: list[Block] = []
    if echo and query is not None:
        blocks.append(render_echo(query.raw, prefix.strip() or COMMAND))
    blocks.append(header(t(s.DOCS_HEADER, count=len(documents))))
    if not documents:
        blocks.append(section(t(s.DOCS_EMPTY)))
    room = max_blocks - len(blocks) - (2 if query is not None else 1)
    listed = _take_groups([[section(document_summary(doc, t))] for doc in documents[:room]], room,
                          MAX_MESSAGE_TEXT - text_size(blocks) - FOOTER_RESERVE)
    blocks += [group[0] for group in listed]
    if len(documents) > len(listed):
        blocks.append(context(t(s.MORE_DOCUMENTS, count=len(documents) - len(listed))))
    if query is not None:
        blocks.append(actions(feedback_buttons(query, [], t), block_id="answer-actions"))
    text = "\n".join(f"《{d.title}》 {d.region or ''} {t.date(d.date)}" for d in documents) or t(s.DOCS_EMPTY)
    return fit_message({"text": plain(text, MAX_FALLBACK), "blocks": blocks}, max_blocks)


def document_summary(doc: Document, t: Catalog) -> str:
    """Return one document as mrkdwn: title, then city · date · kind and its counts."""
    where = " · ".join([plain(doc.region or t(s.UNKNOWN_REGION), 50), date_text(doc, t), plain(doc.kind or "—", 50)])
    return f"*《{plain(doc.title, 500)}》*\n{where}\n{document_counts(doc, t, units=False)}"


def _prefix(prefix: str) -> str:
    return f"{prefix.strip()} " if prefix.strip() else ""


def _aliases(command, vocabulary: Vocabulary) -> list[str]:
    """List the other words that name a subcommand (`目标` for target, `digest 预览` for digest preview)."""
    if command.action is None:
        return [a for a in vocabulary.intents.get(command.intent, ()) if a != command.intent]
    words = vocabulary.actions.get(command.intent, {}).get(command.action, ())
    return [f"{command.intent} {w}" for w in words if w != command.action]


def render_help(commands: CommandTable, vocabulary: Vocabulary, *, t: Catalog, prefix: str = COMMAND,
                unknown: str | None = None, empty: bool = False, documents: Sequence[Document] = ()) -> Message:
    """Explain every subcommand of the command table, with its aliases, and every filter, with examples that work.

    Args:
        commands: the command table, in help order.
        vocabulary: where each subcommand's aliases come from.
        t: the catalog in the reader's language.
        documents: the indexed documents, which the filter examples are drawn from.
    """
    p = _prefix(prefix)
    blocks: list[Block] = [header(t(s.HELP_HEADER))]
    if unknown:
        blocks.append(section(t(s.HELP_REASON_UNKNOWN, word=plain(unknown, 100))))
    elif empty:
        blocks.append(section(t(s.HELP_REASON_EMPTY, prefix=p.strip() or "@policybot")))
    else:
        blocks.append(section(t(s.HELP_INTRO)))
    lines = []
    for command in commands.listed():
        usage, what, example = s.COMMAND_HELP[command.key]
        line = "• " + t(s.HELP_LINE, usage=f"`{p}{escape(t(usage))}`", what=escape(t(what)),
                        example=f"`{p}{escape(example)}`")
        aliases = _aliases(command, vocabulary)
        if aliases:
            line += t.aside(f"{t(s.HELP_ALIASES)}{t.colon}{escape(' '.join(aliases))}")
        if command.admin_only:
            line += f" _{t(s.HELP_ADMINS)}_"
        lines.append(line)
    for piece in split_text("\n".join(lines), MAX_TEXT):
        blocks.append(section(piece))
    filters = [f"*{t(s.HELP_FILTERS)}*"]
    for item in filter_help(documents, vocabulary.kinds):
        line = t(s.HELP_FILTER_LINE, usage=f"`{escape(item.usage)}`", what=t(s.FILTER_NAMES[item.name]))
        if len(item.words) > 1:
            line += t.aside(f"{t(s.HELP_ALIASES)}{t.colon}{' '.join(f'`{escape(w)}:`' for w in item.words[1:])}")
        filters.append(line)
    blocks.append(section("\n".join(filters)))
    blocks.append(context(t(s.HELP_SEARCH_MODAL) if p else t(s.HELP_DM)))
    examples = [s.COMMAND_HELP[c.key][2] for c in commands.listed() if c.intent in QUERY_INTENTS]
    text = t(s.HELP_HEADER) + t.colon + "; ".join(f"{p}{example}" for example in examples)
    return fit_message({"text": plain(text, MAX_FALLBACK), "blocks": blocks})


def render_refusal(message: str, *, raw: str | None = None, prefix: str = COMMAND) -> Message:
    """A short refusal (query too long, unreadable); never echoes a huge query back."""
    blocks = []
    if raw is not None:
        blocks.append(render_echo(raw[:200] + (s.TRUNCATED if len(raw) > 200 else ""), prefix.strip() or COMMAND))
    blocks.append(section(escape(message)))
    return fit_message({"text": plain(message, MAX_FALLBACK), "blocks": blocks})


def render_too_long(length: int, limit: int, *, t: Catalog, raw: str | None = None, prefix: str = COMMAND) -> Message:
    return render_refusal(t(s.TOO_LONG, length=length, limit=limit), raw=raw, prefix=prefix)


def render_apology(error_id: str, t: Catalog) -> Message:
    text = t(s.APOLOGY, error_id=escape(error_id))
    return {"text": text, "blocks": [section(text)]}


def render_notice(text: str) -> Message:
    """A one-line message of our own (already safe text)."""
    return {"text": text, "blocks": [section(text)]}


def render_clause(clause: Clause, document: Document, *, t: Catalog, start: int = 0, part: int = 1,
                  max_blocks: int = MAX_BLOCKS, links: ClauseLinks = NO_LINKS) -> Message:
    """Render a clause from character `start` on: heading, its paragraphs, then units and targets.

    A clause longer than one message ends in *Continue reading*, whose value says where
    the next message (`part` + 1) starts; units and targets come with the last part.
    """
    visible = without_controls(clause.text)
    start = min(max(start, 0), len(visible))
    title = clause.heading or (clause.path[-1] if clause.path else document.title)
    heading = f"*{plain(title, 500)}*" + (f" {t(s.CLAUSE_PART, part=part)}" if part > 1 else "")
    blocks: list[Block] = [section(heading), context(reference_line(clause, document, t, links))]
    fields = unit_fields(clause, t) + target_fields(clause.targets, t)
    tail = [fields_section(fields)] if fields else []
    room = max_blocks - len(blocks) - max(len(tail), 2)
    chars = MAX_MESSAGE_TEXT - text_size(blocks) - max(text_size(tail), FOOTER_RESERVE)
    chunks = split_text(escape(visible[start:]), MAX_TEXT)
    shown = _take_groups([[section(chunk)] for chunk in chunks], room, chars) or [[section(chunks[0])]]
    blocks += [group[0] for group in shown]
    end = start + len(unescape("".join(chunks[:len(shown)])))
    if end < len(visible):
        # `clause.text` less its invisible controls is what offsets count, on both sides of the button.
        more = pack_value({"id": clause.id, "c": end, "p": part + 1})
        blocks.append(context(t(s.CLAUSE_CONTINUES, button=t(s.BUTTON_MORE_TEXT))))
        blocks.append(actions([button(t(s.BUTTON_MORE_TEXT), ACTION_CLAUSE_MORE, more, style="primary",
                                      label=t(s.LABEL_MORE_TEXT))], block_id="clause-actions"))
    else:
        blocks += tail
    text = plain(f"{clause.ref}\n{visible[start:]}", MAX_FALLBACK)
    return fit_message({"text": text, "blocks": blocks}, max_blocks)


def split_text(text: str, limit: int) -> list[str]:
    """Split escaped text into pieces of at most `limit` characters, at line ends or sentence ends."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = max(window.rfind("\n"), window.rfind("。"), window.rfind(";"), window.rfind("；"))
        if cut < limit // 2:
            cut = limit - 1
            amp = window.rfind("&", 0, cut + 1)
            if amp != -1 and ";" not in window[amp:cut + 1]:
                cut = amp - 1
        pieces.append(rest[: cut + 1])
        rest = rest[cut + 1:]
    if rest.strip() or not pieces:
        pieces.append(rest)
    return [p for p in pieces if p.strip()] or [" "]


def render_shared(hit: Hit, user_id: str, query: Query | None, *, t: Catalog,
                  links: ClauseLinks = NO_LINKS) -> Message:
    """Render one result for everyone in the channel, saying who shared it."""
    who = f"<@{user_id}>" if _is_slack_id(user_id) else t(s.SOMEONE)
    by = (t(s.SHARED_BY, who=who, query=f"`{plain(query.raw, 300)}`") if query is not None
          else t(s.SHARED_BY_NO_QUERY, who=who))
    fake_query = query or Query(raw="", intent=Intent.SEARCH, topic="")
    blocks = [context(by), *render_hit(hit, 1, query=fake_query, offset=0, share=False, t=t, buttons=False, links=links)]
    # The number "1." is meaningless outside the original list; drop it from the title.
    first = blocks[1]["text"]["text"]
    blocks[1]["text"]["text"] = first.replace("*1. ", "*", 1).replace("*1.*", "", 1)
    text = plain(f"{hit.clause.ref} {hit.excerpt or hit.clause.text}", MAX_FALLBACK)
    return fit_message({"text": text, "blocks": blocks})


def _is_slack_id(value: str) -> bool:
    return bool(value) and value[0] in "UW" and value.isalnum() and value.isupper() and len(value) <= 20


def recent_documents(documents: Sequence[Document]) -> list[Document]:
    """Order the documents newest first (by date of issue; undated ones last, in corpus order)."""
    dated = sorted((d for d in documents if d.date), key=lambda d: d.date, reverse=True)
    return dated + [d for d in documents if not d.date]


def render_home(documents: Sequence[Document], *, t: Catalog, load_errors: int = 0,
                topics: Sequence[str] = (), admin: Sequence[Block] = ()) -> dict[str, Any]:
    """Render the App Home tab: search, how to ask, the user's subscriptions, recent documents.

    Args:
        admin: what only admins see (the corpus folder's state), placed before the documents.
    """
    blocks: list[Block] = [
        header(t(s.HOME_HEADER)), section(t(s.HOME_INTRO)),
        actions([button(t(s.HOME_SEARCH), ACTION_OPEN_SEARCH, "home", style="primary",
                         label=t(s.HOME_SEARCH_LABEL))], block_id="home-search"),
        section(escape(t(s.HOME_HOW))),  # it shows `<query>`, which Slack would read as markup
    ]
    examples = "\n".join(f"• `{COMMAND} {escape(s.COMMAND_HELP[intent][2])}` — {escape(t(s.COMMAND_HELP[intent][1]))}"
                         for intent in HOME_EXAMPLES)
    blocks += [section(f"{t(s.HOME_EXAMPLES)}\n{examples}"), divider(), section(t(s.HOME_SUBSCRIPTIONS))]
    for topic in topics:
        remove = button(t(s.HOME_UNSUBSCRIBE), ACTION_UNSUBSCRIBE, topic, style="danger",
                        label=t(s.HOME_UNSUBSCRIBE_LABEL, topic=topic))
        blocks.append(section(f"• {plain(topic, 200)}", accessory=remove))
    if not topics:
        blocks.append(context(t(s.HOME_NO_SUBSCRIPTIONS)))
    if admin:
        blocks += [divider(), *admin]
    blocks += [divider(), section(t(s.HOME_RECENT, count=len(documents)))]
    if load_errors and not admin:
        blocks.append(context(t(s.HOME_LOAD_ERRORS, count=load_errors)))
    recent = recent_documents(documents)
    room = min(HOME_RECENT_DOCUMENTS, MAX_HOME_BLOCKS - len(blocks) - 1)
    for doc in recent[:room]:
        blocks.append(section(document_summary(doc, t)))
    if len(documents) > room:
        blocks.append(context(t(s.MORE_DOCUMENTS, count=len(documents) - room)))
    if not documents:
        blocks.append(section(t(s.DOCS_EMPTY)))
    return {"type": "home", "blocks": fit_message({"text": "", "blocks": blocks}, MAX_HOME_BLOCKS)["blocks"]}


# ---------------------------------------------------------------- the limits, enforced

def fit_blocks(blocks: Sequence[Block], chars: int) -> list[Block]:
    """Keep the leading blocks that fit in `chars` characters of text; cut the one that overflows to fit."""
    kept: list[Block] = []
    for block in blocks:
        size = text_size(block)
        if size <= chars:
            kept.append(block)
            chars -= size
            continue
        if block.get("type") == "section" and isinstance(block.get("text"), dict) and chars >= 100:
            # A block too big for what is left: its fields go, then its text is cut.
            block = {k: v for k, v in block.items() if k != "fields"}
            block["text"] = _fit_text(block["text"], chars)
            kept.append(block)
        break
    return kept


def fit_message(message: Message, max_blocks: int = MAX_BLOCKS) -> Message:
    """Return `message` clamped to Block Kit limits, whatever produced it.

    Renderers here already respect the limits; this is the last line of defence, also
    applied to replies produced by other modules.
    """
    out = dict(message)
    blocks = [_fit_block(b) for b in (message.get("blocks") or []) if isinstance(b, dict)]
    # Keep the last actions row (paging, feedback): it is how the user goes on.
    tail = blocks[-1:] if blocks and blocks[-1].get("type") == "actions" else []
    body = blocks[: len(blocks) - len(tail)]
    if len(blocks) > max_blocks:
        body = body[: max_blocks - len(tail)]
    if text_size(body + tail) > MAX_MESSAGE_TEXT:
        body = fit_blocks(body, MAX_MESSAGE_TEXT - text_size(tail))
    blocks = body + tail
    if "blocks" in message:
        out["blocks"] = blocks
    text = out.get("text")
    if isinstance(text, str):
        out["text"] = clip(text, MAX_FALLBACK) if text else _fallback_from_blocks(blocks)
    elif blocks:
        out["text"] = _fallback_from_blocks(blocks)
    return out


def _fallback_from_blocks(blocks: Sequence[Block]) -> str:
    for block in blocks:
        text = (block.get("text") or {}).get("text")
        if text and text.strip():
            return clip(text.replace(ZWSP, ""), MAX_FALLBACK)
    return " "


def _fit_text(obj: Any, limit: int) -> Any:
    if isinstance(obj, dict) and isinstance(obj.get("text"), str):
        obj = dict(obj)
        if obj.get("type") == "plain_text":
            obj["text"] = _clip_plain(obj["text"], limit)
        else:
            obj["text"] = clip(obj["text"], limit) or " "
    return obj


def _fit_element(element: Any) -> Any:
    if not isinstance(element, dict):
        return element
    element = dict(element)
    if element.get("type") == "button":
        element["text"] = _fit_text(element.get("text"), MAX_BUTTON_TEXT)
        if isinstance(element.get("value"), str):
            element["value"] = element["value"][:MAX_VALUE]
        if isinstance(element.get("accessibility_label"), str):
            element["accessibility_label"] = _clip_plain(element["accessibility_label"], MAX_LABEL)
    for key in ("action_id", "block_id"):
        if isinstance(element.get(key), str):
            element[key] = element[key][:MAX_ID]
    return element


def _fit_block(block: Block) -> Block:
    block = dict(block)
    kind = block.get("type")
    if isinstance(block.get("block_id"), str):
        block["block_id"] = block["block_id"][:MAX_ID]
    if kind == "header":
        block["text"] = _fit_text(block.get("text"), MAX_HEADER_TEXT)
    elif kind == "section":
        if "text" in block:
            block["text"] = _fit_text(block["text"], MAX_TEXT)
        if isinstance(block.get("fields"), list):
            block["fields"] = [_fit_text(f, MAX_FIELD_TEXT) for f in block["fields"][:MAX_FIELDS]]
        if "accessory" in block:
            block["accessory"] = _fit_element(block["accessory"])
    elif kind == "context" and isinstance(block.get("elements"), list):
        block["elements"] = [_fit_text(e, MAX_TEXT) for e in block["elements"][:MAX_CONTEXT_ELEMENTS]]
    elif kind == "actions" and isinstance(block.get("elements"), list):
        block["elements"] = [_fit_element(e) for e in block["elements"][:MAX_ACTION_ELEMENTS]]
    return block
