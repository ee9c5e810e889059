"""Block Kit rendering of digests and of the digest commands' replies: pure, tested by value.

A digest can be long (many documents, topics, cities), and Slack takes at most 50 blocks
per message and 3000 characters per text. `render_digest` therefore returns a list of
messages: the first is posted in the channel, the others continue it in its thread. A
heading is never left at the bottom of one message with its items in the next.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.digest import CityTargets, Digest, DocumentChange, DueTarget, TopicUpdate, short_ref
from bot.links import NO_LINKS, ClauseLinks
from bot.model import Hit
from bot.settings import DigestSchedule
from bot.store import Subscription
from handlers.blocks import (MAX_BLOCKS, MAX_TEXT, Block, Message, bold_marks, context, divider, escape,
                             fit_message, format_target, header, linked, plain, reference_line, section, split_text)

# ---------------------------------------------------------------- strings

TITLE = "政策摘要 Policy digest · {date}"
FIRST_CHANNEL = "First digest for this channel"
FIRST_USER = "Your first digest"
SINCE = "Since the last digest on {since}"
NOTHING_NEW = "Nothing new in the policy documents since the last digest on {since}."
COUNT_DOCUMENTS = "{count} new or changed document(s)"
COUNT_REMOVED = "{count} removed"
COUNT_CLAUSES = "{count} new clause(s) on your topics"
COUNT_DUE = "{count} target(s) due"
CONTINUED = "Policy digest, continued ({part}/{parts})"
DOCUMENTS = "*新增和修改的文件 New and changed documents* ({count})"
DOCUMENTS_FIRST = "*收录的文件 Documents covered* ({count})"
ADDED, CHANGED = "🆕 新增 Added", "✏️ 修改 Changed"
REMOVED = "已删除 Removed: {titles}"
DOC_COUNTS = "{clauses} clauses · {targets} targets · {tasks} tasks"
TOPICS = "*订阅主题 Your topics*"
TOPIC_NEW = "*{topic}* — {count} new clause(s)"
TOPIC_FIRST = "*{topic}* — best matches (new subscription)"
TOPIC_NONE = "*{topic}* — nothing new"
TOPIC_NO_MATCH = "*{topic}* — nothing in the documents matches yet"
MORE_CLAUSES = "…and {count} more new clause(s): ask `/policy {topic}` to see them all."
TARGETS = "*即将到期和刚到期的目标 Targets due* · {start} – {end}"
PAST, COMING = "past due", "due"
MORE_TARGETS = "…and {count} more"
UNKNOWN_CITY = "城市未知 City unknown"
PREVIEW = "Preview of the next digest for {where}: only you can see this."
PREVIEW_CUT = "The posted digest continues in a thread ({count} more block(s) not shown here)."
TARGETS_PER_CITY = 15


def _when(digest: Digest, moment) -> str:
    return f"{digest.local(moment):%Y-%m-%d %H:%M}"


def summary_line(digest: Digest) -> str:
    """One line saying what the digest holds (also the notification text)."""
    parts = [(FIRST_USER if digest.audience.is_user else FIRST_CHANNEL) if digest.first
             else SINCE.format(since=_when(digest, digest.since))]
    if digest.documents:
        parts.append(COUNT_DOCUMENTS.format(count=len(digest.documents)))
    if digest.removed:
        parts.append(COUNT_REMOVED.format(count=len(digest.removed)))
    if digest.new_clause_count:
        parts.append(COUNT_CLAUSES.format(count=digest.new_clause_count))
    if digest.due:
        parts.append(COUNT_DUE.format(count=digest.due_count))
    return " · ".join(parts)


# ---------------------------------------------------------------- sections

def document_block(change: DocumentChange, links: ClauseLinks = NO_LINKS) -> Block:
    doc = change.document
    label = ADDED if change.status == "added" else CHANGED
    where = " · ".join(x for x in (doc.region, doc.date.isoformat() if doc.date else None, doc.kind) if x)
    lines = [f"*{label}* {linked('《' + doc.title + '》', links.document_url(doc.id), 500)}"]
    if where:
        lines.append(escape(where))
    lines.append(DOC_COUNTS.format(clauses=doc.clause_count, targets=doc.target_count, tasks=doc.task_count))
    lines += [f"• {linked(short_ref(c, doc), links.clause_url(c.id), 400)}" for c in change.clauses]
    return section("\n".join(lines))


def hit_block(hit: Hit, links: ClauseLinks = NO_LINKS) -> Block:
    excerpt = bold_marks(hit.excerpt or hit.clause.text, hit.marks if hit.excerpt else (), limit=1200)
    return section(f"{excerpt}\n— {reference_line(hit.clause, hit.document, links)}")


def topic_units(update: TopicUpdate, links: ClauseLinks = NO_LINKS) -> list[list[Block]]:
    topic = plain(update.topic, 200)
    if update.first:
        title = TOPIC_FIRST if update.hits else TOPIC_NO_MATCH
    else:
        title = TOPIC_NEW if update.hits else TOPIC_NONE
    units: list[list[Block]] = [[section(title.format(topic=topic, count=len(update.hits) + update.more))]]
    units += [[hit_block(h, links)] for h in update.hits]
    if update.more:
        units.append([context(MORE_CLAUSES.format(count=update.more, topic=escape(update.topic[:200])))])
    return units


def due_line(item: DueTarget, links: ClauseLinks = NO_LINKS) -> str:
    t = item.target
    status = PAST if item.past else COMING
    horizon = f" · {plain(t.horizon, 60)}" if t.horizon else ""
    reference = linked(item.clause.ref, links.clause_url(item.clause.id), 300)
    return (f"• {t.due.isoformat()} _{status}_ · *{plain(t.metric or '目标', 120)}* "
            f"{plain(format_target(t), 60)}{horizon} — {reference}")


def city_blocks(city: CityTargets, links: ClauseLinks = NO_LINKS) -> list[Block]:
    lines = [due_line(item, links) for item in city.items[:TARGETS_PER_CITY]]
    if len(city.items) > TARGETS_PER_CITY:
        lines.append(MORE_TARGETS.format(count=len(city.items) - TARGETS_PER_CITY))
    text = f"*{plain(city.region or UNKNOWN_CITY, 100)}*\n" + "\n".join(lines)
    return [section(piece) for piece in split_text(text, MAX_TEXT)]


def digest_units(digest: Digest, links: ClauseLinks = NO_LINKS) -> list[list[Block]]:
    """The digest's body as units: blocks that must stay in one message."""
    units: list[list[Block]] = []

    def heading(block: Block, following: list[list[Block]]) -> None:
        # A heading travels with its first item.
        if units:
            units.append([divider()])
        if following:
            units.append([block] + following[0])
            units.extend(following[1:])
        else:
            units.append([block])

    if digest.documents or digest.removed:
        items = [[document_block(c, links)] for c in digest.documents]
        if digest.removed:
            titles = "、".join(f"《{t}》" for t in digest.removed)
            items.append([context(plain(REMOVED.format(titles=titles), MAX_TEXT))])
        title = DOCUMENTS_FIRST if digest.first else DOCUMENTS
        heading(section(title.format(count=len(digest.documents))), items)
    if digest.topics:
        items = [unit for update in digest.topics for unit in topic_units(update, links)]
        heading(section(TOPICS), items)
    if digest.due:
        start, end = digest.window
        items = [city_blocks(city, links) for city in digest.due]
        heading(section(TARGETS.format(start=start.isoformat(), end=end.isoformat())), items)
    return units


