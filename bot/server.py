"""Serve the Bolt app: over HTTP (Starlette + uvicorn) or, with SLACK_APP_TOKEN, Socket Mode.

Bolt's development server (`app.start()`) drops the connection on a body that is not
UTF-8 and answers an odd timestamp with 500. Here every request is checked before Bolt
sees it: a malformed body gets 400, a bad or stale signature 401, and the server goes on.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from bot.app import build_app, build_runtime
from bot.settings import Settings

log = logging.getLogger("policybot.server")
requests_log = logging.getLogger("policybot.requests")

EVENTS_PATH = "/slack/events"
MAX_AGE_SECONDS = 5 * 60  # Slack's rule: reject a request signed more than five minutes ago
MAX_BODY_BYTES = 1 << 20  # Slack's payloads are a few kilobytes


class Rejection(Exception):
    """A request refused before it reaches Bolt, with the HTTP status to answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def parse_body(text: str, content_type: str) -> dict[str, Any]:
    """Parse a Slack request body as Slack sends it: JSON, or a form, maybe with a JSON `payload`.

    Raises:
        Rejection: 400 when the JSON is invalid or not an object.
    """
    try:
        if content_type.startswith("application/json") or text.lstrip().startswith("{"):
            data = json.loads(text)
        else:
            form = dict(parse_qsl(text, keep_blank_values=True))
            data = json.loads(form["payload"]) if "payload" in form else form
    except ValueError as exc:
        raise Rejection(400, f"body is not valid JSON ({exc.__class__.__name__})") from None
    if not isinstance(data, dict):
        raise Rejection(400, "body is not a JSON object")
    return data


def verify_signature(body: bytes, headers: Mapping[str, str], signing_secret: str, now: float) -> None:
    """Check Slack's signature over the raw bytes, and that it was made in the last five minutes.

    Raises:
        Rejection: 401 for a missing, non-numeric or stale timestamp, or a wrong signature.
    """
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not timestamp.isdigit():  # isdigit also refuses signs, spaces and decimals
        raise Rejection(401, "timestamp missing or not a number")
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise Rejection(401, "timestamp too old")
    digest = hmac.new(signing_secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256)
    if not hmac.compare_digest("v0=" + digest.hexdigest(), signature):
        raise Rejection(401, "signature mismatch")


def create_asgi_app(app: App, *, signing_secret: str, clock: Callable[[], float] = time.time,
                    path: str = EVENTS_PATH) -> Starlette:
    """Wrap the Bolt app in a Starlette app serving `path` (commands, events, interactivity)."""

    async def slack_events(request: Request) -> Response:
        started = time.perf_counter()
        body = await request.body()
        try:
            if len(body) > MAX_BODY_BYTES:
                raise Rejection(413, "body too large")
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError:
                raise Rejection(400, "body is not UTF-8") from None
            parsed = parse_body(text, request.headers.get("content-type", ""))
            verify_signature(body, request.headers, signing_secret, clock())
        except Rejection as rejection:
            requests_log.info(json.dumps({
                "event": "rejected", "status": rejection.status, "reason": rejection.reason,
                "latency_ms": round((time.perf_counter() - started) * 1000, 1)}))
            return JSONResponse({"error": rejection.reason}, status_code=rejection.status)
        bolt_request = to_bolt_request(request, body)
        if bolt_request.body != parsed:
            # Bolt reads any form body containing the word "payload" as an interactivity
            # payload (`/policy payload` would arrive empty); the strict parse above is right.
            bolt_request.body = parsed
            bolt_request.context.update(type(bolt_request)(body=parsed, headers={}, mode="socket_mode").context)
        # Bolt's dispatch blocks (it waits up to 3 s for ack); keep it off the event loop.
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(routes=[
        Route(path, slack_events, methods=["POST"]),
        Route("/healthz", health, methods=["GET"]),
        *install_routes(app),
    ])


def install_routes(app: App) -> list[Route]:
    """The OAuth install flow's pages, when the app is distributed (`SLACK_CLIENT_ID` set); none otherwise."""
    flow = app.oauth_flow
    if flow is None:
        return []

    async def install(request: Request) -> Response:
        return to_starlette_response(await run_in_threadpool(flow.handle_installation, to_bolt_request(request, b"")))

    async def oauth_redirect(request: Request) -> Response:
        return to_starlette_response(await run_in_threadpool(flow.handle_callback, to_bolt_request(request, b"")))

    return [Route(flow.install_path, install, methods=["GET"]),
            Route(flow.redirect_uri_path, oauth_redirect, methods=["GET"])]


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    # The access log would be a second line per request, and the request line says more.
    logging.getLogger("uvicorn.access").disabled = True


def serve(settings: Settings, host: str | None = None, port: int | None = None, *,
          env: Mapping[str, str] | None = None) -> None:
    """Load the corpus, build the app, then serve: Socket Mode with SLACK_APP_TOKEN, else HTTP.

    The digest schedules and the corpus watcher run in the same process (see `bot.jobs`).

    Args:
        settings: loaded settings (host and port default to `server.host` / `server.port`).
        host, port: the HTTP bind address (`--host`, `--port`).
        env: where to read the SLACK_* variables (default: the process environment).

    Raises:
        ConfigError: a SLACK_* variable is missing, or Slack rejects the bot token.
    """
    import uvicorn

    _configure_logging()
    runtime = build_runtime(settings, env)
    try:
        app = build_app(runtime)
        jobs = runtime.start_jobs()
    except BaseException:
        runtime.close()
        raise
    documents = len(runtime.services.engine.documents)
    try:
        if runtime.slack.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            log.info("serving %d documents over Socket Mode", documents)
            SocketModeHandler(app, runtime.slack.app_token).start()
            return
        host = host or settings.host
        port = settings.port if port is None else port
        log.info("serving %d documents on http://%s:%d%s", documents, host, port, EVENTS_PATH)
        asgi = create_asgi_app(app, signing_secret=runtime.slack.signing_secret or "")
        uvicorn.run(asgi, host=host, port=port, log_config=None, access_log=False, server_header=False)
    finally:
        jobs.shutdown(wait=False)
        runtime.close()
