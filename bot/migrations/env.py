"""Alembic environment for the policybot store.

The store runs `upgrade head` itself on start (bot.store.migrate) and hands over its
open connection in `config.attributes["connection"]`. Run by hand (new revisions only):
`alembic -c bot/migrations/alembic.ini revision --autogenerate -m "..."` with
POLICYBOT_DATABASE_URL pointing at a database at head.
"""
from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from bot.store import metadata

config = context.config


def run_on(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def url() -> str:
    return os.environ.get("POLICYBOT_DATABASE_URL") or config.get_main_option("sqlalchemy.url")


if context.is_offline_mode():
    context.configure(url=url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif config.attributes.get("connection") is not None:
    run_on(config.attributes["connection"])
else:
    with create_engine(url()).begin() as connection:
        run_on(connection)
