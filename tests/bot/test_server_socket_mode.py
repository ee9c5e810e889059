"""Socket Mode, the mode the manifest ships with, over a live WebSocket.

A fake of Slack's Socket Mode endpoint (tests/fake_socket_mode.py) answers the app's
`apps.connections.open` with a `ws://127.0.0.1` URL and sends real envelopes: a slash
command, an Events API callback (and its retry), an interaction, then `disconnect`, after
which the client must reconnect and go on answering. Every envelope must be acknowledged
exactly once and answered exactly once. The last test runs `serve()` itself, as
`policybot serve` does, in its own process.
"""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from fake_slack import FakeSlackAPI
from fake_socket_mode import FakeSocketMode
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_harness import TOKEN, TrackingExecutor

from bot.app import build_app, build_runtime
from paths import ROOT

APP_TOKEN = "xapp-1-A0POLICY-1234-abcdef"


@pytest.fixture
def slack():
    """The fake Web API and the fake Socket Mode endpoint behind its apps.connections.open."""
    with FakeSlackAPI(token=TOKEN) as fake, FakeSocketMode() as socket_mode:
        fake.app_token = APP_TOKEN
        fake.connections_url = socket_mode.url
        yield fake, socket_mode


@pytest.fixture
def connected(slack, settings, engine, tmp_path):
    """The app, connected over Socket Mode as `serve` connects it."""
    fake, socket_mode = slack
    env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": fake.api_url}
    runtime = build_runtime(dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path}/policybot.db"),
                            env, engine=engine)
    listeners = TrackingExecutor()
    handler = SocketModeHandler(build_app(runtime, listener_executor=listeners), APP_TOKEN)
    try:
        handler.connect()
        socket_mode.wait_connected()
        yield fake, socket_mode, listeners
    finally:
        handler.close()
        listeners.shutdown()
        runtime.close()


def acknowledged_once(socket_mode, listeners, envelope_ids):
    """Wait for each envelope's acknowledgement and for the listeners; none may be acknowledged twice.

    The socket client sends an acknowledgement from its own worker, so it can arrive after
    the listener's answer: each is awaited, not assumed.
    """
    for envelope_id in envelope_ids:
        socket_mode.wait_ack(envelope_id)
    listeners.wait_idle()
    for envelope_id in envelope_ids:
        assert len(socket_mode.acks_for(envelope_id)) == 1, envelope_id


def ask_everything(fake, socket_mode, listeners, round_: int) -> list[str]:
    """Send a slash command, a DM (twice: Slack's retry), a button press; check each answer."""
    command = socket_mode.slash_command("search 人才飞地", fake.response_url(f"cmd-{round_}"))
    reply = socket_mode.wait_ack(command)["payload"]
    assert reply["response_type"] == "ephemeral" and "人才飞地" in json.dumps(reply, ensure_ascii=False)

    ts = f"1700000000.{round_:06d}"
    first = socket_mode.direct_message("unit 市金融工作局", ts, event_id=f"Ev0SOCKET{round_}")
    retry = socket_mode.direct_message("unit 市金融工作局", ts, event_id=f"Ev0SOCKET{round_}", retry_attempt=1)
    post = fake.wait_for_call("chat.postMessage", count=round_)[-1]
    assert post.params["thread_ts"] == ts and "协同发展科技金融" in json.dumps(post.params, ensure_ascii=False)

    more = socket_mode.button("more_results", json.dumps({"q": "target 研发", "o": 5}),
                              fake.response_url(f"more-{round_}"))
    page = fake.wait_for_call(f"more-{round_}")[0].params
    assert page["replace_original"] is True and "第 6–" in json.dumps(page, ensure_ascii=False)

    ids = [command, first, retry, more]
    acknowledged_once(socket_mode, listeners, ids)
    assert len(fake.calls_to("chat.postMessage")) == round_  # the retried event was answered once
    assert fake.calls_to(f"cmd-{round_}") == []  # the command was answered in its ack, not again
    assert len(fake.calls_to(f"more-{round_}")) == 1
    return ids


def test_envelopes_are_acked_and_answered_once_across_a_reconnect(connected):
    fake, socket_mode, listeners = connected
    before = ask_everything(fake, socket_mode, listeners, 1)
    socket_mode.disconnect()  # Slack's "refresh_requested": the client must open a new connection
    assert len(fake.calls_to("apps.connections.open")) == 2
    socket_mode.wait_for(lambda: socket_mode.closed >= 1)  # and let the old one go
    after = ask_everything(fake, socket_mode, listeners, 2)
    assert len(set(before + after)) == 8
    assert len(socket_mode.acks) == 8  # nothing acknowledged twice, nothing unasked


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_in_socket_mode_answers_over_the_socket_and_serves_the_viewer(slack, tmp_path):
    """`bot.server.serve` with SLACK_APP_TOKEN, in its own process, as `policybot serve` runs it."""
    fake, socket_mode = slack
    port = _free_port()
    env = {**os.environ, "SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": APP_TOKEN, "SLACK_API_URL": fake.api_url,
           "PYTHONUNBUFFERED": "1", "POLICYBOT_DATABASE_URL": f"sqlite:///{tmp_path}/policybot.db"}
    env.pop("SLACK_SIGNING_SECRET", None)
    code = ("import dataclasses, pathlib; from bot.settings import load_settings; from bot.server import serve; "
            f"serve(dataclasses.replace(load_settings(), cache_dir=pathlib.Path({str(tmp_path)!r})), "
            f"'127.0.0.1', {port})")
    process = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        socket_mode.wait_for(lambda: socket_mode.connections or process.poll() is not None, timeout=60)
        assert process.poll() is None, process.stdout.read()
        command = socket_mode.slash_command("unit 市金融工作局", fake.response_url("serve-cmd"))
        reply = socket_mode.wait_ack(command)["payload"]
        assert "协同发展科技金融" in json.dumps(reply, ensure_ascii=False)
        deadline = time.monotonic() + 30
        while True:  # the viewer starts beside the socket; wait for its port to open
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/d/guangyuan-2022-collaborative-innovation-"
                                            "action-plan", timeout=2) as response:
                    assert response.status == 200 and 'id="2.2.5"' in response.read().decode("utf-8")
                break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "the viewer did not start"
                time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=20)
    # uvicorn shuts down on SIGTERM, then re-raises it so a supervisor sees how the process ended.
    assert process.returncode in (0, -signal.SIGTERM) and "Finished server process" in output, output
    assert TOKEN not in output and APP_TOKEN not in output
    socket_mode.wait_for(lambda: socket_mode.closed >= 1)  # the socket was closed on the way out
    assert "Traceback" not in output
