"""Modals: the search form, the "Find in policies" message shortcut, and paging inside results.

The form opens from App Home's search button and from `/policy` with no text; the shortcut
opens its results straight away (the work takes milliseconds, well within the three
seconds a trigger_id lives). Inside a modal there is no response_url: buttons change the
view itself (`views.update`) or push a new one over it (`views.push`).
"""
from __future__ import annotations

import logging

from bot import strings as s
from bot.message_query import query_from_message
from bot.model import Intent
from bot.services import Services
from bot.strings import Catalog
from handlers import blocks
from handlers import modal_blocks as forms
from handlers.actions import clause_asked, page_asked
from handlers.context import logged_request
from handlers.errors import apologise_after_ack
from handlers.languages import UserLanguages
from handlers.slack_text import user_text

log = logging.getLogger("policybot.modals")


def _user_id(body: dict) -> str | None:
    return (body.get("user") or {}).get("id")


def _action(body: dict) -> dict:
    return (body.get("actions") or [{}])[0]


def in_view(client, body: dict, t: Catalog):
    """Return a `respond` for a modal, which has no response_url: what it is given replaces the view."""
    view_id = (body.get("view") or {}).get("id")

    def respond(**message) -> None:
        if view_id:
            client.views_update(view_id=view_id, view=forms.render_note(message.get("text") or "", t))

    return respond


def open_search_form(services: Services, client, trigger_id: str | None, t: Catalog) -> bool:
    """Open the search form; False when Slack would not (an expired trigger_id, say)."""
    if not trigger_id:
        return False
    view = forms.render_search_form(services.engine.documents, services.settings.vocabulary.kinds, t,
                                    max_topic=services.settings.max_query_chars)
    try:
        client.views_open(trigger_id=trigger_id, view=view)
    except Exception as exc:  # the caller falls back to help, which says how to ask in words
        log.warning("views.open of the search form failed: %s", exc)
        return False
    return True


def read_choice(values: dict) -> forms.SearchChoice:
    """Read what the form was submitted with, decoded as Slack encodes it; leave out anything unreadable."""

    def picked(block_id: str) -> str | None:
        option = ((values.get(block_id) or {}).get("value") or {}).get("selected_option") or {}
        value = option.get("value")
        # A value goes into a query after a filter word: a space would end it early.
        return "".join(user_text(value).split()) or None if value and value != forms.ANY else None

    intent = picked(forms.INTENT)
    year = picked(forms.YEAR)
    return forms.SearchChoice(
        intent=Intent(intent) if intent in {str(i) for i in forms.FORM_INTENTS} else Intent.SEARCH,
        topic=user_text(((values.get(forms.TOPIC) or {}).get("value") or {}).get("value")),
        city=picked(forms.CITY), document=picked(forms.DOCUMENT), kind=picked(forms.KIND),
        year=int(year) if year and year.isdigit() else None,
    )


def form_errors(choice: forms.SearchChoice, t: Catalog, max_chars: int) -> dict[str, str]:
    """Say what is wrong with a submitted form, by input, as Slack shows it under each input."""
    if choice.intent in forms.TOPIC_NEEDED and not choice.topic:
        return {forms.TOPIC: t(s.MODAL_TOPIC_NEEDED)}
    if len(choice.query_text()) > max_chars:
        return {forms.TOPIC: t(s.MODAL_TOO_LONG, limit=max_chars)}
    return {}


def make_search_submission(services: Services, languages: UserLanguages):
    def handle_search_submission(ack, body, view, client, logger):
        """Search with what the form holds; show the results in the same modal."""
        t = languages.catalog(_user_id(body), client)
        with logged_request("modal", forms.CALLBACK_SEARCH) as record:
            choice = read_choice((view.get("state") or {}).get("values") or {})
            errors = form_errors(choice, t, services.settings.max_query_chars)
            if errors:
                record.intent, record.results = "refused", 0
                ack(response_action="errors", errors=errors)
                return
            answer = services.engine.ask(choice.query_text(), limit=services.settings.default_limit)
            record.intent, record.results = str(answer.query.intent), len(answer.hits)
            ack(response_action="update", view=forms.render_results(answer, t))

    return handle_search_submission


