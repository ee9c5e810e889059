"""The App Home tab: how to ask, the documents indexed, and the user's own subscriptions."""
from __future__ import annotations

from bot.services import Services
from bot.store import Audience
from handlers.blocks import render_home
from handlers.context import logged_request
from handlers.digest_blocks import home_subscription_blocks


def make_home(services: Services):
    def handle_home_opened(event, client):
        """Publish the Home tab each time the user opens it (the corpus may have changed)."""
        if event.get("tab", "home") != "home":
            return
        with logged_request("home", "app_home_opened") as log:
            engine = services.engine
            documents = engine.documents
            log.intent, log.results = "home", len(documents)
            subscriptions = services.store.subscriptions(Audience.user(event["user"]))
            view = render_home(documents, load_errors=len(engine.load_errors),
                               subscriptions=home_subscription_blocks(subscriptions))
            client.views_publish(user_id=event["user"], view=view)

    return handle_home_opened


def register(app, services: Services) -> None:
    app.event("app_home_opened")(make_home(services))
