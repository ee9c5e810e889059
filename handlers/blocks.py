"""Block Kit rendering: pure functions from engine values to Slack message dicts.

Every `render_*` returns a message dict (`{"text": ..., "blocks": [...]}`) or a view,
ready to hand to `ack`, `respond`, `say` or the Web API. Nothing here talks to Slack, so
everything here is tested by value.

Two Slack facts shape this module:
- Slack rejects a message over its Block Kit limits (50 blocks, 3000 characters per text,
  10 fields of 2000, button text 75, button value 2000) with `invalid_blocks`; every
  renderer ends in `fit_message`, so the limits hold whatever the corpus or the user typed.
- Slack reads `&`, `<` and `>` in mrkdwn as control sequences (`<!channel>` pings a whole
  channel), so all text that is not ours goes through `escape`.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.model import Answer, Clause, Document, Hit, Query, Span, Target
from bot.search.presentation import merge_spans
from handlers import strings as s

MAX_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_TEXT = 3000
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_HEADER_TEXT = 150
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000
MAX_CONTEXT_ELEMENTS = 10
MAX_ACTION_ELEMENTS = 25
MAX_ID = 255
MAX_FALLBACK = 3000  # Slack truncates message text at 40,000; a notification needs far less

EXCERPT_CHARS = 1200  # an excerpt is a sentence or two; longer ones are cut before bolding
COMPARISON_ROWS = 20
ZWSP = "\u200b"  # Slack only bolds `*x*` at a word boundary; CJK text has none, a zero-width space makes one

ACTION_SHARE = "share_result"
ACTION_FULL_CLAUSE = "full_clause"
ACTION_MORE = "more_results"
ACTION_HELPFUL = "feedback_helpful"
ACTION_NOT_HELPFUL = "feedback_not_helpful"

Message = dict[str, Any]
Block = dict[str, Any]


# ---------------------------------------------------------------- text primitives

def escape(text: str) -> str:
    """Escape the three characters Slack treats as control sequences in message text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


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
        out.append(f"{ZWSP}*{escape(excerpt[start:end])}*{ZWSP}")
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


# ---------------------------------------------------------------- block primitives

def mrkdwn(text: str, limit: int = MAX_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, limit) or " "}


def section(text: str, *, fields: Sequence[str] = (), block_id: str | None = None) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text)}
    if fields:
        block["fields"] = [mrkdwn(f, MAX_FIELD_TEXT) for f in fields[:MAX_FIELDS]]
    if block_id:
        block["block_id"] = block_id[:MAX_ID]
    return block


def fields_section(fields: Sequence[str]) -> Block:
    return {"type": "section", "fields": [mrkdwn(f, MAX_FIELD_TEXT) for f in fields[:MAX_FIELDS]]}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:MAX_CONTEXT_ELEMENTS]]}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip_plain(text, MAX_HEADER_TEXT)}}


def divider() -> Block:
    return {"type": "divider"}


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": _clip_plain(text, MAX_BUTTON_TEXT)},
        "action_id": action_id,
        "value": value[:MAX_VALUE],
    }
    if style:
        element["style"] = style
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
    if comparator in s.SUFFIX_COMPARATORS:
        return f"{figure}{comparator}"
    return f"{comparator}{figure}"


def reference_line(clause: Clause, document: Document) -> str:
    """Return `《title》 path · city · date` as escaped mrkdwn."""
    parts = [clause.ref or f"《{document.title}》"]
    parts.append(document.region or s.UNKNOWN_REGION)
    if document.date:
        parts.append(document.date.isoformat())
    return escape(" · ".join(parts))


def unit_list(units: Sequence[str], highlight: str = "", limit: int = 1800) -> str:
    """Join unit names with `、`, bolding those that contain `highlight` (the unit asked about)."""
    names = [f"{ZWSP}*{escape(u)}*{ZWSP}" if highlight and highlight in u else escape(u) for u in units]
    return clip("、".join(names), limit)


