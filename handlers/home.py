"""The App Home tab: how to ask, the documents indexed and, with digests, the user's subscriptions."""
from __future__ import annotations

import importlib

from bot.services import Services
from handlers.blocks import render_home
from handlers.dispatch import logged_request


def subscription_blocks(services: Services, user_id: str) -> list[dict]:
    """Ask the digest module, when installed, for the user's subscriptions as blocks."""
    try:
        digests = importlib.import_module("handlers.digests")
    except ModuleNotFoundError as exc:
        if exc.name != "handlers.digests":
            raise
        return []
    render = getattr(digests, "home_blocks", None)
    return list(render(services, user_id) or []) if render else []


def make_home(services: Services):
    def handle_home_opened(event, client):
        """Publish the Home tab each time the user opens it (the corpus may have changed)."""
        if event.get("tab", "home") != "home":
            return
        with logged_request("home", "app_home_opened") as log:
            engine = services.engine
            documents = engine.documents
            log.intent, log.results = "home", len(documents)
            view = render_home(documents, load_errors=len(engine.load_errors),
                               subscriptions=subscription_blocks(services, event["user"]))
            client.views_publish(user_id=event["user"], view=view)

    return handle_home_opened


def register(app, services: Services) -> None:
    app.event("app_home_opened")(make_home(services))
