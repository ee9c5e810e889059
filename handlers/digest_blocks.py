"""Block Kit rendering of digests and of the digest commands' replies: pure, tested by value.

A digest can be long (many documents, topics, cities), and Slack takes at most 50 blocks
per message and 3000 characters per text. `render_digest` therefore returns a list of
messages: the first is posted in the channel, the others continue it in its thread. A
heading is never left at the bottom of one message with its items in the next.
"""
from __future__ import annotations

from collections.abc import Sequence

from bot import strings as s
from bot.digest import CityTargets, Digest, DocumentChange, DueTarget, TopicUpdate, short_ref
from bot.links import NO_LINKS, ClauseLinks
from bot.model import Hit
from bot.render_text import document_counts, excluded_lines
from bot.settings import DigestSchedule
from bot.store import Subscription
from bot.strings import COMMAND, Catalog
from handlers.blocks import (MAX_BLOCKS, MAX_MESSAGE_TEXT, MAX_TEXT, Block, Message, bold_marks, context, divider,
                             escape, fit_message, format_target, header, linked, plain, reference_line, section,
                             split_text, text_size)

TARGETS_PER_CITY = 15


def _when(digest: Digest, moment, t: Catalog) -> str:
    return t.moment(digest.local(moment))


def summary_line(digest: Digest, t: Catalog) -> str:
    """One line saying what the digest holds (also the notification text)."""
    parts = [t(s.DIGEST_FIRST_USER if digest.audience.is_user else s.DIGEST_FIRST_CHANNEL) if digest.first
             else t(s.DIGEST_SINCE, since=_when(digest, digest.since, t))]
    if digest.documents:
        parts.append(t.count(s.DIGEST_COUNT_DOCUMENTS, len(digest.documents)))
    if digest.removed:
        parts.append(t.count(s.DIGEST_COUNT_REMOVED, len(digest.removed)))
    if digest.new_clause_count:
        parts.append(t.count(s.DIGEST_COUNT_CLAUSES, digest.new_clause_count))
    if digest.due:
        parts.append(t.count(s.DIGEST_COUNT_DUE, digest.due_count))
    return " · ".join(parts)


# ---------------------------------------------------------------- sections

def document_block(change: DocumentChange, t: Catalog, links: ClauseLinks = NO_LINKS) -> Block:
    doc = change.document
    label = t(s.DIGEST_ADDED if change.status == "added" else s.DIGEST_CHANGED)
    where = " · ".join(x for x in (doc.region, t.date(doc.date) if doc.date else None, doc.kind) if x)
    lines = [f"*{label}* {linked('《' + doc.title + '》', links.document_url(doc.id), 500)}"]
    if where:
        lines.append(escape(where))
    lines.append(document_counts(doc, t, units=False))
    lines += [f"• {linked(short_ref(c, doc), links.clause_url(c.id), 400)}" for c in change.clauses]
    return section("\n".join(lines))


def hit_block(hit: Hit, t: Catalog, links: ClauseLinks = NO_LINKS) -> Block:
    excerpt = bold_marks(hit.excerpt or hit.clause.text, hit.marks if hit.excerpt else (), limit=1200)
    return section(f"{excerpt}\n— {reference_line(hit.clause, hit.document, t, links)}")


def topic_units(update: TopicUpdate, t: Catalog, links: ClauseLinks = NO_LINKS) -> list[list[Block]]:
    topic = plain(update.topic, 200)
    if update.excluded:  # say which filter of the topic leaves nothing, not that nothing is new
        why = excluded_lines(update.excluded, t, code=lambda text: f"`{plain(text, 200)}`",
                             plain=lambda text: plain(text, 200))
        return [[section(t(s.DIGEST_TOPIC_EXCLUDED, topic=topic)), context("\n".join(why))]]
    if update.first:
        title = t(s.DIGEST_TOPIC_FIRST if update.hits else s.DIGEST_TOPIC_NO_MATCH, topic=topic)
    elif update.hits:
        title = t.count(s.DIGEST_TOPIC_NEW, len(update.hits) + update.more, topic=topic)
    else:
        title = t(s.DIGEST_TOPIC_NONE, topic=topic)
    units: list[list[Block]] = [[section(title)]]
    units += [[hit_block(h, t, links)] for h in update.hits]
    if update.more:
        units.append([context(t.count(s.DIGEST_MORE_CLAUSES, update.more, topic=escape(update.topic[:200])))])
    return units


def due_line(item: DueTarget, t: Catalog, links: ClauseLinks = NO_LINKS) -> str:
    target = item.target
    status = t(s.DIGEST_PAST if item.past else s.DIGEST_COMING)
    horizon = f" · {plain(target.horizon, 60)}" if target.horizon else ""
    reference = linked(item.clause.ref, links.clause_url(item.clause.id), 300)
    return (f"• {t.date(target.due)} _{status}_ · *{plain(target.metric or t(s.TARGET), 120)}* "
            f"{plain(format_target(target), 60)}{horizon} — {reference}")


def city_blocks(city: CityTargets, t: Catalog, links: ClauseLinks = NO_LINKS) -> list[Block]:
    lines = [due_line(item, t, links) for item in city.items[:TARGETS_PER_CITY]]
    if len(city.items) > TARGETS_PER_CITY:
        lines.append(t(s.DIGEST_MORE, count=len(city.items) - TARGETS_PER_CITY))
    text = f"*{plain(city.region or t(s.UNKNOWN_REGION), 100)}*\n" + "\n".join(lines)
    return [section(piece) for piece in split_text(text, MAX_TEXT)]


