"""Slack front end: one module per Slack surface, each with `register(app, services)`.

Listener modules never see a global `app`: they are handed it, and register their
listeners with calls such as `app.command("/policy")(listener)`.
"""
from __future__ import annotations

import importlib


def register(app, services) -> None:
    """Register every surface's listeners on `app`."""
    from handlers import actions, commands, home, messages

    commands.register(app, services)
    messages.register(app, services)
    actions.register(app, services)
    home.register(app, services)
    try:
        digests = importlib.import_module("handlers.digests")
    except ModuleNotFoundError as exc:
        if exc.name != "handlers.digests":
            raise
    else:
        digests.register(app, services)
