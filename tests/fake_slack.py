"""A fake Slack for end-to-end tests, both directions.

`FakeSlackAPI` is the Web API and the response_url endpoint: a stdlib `http.server` on
127.0.0.1 (port 0) that records every call, rejects messages over Block Kit limits the way
Slack does (`invalid_blocks`), and answers `429` with `Retry-After` when told to.

It also answers what the app asks of Slack besides messages, as Slack answers: `users.info`
(with each user's locale, as set with `set_locale`), `conversations.replies` (threads added
with `add_message`), and `views.open` / `views.update` / `views.push` (checked against the
modal limits, each trigger_id good once).

`SlackSender` is Slack calling the app: it signs and posts slash commands (form-encoded,
with a response_url pointing at the fake), `event_callback` JSON, `block_actions` (from a
message, a modal or App Home), `message_action` (a message shortcut), `view_submission` and
`url_verification`, exactly as Slack sends them: user text with `&`, `<`, `>` escaped.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode

from fake_slack_workspace import FakeWorkspaces

BOT_USER_ID = "UBOTPOLICY"
BOT_ID = "BPOLICYBOT"
TEAM_ID = "T0POLICY"
MESSAGE_METHODS = ("chat.postMessage", "chat.postEphemeral", "chat.update", "chat.scheduleMessage")
VIEW_METHODS = ("views.open", "views.update", "views.push")
MAX_MESSAGE_TEXT = 12_000  # Slack: about 12,000 characters of text across a message's blocks


def slack_encoded(text: str) -> str:
    """What Slack sends for text a user typed: `&`, `<` and `>` as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shown_text(node: Any) -> int:
    """Characters of text that blocks show (every plain_text and mrkdwn object)."""
    if isinstance(node, list):
        return sum(shown_text(item) for item in node)
    if not isinstance(node, dict):
        return 0
    own = len(node["text"]) if node.get("type") in ("plain_text", "mrkdwn") and isinstance(node.get("text"), str) else 0
    return own + sum(shown_text(v) for k, v in node.items() if not (k == "text" and isinstance(v, str)))
NO_TOKEN_METHODS = ("oauth.v2.access",)  # called with the app's client id and secret instead


# ---------------------------------------------------------------- Block Kit limits, as Slack enforces them

def _text_problems(obj: Any, where: str, limit: int, plain_only: bool = False) -> list[str]:
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return [f"{where}: not a text object"]
    if plain_only and obj["type"] != "plain_text":
        return [f"{where}: must be plain_text"]
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return [f"{where}: text must be a non-empty string"]
    if len(text) > limit:
        return [f"{where}: text is {len(text)} characters, over {limit}"]
    return []


def _element_problems(element: Any, where: str) -> list[str]:
    if not isinstance(element, dict):
        return [f"{where}: not an object"]
    problems = []
    if element.get("type") == "button":
        problems += _text_problems(element.get("text"), f"{where}.text", 75, plain_only=True)
        if len(element.get("value", "")) > 2000:
            problems.append(f"{where}.value: over 2000 characters")
        if len(element.get("action_id", "")) > 255:
            problems.append(f"{where}.action_id: over 255 characters")
        if element.get("style") not in (None, "primary", "danger"):
            problems.append(f"{where}.style: unknown")
        label = element.get("accessibility_label")
        if label is not None and (not isinstance(label, str) or not 1 <= len(label) <= 75):
            problems.append(f"{where}.accessibility_label: must be 1 to 75 characters")
    elif element.get("type") == "static_select":
        options = element.get("options") or []
        if not 1 <= len(options) <= 100:
            problems.append(f"{where}.options: {len(options)} options, need 1 to 100")
        for j, option in enumerate(options):
            problems += _text_problems(option.get("text"), f"{where}.options[{j}].text", 75, plain_only=True)
            if not 1 <= len(option.get("value") or "") <= 150:
                problems.append(f"{where}.options[{j}].value: must be 1 to 150 characters")
    elif element.get("type") == "plain_text_input":
        if not 0 < element.get("max_length", 3000) <= 3000:
            problems.append(f"{where}.max_length: must be 1 to 3000")
    return problems