def unit_fields(clause: Clause, highlight: str = "") -> list[str]:
    fields = []
    if clause.units_rule == "first-listed":
        if clause.units:
            fields.append(f"*{s.LABEL_RESPONSIBLE}*\n{unit_list(clause.units, highlight)}\n_{s.LABEL_FIRST_LISTED}_")
        return fields
    if clause.lead_units:
        fields.append(f"*{s.LABEL_LEAD}*\n{unit_list(clause.lead_units, highlight)}")
    if clause.support_units:
        fields.append(f"*{s.LABEL_SUPPORT}*\n{unit_list(clause.support_units, highlight)}")
    return fields


def target_fields(targets: Sequence[Target]) -> list[str]:
    fields = []
    for t in targets:
        horizon = f" · {plain(t.horizon, 100)}" if t.horizon else ""
        fields.append(f"*{plain(t.metric or s.LABEL_TARGET, 300)}*\n{plain(format_target(t), 200)}{horizon}")
    return fields


def _hit_title(number: int, clause: Clause) -> str:
    title = clause.heading or (clause.path[-1] if clause.path else "") or " ".join(clause.labels)
    return f"*{number}. {plain(title, 300)}*" if title else f"*{number}.*"


def render_hit(hit: Hit, number: int, *, query: Query, offset: int, share: bool,
               buttons: bool = True) -> list[Block]:
    """Render one result: title, excerpt with matches in bold, reference, fields, buttons."""
    clause, document = hit.clause, hit.document
    excerpt = bold_marks(hit.excerpt or clause.text, hit.marks if hit.excerpt else ())
    blocks: list[Block] = [
        section(f"{_hit_title(number, clause)}\n{excerpt}", block_id=f"hit-{number}"),
        context(reference_line(clause, document)),
    ]
    targets = hit.targets or (clause.targets if query.intent == "target" else ())
    fields = unit_fields(clause, query.topic if query.intent == "unit" else "") + target_fields(targets)
    if fields:
        blocks.append(fields_section(fields))
    if buttons:
        row = []
        if share:
            row.append(button(s.BUTTON_SHARE, ACTION_SHARE,
                              pack_value({"q": query.raw, "id": clause.id, "o": offset})))
        row.append(button(s.BUTTON_FULL_CLAUSE, ACTION_FULL_CLAUSE, clause.id))
        blocks.append(actions(row, block_id=f"hit-actions-{number}"))
    return blocks


def render_comparison(hits: Sequence[Hit]) -> list[Block]:
    """Lay the targets of a `target` answer out as rows: city · metric | value · horizon."""
    rows = []
    seen = set()
    for hit in hits:
        for t in hit.targets or hit.clause.targets:
            region = hit.document.region or s.UNKNOWN_REGION
            key = (region, t.metric, t.figure, t.comparator, t.horizon)
            if key not in seen:  # a communiqué often repeats its decision's targets word for word
                seen.add(key)
                rows.append((region, t))
    if not rows:
        return []
    rows = rows[:COMPARISON_ROWS]
    cells = [s.LABEL_CITY_METRIC, s.LABEL_VALUE_HORIZON]
    for region, t in rows:
        cells.append(f"*{plain(region, 50)}* · {plain(t.metric or s.LABEL_TARGET, 300)}")
        cells.append(f"*{plain(format_target(t), 200)}* · {plain(t.horizon or s.NO_HORIZON, 100)}")
    blocks: list[Block] = [section(f"*{s.LABEL_COMPARISON}*")]
    for i in range(0, len(cells), MAX_FIELDS):
        blocks.append(fields_section(cells[i:i + MAX_FIELDS]))
    return blocks


def render_echo(raw: str, prefix: str = s.COMMAND) -> Block:
    """Repeat the user's query: Slack shows a slash command's text to no one."""
    return context(escape(s.ECHO.format(command=prefix, query=raw)))


def feedback_buttons(query: Query, clause_ids: Sequence[str]) -> list[dict[str, Any]]:
    value = pack_value({"q": query.raw, "i": query.intent, "ids": list(clause_ids)})
    return [
        button(s.BUTTON_HELPFUL, ACTION_HELPFUL, value),
        button(s.BUTTON_NOT_HELPFUL, ACTION_NOT_HELPFUL, value),
    ]


def _summary(answer: Answer, shown: int) -> str:
    q = answer.query
    with_topic, without = s.SUMMARY.get(q.intent, s.SUMMARY["search"])
    what = with_topic.format(topic=plain(q.topic, 200)) if q.topic else without
    return s.SUMMARY_PAGE.format(what=what, first=answer.offset + 1, last=answer.offset + shown,
                                 total=max(answer.total, answer.offset + shown))


