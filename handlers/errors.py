"""The app's one error handler: the traceback in the log, a short apology to the user, one id in both."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from slack_bolt import BoltResponse

from bot.strings import Catalog
from handlers.blocks import render_apology
from handlers.context import new_error_id
from handlers.languages import UserLanguages
from handlers.modal_blocks import render_note


def _log(error: Exception, logger: logging.Logger) -> str:
    error_id = getattr(error, "policybot_error_id", None) or new_error_id()
    logger.error("error_id=%s %s: %s", error_id, type(error).__name__, error, exc_info=error)
    return error_id


@contextmanager
def apologise_after_ack(respond, logger: logging.Logger, t: Catalog) -> Iterator[None]:
    """Turn an error raised after the acknowledgement into a log line and an apology, not a raise.

    Bolt's threaded runner loses an acknowledgement already sent when its listener then
    raises (slack_bolt/listener/thread_runner.py sets `ack.response` back to None), and the
    request can end in a 404. Work done after `ack()` therefore reports its own errors.
    """
    try:
        yield
    except Exception as error:  # every error, so none reaches Bolt after the ack
        error_id = _log(error, logger)
        try:
            respond(response_type="ephemeral", replace_original=False, **render_apology(error_id, t))
        except Exception:
            logger.exception("error_id=%s could not deliver the apology", error_id)


def _user_of(body: dict) -> str | None:
    """Find who made the request, whatever its kind: a command, an event, an interaction."""
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    return body.get("user_id") or (body.get("event") or {}).get("user")


def make_error_handler(languages: UserLanguages):
    """Return the app's error handler, apologising in the user's language (as far as it is known)."""

    def handle_error(error: Exception, body: dict, context, response: BoltResponse | None, logger):
        """Log the traceback under an error id; give the user a short apology with that id."""
        return apologise(error, body, context, response, logger, Catalog(languages.known(_user_of(body))))

    return handle_error


def apologise(error: Exception, body: dict, context, response: BoltResponse | None, logger, t: Catalog):
    """Log the traceback under an error id; give the user a short apology with that id, in `t`'s language."""
    error_id = _log(error, logger)
    apology = render_apology(error_id, t)
    try:
        if body.get("type") == "event_callback":
            event = body.get("event") or {}
            if event.get("type") in ("message", "app_mention") and event.get("channel"):
                context.client.chat_postMessage(channel=event["channel"],
                                                thread_ts=event.get("thread_ts") or event.get("ts"), **apology)
            return None
        if response is not None and body.get("type") == "view_submission":
            # Not acknowledged yet, and a form has no response_url: the apology replaces the form.
            answer = {"response_action": "update", "view": render_note(apology["text"], t)}
            return BoltResponse(status=200, headers={"content-type": "application/json"},
                                body=json.dumps(answer, ensure_ascii=False))
        if response is not None and body.get("command"):
            # Not acknowledged yet: the apology goes in the acknowledgement itself.
            return BoltResponse(status=200, headers={"content-type": "application/json"},
                                body=json.dumps({"response_type": "ephemeral", **apology}, ensure_ascii=False))
        if context.response_url:
            context.respond(response_type="ephemeral", replace_original=False, **apology)
        if response is not None:
            # Not acknowledged yet: acknowledge quietly, the apology went to the response_url.
            return BoltResponse(status=200, body="")
    except Exception:  # the apology itself failed; the traceback above is what matters
        logger.exception("error_id=%s could not deliver the apology", error_id)
    return None