def digest_units(digest: Digest, t: Catalog, links: ClauseLinks = NO_LINKS) -> list[list[Block]]:
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
        items = [[document_block(c, t, links)] for c in digest.documents]
        if digest.removed:
            titles = "、".join(f"《{title}》" for title in digest.removed)
            items.append([context(plain(t(s.DIGEST_REMOVED, titles=titles), MAX_TEXT))])
        title = s.DIGEST_DOCUMENTS_FIRST if digest.first else s.DIGEST_DOCUMENTS
        heading(section(t(title, count=len(digest.documents))), items)
    if digest.topics:
        items = [unit for update in digest.topics for unit in topic_units(update, t, links)]
        heading(section(t(s.DIGEST_TOPICS)), items)
    if digest.due:
        start, end = digest.window
        items = [city_blocks(city, t, links) for city in digest.due]
        heading(section(t(s.DIGEST_TARGETS, start=t.date(start), end=t.date(end))), items)
    return units


def _pack(units: list[list[Block]], first_room: tuple[int, int], room: tuple[int, int]) -> list[list[Block]]:
    """Fill messages with whole units: the first holds `first_room` (blocks, characters), the others `room`."""
    pages: list[list[Block]] = [[]]
    sizes = [0]

    def limit() -> tuple[int, int]:
        return first_room if len(pages) == 1 else room

    def fits(blocks: int, chars: int) -> bool:
        return len(pages[-1]) + blocks <= limit()[0] and sizes[-1] + chars <= limit()[1]

    for unit in units:
        if pages[-1] and not fits(len(unit), text_size(unit)):
            pages.append([])
            sizes.append(0)
        for block in unit:  # a unit larger than a whole message is split anyway
            if pages[-1] and not fits(1, text_size(block)):
                pages.append([])
                sizes.append(0)
            pages[-1].append(block)
            sizes[-1] += text_size(block)
    return [p for p in pages if p] or [[]]


# ---------------------------------------------------------------- whole messages

def render_digest(digest: Digest, *, t: Catalog, max_blocks: int = MAX_BLOCKS,
                  links: ClauseLinks = NO_LINKS) -> list[Message]:
    """Render a digest as Slack messages: the first for the channel, the rest for its thread."""
    if digest.is_empty and not digest.first:
        text = t(s.DIGEST_NOTHING_NEW, since=_when(digest, digest.since, t))
        return [{"text": text, "blocks": [section(text)]}]
    summary = summary_line(digest, t)
    head = [header(t(s.DIGEST_TITLE, date=t.date(digest.local(digest.generated_at).date()))), context(escape(summary))]
    continued_room = MAX_MESSAGE_TEXT - 100  # the "continued (n/m)" line
    pages = _pack(digest_units(digest, t, links), (max_blocks - len(head), MAX_MESSAGE_TEXT - text_size(head)),
                  (max_blocks - 1, continued_room))
    messages = []
    for n, page in enumerate(pages, start=1):
        if n == 1:
            blocks, text = head + page, summary
        else:
            text = t(s.DIGEST_CONTINUED, part=n, parts=len(pages))
            blocks = [context(text)] + page
        messages.append(fit_message({"text": plain(text, MAX_TEXT), "blocks": blocks}, max_blocks))
    return messages


def render_preview(digest: Digest, where: str, *, t: Catalog, max_blocks: int = MAX_BLOCKS,
                   links: ClauseLinks = NO_LINKS) -> Message:
    """The next digest as one ephemeral message: what would be posted, cut to one message."""
    messages = render_digest(digest, t=t, max_blocks=max_blocks, links=links)
    blocks: list[Block] = [context(t(s.DIGEST_PREVIEW, where=where))]
    left = 0
    for i, message in enumerate(messages):
        body = message["blocks"] if i == 0 else message["blocks"][1:]  # drop "continued" lines
        room = max_blocks - len(blocks) - 1
        chars = MAX_MESSAGE_TEXT - text_size(blocks) - 200
        fitting = 0
        while fitting < min(room, len(body)) and text_size(body[:fitting + 1]) <= chars:
            fitting += 1
        blocks.extend(body[:fitting])
        left += len(body) - fitting
    if left:
        blocks.append(context(t(s.DIGEST_PREVIEW_CUT, count=left)))
    return fit_message({"text": messages[0]["text"], "blocks": blocks}, max_blocks)


def schedule_text(schedules: Sequence[DigestSchedule]) -> str:
    return "; ".join(f"`{escape(schedule.cron)}` ({escape(schedule.timezone)})" for schedule in schedules)


def render_subscriptions(subscriptions: Sequence[Subscription], where: str, schedules: Sequence[DigestSchedule],
                         *, t: Catalog, prefix: str = f"{COMMAND} ") -> Message:
    """List the topics followed here, and when digests arrive."""
    if subscriptions:
        lines = [f"• {plain(subscription.topic, 200)}" for subscription in subscriptions]
        text = t(s.FOLLOWED_HERE, where=where, count=len(subscriptions)) + "\n" + "\n".join(lines)
    else:
        text = t(s.NONE_FOLLOWED, where=where, prefix=prefix)
    blocks = [section(text)]
    blocks.append(context(schedule_note(schedules, t, prefix)))
    return fit_message({"text": text, "blocks": blocks})


def schedule_note(schedules: Sequence[DigestSchedule], t: Catalog, prefix: str = f"{COMMAND} ") -> str:
    if schedules:
        return t(s.SCHEDULED, schedules=schedule_text(schedules), prefix=prefix)
    return t(s.NOT_SCHEDULED, prefix=prefix)


def render_result(text: str, *, note: str | None = None) -> Message:
    """A short reply of our own (already escaped), with an optional context line."""
    blocks = [section(text)]
    if note:
        blocks.append(context(note))
    return fit_message({"text": text, "blocks": blocks})