def _fallback_for_hits(answer: Answer, hits: Sequence[Hit]) -> str:
    lines = [f"{s.COMMAND} {answer.query.raw}"]
    for n, hit in enumerate(hits, start=answer.offset + 1):
        lines.append(f"{n}. {hit.clause.ref} {hit.excerpt or hit.clause.text}")
    return plain("\n".join(lines), MAX_FALLBACK)


# ---------------------------------------------------------------- whole messages

def render_answer(answer: Answer, *, echo: bool = True, share: bool = True, prefix: str = s.COMMAND,
                  max_blocks: int = MAX_BLOCKS) -> Message:
    """Render an engine answer: the results with their buttons, or why there are none.

    Args:
        answer: what the engine found.
        echo: repeat the query at the top (slash commands, whose text nobody sees).
        share: offer "Share in channel" (only useful on a reply only the asker sees).
        prefix: how the user invokes the bot here, for help hints (`/policy ` or nothing).
        max_blocks: the surface's block limit.
    """
    query = answer.query
    if query.intent == "docs":
        return render_docs(answer.documents or tuple({h.document.id: h.document for h in answer.hits}.values()),
                           query=query, echo=echo, prefix=prefix)
    if not answer.matched or not answer.hits:
        return render_no_match(answer, echo=echo, prefix=prefix)

    head: list[Block] = [render_echo(query.raw, prefix.strip() or s.COMMAND)] if echo else []
    comparison = render_comparison(answer.hits) if query.intent == "target" else []
    groups = [render_hit(hit, answer.offset + i + 1, query=query, offset=answer.offset, share=share)
              for i, hit in enumerate(answer.hits)]
    # Reserve room for the summary, the comparison, the "not shown" note and the footer row.
    budget = max_blocks - len(head) - 1 - len(comparison) - 2
    shown_groups: list[list[Block]] = []
    used = 0
    for group in groups:
        cost = len(group) + (1 if shown_groups else 0)
        if used + cost > budget:
            break
        shown_groups.append(group)
        used += cost
    if not shown_groups:  # a pathological hit: show it trimmed rather than nothing
        comparison = []
        shown_groups = [groups[0][: max(budget, 1)]]
    shown = len(shown_groups)
    hits = answer.hits[:shown]
    next_offset = answer.offset + shown

    blocks = head + [context(_summary(answer, shown))] + comparison
    for i, group in enumerate(shown_groups):
        if i:
            blocks.append(divider())
        blocks.extend(group)
    if shown < len(answer.hits):
        blocks.append(context(s.MORE_NOT_SHOWN.format(count=len(answer.hits) - shown, button=s.BUTTON_MORE)))
    footer = []
    if next_offset < max(answer.total, answer.offset + len(answer.hits)):
        footer.append(button(s.BUTTON_MORE, ACTION_MORE, pack_value({"q": query.raw, "o": next_offset}),
                             style="primary"))
    footer.extend(feedback_buttons(query, [h.clause.id for h in hits]))
    blocks.append(actions(footer, block_id="answer-actions"))
    return fit_message({"text": _fallback_for_hits(answer, hits), "blocks": blocks}, max_blocks)


def render_no_match(answer: Answer, *, echo: bool = True, prefix: str = s.COMMAND) -> Message:
    """Say plainly that nothing is relevant, offer close topics and help."""
    query = answer.query
    topic = query.topic or query.raw
    lines = [s.NO_MATCH.format(topic=plain(topic, 500))]
    if answer.suggestions:
        lines.append(s.NO_MATCH_SUGGEST.format(
            suggestions=", ".join(f"`{plain(t, 100)}`" for t in answer.suggestions[:8])))
    lines.append(s.NO_MATCH_HELP.format(prefix=_prefix(prefix)))
    blocks = ([render_echo(query.raw, prefix.strip() or s.COMMAND)] if echo else []) + [section("\n".join(lines))]
    blocks.append(actions(feedback_buttons(query, []), block_id="answer-actions"))
    text = "\n".join(lines).replace(ZWSP, "")
    return fit_message({"text": clip(text, MAX_FALLBACK), "blocks": blocks})


