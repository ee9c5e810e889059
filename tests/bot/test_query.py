"""Query parsing: intents and aliases, filters, normalization."""
from __future__ import annotations

import pytest

from bot.query import QueryContext, parse_query

CONTEXT = QueryContext(regions={"成都": "成都市", "成都市": "成都市", "安顺": "安顺市", "安顺市": "安顺市"},
                       documents={"chengdu-2021-decision": "中共成都市委关于…的决定"})


@pytest.mark.parametrize("text,intent,topic", [
    ("target 研发", "target", "研发"), ("targets 研发", "target", "研发"), ("goal 研发", "target", "研发"),
    ("目标 研发", "target", "研发"), ("指标 研发", "target", "研发"), ("目标:研发", "target", "研发"),
    ("lead-unit 知识产权", "lead-unit", "知识产权"), ("owner 知识产权", "lead-unit", "知识产权"),
    ("牵头 知识产权", "lead-unit", "知识产权"), ("责任单位 知识产权", "lead-unit", "知识产权"),
    ("unit 市科技局", "unit", "市科技局"), ("部门 市科技局", "unit", "市科技局"),
    ("search 人才", "search", "人才"), ("人才 公寓", "search", "人才 公寓"), ("docs", "docs", ""),
    ("help", "help", ""), ("TARGET 研发", "target", "研发"), ("ｔａｒｇｅｔ　研發", "target", "研发"),
    ("target研发", "target", "研发"), ("目标：研发", "target", "研发"), ("lead-unit知识产权", "lead-unit", "知识产权"),
    ("R&D投入", "search", "R&D投入"),
])
def test_intents(settings, text, intent, topic):
    query = parse_query(text, settings.vocabulary, CONTEXT)
    assert (query.intent, query.topic) == (intent, topic)


def test_filters_are_taken_out_of_the_topic(settings):
    q = parse_query("target 成都 研发 2025", settings.vocabulary, CONTEXT)
    assert q.filters.regions == ("成都市",) and q.horizon_year == 2025 and q.topic == "研发"
    q = parse_query("search 人才 in:安顺 type:实施意见 year:2022", settings.vocabulary, CONTEXT)
    assert q.filters.regions == ("安顺市",) and q.filters.kind == "实施意见" and q.filters.year == 2022
    assert q.topic == "人才"
    q = parse_query("search 人才 doc:chengdu", settings.vocabulary, CONTEXT)
    assert q.filters.doc_ids == ("chengdu-2021-decision",)


def test_bare_subcommands_without_a_topic_are_help(settings):
    assert parse_query("unit", settings.vocabulary, CONTEXT).intent == "help"
    assert parse_query("search", settings.vocabulary, CONTEXT).intent == "help"
    assert parse_query("target", settings.vocabulary, CONTEXT).intent == "target"  # every target


def test_long_and_empty(settings):
    assert parse_query("字" * 501, settings.vocabulary, CONTEXT).error == "too_long"
    assert parse_query("   ", settings.vocabulary, CONTEXT).intent == "help"
