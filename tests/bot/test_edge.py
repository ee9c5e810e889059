"""The HTTP edge under hostile input: every probe of issue 10's "The HTTP endpoint", end to end.

The real app runs under uvicorn with the configuration `policybot serve` uses (short
timeouts here, so the test waits a second, not ten). Requests go over raw sockets where an
HTTP client library would refuse to send them (a silent connection, a head one byte at a
time, a body that never ends). Waits are for the server to answer or close, never sleeps.
"""
from __future__ import annotations

import json
import logging
import socket
import time

import pytest
from fake_slack import sign
from http_probes import closed_after, connect, read_response, signed_head
from slack_harness import SECRET, running_bot

from bot.edge import EdgeLimits, Rejection, nests_deeper_than, parse_body, request_timestamp

LIMITS = EdgeLimits(body_seconds=1.0, header_seconds=1.0, keep_alive_seconds=1.0)
MiB = 1 << 20


@pytest.fixture(scope="module")
def bot(settings, engine, tmp_path_factory):
    with running_bot(settings, tmp_path_factory.mktemp("db"), engine=engine, limits=LIMITS) as bot:
        yield bot


@pytest.fixture
def running(bot, caplog):
    bot.fake.reset()
    caplog.set_level(logging.INFO)
    yield bot
    bot.settle()


def rejections(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records
            if r.name == "policybot.requests" and '"rejected"' in r.getMessage()]


def assert_one_line_and_no_traceback(caplog, status: int) -> None:
    lines = rejections(caplog)
    assert [line["status"] for line in lines] == [status], lines
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def assert_still_serving(running) -> None:
    sent, _ = running.slack.command("search 人才飞地")
    assert sent.status == 200 and "人才飞地" in sent.text


# ---------------------------------------------------------------- the checks, as functions

@pytest.mark.parametrize("value", ["²", "١٧٠٠٠٠٠٠٠٠", "1" * 5000, "1" * 13, "+1700000000", " 1700000000",
                                   ""])
def test_only_short_ascii_digit_timestamps_are_read(value):
    with pytest.raises(Rejection) as caught:
        request_timestamp(value)
    assert caught.value.status == 401


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


SLACK_PAYLOADS = [
    {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"value": '{"q": "target [研发]", "o": 5}'}],
     "message": {"blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "a \\\" [ { b"}}]}},
    {"type": "view_submission", "view": {"state": {"values": {"b": {"a": {"selected_options": [{"text": {
        "type": "plain_text", "text": "]]]}}}"}}]}}}}}},
    {"token": "x", "event": {"type": "message", "text": "\\", "blocks": []}, "authorizations": [{}]},
]


@pytest.mark.parametrize("payload", SLACK_PAYLOADS)
def test_the_depth_count_agrees_with_the_parsed_structure(payload):
    text = json.dumps(payload, ensure_ascii=False)
    depth = _depth(payload)
    assert not nests_deeper_than(text, depth)
    assert nests_deeper_than(text, depth - 1)


