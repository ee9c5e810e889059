"""User-facing strings of the command line, in one place."""

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

HELP_TEXT = """policybot —— 政策文件条款检索

  target <主题>      各城市在该主题上的量化目标(别名:targets goal goals 目标 指标)
  lead-unit <主题>   该主题任务的牵头和配合单位(别名:lead owner 牵头 牵头单位 责任单位)
  unit <单位名>      某单位牵头或配合的全部任务(别名:单位 部门)
  search <文字>      检索任意条款;直接输入文字也可以
  docs               已收录的文件
  help               本说明

筛选:in:成都 或在查询中写城市名;type:实施意见;year:2021
例子:
  target 研发
  target 成都 2025
  lead-unit 知识产权保护
  unit 市金融工作局
  search 人才飞地"""
