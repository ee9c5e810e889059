"""Every user-facing string, in Chinese and in English: one catalog for every front end.

An entry is a `Text(zh, en)` (or a `Count` when it names a number of things). Renderers
never pick a language themselves: they are handed a `Catalog` bound to the reader's
language and ask it for entries, dates and counts. Chinese comes first: it is the
language of the documents and of most readers; English is there for the others.

Sections follow the front ends (command line, help, Slack answers, App Home, modals,
subscriptions, digests); a new feature adds its own section rather than editing others.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

LANGUAGES = ("zh", "en")
DEFAULT_LOCALE = "zh-CN"
_LOCALE = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Text:
    """One string in each language the bot speaks."""

    zh: str
    en: str

    def __call__(self, language: str) -> str:
        return self.en if language.startswith("en") else self.zh


@dataclass(frozen=True)
class Count:
    """A number of things: Chinese has one form, English a singular and a plural."""

    zh: str
    one: str
    other: str

    def __call__(self, language: str, n: int, **values: object) -> str:
        if language.startswith("en"):
            return (self.one if n == 1 else self.other).format(n=n, **values)
        return self.zh.format(n=n, **values)


def language_of(locale: str | None) -> str | None:
    """Return the catalog language of a locale (`zh-CN`, `zh_TW`, `en-GB` → zh, zh, en), or None."""
    match = _LOCALE.match((locale or "").strip())
    if not match:
        return None
    language = match.group(1).lower()
    return language if language in LANGUAGES else None


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class Catalog:
    """The catalog in one language: what a renderer is handed."""

    language: str = "zh"

    def __call__(self, text: Text, **values: object) -> str:
        """Return the entry in this language, with `values` filled in."""
        template = text(self.language)
        return template.format(**values) if values else template

    def count(self, counted: Count, n: int, **values: object) -> str:
        """Return the entry for `n` things, in the form the number takes (`1 clause`, `2 clauses`)."""
        return counted(self.language, n, **values)

    def date(self, day: dt.date | None) -> str:
        """Write a date as a reader writes it: `2022年3月1日`, `1 Mar 2022`; the unknown date when None."""
        if day is None:
            return self(UNKNOWN_DATE)
        if self.language == "en":
            return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
        return f"{day.year}年{day.month}月{day.day}日"

    def moment(self, when: dt.datetime) -> str:
        """Write a date and time of day: `2026年1月5日 09:00`, `5 Jan 2026, 09:00`."""
        separator = ", " if self.language == "en" else " "
        return f"{self.date(when.date())}{separator}{when:%H:%M}"

    def join(self, items: Iterable[str]) -> str:
        """Join a list as the language writes one: `甲、乙`, `a, b`."""
        return (", " if self.language == "en" else "、").join(items)

    @property
    def colon(self) -> str:
        return ": " if self.language == "en" else ":"

    def aside(self, text: str) -> str:
        """Put a remark after what it qualifies: ` (text)` in English, `(text)` in Chinese."""
        return f" ({text})" if self.language == "en" else f"({text})"


# ---------------------------------------------------------------- shared words

COMMAND = "/policy"  # the slash command, as the manifest declares it

UNKNOWN_REGION = Text("城市未知", "city unknown")
UNKNOWN_DATE = Text("日期未知", "date unknown")
YEAR_FROM_FILE_NAME = Text("{year}年(据文件名)", "{year} (from the file name)")
IMPLIED_YEAR = Text("{year}年(按计划年份)", "{year} (the plan's year)")
NOTHING = Text("无", "none")
TRUNCATED = "…"
LEAD = Text("牵头单位", "Lead")
SUPPORT = Text("配合单位", "Support")
RESPONSIBLE = Text("责任单位", "Responsible")
DUTY_RESPONSIBLE = Text("负责单位", "Responsible")  # a prose duty (`X负责…`): neither lead nor support
ROLES = {"lead": Text("牵头", "lead"), "support": Text("配合", "support"), "responsible": Text("负责", "responsible")}
FROM_TEXT = Text("原文:", "From the text:")
STANDARD_MARK = Text("(标准)", "(standard)")
STANDARD = Text("标准", "standard")  # a rule's limit, not an aim
TARGET = Text("目标", "Target")
SCORE = Text("相关度", "score")
UNITS_RULE = {
    "stated": Text("按文件说明区分牵头/配合", "lead and support as the document states"),
    "first-listed": Text("文件未说明分工,列第一位者视为牵头", "no rule stated: the first listed is shown as lead"),
    "prose": Text("出自正文的职责表述", "duties as the text states them"),
    "none": Text("", ""),
}
INTENT_NAMES = {
    "target": Text("目标", "Targets"),
    "lead-unit": Text("牵头单位", "Lead units"),
    "unit": Text("单位任务", "Tasks of a unit"),
    "search": Text("检索", "Search"),
}
CLAUSES = Count("条款 {n} 条", "{n} clause", "{n} clauses")
TARGETS = Count("目标 {n} 个", "{n} target", "{n} targets")
TASKS = Count("任务 {n} 项", "{n} task", "{n} tasks")
UNITS = Count("单位 {n} 个", "{n} unit", "{n} units")

# ---------------------------------------------------------------- command line (`policybot ask`, `docs`)

RESULTS_HEADER = Text("{intent}:{topic} —— 第 {first}–{last} 条,共 {total} 条",
                      "{intent}: {topic} — results {first}–{last} of {total}")
NOTHING_FOUND = Text("没有找到与「{topic}」相关的条款。", "Nothing in the documents answers “{topic}”.")
CLOSEST = Text("相近的主题:", "Close topics: ")
TRY_HELP = Text("输入 help 查看查询方式。", "Type help to see what you can ask.")
NO_DOCUMENTS = Text("没有符合条件的文件。", "No document fits the query.")
TOO_LONG_CLI = Text("查询太长(最多 {limit} 字),请缩短后再试。",
                    "The query is too long (at most {limit} characters); please shorten it.")
# Why a query text cannot be answered (Query.error), with the part at fault as {detail}.
QUERY_ERRORS = {
    "too_long": Text("查询太长,请缩短后再试。", "That query is too long; please ask something shorter."),
    "bad_year": Text("「{detail}」不是年份,请写成 year:2021 这样的四位数年份。",
                     "`{detail}` is not a year: write it with four digits, as in year:2021."),
}
PAST_THE_END = Text("第 {first} 条起没有结果:「{topic}」共有 {total} 条。",
                    "No results from number {first} on: “{topic}” has {total}.")
EMPTY_QUERY = Text("空查询", "empty query")
NOT_UTF8 = Text("不是有效的 UTF-8 文本", "not valid UTF-8 text")
SLACK_ONLY = Text("订阅、摘要和重新加载请在 Slack 中使用 /policy,或用 `policybot digest`。",
                  "Subscriptions, digests and reload work in Slack with /policy, or with `policybot digest`.")

# ---------------------------------------------------------------- help, on every front end

HELP_TITLE = Text("policybot —— 政策文件条款检索", "policybot — clauses of policy documents")
HELP_HEADER = Text("如何向 policybot 提问", "How to ask policybot")
HELP_INTRO = Text("查询收录的政策文件:量化目标、牵头单位和任意条款,都附准确出处。/policy 的回复只有你能看到,除非你分享。",
                  "Ask about the indexed policy documents: targets, who leads which task, and any clause, "
                  "each with its exact reference. Replies to /policy are visible only to you until you share them.")
HELP_REASON_EMPTY = Text("请在 `{prefix}` 后面写上问题,例如:", "Type a question after `{prefix}`, for example:")
HELP_REASON_UNKNOWN = Text("我不认识命令 `{word}`。可以这样问:", "I don't know the command `{word}`. Here is what I can do:")
HELP_LINE = Text("{usage} —— {what}。例:{example}", "{usage} — {what}. Example: {example}")
HELP_FILTER_LINE = Text("• {usage} —— {what}", "• {usage} — {what}")
HELP_ALIASES = Text("也可写", "also")
HELP_ADMINS = Text("仅限管理员", "admins only")
HELP_EXAMPLES = Text("例子:", "Examples:")
HELP_FILTERS = Text("缩小范围(任何查询都可以加):", "Narrow any query:")
HELP_DM = Text("在私信或 @提及 中不用写 `/policy`,直接输入,如 `target 研发`。",
               "In a direct message or an @mention, leave out `/policy`: just type `target 研发`.")
HELP_SEARCH_MODAL = Text("只输入 `/policy` 会打开检索窗口,可以逐项选择。",
                         "`/policy` alone opens a search form where you pick each filter.")
# What each filter of the query language narrows to (`bot.help` lists the words the parser reads).
FILTER_NAMES = {
    "city": Text("城市(也可以直接写城市名)", "city (or just name the city)"),
    "doc": Text("文件(文件名或标题中的词)", "document (words of its file name or title)"),
    "type": Text("文件类型", "kind of document"),
    "year": Text("发布年份", "year of issue"),
}

# The help of every subcommand, keyed as the command table keys them (intent, or intent.action):
# usage, what it does, and an example that works on the bundled documents. Help screens on every
# front end are drawn from this, so they cannot differ from one another.
COMMAND_HELP: dict[str, tuple[Text, Text, str]] = {
    "target": (Text("target <主题>", "target <topic>"),
               Text("各城市在该主题上的量化目标,按城市并列", "quantitative targets about a topic, cities side by side"),
               "target 研发"),
    "lead-unit": (Text("lead-unit <主题>", "lead-unit <topic>"),
                  Text("该主题任务的牵头和配合单位", "tasks about a topic, with their lead and support units"),
                  "lead-unit 科技成果转化示范区"),
    "unit": (Text("unit <单位名>", "unit <name>"),
             Text("某单位牵头或配合的全部任务", "every task a unit leads or supports"),
             "unit 市金融工作局"),
    "search": (Text("search <文字>  或直接输入文字", "search <text>  or just <text>"),
               Text("检索任意条款", "any clause"), "search 人才飞地"),
    "docs": (Text("docs", "docs"), Text("已收录的文件", "the indexed documents"), "docs"),
    "help": (Text("help", "help"), Text("本说明", "this message"), "help"),
    "subscribe": (Text("subscribe <主题>", "subscribe <topic>"),
                  Text("在本频道(或你的私信)摘要中关注一个主题", "follow a topic in this channel's digest (or your DMs')"),
                  "subscribe 研发投入"),
    "unsubscribe": (Text("unsubscribe <主题>", "unsubscribe <topic>"),
                    Text("不再关注一个主题", "stop following a topic"), "unsubscribe 研发投入"),
    "subscriptions": (Text("subscriptions", "subscriptions"),
                      Text("这里关注的主题和摘要时间", "the topics followed here and when digests arrive"),
                      "subscriptions"),
    "digest": (Text("digest", "digest"), Text("摘要能做什么", "what digests can do"), "digest"),
    "digest.preview": (Text("digest preview", "digest preview"),
                       Text("下一期摘要(只有你能看到)", "the next digest, shown only to you"), "digest preview"),
    "digest.now": (Text("digest now", "digest now"), Text("立即在这里发布摘要", "post the digest here now"),
                   "digest now"),
    "reload": (Text("reload", "reload"), Text("重新读取文件夹中的文件", "re-read the corpus folder"), "reload"),
}

# ---------------------------------------------------------------- Slack: answers

BUTTON_SHARE = Text("分享到频道", "Share in channel")
BUTTON_FULL_CLAUSE = Text("查看全文", "Full clause")
BUTTON_MORE = Text("更多结果", "More results")
BUTTON_MORE_TEXT = Text("继续阅读", "Continue reading")
BUTTON_HELPFUL = Text("有帮助", "Helpful")
BUTTON_NOT_HELPFUL = Text("没帮助", "Not helpful")
# Read by screen readers instead of the button text (Slack allows 75 characters).
LABEL_SHARE = Text("把第 {n} 条结果分享到频道:{ref}", "Share result {n} in the channel: {ref}")
LABEL_FULL_CLAUSE = Text("查看第 {n} 条结果的全文:{ref}", "Read all of result {n}: {ref}")
LABEL_MORE = Text("显示第 {first} 条起的更多结果", "Show more results, from result {first}")
LABEL_MORE_TEXT = Text("继续阅读该条款", "Read the rest of this clause")
LABEL_HELPFUL = Text("这些结果有帮助", "These results were helpful")
LABEL_NOT_HELPFUL = Text("这些结果没有帮助", "These results were not helpful")

LABEL_FIRST_LISTED = Text("(文件未说明分工,列第一位者视为牵头)", "(no rule stated: first listed shown as lead)")
LABEL_COMPARISON = Text("各城市目标对比", "Targets side by side")
LABEL_CITY_METRIC = Text("*城市 · 指标*", "*City · Metric*")
LABEL_VALUE_HORIZON = Text("*目标值 · 期限*", "*Value · Horizon*")
NO_HORIZON = Text("未定期限", "no date")
NO_REGION = "—"

# The line above the results, by intent: with the topic, and for a query without one.
SUMMARY = {
    "target": (Text("关于「{topic}」的目标", "Targets about *{topic}*"), Text("目标", "Targets")),
    "lead-unit": (Text("关于「{topic}」的任务及牵头单位", "Tasks about *{topic}* and who leads them"),
                  Text("任务及牵头单位", "Tasks and who leads them")),
    "unit": (Text("「{topic}」的任务", "Tasks of *{topic}*"), Text("任务", "Tasks")),
    "search": (Text("关于「{topic}」的条款", "Clauses about *{topic}*"), Text("条款", "Clauses")),
}
SUMMARY_PAGE = Text("{what} · 第 {first}–{last} 条,共 {total} 条", "{what} · showing {first}–{last} of {total}")
NO_MATCH = Text("收录的文件中没有与「{topic}」相关的内容。", "Nothing in the indexed documents answers *{topic}*.")
NO_MATCH_SUGGEST = Text("可以试试这些相近的主题:{suggestions}", "Close topics you could try: {suggestions}")
NO_MATCH_HELP = Text("或输入 `{prefix}help` 查看查询方式。", "Or see `{prefix}help` for what you can ask.")
TOO_LONG = Text("查询太长({length} 字,上限 {limit} 字),请缩短后再试。",
                "That query is too long ({length} characters; the limit is {limit}). Please ask something shorter.")
QUERY_ERROR = Text("无法理解这个查询:{error}", "I could not read that query: {error}")
WORKING = Text("正在查找…", "Working on it…")
ADMINS_ONLY = Text("抱歉,只有 policybot 管理员可以使用 `{command}`。", "Sorry, only policybot admins can use `{command}`.")
APOLOGY = Text("抱歉,回答时出了问题。如果反复出现,请把错误编号告诉管理员:`{error_id}`",
               "Sorry, something went wrong on my side while answering. "
               "If it keeps happening, give this error id to your admin: `{error_id}`")
SHARED_BY = Text("{who} 分享了 {query} 的一条结果", "{who} shared a result for {query}")
SHARED_BY_NO_QUERY = Text("{who} 分享了一条条款", "{who} shared a clause")
SOMEONE = Text("有人", "Someone")
CLAUSE_GONE = Text("该条款已不在收录的文件中(文件可能已重新加载)。",
                   "That clause is no longer in the indexed documents (the corpus may have been reloaded).")
RESULT_GONE = Text("这些结果已失效(文件可能已重新加载),请重新查询。",
                   "Those results are no longer available (the corpus may have been reloaded). Ask again?")
MORE_NOT_SHOWN = Text("另有 {count} 条未显示。点「{button}」或缩小查询范围。",
                      "{count} more not shown. Use *{button}* or narrow the query.")
CLAUSE_PART = Text("(续,第 {part} 部分)", "(continued, part {part})")
CLAUSE_CONTINUES = Text("条款较长,点「{button}」继续。", "The clause goes on: use *{button}*.")
FEEDBACK_THANKS = {
    "helpful": Text("谢谢,已记录为有帮助。", "Thanks, noted as helpful."),
    "not_helpful": Text("谢谢,已记录为没帮助,这能帮我们改进回答。",
                        "Thanks, noted as not helpful. It helps us improve the answers."),
}

# ---------------------------------------------------------------- Slack: documents and App Home

MORE_DOCUMENTS = Text("……另有 {count} 份文件。", "…and {count} more documents.")
DOCS_HEADER = Text("收录的文件({count} 份)", "Indexed documents ({count})")
DOCS_EMPTY = Text("还没有收录任何文件。", "No documents are indexed yet.")

HOME_HEADER = Text("policybot 政策文件助手", "policybot")
HOME_INTRO = Text("我回答关于地方政府政策文件的问题:量化目标、哪个单位牵头哪项任务、任意条款,都附准确出处。",
                  "I answer questions about Chinese local-government policy documents: targets, "
                  "who leads which task, and any clause, with the exact reference.")
HOME_HOW = Text("*怎么问*:在任何频道输入 `/policy <查询>`,或在这里直接给我发消息(不用写 `/policy`)。",
                "*How to ask*: use `/policy <query>` in any channel, or message me here without the `/policy`.")
HOME_SEARCH = Text("🔍 检索文件", "🔍 Search the documents")
HOME_SEARCH_LABEL = Text("打开检索窗口,按主题、城市、文件、类型和年份查找",
                         "Open the search form: topic, city, document, type and year")
HOME_EXAMPLES = Text("*可以这样问*", "*Examples that work*")
HOME_RECENT = Text("*最近的文件*(共 {count} 份,按发布日期)", "*Recent documents* ({count} in all, newest first)")
HOME_SUBSCRIPTIONS = Text("*你的订阅*", "*Your subscriptions*")
HOME_NO_SUBSCRIPTIONS = Text("还没有订阅。给我发 `subscribe 研发投入` 即可在私信中关注一个主题。",
                             "No subscriptions yet. Message me `subscribe 研发投入` to follow a topic here.")
HOME_UNSUBSCRIBE = Text("取消订阅", "Unsubscribe")
HOME_UNSUBSCRIBE_LABEL = Text("取消订阅「{topic}」", "Stop following {topic}")
HOME_LOAD_ERRORS = Text("文件夹中有 {count} 个文件无法读取,已跳过。",
                        "{count} file(s) in the corpus folder could not be read and were skipped.")

# ---------------------------------------------------------------- Slack: the search modal and the message shortcut

MODAL_TITLE = Text("检索政策文件", "Search policies")  # Slack: modal titles hold 24 characters
MODAL_RESULTS_TITLE = Text("检索结果", "Results")
MODAL_CLAUSE_TITLE = Text("条款全文", "Full clause")
MODAL_SUBMIT = Text("检索", "Search")
MODAL_CLOSE = Text("关闭", "Close")
MODAL_INTENT = Text("要找什么", "Looking for")
MODAL_TOPIC = Text("主题", "Topic")
MODAL_TOPIC_HINT = Text("如 研发、人才飞地、市金融工作局", "e.g. 研发, 人才飞地, 市金融工作局")
MODAL_CITY = Text("城市", "City")
MODAL_DOCUMENT = Text("文件", "Document")
MODAL_KIND = Text("文件类型", "Type")
MODAL_YEAR = Text("年份", "Year")
MODAL_ANY = Text("不限", "Any")
MODAL_TOPIC_NEEDED = Text("请写上主题或单位名。", "Please give a topic or a unit name.")
MODAL_TOO_LONG = Text("最多 {limit} 字。", "At most {limit} characters.")
MODAL_QUERY = Text("查询:`{query}`", "Query: `{query}`")
MODAL_FROM_MESSAGE = Text("按这条消息查找:{message}", "Found for this message: {message}")
MODAL_EMPTY_MESSAGE = Text("这条消息没有可以查找的文字。", "That message has no text to search with.")
MODAL_SHORTENED = Text("消息较长,只用了前 {limit} 个字。", "The message is long: its first {limit} characters were used.")
INTENT_CHOICES = {
    "search": Text("任意条款", "Any clause"),
    "target": Text("量化目标", "Targets"),
    "lead-unit": Text("任务及牵头单位", "Tasks and lead units"),
    "unit": Text("某单位的任务", "Tasks of a unit"),
}

# ---------------------------------------------------------------- Slack: subscriptions, digest and reload commands

WHERE_DM = Text("你的私信", "your DMs")
WHERE_CHANNEL = Text("本频道", "this channel")
NO_AUDIENCE = Text("无法判断这是哪个频道,请在该频道中再试一次。",
                   "I cannot tell which channel this is; try again from the channel itself.")
SUBSCRIBE_USAGE = Text("请说明要关注什么:`{prefix}subscribe 研发投入`(也可以加筛选:`{prefix}subscribe target 研发 in:成都`)。",
                       "Tell me what to follow: `{prefix}subscribe 研发投入` "
                       "(filters work too: `{prefix}subscribe target 研发 in:成都`).")
UNSUBSCRIBE_USAGE = Text("请说明要取消哪个主题:`{prefix}unsubscribe 研发投入`。`{prefix}subscriptions` 列出全部主题。",
                         "Tell me which topic to drop: `{prefix}unsubscribe 研发投入`. "
                         "`{prefix}subscriptions` lists them.")
DIGEST_USAGE = Text("`{prefix}digest preview` 显示{where}的下一期摘要(只有你能看到);`{prefix}digest now` 立即发布(仅限管理员)。",
                    "`{prefix}digest preview` shows the next digest for {where} (only to you); "
                    "`{prefix}digest now` posts it (admins).")
SUBSCRIBED = Text("已在{where}订阅「{topic}」。{matches}", "Subscribed in {where} to *{topic}*. {matches}")
MATCHES = Count("目前有 {n} 条条款符合;新的条款会出现在摘要中。",
                "{n} clause matches it today; new ones will appear in the digest.",
                "{n} clauses match it today; new ones will appear in the digest.")
NO_MATCHES = Text("文件中暂时没有符合的条款;以后符合的新条款会出现在摘要中。",
                  "Nothing in the documents matches it yet; new clauses that do will appear in the digest.")
ALREADY = Text("{where}已经在关注「{topic}」。", "Already following *{topic}* in {where}.")
TOO_MANY = Text("{where}已关注 {count} 个主题,这是一期摘要能读完的上限。请先取消一个。",
                "{count} topics are already followed in {where}, the most a digest can usefully hold. Drop one first.")
UNSUBSCRIBED = Text("{where}不再关注「{topic}」。", "Stopped following *{topic}* in {where}.")
NOT_FOLLOWED = Text("{where}没有关注「{topic}」。", "*{topic}* is not followed in {where}.")
POSTED = Count("摘要已发布到{where}(共 {n} 条消息)。", "Digest posted in {where} ({n} message).",
               "Digest posted in {where} ({n} messages).")
POST_FAILED = Text("摘要没能发布:{error}。已记入发布日志,请一分钟后再试。",
                   "I could not post the digest: {error}. It is recorded in the post log; try again in a minute.")
UNKNOWN_ERROR = Text("未知错误", "unknown error")
RELOADED = Text("已重新加载:共 {count} 份文件。新增:{added}。修改:{changed}。删除:{removed}。",
                "Reloaded the corpus: {count} document(s). Added: {added}. Changed: {changed}. Removed: {removed}.")
RELOAD_ERRORS = Text("跳过的文件:{errors}", "Skipped file(s): {errors}")
RELOAD_REFUSED = Text("*没有重新加载*:{warning}", "*Not reloaded*: {warning}")
CORPUS_SKIPPED = Text("`{file}` 无法读取:{reason}。{served}", "`{file}` could not be read: {reason}. {served}")
CORPUS_KEPT = Text("仍在使用它上一个可用的版本。", "Its last good version is still served.")
CORPUS_NOT_SERVED = Text("索引中没有它。", "It is not in the index.")
CORPUS_MORE_SKIPPED = Text("……另有 {count} 个文件无法读取(`policybot check` 列出全部)。",
                           "…and {count} more file(s) that could not be read (`policybot check` lists them all).")
HOME_ADMIN_CORPUS = Text("*文件夹状况*(仅管理员可见)", "*The corpus folder* (admins only)")
HOME_CORPUS_OK = Text("{count} 份文件全部读取成功。", "All {count} document(s) read.")
FOLLOWED_HERE = Text("*{where}关注的主题*({count} 个)", "*Topics followed in {where}* ({count})")
NONE_FOLLOWED = Text("{where}还没有关注任何主题。试试 `{prefix}subscribe 研发投入`。",
                     "No topics followed in {where} yet. Try `{prefix}subscribe 研发投入`.")
SCHEDULED = Text("摘要发送时间:{schedules}。`{prefix}digest preview` 可预览下一期。",
                 "Digests arrive on schedule {schedules}. `{prefix}digest preview` shows the next one.")
NOT_SCHEDULED = Text("这里没有定时摘要;`{prefix}digest preview` 可以看看一期会有什么,管理员可以用 `{prefix}digest now` "
                     "发布,或在配置中加上时间表。",
                     "No digest is scheduled here; `{prefix}digest preview` shows what one would hold, and an admin "
                     "can post it with `{prefix}digest now` or add a schedule to the configuration.")

# ---------------------------------------------------------------- digests (Slack and `policybot digest --dry-run`)

DIGEST_TITLE = Text("政策摘要 · {date}", "Policy digest · {date}")
DIGEST_TITLE_TEXT = Text("政策摘要", "Policy digest")
DIGEST_FIRST_CHANNEL = Text("本频道的第一期摘要", "First digest for this channel")
DIGEST_FIRST_USER = Text("你的第一期摘要", "Your first digest")
DIGEST_SINCE = Text("自上期摘要({since})以来", "Since the last digest on {since}")
DIGEST_NOTHING_NEW = Text("自上期摘要({since})以来,政策文件没有新内容。",
                          "Nothing new in the policy documents since the last digest on {since}.")
DIGEST_COUNT_DOCUMENTS = Count("新增或修改文件 {n} 份", "{n} new or changed document", "{n} new or changed documents")
DIGEST_COUNT_REMOVED = Count("删除 {n} 份", "{n} removed", "{n} removed")
DIGEST_COUNT_CLAUSES = Count("订阅主题新条款 {n} 条", "{n} new clause on your topics", "{n} new clauses on your topics")
DIGEST_COUNT_DUE = Count("到期目标 {n} 个", "{n} target due", "{n} targets due")
DIGEST_CONTINUED = Text("政策摘要(续,{part}/{parts})", "Policy digest, continued ({part}/{parts})")
DIGEST_DOCUMENTS = Text("*新增和修改的文件*({count} 份)", "*New and changed documents* ({count})")
DIGEST_DOCUMENTS_FIRST = Text("*收录的文件*({count} 份)", "*Documents covered* ({count})")
DIGEST_ADDED = Text("🆕 新增", "🆕 Added")
DIGEST_CHANGED = Text("✏️ 修改", "✏️ Changed")
DIGEST_REMOVED = Text("已删除:{titles}", "Removed: {titles}")
DIGEST_TOPICS = Text("*订阅主题*", "*Your topics*")
DIGEST_TOPIC_NEW = Count("*{topic}* —— 新条款 {n} 条", "*{topic}* — {n} new clause", "*{topic}* — {n} new clauses")
DIGEST_TOPIC_FIRST = Text("*{topic}* —— 最相关的条款(新订阅)", "*{topic}* — best matches (new subscription)")
DIGEST_TOPIC_NONE = Text("*{topic}* —— 没有新条款", "*{topic}* — nothing new")
DIGEST_TOPIC_NO_MATCH = Text("*{topic}* —— 文件中暂无相关条款", "*{topic}* — nothing in the documents matches yet")
DIGEST_MORE_CLAUSES = Count("……另有 {n} 条新条款:输入 `/policy {topic}` 查看全部。",
                            "…and {n} more new clause: ask `/policy {topic}` to see them all.",
                            "…and {n} more new clauses: ask `/policy {topic}` to see them all.")
DIGEST_TARGETS = Text("*即将到期和刚到期的目标* · {start} – {end}", "*Targets due* · {start} – {end}")
DIGEST_PAST = Text("已到期", "past due")
DIGEST_COMING = Text("将到期", "due")
DIGEST_MORE = Text("……另有 {count} 个", "…and {count} more")
DIGEST_PREVIEW = Text("{where}下一期摘要的预览,只有你能看到。", "Preview of the next digest for {where}: only you can see this.")
DIGEST_PREVIEW_CUT = Text("正式摘要会在消息串中继续(此处未显示 {count} 个区块)。",
                          "The posted digest continues in a thread ({count} more block(s) not shown here).")
DIGEST_TOPIC_FIRST_TEXT = Text("(新订阅:最相关的条款)", "(new subscription: best matches)")
DIGEST_TOPIC_NONE_TEXT = Text("没有新条款。", "Nothing new.")
DIGEST_SUBSCRIBED_TOPICS = Text("订阅主题", "Subscribed topics")
DIGEST_DUE_TEXT = Text("即将到期和刚到期的目标 {start} – {end}", "Targets due {start} – {end}")

# ---------------------------------------------------------------- what a query's filters leave, and wider answers
# Every front end (command line, Slack answers, digests) says these the same way.

# A filter that leaves no document: {value} is what it asked for, {filter} the filter as written
# (`in:北京`), {values} what the documents have instead.
EXCLUDED_ALONE = {
    "city": Text("收录的文件中没有{value}的文件({filter})。收录的城市:{values}。",
                 "No indexed document is from {value} ({filter}). Indexed cities: {values}."),
    "doc": Text("没有与「{value}」对应的文件({filter})。收录的文件:{values}。",
                "No indexed document matches “{value}” ({filter}). Indexed documents: {values}."),
    "type": Text("收录的文件中没有{value}类文件({filter})。收录的类型:{values}。",
                 "No indexed document is a {value} ({filter}). Indexed types: {values}."),
    "year": Text("收录的文件中没有{value}年的文件({filter})。收录文件的年份:{values}。",
                 "No indexed document is from {value} ({filter}). Indexed years: {values}."),
}
# Filters that each leave documents, but none together: {values} are those the other filters leave.
EXCLUDED_WITH_OTHERS = {
    "city": Text("符合其他筛选条件的文件中没有{value}的文件({filter});它们来自:{values}。",
                 "Of the documents your other filters leave, none is from {value} ({filter}); they are from {values}."),
    "doc": Text("符合其他筛选条件的文件中没有「{value}」({filter});它们是:{values}。",
                "Of the documents your other filters leave, none matches “{value}” ({filter}); they are {values}."),
    "type": Text("符合其他筛选条件的文件中没有{value}类文件({filter});它们的类型:{values}。",
                 "Of the documents your other filters leave, none is a {value} ({filter}); they are of type {values}."),
    "year": Text("符合其他筛选条件的文件中没有{value}年的文件({filter});它们的年份:{values}。",
                 "Of the documents your other filters leave, none is from {value} ({filter}); they are from {values}."),
}
EXCLUDED_MORE = Text("等 {count} 个", "and {count} more")
EXCLUDED_HINT = Text("去掉或修改筛选条件后再试。", "Drop or change the filter and ask again.")
# No target (or task) about the topic: the clauses that mention it answer instead.
BROADENED = {
    "target": Text("文件中没有关于「{topic}」的目标;以下是提到它的条款",
                   "The documents set no target about “{topic}”; these clauses mention it"),
    "lead-unit": Text("文件中没有写明「{topic}」由哪个单位负责;以下是提到它的条款",
                      "The documents name no unit responsible for “{topic}”; these clauses mention it"),
}
DIGEST_TOPIC_EXCLUDED = Text("*{topic}* —— 筛选条件排除了所有文件", "*{topic}* — its filters leave no document")
DIGEST_TOPIC_EXCLUDED_TEXT = Text("筛选条件排除了所有文件:", "Its filters leave no document:")
ELSEWHERE = Text("筛选范围之外有相关内容:{places}。去掉筛选条件再试。",
                 "Outside your filters it is in documents of {places}: ask again without them.")

# ---------------------------------------------------------------- the document viewer (bot/viewer.py)

VIEWER_INDEX_TITLE = Text("已收录的政策文件", "Indexed policy documents")
VIEWER_INDEX_EMPTY = Text("还没有收录任何文件。", "No documents are indexed yet.")
VIEWER_NOT_FOUND = Text("没有这份文件:{doc_id}", "No such document: {doc_id}")
VIEWER_BACK = Text("全部文件", "All documents")
VIEWER_CONTENTS = Text("目录", "Contents")
VIEWER_SOURCE = Text("原文链接", "Official source")
VIEWER_DOC_NUMBER = Text("文号", "Document number")
VIEWER_ISSUER = Text("发布单位", "Issued by")
VIEWER_DATE = Text("日期", "Date")
VIEWER_REGION = Text("地区", "Region")
VIEWER_KIND = Text("类型", "Type")
VIEWER_FILE = Text("文件", "File")
VIEWER_UNKNOWN = Text("未知", "unknown")
VIEWER_COUNTS = Text("{clauses} 条款 · {targets} 个目标 · {tasks} 项任务",
                     "{clauses} clauses · {targets} targets · {tasks} tasks")
VIEWER_LEAD = Text("牵头单位", "Lead")
VIEWER_SUPPORT = Text("配合单位", "Support")
VIEWER_RESPONSIBLE = Text("责任单位", "Responsible")
VIEWER_FIRST_LISTED = Text("文件未区分牵头与配合,列第一位者视为牵头",
                           "the document does not say which unit leads; the first listed is shown as lead")
VIEWER_TARGETS = Text("目标", "Targets")
VIEWER_LINK_TITLE = Text("本条链接", "Link to this clause")

# ---------------------------------------------------------------- channel digests, documents from Slack
# Replies of `/policy digest schedule|off`, the checks before a channel's digest is changed, the DM
# sent when digests stop for good, and `/policy add` / files shared in the bot's DM. Values are
# Slack mrkdwn, already escaped where they carry user text.

NOT_A_MEMBER = Text(
    "我还不在这个频道里,无法在这里发布摘要。请在频道中输入 `/invite @policybot` 邀请我,然后再试一次。",
    "I'm not in this channel, so I can't post its digest here. Invite me with `/invite @policybot` in the "
    "channel, then try again.")
CHANNEL_ARCHIVED = Text("这个频道已归档,不能再在这里发布摘要。", "This channel is archived: no digest can be posted here.")
ONLY_OWNER = Text("只有设置本频道摘要的 <@{owner}> 或管理员可以修改本频道关注的主题和摘要时间。",
                  "Only <@{owner}>, who set up this channel's digest, or an admin can change its topics and schedule.")
ONLY_ADMINS = Text("只有管理员可以修改频道关注的主题和摘要时间:{admins}。",
                   "Only admins can change a channel's topics and schedule: {admins}.")
NO_ADMINS = Text("尚未指定管理员(设置 `slack.admins`)", "no admin is named yet (setting `slack.admins`)")
SCHEDULE_USAGE = Text(
    "用法:`{prefix}digest schedule <cron> [时区]`,cron 为「分 时 日 月 星期」,例如 "
    "`{prefix}digest schedule 0 9 * * 1 Asia/Shanghai`(每周一 9:00)。`{prefix}digest off` 停止摘要。",
    "Usage: `{prefix}digest schedule <cron> [time zone]`, cron being minute hour day month weekday, e.g. "
    "`{prefix}digest schedule 0 9 * * 1 Asia/Shanghai` (Mondays 09:00). `{prefix}digest off` stops digests.")
BAD_CRON = Text("`{cron}` 不是有效的 cron 表达式({why})。", "`{cron}` is not a valid cron expression ({why}).")
BAD_TIMEZONE = Text("不认识时区 `{zone}`,请用 IANA 名称,如 `Asia/Shanghai`、`Asia/Hong_Kong`、`UTC`。",
                    "`{zone}` is not a time zone I know: use an IANA name such as `Asia/Shanghai` or `UTC`.")
SCHEDULE_SET = Text("{where}的摘要时间已设为 `{cron}`({zone}),下一期:{next}。",
                 "Digests in {where} now follow `{cron}` ({zone}); the next one: {next}.")
SCHEDULE_OVER_CONFIG = Text("它取代了配置文件中的时间 {schedules}。", "It replaces the configured schedule {schedules}.")
NO_NEXT_SLOT = Text("(不会再有)", "(none to come)")
DIGESTS_OFF = Text("{where}的摘要已停止;关注的主题都保留。用 `{prefix}digest schedule <cron>` 可重新开启。",
                   "Digests in {where} are off; the topics followed stay. `{prefix}digest schedule <cron>` turns "
                   "them back on.")
STOPPED = Text("发往 {where} 的政策摘要已停止:{why}", "Policy digests to {where} have stopped: {why}")
STOPPED_WHY = {
    "not_in_channel": Text(
        "我已不在该频道中。请在频道里输入 `/invite @policybot`,再用 `/policy digest schedule …` 或 "
        "`/policy subscribe …` 重新开启。",
        "I am no longer in the channel. Invite me with `/invite @policybot` there, then turn them back on with "
        "`/policy digest schedule …` or `/policy subscribe …`."),
    "channel_not_found": Text(
        "找不到该频道(可能已删除,或是我未被邀请的私有频道)。若频道仍在,请在其中输入 `/invite @policybot`。",
        "the channel cannot be found (deleted, or a private channel I was not invited to). If it still exists, "
        "invite me with `/invite @policybot`."),
    "is_archived": Text("该频道已归档。", "the channel is archived."),
    "account_inactive": Text("收件人的账户已停用。", "the recipient's account is deactivated."),
}
STOPPED_AUTH = Text("Slack 不再接受 policybot 在此工作区的授权,请管理员重新安装应用。",
                    "Slack no longer accepts policybot's authorisation in this workspace: an admin needs to "
                    "reinstall the app.")

ADD_USAGE = Text("用法:`{prefix}add <网址>`;也可以在与我的私信中直接上传文件(PDF、Word、网页、OFD、文本)。",
                 "Usage: `{prefix}add <URL>`; or upload a file (PDF, Word, web page, OFD, text) in a direct "
                 "message to me.")
ONLY_ADMINS_ADD = Text("只有管理员可以添加文件:{admins}。请把文件或网址发给他们。",
                       "Only admins can add documents: {admins}. Send them the file or address.")
ADDED = Text("已收录《{title}》({status})", "Added 《{title}》 ({status})")
ADD_STATUS = {"added": Text("新文件", "new"), "replaced": Text("替换了旧版本", "replaces the earlier version"),
              "unchanged": Text("与已收录的版本相同", "same as the version already added")}
ADDED_FACTS = Text("城市:{region} · 日期:{date} · {clauses} 条款 · {targets} 个目标 · {tasks} 项任务",
                   "City: {region} · date: {date} · {clauses} clauses · {targets} targets · {tasks} tasks")
ADDED_PAGES = Text("共 {pages} 页", "{pages} page(s)")
ADDED_PROBLEMS = Text("未能解析:", "Could not be parsed:")
ADDED_SHARED = Text("已存入数据库,共用该数据库的所有实例都会收录。现在就可以查询。",
                    "Saved in the database: every instance sharing it gets it. It can be asked about now.")
NOT_ADDED = Text("没有收录 {name}:{reason}", "Did not add {name}: {reason}")
FILE_TOO_LARGE = Text("文件有 {size} MB,超过 {limit} MB 的上限", "the file is {size} MB, over the limit of {limit} MB")
FILE_UNREADABLE = Text("无法从 Slack 取得文件({error})", "could not get the file from Slack ({error})")
TOO_MANY_FILES = Text("一次最多处理 {limit} 个文件,其余的请另发。", "I take {limit} files at a time; send the rest again.")

COMMAND_HELP.update({
    "digest.schedule": (Text("digest schedule <cron> [时区]", "digest schedule <cron> [time zone]"),
                        Text("设定本频道(或你的私信)的摘要时间", "set when this channel's (or your DMs') digest comes"),
                        "digest schedule 0 9 * * 1 Asia/Shanghai"),
    "digest.off": (Text("digest off", "digest off"), Text("停止这里的摘要,主题保留", "stop digests here; topics stay"),
                   "digest off"),
    "add": (Text("add <网址>", "add <URL>"),
            Text("收录一个网页或文件(也可在私信中上传文件)", "add a web page or file (or upload one in a DM)"),
            "add https://www.gov.cn/zhengce/content/2021-03/13/content_5592681.htm"),
})
NOT_INSTALLED = Text("policybot 没有安装在这个工作区,或安装已失效:请管理员重新安装。",
                     "policybot is not installed in this workspace, or its installation lapsed: an admin needs to "
                     "install it again.")
PAUSED = Text("{where}的摘要已停止:{why}", "Digests in {where} have stopped: {why}")
JUST_POSTED = Text("{where}刚刚发布过摘要,请一分钟后再试。", "A digest was posted in {where} a moment ago; try again in a minute.")