def test_the_depth_count_is_linear_on_hostile_text():
    hostile = ['"\\"' * (MiB // 3), "[" * MiB, "[]" * (MiB // 2), '["' * (MiB // 2), "{" + '"a":[' * (MiB // 5)]
    for text in hostile:
        started = time.perf_counter()
        nests_deeper_than(text, 64)
        assert time.perf_counter() - started < 1.0, text[:20]


@pytest.mark.parametrize("body, content_type, reason", [
    (b"[" * 1000 + b"]" * 1000, "application/json", "nested deeper"),
    (b"[" * 100_000, "application/json", "nested deeper"),
    (b'{"a":' * 1000 + b"1" + b"}" * 1000, "application/json", "nested deeper"),
    (b"payload=" + b"%5B" * 1000 + b"%5D" * 1000, "application/x-www-form-urlencoded", "nested deeper"),
    (b'{"n": ' + b"9" * 5000 + b"}", "application/json", "not valid JSON"),
    (b"&".join(b"f%d=1" % i for i in range(500)), "application/x-www-form-urlencoded", "more than 100 fields"),
])
def test_bodies_that_would_exhaust_the_parser_are_400(body, content_type, reason):
    with pytest.raises(Rejection) as caught:
        parse_body(body, content_type)
    assert caught.value.status == 400 and reason in caught.value.reason


# ---------------------------------------------------------------- timestamps and JSON, over HTTP

@pytest.mark.parametrize("timestamp", ["²", "1" * 5000])
def test_odd_timestamps_get_401_with_one_log_line(running, caplog, timestamp):
    form = b"command=%2Fpolicy&text=docs&user_id=U1"
    sent = running.slack.post(form, "application/x-www-form-urlencoded", timestamp=timestamp,
                              signature=sign(form, SECRET, timestamp))
    assert sent.status == 401
    assert_one_line_and_no_traceback(caplog, 401)
    assert_still_serving(running)


@pytest.mark.parametrize("body, content_type", [
    (b'{"type": "event_callback", "event": ' * 1000 + b"{}" + b"}" * 1000, "application/json"),
    (b"payload=" + b"%5B" * 1000 + b"%5D" * 1000, "application/x-www-form-urlencoded"),
])
def test_json_nested_a_thousand_deep_gets_400_with_one_log_line(running, caplog, body, content_type):
    assert running.slack.post(body, content_type).status == 400
    assert_one_line_and_no_traceback(caplog, 400)
    assert "nested deeper than 64" in rejections(caplog)[0]["reason"]
    assert_still_serving(running)


@pytest.mark.parametrize("body, content_type", [
    (b'{"type": "event_callback", "event": "x"}', "application/json"),
    (b'{"type": "event_callback"}', "application/json"),
    (b'{"type": "event_callback", "event": {"type": 5}}', "application/json"),
    (b'{"type": "event_callback", "authorizations": "x", "event": {"type": "message"}}', "application/json"),
    (b"payload=" + json.dumps({"type": "block_actions", "actions": "x"}).encode(), "application/x-www-form-urlencoded"),
    (b"payload=" + json.dumps({"type": "view_submission", "view": None}).encode(), "application/x-www-form-urlencoded"),
    (b"payload=" + json.dumps({"type": ["block_actions"]}).encode(), "application/x-www-form-urlencoded"),
])
def test_signed_payloads_of_the_wrong_shape_get_400_not_a_traceback(running, caplog, body, content_type):
    """Signed, so only Slack (or a holder of the secret) could send them; Bolt would still raise."""
    assert running.slack.post(body, content_type).status == 400
    assert_one_line_and_no_traceback(caplog, 400)
    assert running.settle() == []  # nothing reached Slack


# ---------------------------------------------------------------- bodies too large

def test_a_declared_256_mib_body_is_refused_before_any_of_it_is_sent(running, caplog):
    with connect(running) as sock:
        sock.sendall(signed_head(f"Content-Length: {256 * MiB}\r\n"))
        response = read_response(sock)
        assert response is not None and response[0] == 413
        assert closed_after(sock) < 5  # and the connection is closed: no body will be read
    assert_one_line_and_no_traceback(caplog, 413)
    assert_still_serving(running)


def test_a_chunked_body_is_cut_off_at_the_cap(running, caplog):
    """A sender streaming 64 MiB is stopped after the first megabyte or so (plus socket buffers)."""
    chunk = b"x" * 65536
    frame = b"%x\r\n%s\r\n" % (len(chunk), chunk)
    sent = 0
    cut_off = False
    with connect(running, timeout=5) as sock:
        sock.sendall(signed_head("Transfer-Encoding: chunked\r\n"))
        try:
            while sent < 64 * MiB:
                sock.sendall(frame)
                sent += len(chunk)
        except (BrokenPipeError, ConnectionResetError, socket.timeout):
            cut_off = True
        response = read_response(sock)
    assert cut_off, "the server read all 64 MiB"
    assert sent < 24 * MiB
    assert response is None or response[0] == 413
    lines = rejections(caplog)
    assert [line["status"] for line in lines] == [413] and "over the limit of 1048576" in lines[0]["reason"]
    assert_still_serving(running)


# ---------------------------------------------------------------- slow and silent connections

def test_a_silent_connection_is_closed(running, caplog):
    with connect(running) as sock:
        waited = closed_after(sock)
    assert LIMITS.header_seconds * 0.8 < waited < LIMITS.header_seconds + 3
    assert_one_line_and_no_traceback(caplog, 408)


def test_a_request_head_sent_a_byte_at_a_time_is_cut_off(running, caplog):
    head = signed_head("Content-Length: 2\r\n")
    started = time.monotonic()
    closed = False
    with connect(running) as sock:
        try:
            for byte in head[:-4]:  # never the blank line that ends the head
                sock.sendall(bytes([byte]))
                if closes_within(sock, 0.05):
                    closed = True
                    break
        except (BrokenPipeError, ConnectionResetError):
            closed = True
    assert closed and time.monotonic() - started < LIMITS.header_seconds + 3
    assert_one_line_and_no_traceback(caplog, 408)


def closes_within(sock: socket.socket, wait: float) -> bool:
    """Whether the server closes the connection within `wait` seconds."""
    sock.settimeout(wait)
    try:
        return sock.recv(1) == b""
    except socket.timeout:
        return False
    except ConnectionResetError:
        return True
    finally:
        sock.settimeout(10)


def test_a_body_that_never_finishes_gets_408(running, caplog):
    with connect(running) as sock:
        sock.sendall(signed_head("Content-Length: 1000\r\n") + b'{"type": ')
        response = read_response(sock)
        assert response is not None and response[0] == 408
        assert closed_after(sock) < 5
    assert_one_line_and_no_traceback(caplog, 408)


def test_an_idle_keep_alive_connection_is_closed(running):
    with connect(running) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert read_response(sock) == (200, b"ok")
        assert closed_after(sock) < LIMITS.keep_alive_seconds + 3


def test_a_second_request_that_stalls_after_one_byte_is_closed(running, caplog):
    """uvicorn forgets its keep-alive timeout at the first byte of the next request."""
    with connect(running) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert read_response(sock) == (200, b"ok")
        sock.sendall(b"G")
        assert closed_after(sock) < LIMITS.header_seconds + 3
    assert_one_line_and_no_traceback(caplog, 408)


def test_oversized_headers_and_garbage_get_one_line_and_no_traceback(running, caplog):
    for request in (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (LIMITS.max_header_bytes * 8) + b"\r\n\r\n",
                    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n"):
        with connect(running) as sock:
            sock.sendall(request)
            response = read_response(sock)
            assert response is not None and response[0] == 400
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert_still_serving(running)