def render_docs(documents: Sequence[Document], *, query: Query | None = None, echo: bool = False,
                prefix: str = s.COMMAND, max_blocks: int = MAX_BLOCKS) -> Message:
    """List the indexed documents with their counts."""
    blocks: list[Block] = []
    if echo and query is not None:
        blocks.append(render_echo(query.raw, prefix.strip() or s.COMMAND))
    blocks.append(header(s.DOCS_HEADER.format(count=len(documents))))
    if not documents:
        blocks.append(section(s.DOCS_EMPTY))
    room = max_blocks - len(blocks) - (2 if query is not None else 1)
    for doc in documents[:room]:
        blocks.append(section(document_summary(doc)))
    if len(documents) > room:
        blocks.append(context(s.MORE_DOCUMENTS.format(count=len(documents) - room)))
    if query is not None:
        blocks.append(actions(feedback_buttons(query, []), block_id="answer-actions"))
    text = "\n".join(f"《{d.title}》 {d.region or ''} {d.date or ''}" for d in documents) or s.DOCS_EMPTY
    return fit_message({"text": plain(text, MAX_FALLBACK), "blocks": blocks}, max_blocks)


def document_summary(doc: Document) -> str:
    """Return one document as mrkdwn: title, then city · date · kind and its counts."""
    line = s.DOCS_LINE.format(
        region=plain(doc.region or s.UNKNOWN_REGION, 50),
        date=doc.date.isoformat() if doc.date else "—",
        kind=plain(doc.kind or "—", 50),
        clauses=doc.clause_count, targets=doc.target_count, tasks=doc.task_count,
    )
    return f"*《{plain(doc.title, 500)}》*\n{line}"


def _prefix(prefix: str) -> str:
    return f"{prefix.strip()} " if prefix.strip() else ""


def render_help(*, prefix: str = s.COMMAND, unknown: str | None = None, empty: bool = False,
                digests: bool = True) -> Message:
    """Explain the query language with examples that work on the bundled documents."""
    p = _prefix(prefix)
    blocks: list[Block] = [header(s.HELP_HEADER)]
    if unknown:
        blocks.append(section(s.HELP_REASON_UNKNOWN.format(word=plain(unknown, 100))))
    elif empty:
        blocks.append(section(s.HELP_REASON_EMPTY.format(prefix=p.strip() or "@policybot")))
    else:
        blocks.append(section(s.HELP_INTRO))
    lines = [f"`{p}{escape(usage)}` — {escape(what)}. Example: `{p}{escape(example)}`"
             for usage, what, example in s.HELP_COMMANDS]
    blocks.append(section("\n".join(lines)))
    blocks.append(section(s.HELP_FILTERS))
    if digests:
        blocks.append(context(s.HELP_DIGESTS))
    if not p:
        blocks.append(context(s.HELP_DM))
    text = s.HELP_HEADER + ": " + "; ".join(f"{p}{example}" for _, _, example in s.HELP_COMMANDS)
    return fit_message({"text": plain(text, MAX_FALLBACK), "blocks": blocks})


def render_refusal(message: str, *, raw: str | None = None, prefix: str = s.COMMAND) -> Message:
    """A short refusal (query too long, unreadable); never echoes a huge query back."""
    blocks = []
    if raw is not None:
        blocks.append(render_echo(raw[:200] + (s.TRUNCATED if len(raw) > 200 else ""), prefix.strip() or s.COMMAND))
    blocks.append(section(escape(message)))
    return fit_message({"text": plain(message, MAX_FALLBACK), "blocks": blocks})


def render_too_long(length: int, limit: int, *, raw: str | None = None, prefix: str = s.COMMAND) -> Message:
    return render_refusal(s.TOO_LONG.format(length=length, limit=limit), raw=raw, prefix=prefix)


def render_apology(error_id: str) -> Message:
    text = s.APOLOGY.format(error_id=escape(error_id))
    return {"text": text, "blocks": [section(text)]}


def render_unavailable(intent: str) -> Message:
    text = s.UNAVAILABLE.format(intent=plain(intent, 50))
    return {"text": text, "blocks": [section(text)]}


def render_notice(text: str) -> Message:
    """A one-line message of our own (already safe text)."""
    return {"text": text, "blocks": [section(text)]}