def block_kit_problems(blocks: Any, max_blocks: int = 50) -> list[str]:
    """Return every way `blocks` breaks Slack's Block Kit limits (empty when valid)."""
    if blocks is None:
        return []
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return ["blocks: not JSON"]
    if not isinstance(blocks, list):
        return ["blocks: not a list"]
    problems = []
    if len(blocks) > max_blocks:
        problems.append(f"blocks: {len(blocks)} blocks, over {max_blocks}")
    block_ids = set()
    for i, block in enumerate(blocks):
        where = f"blocks[{i}]"
        if not isinstance(block, dict) or "type" not in block:
            problems.append(f"{where}: not a block")
            continue
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in block_ids:
                problems.append(f"{where}.block_id: duplicate {block_id!r}")
            if len(block_id) > 255:
                problems.append(f"{where}.block_id: over 255 characters")
            block_ids.add(block_id)
        kind = block["type"]
        if kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: section needs text or fields")
            if "accessory" in block:
                problems += _element_problems(block["accessory"], f"{where}.accessory")
            if "text" in block:
                problems += _text_problems(block["text"], f"{where}.text", 3000)
            fields = block.get("fields", [])
            if len(fields) > 10:
                problems.append(f"{where}.fields: {len(fields)} fields, over 10")
            for j, f in enumerate(fields):
                problems += _text_problems(f, f"{where}.fields[{j}]", 2000)
        elif kind == "header":
            problems += _text_problems(block.get("text"), f"{where}.text", 150, plain_only=True)
        elif kind == "context":
            elements = block.get("elements", [])
            if not elements or len(elements) > 10:
                problems.append(f"{where}.elements: {len(elements)} elements, need 1 to 10")
            for j, e in enumerate(elements):
                problems += _text_problems(e, f"{where}.elements[{j}]", 3000)
        elif kind == "actions":
            elements = block.get("elements", [])
            if not elements or len(elements) > 25:
                problems.append(f"{where}.elements: {len(elements)} elements, need 1 to 25")
            action_ids = [e.get("action_id") for e in elements if isinstance(e, dict)]
            if len(action_ids) != len(set(action_ids)):
                problems.append(f"{where}.elements: duplicate action_id")
            for j, e in enumerate(elements):
                problems += _element_problems(e, f"{where}.elements[{j}]")
        elif kind == "input":
            problems += _text_problems(block.get("label"), f"{where}.label", 2000, plain_only=True)
            problems += _element_problems(block.get("element"), f"{where}.element")
        elif kind not in ("divider", "image", "rich_text", "file", "video", "table"):
            problems.append(f"{where}: unknown block type {kind!r}")
    return problems


def view_problems(view: Any) -> list[str]:
    """Every way a modal breaks Slack's limits (empty when valid)."""
    if not isinstance(view, dict) or view.get("type") != "modal":
        return ["view: not a modal"]
    problems = _text_problems(view.get("title"), "view.title", 24, plain_only=True)
    for key in ("close", "submit"):
        if key in view:
            problems += _text_problems(view[key], f"view.{key}", 24, plain_only=True)
    if any(b.get("type") == "input" for b in view.get("blocks") or []) and "submit" not in view:
        problems.append("view: a modal with inputs needs a submit button")
    if len(view.get("private_metadata") or "") > 3000:
        problems.append("view.private_metadata: over 3000 characters")
    return problems + block_kit_problems(view.get("blocks"), max_blocks=100)


def message_problems(message: dict[str, Any], max_blocks: int = 50) -> list[str]:
    problems = block_kit_problems(message.get("blocks"), max_blocks)
    blocks = message.get("blocks")
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            blocks = None
    if shown_text(blocks) > MAX_MESSAGE_TEXT:
        problems.append(f"blocks: {shown_text(blocks)} characters of text, over {MAX_MESSAGE_TEXT}")
    text = message.get("text")
    if not message.get("blocks") and not text and not message.get("attachments"):
        problems.append("message: no text, blocks or attachments")
    if isinstance(text, str) and len(text) > 40000:
        problems.append("text: over 40000 characters")
    return problems