def _pack(units: list[list[Block]], first_room: int, room: int) -> list[list[Block]]:
    """Fill messages with whole units: `first_room` blocks in the first, `room` in the others."""
    pages: list[list[Block]] = [[]]

    def limit() -> int:
        return first_room if len(pages) == 1 else room

    for unit in units:
        if pages[-1] and len(pages[-1]) + len(unit) > limit():
            pages.append([])
        for block in unit:  # a unit larger than a whole message is split anyway
            if len(pages[-1]) >= limit():
                pages.append([])
            pages[-1].append(block)
    return [p for p in pages if p] or [[]]


# ---------------------------------------------------------------- whole messages

def render_digest(digest: Digest, *, max_blocks: int = MAX_BLOCKS, links: ClauseLinks = NO_LINKS) -> list[Message]:
    """Render a digest as Slack messages: the first for the channel, the rest for its thread."""
    if digest.is_empty and not digest.first:
        text = NOTHING_NEW.format(since=_when(digest, digest.since))
        return [{"text": text, "blocks": [section(text)]}]
    summary = summary_line(digest)
    head = [header(TITLE.format(date=digest.local(digest.generated_at).date().isoformat())), context(escape(summary))]
    pages = _pack(digest_units(digest, links), max_blocks - len(head), max_blocks - 1)
    messages = []
    for n, page in enumerate(pages, start=1):
        if n == 1:
            blocks, text = head + page, summary
        else:
            text = CONTINUED.format(part=n, parts=len(pages))
            blocks = [context(text)] + page
        messages.append(fit_message({"text": plain(text, MAX_TEXT), "blocks": blocks}, max_blocks))
    return messages


