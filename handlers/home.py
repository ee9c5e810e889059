"""The App Home tab: a search button, how to ask, the user's subscriptions (each with a remove
button) and the recent documents, in the user's language; for admins, the corpus folder's state."""
from __future__ import annotations

from bot.services import Services
from bot.store import Audience
from handlers import blocks
from handlers.context import logged_request
from handlers.corpus_blocks import render_corpus_state
from handlers.errors import apologise_after_ack
from handlers.languages import UserLanguages


def publish_home(services: Services, languages: UserLanguages, client, user_id: str) -> int:
    """Publish the user's Home tab as things stand now; return how many documents it lists."""
    engine = services.engine
    t = languages.catalog(user_id, client)
    topics = [subscription.topic for subscription in services.store.subscriptions(Audience.user(user_id))]
    corpus = (render_corpus_state(len(engine.documents), engine.load_errors, engine.kept, engine.corpus_warning, t)
              if user_id in services.settings.admins else ())
    view = blocks.render_home(engine.documents, t=t, load_errors=len(engine.load_errors), topics=topics,
                              admin=corpus)
    client.views_publish(user_id=user_id, view=view)
    return len(engine.documents)


def make_home(services: Services, languages: UserLanguages):
    def handle_home_opened(event, client):
        """Publish the Home tab each time the user opens it (the corpus may have changed)."""
        if event.get("tab", "home") != "home":
            return
        with logged_request("home", "app_home_opened") as log:
            log.intent = "home"
            log.results = publish_home(services, languages, client, event["user"])

    return handle_home_opened


def make_unsubscribe(services: Services, languages: UserLanguages):
    def handle_unsubscribe(ack, body, respond, client, logger):
        """Drop the subscription whose remove button was pressed, then show the Home tab without it."""
        ack()
        user_id = (body.get("user") or {}).get("id")
        topic = ((body.get("actions") or [{}])[0]).get("value")
        t = languages.catalog(user_id, client)
        with apologise_after_ack(respond, logger, t), logged_request("home", blocks.ACTION_UNSUBSCRIBE) as log:
            if not user_id or not isinstance(topic, str):
                return
            log.intent, log.results = "unsubscribe", int(services.store.unsubscribe(Audience.user(user_id), topic))
            publish_home(services, languages, client, user_id)

    return handle_unsubscribe


def register(app, services: Services, languages: UserLanguages) -> None:
    app.event("app_home_opened")(make_home(services, languages))
    app.action(blocks.ACTION_UNSUBSCRIBE)(make_unsubscribe(services, languages))
