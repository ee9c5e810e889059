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


# ---------------------------------------------------------------- channel digests, documents from Slack
# Replies of `/policy digest schedule|off`, the checks before a channel's digest is changed, the DM
# sent when digests stop for good, and `/policy add` / files shared in the bot's DM. Values are
# Slack mrkdwn, already escaped where they carry user text.

WHERE_CHANNEL = Text("本频道", "in this channel")
WHERE_DM = Text("你的私信", "in your DMs")
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
SCHEDULED = Text("{where}的摘要时间已设为 `{cron}`({zone}),下一期:{next}。",
                 "Digests {where} now follow `{cron}` ({zone}); the next one: {next}.")
SCHEDULE_OVER_CONFIG = Text("它取代了配置文件中的时间 {schedules}。", "It replaces the configured schedule {schedules}.")
NO_NEXT_SLOT = Text("(不会再有)", "(none to come)")
DIGESTS_OFF = Text("{where}的摘要已停止;关注的主题都保留。用 `{prefix}digest schedule <cron>` 可重新开启。",
                   "Digests {where} are off; the topics followed stay. `{prefix}digest schedule <cron>` turns "
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
PAUSED = Text("{where}的摘要已停止:{why}", "Digests {where} have stopped: {why}")
