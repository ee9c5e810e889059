"""Slack front end: one module per Slack surface, each with `register(app, ...)`.

Listener modules never see a global `app`: they are handed it, and register their
listeners with calls such as `app.command("/policy")(listener)`.
"""
from __future__ import annotations


def register(app, services) -> None:
    """Register every surface's listeners on `app`, and the one error handler."""
    from handlers import actions, commands, documents, home, messages
    from handlers.errors import handle_error
    from handlers.replays import make_replay_guard
    from handlers.respond import use_retrying_respond

    table = commands.build_command_table()
    app.use(make_replay_guard(services.seen))
    app.use(use_retrying_respond)
    app.error(handle_error)
    commands.register(app, services, table)
    documents.register(app, services)  # before messages: a shared file is a `message` too
    messages.register(app, services, table)
    actions.register(app, services)
    home.register(app, services)
