"""Block Kit rendering of the modals: the search form, its results, a clause: pure, tested by value.

The results are the same blocks as an answer in a message (`blocks.render_answer`), with
the buttons that only make sense in a message taken out (sharing, feedback: a modal has no
channel and no response_url) and the others pointed at the modal's own listeners.

Slack facts: a modal holds 100 blocks; its title, submit and close texts 24 characters
each; a select's options 100, each 75 characters of text and 150 of value.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot import strings as s
from bot.model import Answer, Clause, Document, Intent
from bot.strings import Catalog
from handlers import blocks
from handlers.blocks import Block, context, plain, plain_text

MAX_MODAL_BLOCKS = 100
MAX_TITLE = 24
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_METADATA = 3000

CALLBACK_SEARCH = "policy_search"  # the search form (submitting it searches)
CALLBACK_RESULTS = "policy_results"  # results; paging replaces them in place
CALLBACK_CLAUSE = "policy_clause"  # a clause pushed over the results
SHORTCUT_FIND = "find_in_policies"  # the message shortcut, as the manifest declares it
ACTION_MODAL_CLAUSE = "modal_full_clause"
ACTION_MODAL_CONTINUE = "modal_clause_more"
ACTION_MODAL_MORE = "modal_more_results"
# Where each answer button goes in a modal; the buttons not named here are dropped.
MODAL_ACTIONS = {blocks.ACTION_FULL_CLAUSE: ACTION_MODAL_CLAUSE, blocks.ACTION_CLAUSE_MORE: ACTION_MODAL_CONTINUE,
                 blocks.ACTION_MORE: ACTION_MODAL_MORE}
FORM_INTENTS = (Intent.SEARCH, Intent.TARGET, Intent.LEAD_UNIT, Intent.UNIT)
TOPIC_NEEDED = (Intent.SEARCH, Intent.UNIT)  # the others make sense with filters alone (`target in:成都`)
ANY = "*"  # the value of "any": Slack cannot clear a select once chosen, so "any" is a choice

# block_id of each input of the form; each input's action_id is "value"
INTENT, TOPIC, CITY, DOCUMENT, KIND, YEAR = "intent", "topic", "city", "document", "kind", "year"


@dataclass(frozen=True)
class SearchChoice:
    """What the search form was submitted with."""

    intent: Intent = Intent.SEARCH
    topic: str = ""
    city: str | None = None
    document: str | None = None
    kind: str | None = None
    year: int | None = None

    def query_text(self) -> str:
        """Write the same query in the query language (`target 研发 in:成都市 year:2021`)."""
        words = [str(self.intent), self.topic]
        filters = (("in", self.city), ("doc", self.document), ("type", self.kind), ("year", self.year))
        words += [f"{key}:{value}" for key, value in filters if value]
        return " ".join(w for w in words if w)


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain_text(text, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}


def _select(block_id: str, label: str, options: Sequence[dict[str, Any]], t: Catalog, *,
            initial: str | None = None, optional: bool = True) -> Block:
    element: dict[str, Any] = {"type": "static_select", "action_id": "value",
                               "placeholder": plain_text(t(s.MODAL_ANY), MAX_OPTION_TEXT),
                               "options": list(options[:MAX_OPTIONS])}
    chosen = next((o for o in element["options"] if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return {"type": "input", "block_id": block_id, "optional": optional, "label": plain_text(label, 2000),
            "element": element}


def form_choices(documents: Sequence[Document], kinds: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
    """Return the options of each picker, from the indexed documents: (text, value) pairs, commonest first."""
    regions = Counter(d.region for d in documents if d.region)
    present = Counter(d.kind for d in documents if d.kind)
    ordered_kinds = [k for k in kinds if k in present] + [k for k in present if k not in kinds]
    years = sorted({d.date.year for d in documents if d.date}, reverse=True)
    return {
        CITY: [(region, region) for region, _ in regions.most_common()],
        DOCUMENT: [(f"《{d.title}》", d.id) for d in blocks.recent_documents(documents)],
        KIND: [(kind, kind) for kind in ordered_kinds],
        YEAR: [(str(year), str(year)) for year in years],
    }


def _modal(title: str, blocks_: list[Block], t: Catalog, *, callback_id: str, submit: str | None = None,
           metadata: str = "") -> dict[str, Any]:
    view: dict[str, Any] = {"type": "modal", "callback_id": callback_id, "title": plain_text(title, MAX_TITLE),
                            "close": plain_text(t(s.MODAL_CLOSE), MAX_TITLE),
                            "blocks": blocks_[:MAX_MODAL_BLOCKS], "private_metadata": metadata[:MAX_METADATA]}
    if submit:
        view["submit"] = plain_text(submit, MAX_TITLE)
    return view


def render_search_form(documents: Sequence[Document], kinds: Sequence[str], t: Catalog, *,
                       choice: SearchChoice = SearchChoice(), max_topic: int = 500) -> dict[str, Any]:
    """Render the search modal: what to look for, a topic, and a picker for each filter, from the corpus."""
    choices = form_choices(documents, kinds)
    any_option = _option(t(s.MODAL_ANY), ANY)

    def picker(block_id: str, label: Any, initial: object) -> Block:
        options = [any_option] + [_option(text, value) for text, value in choices[block_id]][: MAX_OPTIONS - 1]
        return _select(block_id, t(label), options, t, initial=str(initial) if initial else None)

    topic: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "max_length": max_topic,
                             "placeholder": plain_text(t(s.MODAL_TOPIC_HINT), 150)}
    if choice.topic:
        topic["initial_value"] = choice.topic
    form = [
        _select(INTENT, t(s.MODAL_INTENT), [_option(t(s.INTENT_CHOICES[i]), str(i)) for i in FORM_INTENTS], t,
                initial=str(choice.intent), optional=False),
        {"type": "input", "block_id": TOPIC, "optional": True, "label": plain_text(t(s.MODAL_TOPIC), 2000),
         "element": topic},
        picker(CITY, s.MODAL_CITY, choice.city),
        picker(DOCUMENT, s.MODAL_DOCUMENT, choice.document),
        picker(KIND, s.MODAL_KIND, choice.kind),
        picker(YEAR, s.MODAL_YEAR, choice.year),
    ]
    return _modal(t(s.MODAL_TITLE), form, t, callback_id=CALLBACK_SEARCH, submit=t(s.MODAL_SUBMIT))


def for_modal(message_blocks: Sequence[Block]) -> list[Block]:
    """Make an answer's blocks fit for a modal: point its buttons at the modal's listeners, or drop them."""
    out: list[Block] = []
    for block in message_blocks:
        if block.get("type") != "actions":
            out.append(block)
            continue
        elements = [{**e, "action_id": MODAL_ACTIONS[e["action_id"]]} for e in block["elements"]
                    if e.get("action_id") in MODAL_ACTIONS]
        if elements:
            out.append({**block, "elements": elements})
    return out


def render_results(answer: Answer, t: Catalog, *, intro: Sequence[str] = ()) -> dict[str, Any]:
    """Render the results modal: what was asked (and any note), then the answer as in a message."""
    message = blocks.render_answer(answer, t=t, echo=False, share=False, prefix=s.COMMAND,
                                   max_blocks=MAX_MODAL_BLOCKS - 1 - len(intro))
    head = [context(*intro, t(s.MODAL_QUERY, query=plain(answer.query.raw, 500)))]
    # The intro travels with the view, so the next page still says which message was searched.
    return _modal(t(s.MODAL_RESULTS_TITLE), head + for_modal(message["blocks"]), t, callback_id=CALLBACK_RESULTS,
                  metadata=json.dumps({"intro": list(intro)}, ensure_ascii=False) if intro else "")


def intro_of(view: dict[str, Any]) -> list[str]:
    """Read back the intro a results view was rendered with (its private_metadata)."""
    try:
        intro = json.loads(view.get("private_metadata") or "{}").get("intro", [])
    except (ValueError, AttributeError):
        return []
    return [line for line in intro if isinstance(line, str)][:2] if isinstance(intro, list) else []


def render_note(text: str, t: Catalog) -> dict[str, Any]:
    """Render a modal that only says something (a message with no text to search with)."""
    return _modal(t(s.MODAL_RESULTS_TITLE), [blocks.section(text)], t, callback_id=CALLBACK_RESULTS)


def render_clause_modal(clause: Clause, document: Document, t: Catalog, *, start: int = 0,
                        part: int = 1) -> dict[str, Any]:
    """Render a clause in a modal pushed over the results, continued in place when long."""
    message = blocks.render_clause(clause, document, t=t, start=start, part=part, max_blocks=MAX_MODAL_BLOCKS)
    return _modal(t(s.MODAL_CLAUSE_TITLE), for_modal(message["blocks"]), t, callback_id=CALLBACK_CLAUSE)
