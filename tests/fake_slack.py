"""A fake Slack for end-to-end tests, both directions.

`FakeSlackAPI` is the Web API and the response_url endpoint: a stdlib `http.server` on
127.0.0.1 (port 0) that records every call, rejects messages over Block Kit limits the way
Slack does (`invalid_blocks`), and answers `429` with `Retry-After` when told to.

`SlackSender` is Slack calling the app: it signs and posts slash commands (form-encoded,
with a response_url pointing at the fake), `event_callback` JSON, `block_actions` and
`url_verification`, exactly as Slack sends them.
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
        elif kind not in ("divider", "image", "rich_text", "input", "file", "video", "table"):
            problems.append(f"{where}: unknown block type {kind!r}")
    return problems


def message_problems(message: dict[str, Any], max_blocks: int = 50) -> list[str]:
    problems = block_kit_problems(message.get("blocks"), max_blocks)
    text = message.get("text")
    if not message.get("blocks") and not text and not message.get("attachments"):
        problems.append("message: no text, blocks or attachments")
    if isinstance(text, str) and len(text) > 40000:
        problems.append("text: over 40000 characters")
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

    def __init__(self, token: str = "xoxb-test-token"):
        self.token = token
        self.calls: list[Call] = []
        self.clock: Callable[[], float] = time.time  # what `ts` is made of; tests with a clock of their own set it
        self._rate_limits: dict[str, list[int]] = {}
        self._failures: dict[str, list] = {}
        self._delays: dict[str, float] = {}
        self._released = threading.Event()  # ends every delayed answer at once when the fake stops
        self._ts = itertools.count(1)
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
        """Forget every call and pending rate limit (one fake shared by a module's tests)."""
        with self._changed:
            self.calls.clear()
            self._rate_limits.clear()

    # -- behaviour on demand

    def rate_limit(self, name: str, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls to `name` (a method or response_url name) with 429."""
        with self._changed:
            self._rate_limits[name] = [times, retry_after]

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
        return {"ok": True}

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

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/json"):
                    params = json.loads(raw or b"{}")
                else:
                    params = dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
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

            def do_GET(self):
                if not self.path.startswith("/files-pri/"):
                    self._send(404, b"not found")
                    return
                auth = self.headers.get("Authorization", "")
                token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
                status, body, content_type = fake.workspaces.download(self.path.split("?")[0], token)
                fake._record(Call("download", "download", {"path": urllib.parse.unquote(self.path)}, token, status))
                self._send(status, body, {"Content-Type": content_type})

            def _web_api(self, method: str, params: dict, token: str | None) -> None:
                if fake.token and method not in NO_TOKEN_METHODS and not fake.workspaces.accepts(token):
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
                response_name: str | None = None, team: str = TEAM_ID, **kwargs) -> tuple[Sent, str]:
        """Send `/policy <text>`; return the HTTP answer and the response_url's name."""
        n = next(self._ids)
        response_name = response_name or f"cmd-{n}"
        form = {
            "token": "legacy-verification-token", "team_id": team, "team_domain": "policy-test",
            "channel_id": channel, "channel_name": "general", "user_id": user, "user_name": "asker",
            "command": "/policy", "text": text, "api_app_id": "A0POLICY", "is_enterprise_install": "false",
            "response_url": self.fake.response_url(response_name), "trigger_id": f"{n}.1.abc",
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

    def app_home_opened(self, user: str = "U0ASKER", **kwargs) -> Sent:
        event = {"type": "app_home_opened", "user": user, "channel": "D0ASKER", "tab": "home",
                 "event_ts": f"{time.time():.6f}"}
        return self.event(event, **kwargs)
