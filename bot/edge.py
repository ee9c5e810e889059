"""The checks a request to the Slack endpoint passes before Bolt sees it: size, shape, signature.

Anyone can reach the endpoint, so every check here is bounded in time and memory whatever
the sender does, and refuses with an HTTP status and a one-line reason, never an exception
that would turn into a 500 and a traceback. No web framework is imported here: the server
(`bot.server`) reads the body within `EdgeLimits` and hands the bytes to these functions.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

MAX_AGE_SECONDS = 5 * 60  # Slack's rule: reject a request signed more than five minutes ago

# A Unix time in seconds has 10 digits until the year 2286; 12 leaves room and keeps `int()`
# away from the thousands of digits that make it slow, or raise (Python's digit limit).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: `str.isdigit` also takes `²` and `٣`
_DECLARED_LENGTH = re.compile(r"[0-9]{1,19}")
# A JSON string, possessive so that no input makes the scan go back; an unterminated string runs
# to the end of the text (a later quote is not the start of another string), so one pass is linear.
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\\?\Z)', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_OBJECTS_AS_ARRAYS = str.maketrans("{}", "[]")
# Keys of Slack's payloads that Bolt and the listeners read as objects, or lists of objects,
# without checking: another type there raises deep inside Bolt (a 500 and a traceback).
# Slack sends `team` (org-wide installs) and a few others as null, so null passes.
_OBJECT_KEYS = ("event", "view", "user", "team", "channel", "container", "message", "enterprise")
_LIST_KEYS = ("actions", "authorizations")
_REQUIRED = {"event_callback": "event", "block_actions": "actions", "view_submission": "view",
             "view_closed": "view", "shortcut": "user", "message_action": "message"}


@dataclass(frozen=True)
class EdgeLimits:
    """What one HTTP request may cost before it is refused, and how long a connection may idle.

    Attributes:
        max_body_bytes: a larger body gets 413 (by its Content-Length before any of it is read,
            or as soon as a streamed body passes the cap). Slack's payloads are a few kilobytes.
        max_json_depth: JSON nested deeper gets 400 (Slack's deepest, a modal's state, is ~12).
        max_form_fields: a form with more fields gets 400 (a slash command has about 15).
        body_seconds: time allowed to receive the whole body once the headers are in (408 after).
        header_seconds: time allowed from connecting to a complete request head (closed after).
        keep_alive_seconds: an idle connection between requests is closed after this long.
        max_header_bytes: a request head larger than this gets 400 from the HTTP parser.
        max_connections: connections and requests in flight above this get 503.
    """

    max_body_bytes: int = 1 << 20
    max_json_depth: int = 64
    max_form_fields: int = 100
    body_seconds: float = 10.0
    header_seconds: float = 10.0
    keep_alive_seconds: float = 5.0
    max_header_bytes: int = 16 * 1024
    max_connections: int = 1000


class Rejection(Exception):
    """A request refused before it reaches Bolt, with the HTTP status to answer."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def declared_length(value: str | None, limit: int) -> int | None:
    """Return the body size a `Content-Length` header declares, or None when there is none.

    Raises:
        Rejection: 400 when it is not a plain number, 413 when it is over `limit`.
    """
    if value is None:
        return None
    value = value.strip()
    if not _DECLARED_LENGTH.fullmatch(value):
        raise Rejection(400, "Content-Length is not a number")
    length = int(value)
    if length > limit:
        raise Rejection(413, f"body of {length} bytes declared, over the limit of {limit}")
    return length


def request_timestamp(value: str) -> int:
    """Read Slack's `X-Slack-Request-Timestamp`: ASCII digits, at most 12 of them.

    Raises:
        Rejection: 401 for anything else.
    """
    if not _TIMESTAMP.fullmatch(value):
        raise Rejection(401, "timestamp missing or not a number")
    return int(value)


