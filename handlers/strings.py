"""Every user-facing string of the Slack app, in one place.

Labels pair the Chinese term the documents use with a short English gloss, because the
readers search Chinese documents but the command words are English.
"""
from __future__ import annotations

from bot.strings import COMMAND_HELP, QUERY_ERRORS  # noqa: F401  (shared with the CLI)

COMMAND = "/policy"

# Buttons (Slack caps button text at 75 characters).
BUTTON_SHARE = "Share in channel"
BUTTON_FULL_CLAUSE = "Full clause"
BUTTON_MORE = "More results"
BUTTON_HELPFUL = "Helpful"
BUTTON_NOT_HELPFUL = "Not helpful"

# Field labels.
LABEL_LEAD = "牵头单位 Lead"
LABEL_SUPPORT = "配合单位 Support"
LABEL_FROM_TEXT = "原文 From the text:"
LABEL_STANDARD = "标准 standard"
LABEL_RESPONSIBLE = "责任单位 Responsible"
LABEL_FIRST_LISTED = "(no rule stated: first listed shown as lead)"
LABEL_TARGET = "目标 Target"
LABEL_COMPARISON = "Targets side by side"
LABEL_CITY_METRIC = "*城市 City · 指标 Metric*"
LABEL_VALUE_HORIZON = "*目标值 Value · 期限 Horizon*"
UNKNOWN_REGION = "—"
NO_HORIZON = "no date"

# Comparators written after the figure (`50家以上`); the others come before it (`不少于50家`).
SUFFIX_COMPARATORS = ("以上", "以下", "左右", "以内")

# The line above the results, by intent: with the topic, and for a query without one.
SUMMARY = {
    "target": ("Targets about *{topic}*", "Targets"),
    "lead-unit": ("Tasks about *{topic}* and who leads them", "Tasks and who leads them"),
    "unit": ("Tasks of *{topic}*", "Tasks"),
    "search": ("Clauses about *{topic}*", "Clauses"),
}
SUMMARY_PAGE = "{what} · showing {first}–{last} of {total}"

ECHO = "{command} {query}"
NO_MATCH = "Nothing in the indexed documents answers *{topic}*."
NO_MATCH_SUGGEST = "Close topics you could try: {suggestions}"
NO_MATCH_HELP = "Or see `{prefix}help` for what you can ask."
TOO_LONG = "That query is too long ({length} characters; the limit is {limit}). Please ask something shorter."
WORKING = "Working on it…"
ADMINS_ONLY = "Sorry, only policybot admins can use `{command}`."
APOLOGY = ("Sorry, something went wrong on my side while answering. "
           "If it keeps happening, give this error id to your admin: `{error_id}`")
UNAVAILABLE = "`{intent}` is not available yet in this installation."
SHARED_BY = "{who} shared a result for {query}"
SHARED_BY_NO_QUERY = "{who} shared a clause"
SOMEONE = "Someone"
CLAUSE_GONE = "That clause is no longer in the indexed documents (the corpus may have been reloaded)."
RESULT_GONE = "Those results are no longer available (the corpus may have been reloaded). Ask again?"
TRUNCATED = "…"
MORE_NOT_SHOWN = "{count} more not shown. Use *{button}* or narrow the query."
MORE_DOCUMENTS = "…and {count} more documents."

DOCS_HEADER = "Indexed documents ({count})"
DOCS_LINE = "{region} · {date} · {kind}\n{clauses} clauses · {targets} targets · {tasks} tasks"
DOCS_EMPTY = "No documents are indexed yet."

HELP_HEADER = "How to ask policybot"
HELP_INTRO = ("Ask about the indexed policy documents. Slash command replies are visible only to you "
              "until you share them.")
HELP_REASON_EMPTY = "Type a question after `{prefix}`, for example:"
HELP_REASON_UNKNOWN = "I don't know the command `{word}`. Here is what I can do:"
HELP_EXAMPLE = "Example:"
HELP_ALIASES = "also"
HELP_ADMINS = "admins only"
HELP_FILTERS = ("Narrow any query: name a city or add `in:安顺`, `type:实施意见`, `year:2021` "
                "(e.g. `target 成都 2025`).")
HELP_DM = "In a direct message or an @mention, leave out `/policy`: just type `target 研发`."

HOME_HEADER = "policybot"
HOME_INTRO = ("I answer questions about Chinese local-government policy documents: targets, "
              "who leads which task, and any clause, with the exact reference.")
HOME_HOW = "*How to ask*: use `/policy <query>` in any channel, or message me here without the `/policy`."
HOME_EXAMPLES = "*Examples that work*"
HOME_DOCUMENTS = "*Indexed documents*"
HOME_SUBSCRIPTIONS = "*Your subscriptions*"
HOME_LOAD_ERRORS = "{count} file(s) in the corpus folder could not be read and were skipped."
