"""Serve the Bolt app: over HTTP (Starlette + uvicorn) or, with SLACK_APP_TOKEN, Socket Mode.

Bolt's development server (`app.start()`) drops the connection on a body that is not
UTF-8 and answers an odd timestamp with 500. Here every request passes the checks of
`bot.edge` before Bolt sees it: the body is read only up to its cap and within a deadline,
a malformed body gets 400, a bad or stale signature 401, each refusal is one log line, and
the server goes on. Connections that idle or never finish their request are closed.

The same server answers the document viewer (`/d/`, pages from `bot.viewer`), in Socket
Mode alone, since Slack's requests then come over the socket.

This is the one module that imports Starlette and uvicorn.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping

from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route
from uvicorn import Config, Server
from uvicorn.protocols.http.h11_impl import H11Protocol

from bot import viewer
from bot.app import build_app, build_runtime
from bot.edge import EdgeLimits, Rejection, declared_length, parse_body, verify_signature
from bot.engine import PolicyEngine
from bot.links import VIEWER_PREFIX, ClauseLinks
from bot.settings import Settings

log = logging.getLogger("policybot.server")
requests_log = logging.getLogger("policybot.requests")

EVENTS_PATH = "/slack/events"


def log_rejection(status: int, reason: str, client: str | None, started: float | None = None) -> None:
    """Log a refused request or connection as one structured line (never a traceback)."""
    line = {"event": "rejected", "status": status, "reason": reason, "client": client}
    if started is not None:
        line["latency_ms"] = round((time.perf_counter() - started) * 1000, 1)
    requests_log.info(json.dumps(line, ensure_ascii=False))


async def read_body(request: Request, limits: EdgeLimits) -> bytes:
    """Read the request body, never more than `limits.max_body_bytes` of it, within `limits.body_seconds`.

    A declared Content-Length over the cap is refused before a byte of the body is read; a
    chunked or lying body is refused as soon as it passes the cap, so memory stays bounded.

    Raises:
        Rejection: 413 (too large), 408 (too slow), 400 (the client left mid-body).
    """
    declared_length(request.headers.get("content-length"), limits.max_body_bytes)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(limits.body_seconds):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limits.max_body_bytes:
                    raise Rejection(413, f"body over the limit of {limits.max_body_bytes} bytes")
                chunks.append(chunk)
    except TimeoutError:
        raise Rejection(408, f"body not received within {limits.body_seconds:g} s") from None
    except ClientDisconnect:
        raise Rejection(400, "client left before sending the whole body") from None
    return b"".join(chunks)


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


async def health(request: Request) -> Response:
    return PlainTextResponse("ok")


def viewer_routes(engine: PolicyEngine, root: str = "") -> list[Route]:
    """The read-only document viewer: `/d/` lists the documents, `/d/<doc_id>` shows one.

    Args:
        root: the path a proxy serves this server under (that of `server.public_url`, e.g.
            `/policybot`), which the pages' links to one another carry.
    """
    headers = {"content-security-policy": viewer.CONTENT_SECURITY_POLICY, "x-content-type-options": "nosniff",
               "referrer-policy": "no-referrer", "cache-control": "no-cache", "vary": "Accept-Language"}

    def language(request: Request) -> str:
        return viewer.language_of(request.query_params.get("lang"), request.headers.get("accept-language"))

    async def index(request: Request) -> Response:
        page = await run_in_threadpool(viewer.render_index, engine.documents, language=language(request), root=root)
        return HTMLResponse(page, headers=headers)

    async def document(request: Request) -> Response:
        doc_id = request.path_params["doc_id"].strip("/")
        lang = language(request)
        found = engine.document(doc_id)
        if found is None:
            return HTMLResponse(viewer.render_not_found(doc_id, language=lang, root=root), status_code=404,
                                headers=headers)
        # The corpus hash names the version: a reload that changes the document changes the tag.
        tag = f'"{found.content_hash}-{lang}"'
        if tag in request.headers.get("if-none-match", ""):
            return Response(status_code=304, headers={**headers, "etag": tag})
        page = await run_in_threadpool(
            lambda: viewer.render_document(found, engine.clauses_of(doc_id), language=lang, root=root))
        return HTMLResponse(page, headers={**headers, "etag": tag})

    async def to_index(request: Request) -> Response:
        return RedirectResponse(root + VIEWER_PREFIX, status_code=308)

    return [
        Route(VIEWER_PREFIX.rstrip("/"), to_index, methods=["GET"]),
        Route(VIEWER_PREFIX, index, methods=["GET"]),
        Route(VIEWER_PREFIX + "{doc_id:path}", document, methods=["GET"]),
    ]


def create_asgi_app(app: App, *, signing_secret: str, clock: Callable[[], float] = time.time,
                    path: str = EVENTS_PATH, limits: EdgeLimits = EdgeLimits(),
                    engine: PolicyEngine | None = None, viewer_root: str = "") -> Starlette:
    """Wrap the Bolt app in a Starlette app serving `path` (commands, events, interactivity).

    Args:
        engine: when given, the document viewer is served too (`/d/...`; see `viewer_routes`).
    """

    async def slack_events(request: Request) -> Response:
        started = time.perf_counter()
        body_read = False
        try:
            body = await read_body(request, limits)
            body_read = True
            parsed = parse_body(body, request.headers.get("content-type", ""), limits)
            verify_signature(body, request.headers, signing_secret, clock())
        except Rejection as rejection:
            log_rejection(rejection.status, rejection.reason, _client(request), started)
            # A body left unread must not be read by the server either: closing the
            # connection is the only way to stop a sender that goes on sending.
            headers = None if body_read else {"connection": "close"}
            return JSONResponse({"error": rejection.reason}, status_code=rejection.status, headers=headers)
        bolt_request = to_bolt_request(request, body)
        if bolt_request.body != parsed:
            # Bolt reads any form body containing the word "payload" as an interactivity
            # payload (`/policy payload` would arrive empty); the strict parse above is right.
            bolt_request.body = parsed
            bolt_request.context.update(type(bolt_request)(body=parsed, headers={}, mode="socket_mode").context)
        # Bolt's dispatch blocks (it waits up to 3 s for ack); keep it off the event loop.
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    routes = [Route(path, slack_events, methods=["POST"]), Route("/healthz", health, methods=["GET"]),
              *install_routes(app)]
    return Starlette(routes=routes + (viewer_routes(engine, viewer_root) if engine is not None else []))


def create_viewer_app(engine: PolicyEngine, root: str = "") -> Starlette:
    """The viewer alone, for Socket Mode (Slack's requests come over the socket, not HTTP)."""
    return Starlette(routes=[Route("/healthz", health, methods=["GET"]), *viewer_routes(engine, root)])


def _protocol_with_head_deadline(seconds: float) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol, also closing a connection whose request head is late.

    uvicorn times a connection out only while it idles after a response, and forgets even
    that at the first byte of a next request: a client that connects and sends nothing, or
    sends its head a byte at a time, would hold its connection (and a socket) for ever.
    """

    class HeadDeadlineProtocol(H11Protocol):
        _head_timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_head_timer()

        def handle_events(self) -> None:
            waiting = self.cycle
            super().handle_events()
            if self.cycle is not waiting:  # a request head came in
                self._cancel_head_timer()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if self.cycle is not None and self.cycle.response_complete and not self.transport.is_closing():
                self._arm_head_timer()  # the next request's head must come in time too

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_head_timer()
            super().connection_lost(exc)

        def _unsupported_upgrade_warning(self) -> None:
            # uvicorn logs two warnings and serves the request as plain HTTP: one line says it.
            log.info("ignored the Upgrade header of a request from %s", self.client[0] if self.client else "?")

        def _arm_head_timer(self) -> None:
            self._cancel_head_timer()
            self._head_timer = self.loop.call_later(seconds, self._head_too_late)

        def _cancel_head_timer(self) -> None:
            if self._head_timer is not None:
                self._head_timer.cancel()
                self._head_timer = None

        def _head_too_late(self) -> None:
            self._head_timer = None
            if self.transport.is_closing() or (self.cycle is not None and not self.cycle.response_complete):
                return
            log_rejection(408, f"no complete request within {seconds:g} s; connection closed",
                          self.client[0] if self.client else None)
            self.transport.close()

    return HeadDeadlineProtocol


def server_config(asgi, host: str, port: int, limits: EdgeLimits = EdgeLimits()) -> Config:
    """The uvicorn configuration `policybot serve` runs with: the limits of `limits`, no access log."""
    return Config(asgi, host=host, port=port, log_config=None, access_log=False, server_header=False,
                  lifespan="off", ws="none", http=_protocol_with_head_deadline(limits.header_seconds),
                  timeout_keep_alive=limits.keep_alive_seconds,  # type: ignore[arg-type]
                  h11_max_incomplete_event_size=limits.max_header_bytes,
                  limit_concurrency=limits.max_connections)


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

    Either way the document viewer is served over HTTP on `host:port`. The digest schedules
    and the corpus watcher run in the same process (see `bot.jobs`).

    Args:
        settings: loaded settings (host and port default to `server.host` / `server.port`).
        host, port: the HTTP bind address (`--host`, `--port`).
        env: where to read the SLACK_* variables (default: the process environment).

    Raises:
        ConfigError: a SLACK_* variable is missing, or Slack rejects the bot token.
    """
    _configure_logging()
    runtime = build_runtime(settings, env)
    try:
        app = build_app(runtime)
        jobs = runtime.start_jobs()
    except BaseException:
        runtime.close()
        raise
    engine = runtime.services.engine
    host = host or settings.host
    port = settings.port if port is None else port
    viewer_at = settings.public_url or f"http://{host}:{port}"
    root = ClauseLinks(settings.public_url).root
    try:
        if runtime.slack.socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler

            # Slack's requests come over the socket; HTTP serves only the viewer the links open.
            handler = SocketModeHandler(app, runtime.slack.app_token)
            handler.connect()
            log.info("serving %d documents over Socket Mode; viewer at %s%s", len(engine.documents), viewer_at,
                     VIEWER_PREFIX)
            try:
                Server(server_config(create_viewer_app(engine, root), host, port)).run()
            finally:
                handler.close()
            return
        log.info("serving %d documents on http://%s:%d%s; viewer at %s%s", len(engine.documents), host, port,
                 EVENTS_PATH, viewer_at, VIEWER_PREFIX)
        asgi = create_asgi_app(app, signing_secret=runtime.slack.signing_secret or "", engine=engine,
                               viewer_root=root)
        Server(server_config(asgi, host, port)).run()
    finally:
        jobs.shutdown(wait=False)
        runtime.close()
