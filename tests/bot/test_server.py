"""The HTTP front door, end to end: signatures, malformed bodies, rate limits, load, start-up.

The real app runs under uvicorn against the fake Slack; requests are signed exactly as Slack
signs them, and what reaches the fake is what a user would see.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from fake_slack import FakeSlackAPI, SlackSender, sign
from slack_harness import SECRET, TOKEN, make_runtime

from bot.app import SlackEnvironment, build_app
from bot.errors import ConfigError
from paths import ROOT



def answered(running, response_name):
    return [c for c in running.fake.calls if c.name == response_name]


# ---------------------------------------------------------------- Slack's handshake

def test_url_verification_echoes_the_challenge(running):
    sent = running.slack.url_verification("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
    assert sent.status == 200
    assert sent.json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_health_check(running):
    with urllib.request.urlopen(running.url.replace("/slack/events", "/healthz")) as response:
        assert response.status == 200 and response.read() == b"ok"


# ---------------------------------------------------------------- who may call

@pytest.mark.parametrize("headers", [
    {"signature": "v0=" + "0" * 64},                                  # wrong signature
    {"timestamp": str(int(time.time()) - 301)},                       # older than five minutes
    {"timestamp": str(int(time.time()) + 301)},                       # from the future
    {"timestamp": "not-a-number"},
    {"timestamp": "1e9"},
    {"timestamp": ""},
    {"signature": ""},
])
def test_unsigned_or_stale_requests_get_401_and_no_answer(running, headers):
    if "timestamp" in headers and "signature" not in headers:
        # Signed correctly for its (bad) timestamp: only the timestamp is wrong.
        form = b"command=%2Fpolicy&text=search+%E4%BA%BA%E6%89%8D%E9%A3%9E%E5%9C%B0&user_id=U1"
        headers = {**headers, "signature": sign(form, SECRET, headers["timestamp"])}
    sent, name = running.slack.command("search 人才飞地", response_name="should-not-answer", **headers)
    assert sent.status == 401
    assert "人才飞地" not in sent.text
    assert running.settle() == []


def test_a_signature_for_another_body_is_refused(running):
    timestamp = str(int(time.time()))
    signature = sign(b"command=%2Fpolicy&text=docs", SECRET, timestamp)
    sent, _ = running.slack.command("search 人才飞地", timestamp=timestamp, signature=signature)
    assert sent.status == 401


# ---------------------------------------------------------------- malformed bodies

@pytest.mark.parametrize("body, content_type", [
    (b"\xff\xfe\x00garbage\x81", "application/x-www-form-urlencoded"),
    ("text=研发".encode("gb18030"), "application/x-www-form-urlencoded"),
    (b'{"type": "event_callback", "event": ', "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
    (b"payload=%5B%5D", "application/x-www-form-urlencoded"),
])
def test_malformed_bodies_get_400_and_the_server_keeps_serving(running, body, content_type):
    signed = running.slack.post(body, content_type)
    unsigned = running.slack.post(body, content_type, signature="v0=bad")
    assert (signed.status, unsigned.status) == (400, 400)
    sent, _ = running.slack.command("search 人才飞地")
    assert sent.status == 200 and "人才飞地" in sent.text


# ---------------------------------------------------------------- Slack under pressure

def test_429_on_chat_post_message_is_waited_out_and_the_reply_arrives(running):
    running.fake.rate_limit("chat.postMessage", times=1, retry_after=1)
    started = time.monotonic()
    sent, event = running.slack.direct_message("search 人才飞地")
    assert sent.status == 200
    posted = running.fake.wait_for_call("chat.postMessage", timeout=8)[0]
    limited = [c for c in running.fake.calls if c.name == "chat.postMessage" and c.status == 429]
    assert len(limited) == 1
    assert posted.at - limited[0].at >= 1.0 and time.monotonic() - started < 8
    assert posted.params["thread_ts"] == event["ts"]
    assert "人才飞地" in json.dumps(posted.params, ensure_ascii=False)


def test_429_on_the_response_url_is_waited_out(running):
    running.fake.rate_limit("more-429", times=1, retry_after=1)
    value = json.dumps({"q": "target 研发", "o": 5}, ensure_ascii=False)
    sent, _ = running.slack.block_action("more_results", value, response_name="more-429")
    assert sent.status == 200
    delivered = running.fake.wait_for_call("more-429", timeout=8)[0]
    assert delivered.params["replace_original"] is True
    assert len(running.fake.calls_to("more-429", ok_only=False)) == 2


def test_twenty_concurrent_slash_commands_are_all_answered_within_3_seconds(running):
    queries = ["target 研发", "lead-unit 科技成果转化示范区", "unit 市金融工作局", "search 人才飞地", "docs"] * 4

    def ask(query):
        started = time.monotonic()
        sent, _ = running.slack.command(query)
        return sent, time.monotonic() - started

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(ask, queries))
    elapsed = time.monotonic() - started
    assert elapsed < 3.0
    for (sent, took), query in zip(results, queries):
        assert sent.status == 200 and took < 3.0
        body = sent.json()
        assert body["response_type"] == "ephemeral"
        assert body["blocks"], query


# ---------------------------------------------------------------- configuration

def test_slack_api_url_points_every_call_at_another_host(settings, engine, tmp_path):
    with FakeSlackAPI(token=TOKEN) as fake:
        runtime = make_runtime(settings, fake, tmp_path, engine=engine)
        try:
            app = build_app(runtime)
        finally:
            runtime.close()
        assert app.client.base_url == fake.api_url
        assert fake.calls_to("auth.test")  # the token check at start went to the fake too


def test_missing_secrets_are_named_together():
    with pytest.raises(ConfigError) as caught:
        SlackEnvironment.from_env({})
    message = str(caught.value)
    assert "SLACK_BOT_TOKEN" in message and "SLACK_SIGNING_SECRET" in message
    with pytest.raises(ConfigError, match="SLACK_SIGNING_SECRET"):
        SlackEnvironment.from_env({"SLACK_BOT_TOKEN": "xoxb-1"})
    socket_mode = SlackEnvironment.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"})
    assert socket_mode.socket_mode and socket_mode.signing_secret is None


def test_a_rejected_bot_token_is_a_clear_error(settings, engine, tmp_path):
    with FakeSlackAPI(token="xoxb-the-right-one") as fake:
        runtime = make_runtime(settings, fake, tmp_path, engine=engine)
        try:
            with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
                build_app(runtime)
        finally:
            runtime.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_loads_the_corpus_then_answers_over_http(tmp_path):
    """`bot.server.serve` in its own process, as `policybot serve` runs it."""
    with FakeSlackAPI(token=TOKEN) as fake:
        port = _free_port()
        env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET,
               "SLACK_API_URL": fake.api_url, "PYTHONUNBUFFERED": "1",
               "POLICYBOT_DATABASE_URL": f"sqlite:///{tmp_path}/policybot.db"}
        env.pop("SLACK_APP_TOKEN", None)
        code = ("import dataclasses, pathlib, sys; from bot.settings import load_settings; from bot.server import serve; "
                f"serve(dataclasses.replace(load_settings(), cache_dir=pathlib.Path({str(tmp_path)!r})), "
                f"'127.0.0.1', {port})")
        process = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                        break
                except OSError:
                    assert process.poll() is None, process.stdout.read()
                    assert time.monotonic() < deadline, "serve did not start"
                    time.sleep(0.1)
            slack = SlackSender(f"http://127.0.0.1:{port}/slack/events", SECRET, fake)
            started = time.monotonic()
            sent, _ = slack.command("unit 市金融工作局")
            assert sent.status == 200 and "协同发展科技金融" in sent.text
            assert time.monotonic() - started < 1.0  # warmed before accepting requests
            assert slack.post(b"\xff", "application/json").status == 400
        finally:
            process.terminate()
            output, _ = process.communicate(timeout=10)
        assert TOKEN not in output and SECRET not in output
        lines = [json.loads(line.split(" policybot.requests ", 1)[1]) for line in output.splitlines()
                 if " policybot.requests " in line]
        assert {"event": "request", "surface": "command", "command": "/policy", "intent": "unit", "results": 1,
                "status": "ok", "error_id": None}.items() <= lines[0].items()
        assert lines[1]["event"] == "rejected" and lines[1]["status"] == 400


def test_serve_without_secrets_names_the_missing_variable(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env["POLICYBOT_DATABASE_URL"] = f"sqlite:///{tmp_path}/policybot.db"
    code = "from bot.settings import load_settings; from bot.server import serve; serve(load_settings())"
    result = subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode != 0
    assert "SLACK_BOT_TOKEN" in result.stderr and "SLACK_SIGNING_SECRET" in result.stderr
