"""The subcommands that ask the corpus: target, lead-unit, unit, search, docs, and help."""
from __future__ import annotations

from bot.links import NO_LINKS, ClauseLinks
from bot.model import Answer, Intent, Query
from bot.strings import COMMAND, Catalog
from handlers import blocks
from handlers.context import PolicyContext, Reply
from handlers.table import CommandTable


def render_for(answer: Answer, surface: str, t: Catalog, links: ClauseLinks = NO_LINKS) -> dict:
    """Render an answer as it should look on `surface`, in the catalog's language.

    Slash command replies are ephemeral: they repeat the query and offer sharing.
    DM and mention replies are threaded under the visible question, so they do neither.
    """
    ephemeral = surface == "command"
    return blocks.render_answer(answer, t=t, echo=ephemeral, share=ephemeral, prefix=COMMAND if ephemeral else "",
                                links=links)


def help_for(ctx: PolicyContext, table: CommandTable, **reason) -> dict:
    """Render the help screen for this asker: their language, their way of addressing the bot, this corpus."""
    return blocks.render_help(table, ctx.services.settings.vocabulary, t=ctx.t, prefix=ctx.prefix,
                              documents=ctx.services.engine.documents, **reason)


def answer_query(query: Query, ctx: PolicyContext) -> Reply:
    """Search the corpus for a target, lead-unit, unit or search query."""
    answer = ctx.services.engine.answer(query, limit=ctx.services.settings.default_limit)
    shown = len(answer.hits) if answer.matched else 0
    return Reply(render_for(answer, ctx.surface, ctx.t, ctx.services.links), query.intent, shown)


def answer_docs(query: Query, ctx: PolicyContext) -> Reply:
    """List the indexed documents (those the query's filters leave, or which filter leaves none)."""
    answer = ctx.services.engine.answer(query)
    if answer.excluded:
        return Reply(blocks.render_no_match(answer, t=ctx.t, echo=ctx.surface == "command", prefix=ctx.prefix),
                     Intent.DOCS, 0)
    message = blocks.render_docs(answer.documents, t=ctx.t, query=query, echo=ctx.surface == "command",
                                 prefix=ctx.prefix)
    return Reply(message, Intent.DOCS, len(answer.documents))


def register(table: CommandTable) -> None:
    """Add the corpus subcommands and help to the table, in the order help lists them."""
    for intent in (Intent.TARGET, Intent.LEAD_UNIT, Intent.UNIT, Intent.SEARCH):
        table.add(intent, answer_query)
    table.add(Intent.DOCS, answer_docs)

    def answer_help(query: Query, ctx: PolicyContext) -> Reply:
        """Explain every subcommand of the table."""
        return Reply(help_for(ctx, table), Intent.HELP, 0)

    table.add(Intent.HELP, answer_help)