def unfurl_problems(params: dict[str, Any]) -> list[str]:
    """Every way a `chat.unfurl` call breaks Slack's contract (empty when valid)."""
    problems = []
    if not ((params.get("channel") and params.get("ts")) or (params.get("unfurl_id") and params.get("source"))):
        problems.append("chat.unfurl: needs channel and ts, or unfurl_id and source")
    unfurls = params.get("unfurls")
    try:
        unfurls = json.loads(unfurls) if isinstance(unfurls, str) else unfurls
    except ValueError:
        return problems + ["unfurls: not JSON"]
    if not isinstance(unfurls, dict) or not unfurls:
        return problems + ["unfurls: must map each URL to its preview"]
    for url, preview in unfurls.items():
        problems += [f"unfurls[{url}]: {p}" for p in block_kit_problems((preview or {}).get("blocks"))]
    return problems


# ---------------------------------------------------------------- the Web API fake

@dataclass
class Call:
    """One request the app made to the fake."""

    kind: str  # "api" or "response_url"
    name: str  # the API method (chat.postMessage) or the response_url's name
    params: dict[str, Any]
    token: str | None
    status: int
    problems: list[str] = field(default_factory=list)
    at: float = field(default_factory=time.monotonic)


class FakeSlackAPI:
    """A Slack Web API and response_url endpoint on 127.0.0.1, recording every call."""

    def __init__(self, token: str = "xoxb-test-token", default_locale: str = "zh-CN"):
        self.token = token
        # Socket Mode: `apps.connections.open` (called with the app-level token) answers a URL from here.
        self.app_token: str | None = None
        self.connections_url: Callable[[], str] | None = None
        self.default_locale = default_locale
        self.calls: list[Call] = []
        self.clock: Callable[[], float] = time.time  # what `ts` is made of; tests with a clock of their own set it
        self._rate_limits: dict[str, list[int]] = {}
        self._failures: dict[str, list] = {}
        self._delays: dict[str, float] = {}
        self._released = threading.Event()  # ends every delayed answer at once when the fake stops
        self._ts = itertools.count(1)
        self._locales: dict[str, str] = {}
        self._messages: dict[str, list[dict[str, Any]]] = {}  # channel -> messages, as conversations.* return them
        self._views: dict[str, dict[str, Any]] = {}  # view id -> the view as Slack stores it
        self._used_triggers: set[str] = set()
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.workspaces = FakeWorkspaces(self.url, lambda: self.token)
        self._server.daemon_threads = True
        # A short poll keeps shutdown (which waits for the next poll) from costing half a second per test.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="fake-slack", daemon=True)

    # -- lifecycle

    def start(self) -> "FakeSlackAPI":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FakeSlackAPI":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        return f"{self.url}/response/{name}"

    def reset(self) -> None:
        """Forget every call, pending rate limit, locale, message and view (one fake shared by a module's tests)."""
        with self._changed:
            self.calls.clear()
            self._rate_limits.clear()
            self._locales.clear()
            self._messages.clear()
            self._views.clear()

    # -- behaviour on demand

    def rate_limit(self, name: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls to `name` (a method or response_url name) with 429."""
        with self._changed:
            self._rate_limits[name] = [times, retry_after]

    def set_locale(self, user: str, locale: str | None) -> None:
        """Give `user` a Slack locale (`en-US`, `zh-CN`); None: users.info fails for them (user_not_found)."""
        with self._changed:
            self._locales[user] = locale or ""

    def add_message(self, channel: str, text: str, *, user: str = "U0POSTER", ts: str | None = None,
                    thread_ts: str | None = None) -> str:
        """Put a message in a channel (user text: give it as Slack encodes it); return its ts."""
        ts = ts or f"{int(time.time())}.{next(self._ts):06d}"
        message = {"type": "message", "user": user, "text": text, "ts": ts}
        if thread_ts:
            message["thread_ts"] = thread_ts
        with self._changed:
            self._messages.setdefault(channel, []).append(message)
        return ts

    def view(self, view_id: str | None = None) -> dict[str, Any]:
        """A view as the app last opened, pushed or updated it (with Slack's id and hash); the latest by default."""
        with self._changed:
            return self._views[view_id] if view_id else list(self._views.values())[-1]

    def expire(self, trigger_id: str) -> None:
        """Make a trigger_id unusable, as three seconds or a first use make it."""
        with self._changed:
            self._used_triggers.add(trigger_id)

    def fail(self, method: str, error: str, times: int = 1) -> None:
        """Answer the next `times` calls to `method` with `{"ok": false, "error": error}`."""
        with self._changed:
            self._failures[method] = [times, error]

    def delay(self, method: str, seconds: float) -> None:
        """Do what `method` asks at once, but answer only after `seconds` (a response lost in transit)."""
        with self._changed:
            self._delays[method] = seconds

    # -- what happened

    def calls_to(self, name: str, *, ok_only: bool = True) -> list[Call]:
        with self._changed:
            return [c for c in self.calls if c.name == name and (not ok_only or c.status == 200)]

    def wait_for(self, predicate: Callable[[list[Call]], Any], timeout: float = 5.0) -> Any:
        """Wait until `predicate(calls)` is truthy and return its value; fail after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                result = predicate(list(self.calls))
                if result:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out waiting; calls so far: {[c.name for c in self.calls]}")
                self._changed.wait(remaining)

    def wait_for_call(self, name: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        return self.wait_for(lambda calls: (found := [c for c in calls if c.name == name and c.status == 200])
                             and len(found) >= count and found, timeout)

    def problems(self) -> list[str]:
        """Block Kit violations seen in any call, with the call's name."""
        with self._changed:
            return [f"{c.name}: {p}" for c in self.calls for p in c.problems]

    # -- serving

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _take_failure(self, name: str) -> str | None:
        return self._take(self._failures, name)

    def _take_rate_limit(self, name: str) -> int | None:
        return self._take(self._rate_limits, name)

    def _take(self, pending: dict[str, list], name: str):
        """Use up one of the answers set for `name` (a count, then what to answer); None when none is left."""
        with self._changed:
            entry = pending.get(name)
            if entry and entry[0] > 0:
                entry[0] -= 1
                return entry[1]
        return None

    def _api(self, method: str, params: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        failure = self._take_failure(method) or self.workspaces.refusal(method, params)
        if failure:
            return {"ok": False, "error": failure}
        kept = self.workspaces.answer(method, params, token)
        if kept is not None:
            return kept
        if method == "auth.test":
            installed = self.workspaces.installations.get(token or "")
            if installed is not None:
                return {"ok": True, "url": f"https://{installed.team.lower()}.slack.com/", "team": installed.team,
                        "user": "policybot", "team_id": installed.team, "user_id": installed.bot_user_id,
                        "bot_id": installed.bot_id, "is_enterprise_install": False}
            return {"ok": True, "url": "https://policybot-test.slack.com/", "team": "Policy Test",
                    "user": "policybot", "team_id": TEAM_ID, "user_id": BOT_USER_ID, "bot_id": BOT_ID,
                    "is_enterprise_install": False}
        if method in MESSAGE_METHODS:
            ts = f"{int(self.clock())}.{next(self._ts):06d}"
            channel = params.get("channel")
            if method == "chat.postMessage":
                channel = self.workspaces.posted(params, ts)  # a user id lands in the DM, as in Slack
            return {"ok": True, "channel": channel, "ts": ts,
                    "message": {"type": "message", "text": params.get("text"), "ts": ts, "bot_id": BOT_ID,
                                "user": BOT_USER_ID}}
        if method == "views.publish":
            view = params.get("view")
            return {"ok": True, "view": json.loads(view) if isinstance(view, str) else view}
        if method == "apps.connections.open":
            if self.connections_url is None:
                return {"ok": False, "error": "not_allowed"}
            return {"ok": True, "url": self.connections_url()}
        if method == "users.info":
            return self._users_info(params)
        if method == "conversations.replies":
            return self._replies(params)
        if method in VIEW_METHODS:
            return self._store_view(method, params)
        return {"ok": True}

    def _users_info(self, params: dict[str, Any]) -> dict[str, Any]:
        user = params.get("user") or ""
        with self._changed:
            locale = self._locales.get(user, self.default_locale)
        if not locale:
            return {"ok": False, "error": "user_not_found"}
        info: dict[str, Any] = {"id": user, "team_id": TEAM_ID, "name": user.lower(), "is_bot": False}
        if str(params.get("include_locale")).lower() in ("1", "true"):  # Slack tells the locale only when asked
            info["locale"] = locale
        return {"ok": True, "user": info}

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, ts = params.get("channel"), params.get("ts")
        with self._changed:
            if channel not in self._messages:
                return {"ok": False, "error": "channel_not_found"}
            thread = [m for m in self._messages[channel] if m["ts"] == ts or m.get("thread_ts") == ts]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        thread.sort(key=lambda m: (m["ts"] != ts, m["ts"]))  # the parent first, then replies by time
        limit = int(params.get("limit") or 1000)
        return {"ok": True, "messages": thread[:limit], "has_more": len(thread) > limit}

    def _store_view(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        view = params.get("view")
        view = json.loads(view) if isinstance(view, str) else dict(view or {})
        with self._changed:
            if method == "views.update":
                view_id = params.get("view_id")
                current = self._views.get(view_id or "")
                if current is None:
                    return {"ok": False, "error": "not_found"}
                if params.get("hash") and params["hash"] != current["hash"]:
                    return {"ok": False, "error": "hash_conflict"}
                root = current["root_view_id"]
            else:
                trigger = params.get("trigger_id") or ""
                if not trigger or trigger in self._used_triggers:
                    return {"ok": False, "error": "expired_trigger_id"}
                self._used_triggers.add(trigger)
                view_id, root = f"V{next(self._ts):08d}", None
            stored = {**view, "id": view_id, "hash": f"{time.time():.6f}.{next(self._ts)}",
                      "root_view_id": root or view_id, "state": {"values": {}}, "team_id": TEAM_ID}
            self._views.pop(view_id, None)  # the latest view last
            self._views[view_id] = stored
        return {"ok": True, "view": stored}

    def _handler_class(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):  # keep test output quiet
                pass

            def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                headers = {"Content-Type": "application/json" if not isinstance(body, bytes) else "text/plain",
                           **(headers or {})}
                self.send_response(status)
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path.startswith("/files-pri/"):
                    self._download()
                    return
                # slack_sdk reads (users.info, conversations.replies) with GET and the parameters in the URL.
                path, _, query = self.path.partition("?")
                self._serve(path, dict(parse_qsl(query, keep_blank_values=True)))

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/json"):
                    params = json.loads(raw or b"{}")
                else:
                    params = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
                self._serve(self.path, params)

            def _serve(self, path: str, params: dict[str, Any]) -> None:
                self.path = path
                auth = self.headers.get("Authorization", "")
                token = auth[len("Bearer "):] if auth.startswith("Bearer ") else params.get("token")
                if auth.startswith("Basic "):  # oauth.v2.access: the app's client id and secret
                    client_id, _, secret = base64.b64decode(auth[len("Basic "):]).decode().partition(":")
                    params.setdefault("client_id", client_id)
                    params.setdefault("client_secret", secret)
                if self.path.startswith("/response/"):
                    kind, name = "response_url", self.path[len("/response/"):]
                elif self.path.startswith("/api/"):
                    kind, name = "api", self.path[len("/api/"):].split("?")[0]
                else:
                    self._send(404, b"not found")
                    return
                retry_after = fake._take_rate_limit(name)
                if retry_after is not None:
                    fake._record(Call(kind, name, params, token, 429))
                    body = {"ok": False, "error": "ratelimited"} if kind == "api" else b"rate limited"
                    self._send(429, body, {"Retry-After": str(retry_after)})
                elif kind == "api":
                    self._web_api(name, params, token)
                else:
                    self._response_url(name, params, token)

            def _response_url(self, name: str, params: dict, token: str | None) -> None:
                problems = message_problems(params)
                fake._record(Call("response_url", name, params, token, 400 if problems else 200, problems))
                if problems:
                    self._send(400, b"invalid_blocks")
                else:
                    self._send(200, b"ok")

            def _download(self) -> None:
                auth = self.headers.get("Authorization", "")
                token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
                status, body, content_type = fake.workspaces.download(self.path.split("?")[0], token)
                fake._record(Call("download", "download", {"path": urllib.parse.unquote(self.path)}, token, status))
                self._send(status, body, {"Content-Type": content_type})

            def _web_api(self, method: str, params: dict, token: str | None) -> None:
                if method == "apps.connections.open":
                    refused = bool(fake.app_token) and token != fake.app_token
                else:
                    refused = bool(fake.token) and method not in NO_TOKEN_METHODS and not fake.workspaces.accepts(token)
                if refused:
                    fake._record(Call("api", method, params, token, 401))
                    self._send(200, {"ok": False, "error": "invalid_auth"})
                    return
                problems: list[str] = []
                if method in MESSAGE_METHODS:
                    problems = message_problems(params)
                elif method == "views.publish":
                    view = params.get("view")
                    view = json.loads(view) if isinstance(view, str) else (view or {})
                    problems = block_kit_problems(view.get("blocks"), max_blocks=100)
                elif method == "chat.unfurl":
                    problems = unfurl_problems(params)
                elif method in VIEW_METHODS:
                    view = params.get("view")
                    problems = view_problems(json.loads(view) if isinstance(view, str) else view)
                if problems:
                    fake._record(Call("api", method, params, token, 400, problems))
                    self._send(200, {"ok": False, "error": "invalid_blocks",
                                     "response_metadata": {"messages": problems}})
                    return
                answer = fake._api(method, params, token)
                # A refusal Slack answers with `ok: false` is recorded apart from accepted calls.
                fake._record(Call("api", method, params, token, 200 if answer.get("ok") else 400, problems))
                delay = fake._delays.get(method)
                if delay:
                    fake._released.wait(delay)
                self._send(200, answer)

        return Handler


# ---------------------------------------------------------------- Slack calling the app

def sign(body: bytes, secret: str, timestamp: str) -> str:
    """Return Slack's `X-Slack-Signature` for a body sent at `timestamp`."""
    return "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()


@dataclass
class Sent:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        """The body as readable text (JSON re-dumped without \\u escapes)."""
        try:
            return json.dumps(self.json(), ensure_ascii=False)
        except ValueError:
            return self.body.decode("utf-8", "replace")


_REQUEST_IDS = itertools.count(1)


def send(url: str, body: bytes, headers: dict[str, str], timeout: float = 10) -> Sent:
    """POST exactly these bytes and headers (a captured request can be replayed, to any instance)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return Sent(response.status, response.read(), dict(response.headers))
    except urllib.error.HTTPError as error:
        return Sent(error.code, error.read(), dict(error.headers))


class SlackSender:
    """Posts correctly signed requests to the app, as Slack does; `last_request` is the last one sent."""

    def __init__(self, app_url: str, signing_secret: str, fake: FakeSlackAPI):
        self.app_url = app_url
        self.secret = signing_secret
        self.fake = fake
        self._ids = _REQUEST_IDS  # shared: two senders (two instances' tests) never make the same request
        self.last_request: tuple[bytes, dict[str, str]] | None = None

    def post(self, body: bytes, content_type: str, *, timestamp: str | None = None,
             signature: str | None = None, headers: dict[str, str] | None = None, timeout: float = 10) -> Sent:
        timestamp = str(int(time.time())) if timestamp is None else timestamp
        all_headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature if signature is not None else sign(body, self.secret, timestamp),
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
            **(headers or {}),
        }
        self.last_request = (body, all_headers)
        return send(self.app_url, body, all_headers, timeout)

    # -- the shapes Slack sends

    def command(self, text: str, *, user: str = "U0ASKER", channel: str = "C0GENERAL",
                response_name: str | None = None, trigger_id: str | None = None, team: str = TEAM_ID,
                **kwargs) -> tuple[Sent, str]:
        """Send `/policy <text>`; return the HTTP answer and the response_url's name."""
        n = next(self._ids)
        response_name = response_name or f"cmd-{n}"
        form = {
            "token": "legacy-verification-token", "team_id": team, "team_domain": "policy-test",
            "channel_id": channel, "channel_name": "general", "user_id": user, "user_name": "asker",
            "command": "/policy", "text": text, "api_app_id": "A0POLICY", "is_enterprise_install": "false",
            "response_url": self.fake.response_url(response_name), "trigger_id": trigger_id or f"{n}.1.abc",
        }
        body = urlencode(form).encode()
        return self.post(body, "application/x-www-form-urlencoded", **kwargs), response_name

    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None,
              team: str = TEAM_ID, **kwargs) -> Sent:
        event_id = event_id or f"Ev{next(self._ids):08d}"
        envelope = {
            "token": "legacy-verification-token", "team_id": team, "api_app_id": "A0POLICY",
            "event": event, "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": team, "user_id": BOT_USER_ID,
                                "is_bot": True, "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
        }
        headers = dict(kwargs.pop("headers", {}) or {})
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return self.post(json.dumps(envelope).encode(), "application/json", headers=headers, **kwargs)

    def direct_message(self, text: str, *, user: str = "U0ASKER", channel: str = "D0ASKER",
                       ts: str | None = None, **kwargs) -> tuple[Sent, dict]:
        ts = ts or f"{int(time.time())}.{next(self._ids):06d}"
        event = {"type": "message", "channel": channel, "user": user, "text": text, "ts": ts,
                 "event_ts": ts, "channel_type": "im", "team": kwargs.get("team", TEAM_ID),
                 "client_msg_id": f"msg-{ts}"}
        return self.event(event, **kwargs), event

    def mention(self, text: str, *, user: str = "U0ASKER", channel: str = "C0GENERAL",
                ts: str | None = None, **kwargs) -> tuple[Sent, dict]:
        ts = ts or f"{int(time.time())}.{next(self._ids):06d}"
        event = {"type": "app_mention", "channel": channel, "user": user,
                 "text": f"<@{BOT_USER_ID}> {text}", "ts": ts, "event_ts": ts, "team": TEAM_ID}
        return self.event(event, **kwargs), event

    def block_action(self, action_id: str, value: str, *, user: str = "U0ASKER", channel: str = "C0GENERAL",
                     response_name: str | None = None, ephemeral: bool = True, message_ts: str = "1.000001",
                     thread_ts: str | None = None, **kwargs) -> tuple[Sent, str]:
        n = next(self._ids)
        response_name = response_name or f"act-{n}"
        container = {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": ephemeral}
        if thread_ts:
            container["thread_ts"] = thread_ts
        payload = {
            "type": "block_actions", "user": {"id": user, "username": "asker", "team_id": TEAM_ID},
            "api_app_id": "A0POLICY", "token": "legacy-verification-token", "container": container,
            "trigger_id": f"{n}.2.def", "team": {"id": TEAM_ID, "domain": "policy-test"},
            "channel": {"id": channel, "name": "general"},
            "response_url": self.fake.response_url(response_name),
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                         "text": {"type": "plain_text", "text": action_id}, "action_ts": f"{time.time():.6f}"}],
        }
        if not ephemeral:
            payload["message"] = {"type": "message", "ts": message_ts, "bot_id": BOT_ID, "text": "…"}
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded", **kwargs), response_name

    def url_verification(self, challenge: str, **kwargs) -> Sent:
        body = json.dumps({"token": "legacy-verification-token", "challenge": challenge,
                           "type": "url_verification"}).encode()
        return self.post(body, "application/json", **kwargs)

    def link_shared(self, urls: list[str], *, channel: str = "C0GENERAL", user: str = "U0ASKER",
                    composer: bool = False, **kwargs) -> tuple[Sent, dict]:
        """Send `link_shared` as Slack does when a message (or the composer) holds links to our domain."""
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        event = {"type": "link_shared", "channel": "COMPOSER" if composer else channel, "user": user,
                 "message_ts": ts, "event_ts": ts, "is_bot_user_member": True,
                 "links": [{"domain": url.split("/")[2], "url": url} for url in urls]}
        if composer:
            event.update(unfurl_id=f"C123456.{ts}.{next(self._ids):032x}", source="composer")
        return self.event(event, **kwargs), event

    def app_home_opened(self, user: str = "U0ASKER", **kwargs) -> Sent:
        event = {"type": "app_home_opened", "user": user, "channel": "D0ASKER", "tab": "home",
                 "event_ts": f"{time.time():.6f}"}
        return self.event(event, **kwargs)

    # -- shortcuts, modals and App Home, as Slack sends them

    def _interaction(self, payload: dict[str, Any], **kwargs) -> Sent:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def message_shortcut(self, text: str, *, callback_id: str = "find_in_policies", user: str = "U0ASKER",
                         channel: str = "C0GENERAL", author: str = "U0POSTER", message_ts: str | None = None,
                         **kwargs) -> tuple[Sent, str]:
        """Run a message shortcut on a message whose text is `text` (give it as Slack encodes it).

        Returns the HTTP answer and the trigger_id, which the app may open one modal with.
        """
        n = next(self._ids)
        trigger_id = f"{n}.3.shortcut"
        message_ts = message_ts or f"{int(time.time())}.{n:06d}"
        payload = {
            "type": "message_action", "token": "legacy-verification-token", "action_ts": f"{time.time():.6f}",
            "team": {"id": TEAM_ID, "domain": "policy-test"}, "user": {"id": user, "username": "asker",
                                                                        "team_id": TEAM_ID},
            "channel": {"id": channel, "name": "general"}, "is_enterprise_install": False,
            "callback_id": callback_id, "trigger_id": trigger_id, "message_ts": message_ts,
            "message": {"type": "message", "user": author, "ts": message_ts, "text": text},
            "response_url": self.fake.response_url(f"shortcut-{n}"),
        }
        return self._interaction(payload, **kwargs), trigger_id

    def view_submission(self, view: dict[str, Any], values: dict[str, Any], *, user: str = "U0ASKER",
                        **kwargs) -> Sent:
        """Submit a modal the app opened (as the fake stores it) with `values` in its state."""
        n = next(self._ids)
        payload = {
            "type": "view_submission", "team": {"id": TEAM_ID, "domain": "policy-test"},
            "user": {"id": user, "username": "asker", "team_id": TEAM_ID}, "api_app_id": "A0POLICY",
            "token": "legacy-verification-token", "trigger_id": f"{n}.4.submit", "is_enterprise_install": False,
            "view": {**view, "state": {"values": values}}, "response_urls": [],
        }
        return self._interaction(payload, **kwargs)

    def view_action(self, view: dict[str, Any], action_id: str, value: str, *, user: str = "U0ASKER",
                    block_id: str = "b1", **kwargs) -> tuple[Sent, str]:
        """Press a button inside a modal or App Home (`view` as the fake stores it); return the trigger_id.

        Slack sends no response_url for these: the app answers by changing the view.
        """
        n = next(self._ids)
        trigger_id = f"{n}.5.view"
        payload = {
            "type": "block_actions", "user": {"id": user, "username": "asker", "team_id": TEAM_ID},
            "api_app_id": "A0POLICY", "token": "legacy-verification-token", "trigger_id": trigger_id,
            "container": {"type": "view", "view_id": view.get("id")}, "team": {"id": TEAM_ID, "domain": "policy-test"},
            "view": view, "is_enterprise_install": False,
            "actions": [{"type": "button", "action_id": action_id, "block_id": block_id, "value": value,
                         "text": {"type": "plain_text", "text": action_id}, "action_ts": f"{time.time():.6f}"}],
        }
        return self._interaction(payload, **kwargs), trigger_id


def picked_option(view: dict[str, Any], block_id: str, value: str) -> dict[str, Any]:
    """A select's state as Slack submits it: the option of `view`'s input `block_id` whose value is `value`."""
    block = next(b for b in view["blocks"] if b.get("block_id") == block_id)
    option = next(o for o in block["element"]["options"] if o["value"] == value)
    return {block_id: {"value": {"type": "static_select", "selected_option": option}}}


def typed_text(block_id: str, text: str | None) -> dict[str, Any]:
    """A text input's state as Slack submits it (what the user typed, Slack-encoded)."""
    value = None if text is None else slack_encoded(text)
    return {block_id: {"value": {"type": "plain_text_input", "value": value}}}
