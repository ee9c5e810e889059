"""The buttons under an answer: Share in channel, Full clause (and its continuation), More results,
Helpful / Not helpful. Each answers in the language of the user who pressed it."""
from __future__ import annotations

from bot import strings as s
from bot.model import Answer, Clause, Document, Hit
from bot.services import Services
from bot.store import HELPFUL, NOT_HELPFUL, Feedback
from handlers import blocks
from handlers.answers import render_for
from handlers.context import logged_request, message_args
from handlers.errors import apologise_after_ack
from handlers.languages import UserLanguages


def _action(body: dict) -> dict:
    return (body.get("actions") or [{}])[0]


def _is_ephemeral(body: dict) -> bool:
    return bool((body.get("container") or {}).get("is_ephemeral"))


def _thread_ts(body: dict) -> str | None:
    container = body.get("container") or {}
    return container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")


def _user_id(body: dict) -> str | None:
    return (body.get("user") or {}).get("id")


def page_asked(services: Services, action: dict) -> Answer | None:
    """Return the page a *More results* button asks for (`{"q": query, "o": offset}`); None if unreadable."""
    value = blocks.unpack_value(action.get("value"))
    text, offset = value.get("q"), value.get("o")
    if not isinstance(text, str) or not isinstance(offset, int) or offset < 0:
        return None
    return services.engine.ask(text, limit=services.settings.default_limit, offset=offset)


def clause_asked(services: Services, action: dict) -> tuple[Clause, Document, int, int] | None:
    """Return the clause, start and part a *Full clause* (a clause id) or *Continue reading* button asks for."""
    raw = action.get("value") or ""
    value = blocks.unpack_value(raw) or {"id": raw, "c": 0, "p": 1}  # a clause id is not a JSON object
    clause_id, start, part = value.get("id"), value.get("c"), value.get("p")
    if not isinstance(clause_id, str) or not isinstance(start, int) or not isinstance(part, int):
        return None
    found = services.engine.clause(clause_id)
    return (*found, start, part) if found else None


def make_share(services: Services, languages: UserLanguages):
    def handle_share(ack, body, respond, client, logger):
        """Post one result for everyone in the channel, saying who shared it (in the sharer's language)."""
        ack()
        t = languages.catalog(_user_id(body), client)
        with apologise_after_ack(respond, logger, t), logged_request("action", blocks.ACTION_SHARE) as log:
            value = blocks.unpack_value(_action(body).get("value"))
            hit = find_hit(services, value.get("q"), value.get("id"), value.get("o"))
            log.intent, log.results = "share", int(hit is not None)
            if hit is None:
                respond(response_type="ephemeral", replace_original=False, **blocks.render_notice(t(s.CLAUSE_GONE)))
                return
            query = services.engine.parse(value["q"]) if value.get("q") else None
            message = blocks.render_shared(hit, _user_id(body) or "", query, t=t, links=services.links)
            respond(**message_args(message, response_type="in_channel", replace_original=False))

    return handle_share


def make_full_clause(services: Services, languages: UserLanguages):
    def handle_full_clause(ack, body, respond, client, logger):
        """Show the clause to the user who asked, without touching the answer; a long one in parts."""
        ack()
        t = languages.catalog(_user_id(body), client)
        action = _action(body)
        with apologise_after_ack(respond, logger, t), logged_request("action", action.get("action_id")) as log:
            asked = clause_asked(services, action)
            log.intent, log.results = "clause", int(asked is not None)
            if asked:
                clause, document, start, part = asked
                message = blocks.render_clause(clause, document, t=t, start=start, part=part,
                                              links=services.links)
            else:
                message = blocks.render_notice(t(s.CLAUSE_GONE))
            respond(**message_args(message, response_type="ephemeral", replace_original=False,
                                   thread_ts=_thread_ts(body)))

    return handle_full_clause


