"""Run the real app over HTTP (Starlette + uvicorn) against the fake Slack, for a test."""
from __future__ import annotations

import dataclasses
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import uvicorn
from fake_slack import FakeSlackAPI, SlackSender
from slack_bolt import App

from bot.app import Runtime, build_app, build_runtime
from bot.edge import EdgeLimits
from bot.server import EVENTS_PATH, create_asgi_app, server_config

TOKEN = "xoxb-test-token-0123456789"
LOOKUPS = ("auth.test", "users.info")
SECRET = "test-signing-secret-abcdef"


class TrackingExecutor(ThreadPoolExecutor):
    """The listeners' pool, able to say when every listener has finished (tests await that, not a sleep)."""

    def __init__(self) -> None:
        super().__init__(max_workers=32, thread_name_prefix="test-listener")
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn, /, *args, **kwargs):
        with self._idle:
            self._pending += 1

        def run():
            try:
                return fn(*args, **kwargs)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

        return super().submit(run)

    def wait_idle(self, timeout: float = 10.0) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._pending == 0, timeout):
                raise AssertionError(f"{self._pending} listener(s) still running after {timeout} s")


@dataclass
class RunningApp:
    fake: FakeSlackAPI
    slack: SlackSender
    app: App
    url: str
    runtime: Runtime
    listeners: TrackingExecutor

    @property
    def services(self):
        return self.runtime.services

    def settle(self) -> list[str]:
        """Wait until every listener is done; return the Web API calls made, lookups left out.

        Lookups (the token check, a user's locale) say nothing to anyone; what is left is what
        the app did in Slack.
        """
        self.listeners.wait_idle()
        return [c.name for c in self.fake.calls if c.name not in LOOKUPS]


def slack_env(fake: FakeSlackAPI) -> dict[str, str]:
    """The environment `policybot serve` reads, pointed at the fake Slack."""
    return {"SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.api_url}


def make_runtime(settings, fake: FakeSlackAPI, folder, *, engine=None, clock=None, **overrides) -> Runtime:
    """The runtime `policybot serve` builds, with Slack faked and its database in `folder`
    (unless `database_url` names another)."""
    overrides.setdefault("database_url", f"sqlite:///{folder}/policybot.db")
    settings = dataclasses.replace(settings, **overrides)
    return build_runtime(settings, slack_env(fake), engine=engine, clock=clock)



@contextmanager
def serve_in_thread(asgi, limits: EdgeLimits = EdgeLimits()) -> Iterator[str]:
    """Serve an ASGI app as `policybot serve` does, on 127.0.0.1 (free port) in a thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(server_config(asgi, "127.0.0.1", port, limits))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="app-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app server did not start")
        time.sleep(0.005)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def running_app(runtime: Runtime, fake: FakeSlackAPI, limits: EdgeLimits = EdgeLimits()) -> Iterator[RunningApp]:
    """Build the Bolt app over `runtime` and serve it over HTTP until the block ends."""
    listeners = TrackingExecutor()
    app = build_app(runtime, listener_executor=listeners)
    try:
        with serve_in_thread(create_asgi_app(app, signing_secret=SECRET, limits=limits,
                                             engine=runtime.services.engine), limits) as base:
            url = base + EVENTS_PATH
            yield RunningApp(fake, SlackSender(url, SECRET, fake), app, url, runtime, listeners)
    finally:
        listeners.shutdown(wait=True)


@contextmanager
def running_bot(settings, folder, *, limits: EdgeLimits = EdgeLimits(), **runtime_options) -> Iterator[RunningApp]:
    """A fake Slack, a runtime and the app served over HTTP: everything one module of tests shares."""
    with FakeSlackAPI(token=TOKEN) as fake:
        runtime = make_runtime(settings, fake, folder, **runtime_options)
        try:
            with running_app(runtime, fake, limits) as running:
                yield running
        finally:
            runtime.close()
