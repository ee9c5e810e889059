"""Slack front end: one module per Slack surface, each with `register(app, ...)`.

Listener modules never see a global `app`: they are handed it, and register their
listeners with calls such as `app.command("/policy")(listener)`.
"""
from __future__ import annotations


def register(app, services, languages) -> None:
    """Register every surface's listeners on `app`, and the one error handler.

    Args:
        languages: each user's language (`handlers.languages.UserLanguages`), shared by every surface.
    """
    from handlers import actions, commands, documents, home, messages, modals, unfurl
    from handlers.errors import make_error_handler
    from handlers.replays import make_replay_guard
    from handlers.respond import use_retrying_respond

    table = commands.build_command_table()
    app.use(make_replay_guard(services.seen))
    app.use(use_retrying_respond)
    app.error(make_error_handler(languages))
    commands.register(app, services, table, languages)
    documents.register(app, services, languages)  # before messages: a shared file is a `message` too
    messages.register(app, services, table, languages)
    actions.register(app, services, languages)
    home.register(app, services, languages)
    modals.register(app, services, languages)
    unfurl.register(app, services, languages)
