"""A chat message read as the query it means (`bot.message_query`), on the bundled documents."""
from __future__ import annotations

import pytest

from bot.message_query import query_from_message


@pytest.mark.parametrize("message, query", [
    ("人才飞地", "人才飞地"),  # already a query that finds something: kept as it is
    ("target 研发", "target 研发"),
    ("大家看看成都关于研发投入的目标是多少?我们市明年要做规划,想参考一下", "target 成都 研发投入"),
    ("各位,知识产权保护这块哪个部门牵头?", "lead-unit 知识产权保护"),
    ("关于科技金融,市金融工作局负责哪些工作", "unit 市金融工作局"),
    ("我们需要了解专精特新企业的培育目标和高新技术企业数量", "target 专精特新 高新技术企业"),
    ("请问人才飞地这个政策谁在牵头?", "人才飞地"),  # it has no lead unit: the topic alone finds it
])
def test_a_message_becomes_the_query_it_means(engine, message, query):
    assert query_from_message(message, engine) == query
    assert engine.ask(query).matched


def test_a_message_with_nothing_the_documents_know_is_left_for_the_engine_to_say_so(engine):
    message = "周五下午团建,记得带伞"
    assert query_from_message(message, engine) == message
    assert not engine.ask(message).matched


def test_a_long_message_gives_a_query_within_the_limit(engine):
    message = "转发一下,重点是科技成果转化示范区的建设安排:" + "今天学习了很多内容," * 300
    query = query_from_message(message, engine, max_chars=500)
    assert "科技成果转化" in query and "示范区" in query and "学习" not in query
    assert engine.ask(query).hits[0].clause.ref.endswith("二、(五) 10.")  # 协同建设科技成果转化示范区
    assert len(query_from_message("今天学习了很多内容," * 300, engine, max_chars=500)) <= 500
    assert query_from_message("", engine) == ""
