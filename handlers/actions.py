"""The buttons under an answer: Share in channel, Full clause, More results, Helpful / Not helpful."""
from __future__ import annotations

from bot.model import Hit
from bot.store import HELPFUL, NOT_HELPFUL, Feedback
from bot.services import Services
from handlers import blocks
from handlers import strings as s
from handlers.answers import render_for
from handlers.context import logged_request, message_args
from handlers.errors import apologise_after_ack


def _action(body: dict) -> dict:
    return (body.get("actions") or [{}])[0]


def _is_ephemeral(body: dict) -> bool:
    return bool((body.get("container") or {}).get("is_ephemeral"))


def _thread_ts(body: dict) -> str | None:
    container = body.get("container") or {}
    return container.get("thread_ts") or (body.get("message") or {}).get("thread_ts")


def make_share(services: Services):
    def handle_share(ack, body, respond, logger):
        """Post one result for everyone in the channel, saying who shared it."""
        ack()
        with apologise_after_ack(respond, logger), logged_request("action", blocks.ACTION_SHARE) as log:
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
    def handle_full_clause(ack, body, respond, logger):
        """Show the whole clause to the user who asked, without touching the answer."""
        ack()
        with apologise_after_ack(respond, logger), logged_request("action", blocks.ACTION_FULL_CLAUSE) as log:
            found = services.engine.clause(_action(body).get("value") or "")
            log.intent, log.results = "clause", int(found is not None)
            message = blocks.render_clause(*found) if found else blocks.render_notice(s.CLAUSE_GONE)
            respond(**message_args(message, response_type="ephemeral", replace_original=False,
                                   thread_ts=_thread_ts(body)))

    return handle_full_clause


def make_more_results(services: Services):
    def handle_more_results(ack, body, respond, logger):
        """Replace the answer with its next page."""
        ack()
        with apologise_after_ack(respond, logger), logged_request("action", blocks.ACTION_MORE) as log:
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


MAX_FEEDBACK_IDS = 50
FEEDBACK_THANKS = {HELPFUL: "Thanks, noted as helpful.",
                   NOT_HELPFUL: "Thanks, noted as not helpful. It helps us improve the answers."}


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


def make_feedback(services: Services, verdict: str):
    action_id = blocks.ACTION_HELPFUL if verdict == HELPFUL else blocks.ACTION_NOT_HELPFUL

    def handle_feedback(ack, body, respond, logger):
        """Store a Helpful / Not helpful click and thank the user (only they see it)."""
        ack()
        with apologise_after_ack(respond, logger), logged_request("action", action_id) as log:
            item = _feedback_from(body, services, verdict)
            log.intent, log.results = "feedback", len(item.clause_ids) if item else 0
            if item is None:
                return
            services.store.add_feedback(item)
            respond(**message_args(blocks.render_notice(FEEDBACK_THANKS[verdict]), response_type="ephemeral",
                                   replace_original=False))

    return handle_feedback


def register(app, services: Services) -> None:
    app.action(blocks.ACTION_HELPFUL)(make_feedback(services, HELPFUL))
    app.action(blocks.ACTION_NOT_HELPFUL)(make_feedback(services, NOT_HELPFUL))
    app.action(blocks.ACTION_SHARE)(make_share(services))
    app.action(blocks.ACTION_FULL_CLAUSE)(make_full_clause(services))
    app.action(blocks.ACTION_MORE)(make_more_results(services))
