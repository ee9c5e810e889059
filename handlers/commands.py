"""`/policy <query>`, and the same text in a DM or after a mention: one dispatcher over the table.

A slash command is answered in its acknowledgement when the answer is ready within Slack's
time; a slower one (a long digest, a reload) is acknowledged with a short notice and the
answer follows through the response_url.
"""
from __future__ import annotations

import difflib
import re
import threading

from bot import strings as s
from bot.strings import Catalog
from bot.model import Intent, Query
from bot.services import Services
from bot.settings import Vocabulary
from handlers import answers, blocks, channel_access, channel_digests, documents, subcommands
from handlers.context import PolicyContext, Reply, logged_request, message_args
from handlers.errors import apologise_after_ack
from handlers.languages import UserLanguages
from handlers.modals import open_search_form
from handlers.slack_text import link_addresses, user_text
from handlers.table import CommandTable

# Slack allows 3 s for the acknowledgement, network included. An answer ready within this
# budget goes in the ack itself; anything slower is acknowledged first and sent after.
ACK_BUDGET_SECONDS = 2.0
# The user's locale is worth a short wait, not the answer: past it, the workspace's language.
LOCALE_BUDGET = 0.5
_COMMAND_WORD = re.compile(r"^[A-Za-z][A-Za-z-]*$")


def build_command_table() -> CommandTable:
    """Every subcommand, registered once, in the order help lists them."""
    table = CommandTable()
    answers.register(table)
    subcommands.register(table)
    channel_digests.register(table)
    documents.register_table(table)
    return table


def reply_to(text: str, ctx: PolicyContext, table: CommandTable) -> Reply:
    """Parse and answer one query text (what follows `/policy`, or a DM's text), already decoded."""
    settings = ctx.services.settings
    text = (text or "").strip()
    if not text:
        return Reply(answers.help_for(ctx, table, empty=True), Intent.HELP, 0)
    echo = text if ctx.surface == "command" else None
    # Refused before the engine sees it: a huge query is not worth segmenting.
    if len(text) > settings.max_query_chars:
        return Reply(blocks.render_too_long(len(text), settings.max_query_chars, t=ctx.t, raw=echo,
                                            prefix=ctx.prefix or s.COMMAND), "refused", 0)
    query = ctx.services.engine.parse(text)
    if query.error:
        reason = ctx.t(s.QUERY_ERRORS[query.error], detail=query.error_detail)
        return Reply(blocks.render_refusal(reason, raw=echo, prefix=ctx.prefix or s.COMMAND), query.intent, 0)
    unknown = unknown_subcommand(query, settings.vocabulary)
    if unknown:
        return Reply(answers.help_for(ctx, table, unknown=unknown), Intent.HELP, 0)
    command = table.find(query.intent, action_word(query, settings.vocabulary))
    if command is None:
        return Reply(answers.help_for(ctx, table), Intent.HELP, 0)
    if command.admin_only and not ctx.is_admin:
        usage = ctx.t(s.COMMAND_HELP[command.key][0])
        return Reply(blocks.render_notice(ctx.t(s.ADMINS_ONLY, command=blocks.escape(f"{ctx.prefix}{usage}"))),
                     query.intent, 0)
    refused = channel_access.refusal(command, ctx)
    if refused is not None:
        return Reply(refused, query.intent, 0)
    reply = command.answer(query, ctx)
    if reply.message is not None:
        reply.message = blocks.fit_message(reply.message)
    return reply


def action_word(query: Query, vocabulary: Vocabulary) -> str | None:
    """The action a query's second word names (`digest now` → `now`), if its subcommand has actions."""
    words = query.raw.split()
    return vocabulary.action_of(query.intent, words[1]) if len(words) > 1 else None


def unknown_subcommand(query: Query, vocabulary: Vocabulary) -> str | None:
    """Return the first word when it looks like a mistyped subcommand (`targte 研发`), else None.

    Free text is a search, so only a leading ASCII word close to a known subcommand alias
    counts as a command the user got wrong.
    """
    if query.intent != Intent.SEARCH:
        return None
    words = query.raw.split()
    if not words or not _COMMAND_WORD.match(words[0]):
        return None
    first = words[0].lower()
    if vocabulary.intent_of(first):
        return None
    aliases = [a.lower() for names in vocabulary.intents.values() for a in names if _COMMAND_WORD.match(a)]
    return words[0] if difflib.get_close_matches(first, aliases, n=1, cutoff=0.75) else None


class AckOnce:
    """Acknowledge a slash command exactly once: with the answer, or with a notice when it is late."""

    def __init__(self, ack):
        self._ack = ack
        self._lock = threading.Lock()
        self._done = False

    def claim(self) -> bool:
        """Take the acknowledgement for the caller; False when it is already taken."""
        with self._lock:
            taken, self._done = self._done, True
            return not taken

    def __call__(self, **message) -> bool:
        """Acknowledge with `message`; return False when something already acknowledged."""
        if not self.claim():
            return False
        self._ack(**message)
        return True


def make_policy_command(services: Services, table: CommandTable, languages: UserLanguages,
                        budget: float = ACK_BUDGET_SECONDS):
    """Return the `/policy` listener, closed over the services, the command table and the users' languages."""

    def handle_policy_command(ack, command, respond, client, logger):
        """Answer `/policy <query>` for the user who typed it, in their language."""
        ack_once = AckOnce(ack)
        user_id = command.get("user_id")
        # The notice must not wait for a users.info lookup: it says what is already known.
        working = blocks.render_notice(Catalog(languages.known(user_id))(s.WORKING))
        late = threading.Timer(budget, lambda: ack_once(response_type="ephemeral", **working))
        late.daemon = True
        late.start()
        try:
            with logged_request("command", command.get("command") or s.COMMAND) as log:
                ctx = PolicyContext(
                    services=services, surface="command", user_id=user_id,
                    channel_id=command.get("channel_id"), team_id=command.get("team_id"),
                    client=client, logger=logger, language=languages.of(user_id, client, within=LOCALE_BUDGET),
                    typed_links=link_addresses(command.get("text")),
                )
                text = user_text(command.get("text"))
                # `/policy` alone opens the search form; help answers when Slack will not open it.
                if not text and open_search_form(services, client, command.get("trigger_id"), ctx.t):
                    reply = Reply(None, "search-form", 0)
                else:
                    reply = reply_to(text, ctx, table)
                log.note(reply)
        except Exception:
            late.cancel()
            if ack_once.claim():
                raise  # not acknowledged yet: the app's error handler apologises in the ack
            with apologise_after_ack(respond, logger, Catalog(languages.known(user_id))):
                raise
            return
        late.cancel()
        if reply.message is None:
            ack_once()
        elif not ack_once(**message_args(reply.message, response_type="ephemeral")):
            respond(**message_args(reply.message, response_type="ephemeral", replace_original=False))

    return handle_policy_command


def register(app, services: Services, table: CommandTable, languages: UserLanguages) -> None:
    """Register `/policy` (one command, many subcommands)."""
    app.command(s.COMMAND)(make_policy_command(services, table, languages))
