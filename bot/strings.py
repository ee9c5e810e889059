"""User-facing strings of the command line, in one place."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Text:
    """One string in each language the bot speaks."""

    zh: str
    en: str

    def __call__(self, language: str) -> str:
        return self.en if language.startswith("en") else self.zh


UNKNOWN_REGION = "城市未知"
UNKNOWN_DATE = "日期未知"
YEAR_FROM_FILE_NAME = "{year}年(据文件名)"
SCORE = "相关度"
LEAD = "牵头单位"
SUPPORT = "配合单位"
TARGET = "目标"
RESPONSIBLE = "负责单位"
UNITS_RULE = {
    "stated": "按文件说明区分牵头/配合",
    "first-listed": "文件未说明,列第一位者视为牵头",
    "prose": "出自正文的职责表述",
    "none": "",
}
ROLES = {"lead": "牵头", "support": "配合", "responsible": "负责"}
FROM_TEXT = "原文:"
TARGET_KINDS = {"goal": "(目标)", "standard": "(标准)"}
IMPLIED_YEAR = "{year}年(按计划年份)"
INTENT_NAMES = {"target": "目标", "lead-unit": "牵头单位", "unit": "单位任务", "search": "检索"}
RESULTS_HEADER = "{intent}:{topic} —— 第 {first}–{last} 条,共 {total} 条"
NOTHING_FOUND = "没有找到与「{topic}」相关的条款。"
CLOSEST = "相近的主题:"
TRY_HELP = "输入 help 查看查询方式。"
NO_DOCUMENTS = "没有符合条件的文件。"
TOO_LONG = "查询太长(最多 500 字),请缩短后再试。"
# Why a query text cannot be answered (Query.error), with the part at fault as {detail}.
QUERY_ERRORS = {
    "too_long": Text("查询太长,请缩短后再试。", "That query is too long; please ask something shorter."),
    "bad_year": Text("「{detail}」不是年份,请写成 year:2021 这样的四位数年份。",
                     "`{detail}` is not a year: write it with four digits, as in year:2021."),
}
PAST_THE_END = "第 {first} 条起没有结果:「{topic}」共有 {total} 条。"
EMPTY_QUERY = "空查询"
NOT_UTF8 = "不是有效的 UTF-8 文本"
SLACK_ONLY = "订阅、摘要和重新加载请在 Slack 中使用 /policy,或用 `policybot digest`。"
COUNTS = "{clauses} 条款 · {targets} 个目标 · {tasks} 项任务 · {units} 个单位"

HELP_TITLE = "policybot —— 政策文件条款检索"
HELP_ALIASES = "别名"
HELP_FILTERS = "筛选:in:成都 或在查询中写城市名;type:实施意见;year:2021"
HELP_EXAMPLES = "例子:"

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
    "digest.preview": (Text("digest preview", "digest preview"),
                       Text("下一期摘要(只有你能看到)", "the next digest, shown only to you"), "digest preview"),
    "digest.now": (Text("digest now", "digest now"), Text("立即在这里发布摘要", "post the digest here now"),
                   "digest now"),
    "reload": (Text("reload", "reload"), Text("重新读取文件夹中的文件", "re-read the corpus folder"), "reload"),
}

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
