"""Slack's text encoding, both ways: what a user typed, decoded once; what we send, escaped once.

Slack delivers user text (slash commands, messages, mentions, view submissions) with its
own markup: `&`, `<` and `>` arrive as `&amp;`, `&lt;` and `&gt;`, and anything between
real angle brackets is a control sequence: `<@U123>` (a person), `<#C123|general>` (a
channel), `<!here>` (a broadcast), `<https://x.org|label>` (a link). Every surface calls
`user_text` once, on arrival; nothing downstream ever sees Slack's encoding.

On the way out, Slack reads `&`, `<` and `>` in mrkdwn as control sequences again
(`<!channel>` pings a whole channel), so all text that is not ours goes through `escape`.
"""
from __future__ import annotations

import re

# Bidi overrides and isolates, zero-width spaces and joiners, and direction marks: invisible
# in a reply, but able to reorder what is shown or to split a word the index would match.
INVISIBLE_CONTROLS = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SEQUENCE = re.compile(r"<([^<>]*)>")


def _meaning(sequence: str) -> str:
    """Return what a control sequence stands for in the text: a link's label or address, else nothing."""
    target, _, label = sequence.partition("|")
    if not target or target[0] in "@#!":
        # A person, a channel or a broadcast is who or where, not what to look for. A date
        # (`<!date^…|fallback>`) is the one broadcast-like sequence whose label is text.
        return label if target.startswith("!date^") else ""
    if label:
        return label
    return target.removeprefix("mailto:")


def link_addresses(text: str | None) -> tuple[str, ...]:
    """Return the web addresses of the links in Slack-encoded text, decoded (`/policy add` needs the address,
    where a query reads a link's label)."""
    found = []
    for sequence in _SEQUENCE.findall(text or ""):
        target = sequence.partition("|")[0]
        if target.startswith(("http://", "https://")):
            found.append(target.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    return tuple(found)


def without_controls(text: str) -> str:
    """Remove bidi overrides and zero-width characters."""
    return INVISIBLE_CONTROLS.sub("", text)


def user_text(text: str | None) -> str:
    """Return what the user typed, from Slack's encoding of it.

    Mentions of people (the bot's included), channels and broadcasts are dropped; a link
    stands for its label, or for its address when it has none; then `&lt;`, `&gt;` and
    `&amp;` are decoded (`&amp;` last, so `&amp;lt;` stays the four characters `&lt;`).
    """
    if not text:
        return ""
    text = _SEQUENCE.sub(lambda m: _meaning(m.group(1)), text)
    text = without_controls(unescape(text))
    # A query is one line: the lines of a message are read as one text.
    return " ".join(text.split())


def escape(text: str) -> str:
    """Make user or document text safe in mrkdwn: no control sequences, no invisible controls."""
    return without_controls(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo `escape` (not Slack's markup: see `user_text` for what arrives from users)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
