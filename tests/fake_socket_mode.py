"""A fake of Slack's Socket Mode endpoint: a live WebSocket server on 127.0.0.1.

`apps.connections.open` on the fake Web API (`FakeSlackAPI.socket_url`) hands out this
server's `ws://` URL with a fresh ticket; each client that connects gets Slack's `hello`,
then the envelopes a test sends, shaped as Slack sends them (slash commands, Events API
callbacks, interactivity payloads, and `disconnect` to make the client reconnect). What the
app sends back (the acknowledgements, each naming an envelope) is recorded, and tests wait
on it, never on a clock.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import ServerConnection, serve

from fake_slack import BOT_USER_ID, TEAM_ID


class FakeSocketMode:
    """Slack's side of Socket Mode: the server, its connections, and every acknowledgement received."""

    def __init__(self) -> None:
        self._server = serve(self._session, "127.0.0.1", 0, compression=None, ping_interval=None)
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-socket-mode", daemon=True)
        self._tickets = itertools.count(1)
        self._envelopes = itertools.count(1)
        self._changed = threading.Condition()
        self.connections: list[ServerConnection] = []  # in the order clients connected
        self.acks: list[dict[str, Any]] = []  # what clients sent back, in order
        self.closed = 0

    def __enter__(self) -> "FakeSocketMode":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(10)

    def url(self) -> str:
        """A new connection URL, as `apps.connections.open` returns one."""
        host, port = self._server.socket.getsockname()[:2]
        return f"ws://{host}:{port}/link/?ticket={next(self._tickets)}&app_id=A0POLICY"

    # -- the server side of one connection

    def _session(self, connection: ServerConnection) -> None:
        connection.send(json.dumps({"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0POLICY"},
                                    "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060}}))
        with self._changed:
            self.connections.append(connection)
            self._changed.notify_all()
        try:
            for message in connection:
                with self._changed:
                    self.acks.append(json.loads(message))
                    self._changed.notify_all()
        except ConnectionClosed:
            pass
        finally:
            with self._changed:
                self.closed += 1
                self._changed.notify_all()

    # -- what a test does

    def wait_for(self, predicate, timeout: float = 10.0):
        """Wait until `predicate()` is truthy and return its value."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"timed out; {len(self.connections)} connection(s), acks: {self.acks}")
                self._changed.wait(remaining)
            return result

    def wait_connected(self, count: int = 1) -> ServerConnection:
        """Wait for the `count`-th connection and return it."""
        return self.wait_for(lambda: len(self.connections) >= count and self.connections[count - 1])

    def acks_for(self, envelope_id: str) -> list[dict[str, Any]]:
        with self._changed:
            return [a for a in self.acks if a.get("envelope_id") == envelope_id]

    def wait_ack(self, envelope_id: str) -> dict[str, Any]:
        return self.wait_for(lambda: self.acks_for(envelope_id))[0]

    def send(self, kind: str, payload: dict[str, Any], *, accepts_response_payload: bool = False,
             retry_attempt: int = 0) -> str:
        """Send an envelope on the newest connection; return its id."""
        envelope_id = f"env-{next(self._envelopes):04d}-{int(time.time())}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload,
                    "accepts_response_payload": accepts_response_payload}
        if kind == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason="timeout" if retry_attempt else "")
        self.wait_connected()
        self.connections[-1].send(json.dumps(envelope))
        return envelope_id

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the client to reconnect, as Slack does before it recycles a connection."""
        count = len(self.connections)
        self.connections[-1].send(json.dumps({"type": "disconnect", "reason": reason,
                                              "debug_info": {"host": "applink-fake"}}))
        self.wait_connected(count + 1)

    # -- envelopes, shaped as Slack sends them

    def slash_command(self, text: str, response_url: str, *, user: str = "U0ASKER", channel: str = "C0GENERAL") -> str:
        return self.send("slash_commands", {
            "token": "legacy-verification-token", "team_id": TEAM_ID, "team_domain": "policy-test",
            "channel_id": channel, "channel_name": "general", "user_id": user, "user_name": "asker",
            "command": "/policy", "text": text, "api_app_id": "A0POLICY", "is_enterprise_install": "false",
            "response_url": response_url, "trigger_id": f"{next(self._envelopes)}.1.abc"},
            accepts_response_payload=True)

    def direct_message(self, text: str, ts: str, *, event_id: str, retry_attempt: int = 0,
                       user: str = "U0ASKER") -> str:
        event = {"type": "message", "channel": "D0ASKER", "channel_type": "im", "user": user, "text": text,
                 "ts": ts, "event_ts": ts, "team": TEAM_ID, "client_msg_id": f"msg-{ts}"}
        return self.send("events_api", {
            "token": "legacy-verification-token", "team_id": TEAM_ID, "api_app_id": "A0POLICY", "event": event,
            "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
            "authorizations": [{"enterprise_id": None, "team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True,
                                "is_enterprise_install": False}]}, retry_attempt=retry_attempt)

    def button(self, action_id: str, value: str, response_url: str, *, user: str = "U0ASKER") -> str:
        return self.send("interactive", {
            "type": "block_actions", "user": {"id": user, "username": "asker", "team_id": TEAM_ID},
            "api_app_id": "A0POLICY", "team": {"id": TEAM_ID, "domain": "policy-test"},
            "container": {"type": "message", "message_ts": "1.000001", "channel_id": "C0GENERAL",
                          "is_ephemeral": True},
            "channel": {"id": "C0GENERAL", "name": "general"}, "response_url": response_url,
            "trigger_id": f"{next(self._envelopes)}.2.def",
            "actions": [{"type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                         "action_ts": f"{time.time():.6f}"}]})
