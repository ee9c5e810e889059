"""Run the real app over HTTP (Starlette + uvicorn) against the fake Slack, for a test."""
from __future__ import annotations

import dataclasses
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterator

import uvicorn
from fake_slack import FakeSlackAPI, SlackSender
from slack_bolt import App

from bot.app import build_services, create_app
from bot.server import EVENTS_PATH, create_asgi_app
from bot.services import Services

TOKEN = "xoxb-test-token-0123456789"
SECRET = "test-signing-secret-abcdef"


@dataclass
class RunningApp:
    fake: FakeSlackAPI
    slack: SlackSender
    app: App
    url: str


def app_services(settings, folder, **overrides) -> Services:
    """Build the app's services for tests: the real engine, a database in `folder`."""
    settings = dataclasses.replace(settings, database_url=f"sqlite:///{folder}/policybot.db", **overrides)
    return build_services(settings)


@contextmanager
def serve_in_thread(asgi) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on 127.0.0.1 (free port) in a thread; yield its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(asgi, log_config=None, access_log=False, lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="app-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app server did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@contextmanager
def running_app(services: Services, **create_kwargs) -> Iterator[RunningApp]:
    """Start the fake Slack and the real app wired to it; stop both afterwards."""
    with FakeSlackAPI(token=TOKEN) as fake:
        kwargs = {"token": TOKEN, "signing_secret": SECRET, "base_url": fake.api_url, "socket_mode": False}
        kwargs.update(create_kwargs)
        app = create_app(services, **kwargs)
        with serve_in_thread(create_asgi_app(app, signing_secret=SECRET)) as base:
            url = base + EVENTS_PATH
            yield RunningApp(fake, SlackSender(url, SECRET, fake), app, url)
