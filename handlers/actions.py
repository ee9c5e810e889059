"""The buttons under an answer: Share in channel, Full clause, More results.

(Helpful / Not helpful belong to the digest module, which stores the feedback.)
"""
from __future__ import annotations

from bot.model import Hit
from bot.services import Services
from handlers import blocks
from handlers import strings as s
from handlers.dispatch import logged_request, message_args, render_for


def _action(body: dict) -> dict:
    return (body.get("actions") or [{}])[0]


def _is_ephemeral(body: dict) -> bool:
    return bool((body.get("container") or {}).get("is_ephemeral"))


def _thread_ts(body: dict) -> str | None:
    container = body.get("container") or {}
    return container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")


def make_share(services: Services):
    def handle_share(ack, body, respond):
        """Post one result for everyone in the channel, saying who shared it."""
        ack()
        with logged_request("action", blocks.ACTION_SHARE) as log:
            value = blocks.unpack_value(_action(body).get("value"))
            hit = find_hit(services, value.get("q"), value.get("id"), value.get("o"))
            log.intent, log.results = "share", int(hit is not None)
            if hit is None:
                respond(response_type="ephemeral", replace_original=False, **blocks.render_notice(s.CLAUSE_GONE))
                return
            query = services.engine.parse(value["q"]) if value.get("q") else None
            user_id = (body.get("user") or {}).get("id", "")
            message = blocks.render_shared(hit, user_id, query)
            respond(**message_args(message, response_type="in_channel", replace_original=False))

    return handle_share


def make_full_clause(services: Services):
    def handle_full_clause(ack, body, respond):
        """Show the whole clause to the user who asked, without touching the answer."""
        ack()
        with logged_request("action", blocks.ACTION_FULL_CLAUSE) as log:
            found = services.engine.clause(_action(body).get("value") or "")
            log.intent, log.results = "clause", int(found is not None)
            message = blocks.render_clause(*found) if found else blocks.render_notice(s.CLAUSE_GONE)
            respond(**message_args(message, response_type="ephemeral", replace_original=False,
                                   thread_ts=_thread_ts(body)))

    return handle_full_clause


def make_more_results(services: Services):
    def handle_more_results(ack, body, respond):
        """Replace the answer with its next page."""
        ack()
        with logged_request("action", blocks.ACTION_MORE) as log:
            value = blocks.unpack_value(_action(body).get("value"))
            text, offset = value.get("q"), value.get("o")
            if not isinstance(text, str) or not isinstance(offset, int) or offset < 0:
                respond(replace_original=False, response_type="ephemeral", **blocks.render_notice(s.RESULT_GONE))
                return
            answer = services.engine.ask(text, limit=services.settings.default_limit, offset=offset)
            log.intent, log.results = answer.query.intent, len(answer.hits)
            message = render_for(answer, "command" if _is_ephemeral(body) else "dm")
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


def register(app, services: Services) -> None:
    app.action(blocks.ACTION_SHARE)(make_share(services))
    app.action(blocks.ACTION_FULL_CLAUSE)(make_full_clause(services))
    app.action(blocks.ACTION_MORE)(make_more_results(services))