def render_clause(clause: Clause, document: Document, *, max_blocks: int = MAX_BLOCKS) -> Message:
    """Render a whole clause: heading, every paragraph of its text, units and targets."""
    blocks: list[Block] = []
    title = clause.heading or (clause.path[-1] if clause.path else document.title)
    blocks.append(section(f"*{plain(title, 500)}*"))
    blocks.append(context(reference_line(clause, document)))
    chunks = split_text(escape(clause.text), MAX_TEXT)
    fields = unit_fields(clause) + target_fields(clause.targets)
    room = max_blocks - len(blocks) - (1 if fields else 0)
    for chunk in chunks[:room]:
        blocks.append(section(chunk))
    if fields:
        blocks.append(fields_section(fields))
    text = plain(f"{clause.ref}\n{clause.text}", MAX_FALLBACK)
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


def render_shared(hit: Hit, user_id: str, query: Query | None) -> Message:
    """Render one result for everyone in the channel, saying who shared it."""
    who = f"<@{user_id}>" if _is_slack_id(user_id) else s.SOMEONE
    by = (s.SHARED_BY.format(who=who, query=f"`{plain(query.raw, 300)}`") if query is not None
          else s.SHARED_BY_NO_QUERY.format(who=who))
    fake_query = query or Query(raw="", intent="search", topic="")
    blocks = [context(by)] + render_hit(hit, 1, query=fake_query, offset=0, share=False, buttons=False)
    # The number "1." is meaningless outside the original list; drop it from the title.
    first = blocks[1]["text"]["text"]
    blocks[1]["text"]["text"] = first.replace("*1. ", "*", 1).replace("*1.*", "", 1)
    text = plain(f"{hit.clause.ref} {hit.excerpt or hit.clause.text}", MAX_FALLBACK)
    return fit_message({"text": text, "blocks": blocks})


def _is_slack_id(value: str) -> bool:
    return bool(value) and value[0] in "UW" and value.isalnum() and value.isupper() and len(value) <= 20


def render_home(documents: Sequence[Document], *, load_errors: int = 0,
                subscriptions: Sequence[Block] = ()) -> dict[str, Any]:
    """Render the App Home tab: how to ask, examples that work, the documents, subscriptions."""
    blocks: list[Block] = [header(s.HOME_HEADER), section(s.HOME_INTRO), section(s.HOME_HOW)]
    examples = "\n".join(f"• `{s.COMMAND} {escape(example)}` — {escape(what)}"
                         for _, what, example in s.HELP_COMMANDS if example != "help")
    blocks += [section(f"{s.HOME_EXAMPLES}\n{examples}"), section(s.HELP_FILTERS), divider()]
    if subscriptions:
        blocks += [section(s.HOME_SUBSCRIPTIONS), *subscriptions, divider()]
    blocks.append(section(f"{s.HOME_DOCUMENTS} ({len(documents)})"))
    if load_errors:
        blocks.append(context(s.HOME_LOAD_ERRORS.format(count=load_errors)))
    room = MAX_HOME_BLOCKS - len(blocks) - 1
    for doc in documents[:room]:
        blocks.append(section(document_summary(doc)))
    if len(documents) > room:
        blocks.append(context(s.MORE_DOCUMENTS.format(count=len(documents) - room)))
    if not documents:
        blocks.append(section(s.DOCS_EMPTY))
    view = {"type": "home", "blocks": blocks}
    view["blocks"] = fit_message({"text": "", "blocks": blocks}, MAX_HOME_BLOCKS)["blocks"]
    return view


# ---------------------------------------------------------------- the limits, enforced

def fit_message(message: Message, max_blocks: int = MAX_BLOCKS) -> Message:
    """Return `message` clamped to Block Kit limits, whatever produced it.

    Renderers here already respect the limits; this is the last line of defence, also
    applied to replies produced by other modules.
    """
    out = dict(message)
    blocks = [_fit_block(b) for b in (message.get("blocks") or []) if isinstance(b, dict)]
    if len(blocks) > max_blocks:
        # Keep the last actions row (paging, feedback): it is how the user goes on.
        tail = blocks[-1:] if blocks and blocks[-1].get("type") == "actions" else []
        blocks = blocks[: max_blocks - len(tail)] + tail
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