def verify_signature(body: bytes, headers: Mapping[str, str], signing_secret: str, now: float,
                     max_age: int = MAX_AGE_SECONDS) -> None:
    """Check Slack's signature over the raw bytes, and that it was made in the last five minutes.

    Raises:
        Rejection: 401 for a missing, malformed or stale timestamp, or a wrong signature.
    """
    raw_timestamp = headers.get("x-slack-request-timestamp", "")
    timestamp = request_timestamp(raw_timestamp)
    if abs(now - timestamp) > max_age:
        raise Rejection(401, "timestamp too old")
    digest = hmac.new(signing_secret.encode(), b"v0:" + raw_timestamp.encode() + b":" + body, hashlib.sha256)
    # Compared as bytes: `compare_digest` raises on a str that is not ASCII, and headers are any latin-1.
    signature = headers.get("x-slack-signature", "").encode("latin-1", "replace")
    if not hmac.compare_digest(b"v0=" + digest.hexdigest().encode(), signature):
        raise Rejection(401, "signature mismatch")


def nests_deeper_than(text: str, limit: int) -> bool:
    """Whether the arrays and objects of JSON `text` nest more than `limit` levels deep.

    Counted without parsing, in a few passes of C-speed string operations: strings are
    dropped, then every innermost `[]` pair is removed per pass, so a well-formed document
    of depth d is empty after d passes. Brackets that never pair up (a truncated body) count
    as the depth a parser would reach before failing.
    """
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text)).translate(_OBJECTS_AS_ARRAYS)
    if brackets.count("[") <= limit:
        return False
    passes = 0
    while passes <= limit:
        inner_removed = brackets.replace("[]", "")
        if inner_removed == brackets:
            break
        brackets, passes = inner_removed, passes + 1
    return passes + brackets.count("[") > limit


def load_json(text: str, limits: EdgeLimits) -> Any:
    """Parse JSON no deeper than `limits.max_json_depth`.

    Raises:
        Rejection: 400 when it is too deep or not valid JSON.
    """
    if nests_deeper_than(text, limits.max_json_depth):
        raise Rejection(400, f"JSON nested deeper than {limits.max_json_depth} levels")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:  # ValueError covers numbers past Python's digit limit
        raise Rejection(400, f"body is not valid JSON ({exc.__class__.__name__})") from None


def parse_body(body: bytes, content_type: str, limits: EdgeLimits = EdgeLimits()) -> dict[str, Any]:
    """Parse a Slack request body as Slack sends it: JSON, or a form, maybe with a JSON `payload`.

    Raises:
        Rejection: 400 when the body is not UTF-8, the JSON is invalid, too deep or not an
            object, or the form has too many fields.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejection(400, "body is not UTF-8") from None
    if content_type.startswith("application/json") or text.lstrip().startswith("{"):
        data = load_json(text, limits)
    else:
        try:
            form = dict(parse_qsl(text, keep_blank_values=True, max_num_fields=limits.max_form_fields))
        except ValueError:
            raise Rejection(400, f"form has more than {limits.max_form_fields} fields") from None
        data = load_json(form["payload"], limits) if "payload" in form else form
    if not isinstance(data, dict):
        raise Rejection(400, "body is not a JSON object")
    check_shape(data)
    return data


def check_shape(data: dict[str, Any]) -> None:
    """Check the parts of a Slack payload that Bolt reads without checking have the types Slack sends.

    Raises:
        Rejection: 400 naming the first key of the wrong type, or a key the payload's type requires.
    """
    kind = data.get("type")
    if kind is not None and not isinstance(kind, str):
        raise Rejection(400, "payload key 'type' must be a string")
    for key in _OBJECT_KEYS:
        if data.get(key) is not None and not isinstance(data[key], dict):
            raise Rejection(400, f"payload key {key!r} must be an object")
    for key in _LIST_KEYS:
        value = data.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
            raise Rejection(400, f"payload key {key!r} must be a list of objects")
    required = _REQUIRED.get(kind or "")
    if required and not data.get(required):
        raise Rejection(400, f"a {kind} payload needs {required!r}")
    event = data.get("event")
    if isinstance(event, dict) and not isinstance(event.get("type"), str):
        raise Rejection(400, "payload key 'event.type' must be a string")