def make_more_results(services: Services, languages: UserLanguages):
    def handle_more_results(ack, body, respond, client, logger):
        """Replace the answer with its next page."""
        ack()
        t = languages.catalog(_user_id(body), client)
        with apologise_after_ack(respond, logger, t), logged_request("action", blocks.ACTION_MORE) as log:
            answer = page_asked(services, _action(body))
            if answer is None:
                respond(replace_original=False, response_type="ephemeral", **blocks.render_notice(t(s.RESULT_GONE)))
                return
            log.intent, log.results = answer.query.intent, len(answer.hits)
            message = render_for(answer, "command" if _is_ephemeral(body) else "dm", t, services.links)
            respond(**message_args(message, replace_original=True))

    return handle_more_results


def find_hit(services: Services, text, clause_id, offset) -> Hit | None:
    """Find the result a button was pressed on: the same query's same page, else the bare clause."""
    if not isinstance(clause_id, str):
        return None
    if isinstance(text, str) and text and isinstance(offset, int) and offset >= 0:
        answer = services.engine.ask(text, limit=services.settings.default_limit, offset=offset)
        for hit in answer.hits:
            if hit.clause.id == clause_id:
                return hit
    found = services.engine.clause(clause_id)
    if found is None:
        return None
    clause, document = found
    sentences = clause.text
    return Hit(clause=clause, document=document, score=0.0, excerpt=sentences)


MAX_FEEDBACK_IDS = 50


def _feedback_from(body: dict, services: Services, verdict: str) -> Feedback | None:
    value = blocks.unpack_value(_action(body).get("value"))
    user_id = (body.get("user") or {}).get("id")
    if not user_id:
        return None
    query = value.get("q") if isinstance(value.get("q"), str) else ""
    intent = value.get("i") if isinstance(value.get("i"), str) else None
    ids = value.get("ids") if isinstance(value.get("ids"), list) else []
    ids = [i for i in ids if isinstance(i, str)][:MAX_FEEDBACK_IDS]
    shown = []
    for clause_id in ids:
        found = services.engine.clause(clause_id)
        shown.append((clause_id, found[0].ref if found else None))
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
    team = (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id") or ""
    return Feedback(at=services.clock(), user_id=user_id, query=query[:2000], verdict=verdict,
                    intent=intent[:32] if intent else None, channel_id=channel,
                    clause_ids=tuple(ids), shown=tuple(shown), team_id=team)


def make_feedback(services: Services, languages: UserLanguages, verdict: str):
    action_id = blocks.ACTION_HELPFUL if verdict == HELPFUL else blocks.ACTION_NOT_HELPFUL

    def handle_feedback(ack, body, respond, client, logger):
        """Store a Helpful / Not helpful click and thank the user (only they see it)."""
        ack()
        t = languages.catalog(_user_id(body), client)
        with apologise_after_ack(respond, logger, t), logged_request("action", action_id) as log:
            item = _feedback_from(body, services, verdict)
            log.intent, log.results = "feedback", len(item.clause_ids) if item else 0
            if item is None:
                return
            services.store.add_feedback(item)
            respond(**message_args(blocks.render_notice(t(s.FEEDBACK_THANKS[verdict])), response_type="ephemeral",
                                   replace_original=False))

    return handle_feedback


def register(app, services: Services, languages: UserLanguages) -> None:
    """Register the buttons of answers (those of App Home and of modals live with them)."""
    app.action(blocks.ACTION_HELPFUL)(make_feedback(services, languages, HELPFUL))
    app.action(blocks.ACTION_NOT_HELPFUL)(make_feedback(services, languages, NOT_HELPFUL))
    app.action(blocks.ACTION_SHARE)(make_share(services, languages))
    full_clause = make_full_clause(services, languages)
    app.action(blocks.ACTION_FULL_CLAUSE)(full_clause)
    app.action(blocks.ACTION_CLAUSE_MORE)(full_clause)
    app.action(blocks.ACTION_MORE)(make_more_results(services, languages))