def render_preview(digest: Digest, where: str, *, max_blocks: int = MAX_BLOCKS,
                   links: ClauseLinks = NO_LINKS) -> Message:
    """The next digest as one ephemeral message: what would be posted, cut to one message."""
    messages = render_digest(digest, max_blocks=max_blocks, links=links)
    blocks: list[Block] = [context(PREVIEW.format(where=where))]
    left = 0
    for i, message in enumerate(messages):
        body = message["blocks"] if i == 0 else message["blocks"][1:]  # drop "continued" lines
        room = max_blocks - len(blocks) - 1
        blocks.extend(body[:room])
        left += max(0, len(body) - room)
    if left:
        blocks.append(context(PREVIEW_CUT.format(count=left)))
    return fit_message({"text": messages[0]["text"], "blocks": blocks}, max_blocks)


def schedule_text(schedules: Sequence[DigestSchedule]) -> str:
    return "; ".join(f"`{escape(s.cron)}` ({escape(s.timezone)})" for s in schedules)


def render_subscriptions(subscriptions: Sequence[Subscription], where: str, schedules: Sequence[DigestSchedule],
                         *, prefix: str = "/policy ") -> Message:
    """List the topics followed here, and when digests arrive."""
    if subscriptions:
        lines = [f"• {plain(s.topic, 200)}" for s in subscriptions]
        text = f"*Topics followed {where}* ({len(subscriptions)})\n" + "\n".join(lines)
    else:
        text = f"No topics followed {where} yet. Try `{prefix}subscribe 研发投入`."
    blocks = [section(text)]
    blocks.append(context(schedule_note(schedules, prefix)))
    return fit_message({"text": plain(text, MAX_TEXT), "blocks": blocks})


def schedule_note(schedules: Sequence[DigestSchedule], prefix: str = "/policy ") -> str:
    if schedules:
        return f"Digests arrive on schedule {schedule_text(schedules)}. `{prefix}digest preview` shows the next one."
    return (f"No digest is scheduled here; `{prefix}digest preview` shows what one would hold, and an admin "
            f"can post it with `{prefix}digest now` or add a schedule to the configuration.")


def render_result(text: str, *, note: str | None = None) -> Message:
    """A short reply of our own (already escaped), with an optional context line."""
    blocks = [section(text)]
    if note:
        blocks.append(context(note))
    return fit_message({"text": text, "blocks": blocks})


def home_subscription_blocks(subscriptions: Sequence[Subscription]) -> list[dict[str, Any]]:
    """The user's DM subscriptions, for the App Home tab."""
    if not subscriptions:
        return [context("No subscriptions yet. Message me `subscribe 研发投入` to follow a topic here.")]
    lines = "\n".join(f"• {plain(s.topic, 200)}" for s in subscriptions[:50])
    return [section(lines)]
