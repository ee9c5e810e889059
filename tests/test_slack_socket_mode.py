"""Socket Mode runs the same listeners: envelopes go through Bolt's Socket Mode handler.

No WebSocket here: the handler's `handle(client, request)` is what the socket client calls
for each envelope, so a recording client stands in for the connection.
"""
from __future__ import annotations

import dataclasses
import json

import pytest
from fake_slack import BOT_USER_ID, TEAM_ID, FakeSlackAPI
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_harness import TOKEN, TrackingExecutor

from bot.app import build_app, build_runtime


class RecordingSocket:
    """Stands in for the WebSocket client: keeps the acknowledgements sent back to Slack."""

    def __init__(self, logger):
        self.logger = logger
        self.responses = []

    def send_socket_mode_response(self, response):
        self.responses.append(response)


@pytest.fixture
def socket_app(settings, engine, tmp_path):
    with FakeSlackAPI(token=TOKEN) as fake:
        env = {"SLACK_BOT_TOKEN": TOKEN, "SLACK_APP_TOKEN": "xapp-1-test", "SLACK_API_URL": fake.api_url}
        runtime = build_runtime(dataclasses.replace(settings, database_url=f"sqlite:///{tmp_path}/policybot.db"),
                                env, engine=engine)
        listeners = TrackingExecutor()
        app = build_app(runtime, listener_executor=listeners)
        handler = SocketModeHandler(app, app_token="xapp-1-test")
        socket = RecordingSocket(app.logger)
        yield fake, handler, socket, listeners
        handler.client.close()
        listeners.shutdown()
        runtime.close()


def envelope(kind, payload, n=1, retry=None):
    return SocketModeRequest(type=kind, envelope_id=f"env-{n}", payload=payload, accepts_response_payload=True,
                             retry_attempt=retry, retry_reason="timeout" if retry else None)


def test_slash_command_is_answered_in_the_socket_ack(socket_app):
    fake, handler, socket, listeners = socket_app
    payload = {"command": "/policy", "text": "search 人才飞地", "user_id": "U0ASKER", "channel_id": "C0GENERAL",
               "team_id": TEAM_ID, "response_url": fake.response_url("sock-cmd"), "trigger_id": "1.2.3"}
    handler.handle(socket, envelope("slash_commands", payload))
    reply = socket.responses[0].payload
    assert reply["response_type"] == "ephemeral"
    assert "人才飞地" in json.dumps(reply, ensure_ascii=False)


def test_dm_event_is_answered_once_even_when_redelivered(socket_app):
    fake, handler, socket, listeners = socket_app
    event = {"type": "message", "channel": "D0ASKER", "channel_type": "im", "user": "U0ASKER",
             "text": "unit 市金融工作局", "ts": "1700000000.000100"}
    body = {"type": "event_callback", "team_id": TEAM_ID, "event_id": "Ev0SOCKET", "event": event,
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}]}
    handler.handle(socket, envelope("events_api", body, 1))
    handler.handle(socket, envelope("events_api", body, 2, retry=1))
    post = fake.wait_for_call("chat.postMessage")[0]
    assert post.params["thread_ts"] == "1700000000.000100"
    listeners.wait_idle()
    assert len(fake.calls_to("chat.postMessage")) == 1


def test_button_reply_goes_to_the_response_url(socket_app):
    fake, handler, socket, listeners = socket_app
    payload = {"type": "block_actions", "user": {"id": "U0ASKER"}, "team": {"id": TEAM_ID},
               "container": {"type": "message", "is_ephemeral": True, "channel_id": "C0GENERAL"},
               "channel": {"id": "C0GENERAL"}, "response_url": fake.response_url("sock-more"),
               "actions": [{"type": "button", "action_id": "more_results", "block_id": "b",
                            "value": json.dumps({"q": "target 研发", "o": 5})}]}
    handler.handle(socket, envelope("interactive", payload))
    page = fake.wait_for_call("sock-more")[0].params
    assert page["replace_original"] is True and "第 6–" in json.dumps(page, ensure_ascii=False)
