"""Link unfurls: a viewer link posted in Slack shows the clause it names, in place.

Slack sends `link_shared` for links to the app's unfurl domains (the host of
`server.public_url`, declared in the manifest); the app answers with `chat.unfurl`, one
preview per link: the clause's heading and text, its reference, units and targets; or, for
a link to a whole document, its title, metadata and counts.
"""
from __future__ import annotations

from typing import Any

from bot.links import ClauseLinks, LinkTarget, is_web_address
from bot.model import Clause, Document
from bot.services import Services
from bot.strings import VIEWER_SOURCE, Catalog
from handlers.blocks import (Block, context, document_summary, escape, fields_section, fit_message, linked, plain,
                             reference_line, section, target_fields, unit_fields)
from handlers.context import logged_request
from handlers.languages import UserLanguages

MAX_LINKS = 10  # Slack sends a handful per message; never more work than this per event
EXCERPT_CHARS = 700  # a preview, not the clause: the link opens the rest
MAX_TARGETS = 4


def render_clause_unfurl(clause: Clause, document: Document, links: ClauseLinks, t: Catalog) -> dict[str, Any]:
    """A clause's preview: heading and text, its reference (a link), lead/support units, targets."""
    title = clause.heading or (clause.path[-1] if clause.path else "")
    text = clause.text
    if title and text.startswith(title):
        text = text[len(title):].lstrip("。.:: ")
    head = f"*{plain(title, 300)}*\n" if title else ""
    blocks: list[Block] = [section(head + plain(text, EXCERPT_CHARS)),
                           context(reference_line(clause, document, t, links))]
    fields = unit_fields(clause, t) + target_fields(clause.targets[:MAX_TARGETS], t)
    if fields:
        blocks.append(fields_section(fields))
    return {"blocks": fit_message({"blocks": blocks})["blocks"]}


def render_document_unfurl(document: Document, t: Catalog) -> dict[str, Any]:
    """A document's preview: title, city · date · kind, its counts, and the official source if known."""
    blocks: list[Block] = [section(document_summary(document, t))]
    if is_web_address(document.source_url):
        source = linked(document.source_url, document.source_url, 300)
        blocks.append(context(f"{escape(t(VIEWER_SOURCE))}: {source}"))
    return {"blocks": fit_message({"blocks": blocks})["blocks"]}


def unfurl_for(target: LinkTarget, services: Services, t: Catalog) -> dict[str, Any] | None:
    """The preview of one viewer link, or None when the corpus no longer has what it names."""
    engine = services.engine
    if target.clause_id:
        found = engine.clause(target.clause_id)
        if found is not None:
            return render_clause_unfurl(*found, services.links, t)
    document = engine.document(target.doc_id)
    return render_document_unfurl(document, t) if document is not None else None


def make_unfurl(services: Services, languages: UserLanguages):
    def handle_link_shared(event, client, logger):
        """Answer `link_shared` with a preview of each viewer link in the message."""
        t = Catalog(languages.default)  # everyone in the channel sees the preview: the workspace's language
        with logged_request("event", "link_shared") as log:
            unfurls = {}
            for link in (event.get("links") or [])[:MAX_LINKS]:
                url = link.get("url") if isinstance(link, dict) else None
                target = services.links.target_of(url) if isinstance(url, str) else None
                preview = unfurl_for(target, services, t) if target else None
                if preview:
                    unfurls[url] = preview
            log.intent, log.results = "unfurl", len(unfurls)
            if not unfurls:
                return
            if event.get("unfurl_id") and event.get("source"):  # a link typed in the message composer
                client.chat_unfurl(unfurl_id=event["unfurl_id"], source=event["source"], unfurls=unfurls)
            else:
                client.chat_unfurl(channel=event.get("channel"), ts=event.get("message_ts"), unfurls=unfurls)

    return handle_link_shared


def register(app, services: Services, languages: UserLanguages) -> None:
    app.event("link_shared")(make_unfurl(services, languages))
