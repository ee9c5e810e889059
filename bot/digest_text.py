"""A digest as plain text, as `policybot digest --dry-run` prints it."""
from __future__ import annotations

from bot import strings
from bot.digest import Digest, short_ref
from bot.links import NO_LINKS, ClauseLinks
from bot.render_text import document_counts, document_line, excluded_lines, target_line
from bot.strings import Catalog


def _with_url(text: str, url: str | None) -> str:
    return f"{text}  {url}" if url else text


def format_digest(digest: Digest, t: Catalog = Catalog(), links: ClauseLinks = NO_LINKS) -> str:
    """Render a digest as plain text, as `policybot digest --dry-run` prints it."""
    when = f"{t.moment(digest.local(digest.generated_at))} {digest.timezone}"
    lines = [f"{t(strings.DIGEST_TITLE_TEXT)} · {digest.audience} · {when}"]
    since = None if digest.first else t.moment(digest.local(digest.since))
    if digest.is_empty and since:
        lines.append(t(strings.DIGEST_NOTHING_NEW, since=since))
        return "\n".join(lines)
    first = strings.DIGEST_FIRST_USER if digest.audience.is_user else strings.DIGEST_FIRST_CHANNEL
    lines.append(t(strings.DIGEST_SINCE, since=since) if since else t(first))
    if digest.documents or digest.removed:
        lines += ["", t(strings.DIGEST_DOCUMENTS, count=len(digest.documents)).replace("*", "")]
        for change in digest.documents:
            doc = change.document
            label = strings.DIGEST_ADDED if change.status == "added" else strings.DIGEST_CHANGED
            lines.append(f"[{t(label)}] {document_line(doc, t)}")
            lines.append("    " + document_counts(doc, t, units=False))
            lines += [f"    - {_with_url(short_ref(c, doc), links.clause_url(c.id))}" for c in change.clauses]
        lines += [f"[{t(strings.DIGEST_REMOVED, titles=f'《{title}》')}]" for title in digest.removed]
    if digest.topics:
        lines += ["", t(strings.DIGEST_SUBSCRIBED_TOPICS)]
        for update in digest.topics:
            lines.append(f"* {update.topic}{' ' + t(strings.DIGEST_TOPIC_FIRST_TEXT) if update.first else ''}")
            if update.excluded:
                lines.append(f"    {t(strings.DIGEST_TOPIC_EXCLUDED_TEXT)}")
                lines += [f"    {line}" for line in excluded_lines(update.excluded, t)]
            elif not update.hits:
                lines.append(f"    {t(strings.DIGEST_TOPIC_NONE_TEXT)}")
            for hit in update.hits:
                where = f"{hit.clause.ref} · {hit.document.region or '—'}"
                lines.append(f"    - {_with_url(where, links.clause_url(hit.clause.id))}")
                lines.append(f"      {hit.excerpt}")
            if update.more:
                lines.append("    " + t(strings.DIGEST_MORE, count=update.more))
    if digest.due:
        start, end = digest.window
        lines += ["", t(strings.DIGEST_DUE_TEXT, start=t.date(start), end=t.date(end))]
        for city in digest.due:
            lines.append(f"* {city.region or '—'}")
            for item in city.items:
                status = t(strings.DIGEST_PAST if item.past else strings.DIGEST_COMING)
                line = f"{t.date(item.target.due)} {status} · {target_line(item.target, t)} · {item.clause.ref}"
                lines.append(f"    - {_with_url(line, links.clause_url(item.clause.id))}")
    return "\n".join(lines)