def make_find_in_policies(services: Services, languages: UserLanguages):
    def handle_find_in_policies(ack, shortcut, respond, client, logger):
        """Search the documents for what a message is about; show the results in a modal."""
        ack()
        t = languages.catalog(_user_id(shortcut), client)
        with apologise_after_ack(respond, logger, t), logged_request("shortcut", forms.SHORTCUT_FIND) as record:
            text = user_text((shortcut.get("message") or {}).get("text"))
            if not text:
                record.intent, record.results = "refused", 0
                view = forms.render_note(t(s.MODAL_EMPTY_MESSAGE), t)
            else:
                limit = services.settings.max_query_chars
                query = query_from_message(text, services.engine, max_chars=limit)
                answer = services.engine.ask(query, limit=services.settings.default_limit)
                record.intent, record.results = str(answer.query.intent), len(answer.hits)
                intro = [t(s.MODAL_FROM_MESSAGE, message=blocks.plain(text, 300))]
                if len(text) > limit and query == text[:limit]:
                    intro.append(t(s.MODAL_SHORTENED, limit=limit))
                view = forms.render_results(answer, t, intro=intro)
            client.views_open(trigger_id=shortcut["trigger_id"], view=view)

    return handle_find_in_policies


def make_open_search(services: Services, languages: UserLanguages):
    def handle_open_search(ack, body, client, logger):
        """Open the search form (App Home's button)."""
        ack()
        with logged_request("action", blocks.ACTION_OPEN_SEARCH) as record:
            record.intent = "search-form"
            open_search_form(services, client, body.get("trigger_id"), languages.catalog(_user_id(body), client))

    return handle_open_search


def make_modal_more(services: Services, languages: UserLanguages):
    def handle_modal_more(ack, body, client, logger):
        """Replace the results in the modal with their next page."""
        ack()
        t = languages.catalog(_user_id(body), client)
        with apologise_after_ack(in_view(client, body, t), logger, t), \
                logged_request("action", forms.ACTION_MODAL_MORE) as record:
            answer = page_asked(services, _action(body))
            view = body.get("view") or {}
            if answer is not None:
                record.intent, record.results = str(answer.query.intent), len(answer.hits)
                page = forms.render_results(answer, t, intro=forms.intro_of(view))
            else:
                page = forms.render_note(t(s.RESULT_GONE), t)
            client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=page)

    return handle_modal_more


def make_modal_clause(services: Services, languages: UserLanguages):
    def handle_modal_clause(ack, body, client, logger):
        """Show a clause over the results; a long clause's next part replaces it in place."""
        ack()
        t = languages.catalog(_user_id(body), client)
        with apologise_after_ack(in_view(client, body, t), logger, t), \
                logged_request("action", forms.ACTION_MODAL_CLAUSE) as record:
            asked = clause_asked(services, _action(body))
            record.intent, record.results = "clause", int(asked is not None)
            if asked:
                clause, document, start, part = asked
                shown = forms.render_clause_modal(clause, document, t, start=start, part=part)
            else:
                shown = forms.render_note(t(s.CLAUSE_GONE), t)
            view = body.get("view") or {}
            if view.get("callback_id") == forms.CALLBACK_CLAUSE:
                client.views_update(view_id=view.get("id"), hash=view.get("hash"), view=shown)
            else:
                client.views_push(trigger_id=body.get("trigger_id"), view=shown)

    return handle_modal_clause


def register(app, services: Services, languages: UserLanguages) -> None:
    """Register the message shortcut, the search form and the buttons inside modals."""
    app.shortcut(forms.SHORTCUT_FIND)(make_find_in_policies(services, languages))
    app.view(forms.CALLBACK_SEARCH)(make_search_submission(services, languages))
    app.action(blocks.ACTION_OPEN_SEARCH)(make_open_search(services, languages))
    app.action(forms.ACTION_MODAL_MORE)(make_modal_more(services, languages))
    clause = make_modal_clause(services, languages)
    app.action(forms.ACTION_MODAL_CLAUSE)(clause)
    app.action(forms.ACTION_MODAL_CONTINUE)(clause)
