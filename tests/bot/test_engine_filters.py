"""A filter that leaves no document says so, and what there is, on every front end (issue 10 item 4).

Before, `in:北京`, `type:通知` or `year:2030` answered "no clauses about 研发" and offered topics
from the very documents the filter had just left out.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import sys

import pytest

from bot.cli import main
from bot.digest import build_digest
from bot.model import Excluded
from bot.digest_text import format_digest
from bot.store import Audience, Subscription
from bot.strings import Catalog
from handlers.blocks import ZWSP
from handlers.digest_blocks import render_digest

CITIES = ("安顺市", "成都市", "广元市", "自贡市")
KINDS = ("实施意见", "决定", "行动计划", "公报")
CHENGDU = "chengdu-2021-sci-tech-innovation-decision"


@pytest.mark.parametrize("text, excluded", [
    ("target in:北京", [Excluded("city", ("北京",), CITIES)]),
    ("研发 in:北京", [Excluded("city", ("北京",), CITIES)]),
    ("知识产权 type:通知", [Excluded("type", ("通知",), KINDS)]),
    ("研发 year:2030", [Excluded("year", ("2030",), ("2021", "2022"))]),
    ("unit 市科技局 year:2030", [Excluded("year", ("2030",), ("2021", "2022"))]),
    ("docs in:北京", [Excluded("city", ("北京",), CITIES)]),
    ("研发 in:北京 year:2030", [Excluded("city", ("北京",), CITIES), Excluded("year", ("2030",), ("2021", "2022"))]),
    # each leaves documents, none together: the values are those the other filter leaves
    ("研发 in:成都 year:2022", [Excluded("city", ("成都市",), ("安顺市", "广元市"), with_others=True),
                              Excluded("year", ("2022",), ("2021",), with_others=True)]),
    ("target 成都 type:行动计划", [Excluded("city", ("成都市",), ("广元市",), with_others=True),
                                Excluded("type", ("行动计划",), ("决定",), with_others=True)]),
])
def test_the_answer_says_which_filter_left_nothing_and_what_there_is(engine, text, excluded):
    answer = engine.ask(text)
    assert not answer.matched and answer.hits == ()
    assert list(answer.excluded) == excluded
    assert answer.suggestions == () and answer.elsewhere == ()  # nothing offered from excluded documents


def test_a_document_filter_that_names_no_document_is_a_document_filter(engine):
    (excluded,) = engine.ask("研发 doc:不存在的文件").excluded
    assert excluded.filter == "doc" and excluded.asked == ("不存在的文件",)
    assert set(excluded.values) == {d.title for d in engine.documents}


def test_filters_that_leave_documents_do_not_say_so(engine):
    assert engine.ask("研发 in:成都").excluded == ()
    answer = engine.ask("量子引力波探测 in:成都")
    assert not answer.matched and answer.excluded == ()


def test_nothing_inside_the_filters_offers_only_what_is_inside_and_says_where_it_is(engine):
    answer = engine.ask("人才飞地 in:成都")  # only 自贡 writes about 人才飞地
    assert not answer.matched and answer.elsewhere == ("自贡市",)
    chengdu = {c.heading or (c.path[-1] if c.path else "") for c in engine.clauses_of(CHENGDU)}
    assert answer.suggestions and set(answer.suggestions) <= chengdu
    assert engine.ask("unit 市科技局 in:成都").elsewhere == ("安顺市", "广元市")


def ask(*args):
    out = io.StringIO()
    code = main(["ask", *args], out=out)
    return code, out.getvalue()


def test_the_command_line_says_it_in_both_languages():
    code, text = ask("研发 in:北京")
    assert code == 0
    assert text.splitlines() == ["收录的文件中没有北京的文件(in:北京)。收录的城市:安顺市、成都市、广元市、自贡市。",
                                 "去掉或修改筛选条件后再试。"]
    _, text = ask("--lang", "en", "研发 in:成都 year:2022")
    assert "none is from 2022 (year:2022); they are from 2021." in text
    assert "none is from 成都市 (in:成都市); they are from 安顺市, 广元市." in text
    assert "Nothing in the documents answers" not in text


def test_the_json_contract_has_the_excluded_key(monkeypatch):
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdin", io.StringIO("研发 type:通知\n研发\n"))
    assert main(["ask", "--json", "-"], out=out) == 0
    missing, found = [json.loads(line) for line in out.getvalue().splitlines()]
    assert missing["matched"] is False and missing["results"] == []
    assert missing["excluded"] == [{"filter": "type", "asked": ["通知"], "values": list(KINDS), "more": 0,
                                    "with_others": False}]
    assert found["excluded"] == [] and found["matched"] is True


def test_slack_says_which_filter_left_nothing(bot):
    reply = bot.slack.command("target 研发 in:北京")[0].json()
    text = json.dumps(reply, ensure_ascii=False).replace(ZWSP, "")
    assert "收录的文件中没有北京的文件(`in:北京`)。收录的城市:安顺市、成都市、广元市、自贡市。" in text
    assert "没有与「研发」相关" not in text and "相近的主题" not in text
    reply = bot.slack.command("docs year:2030")[0].json()
    assert "收录文件的年份:2021、2022" in json.dumps(reply, ensure_ascii=False)
    bot.settle()


def test_a_digest_topic_whose_filter_leaves_nothing_says_why(engine):
    audience = Audience.channel("C0DIGEST")
    now = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.timezone.utc)
    subscriptions = [Subscription(audience, topic, now - dt.timedelta(days=1)) for topic in ("研发 in:北京", "研发")]
    digest = build_digest(engine, audience, now=now, last=None, subscriptions=subscriptions)
    beijing, rd = digest.topics
    assert beijing.excluded == (Excluded("city", ("北京",), CITIES),) and not beijing.hits
    assert rd.excluded == () and rd.hits
    text = format_digest(digest, Catalog("en"))
    assert "* 研发 in:北京 (new subscription: best matches)\n    Its filters leave no document:\n" \
           "    No indexed document is from 北京 (in:北京). Indexed cities: 安顺市, 成都市, 广元市, 自贡市." in text
    blocks = json.dumps(render_digest(digest, t=Catalog("zh")), ensure_ascii=False)
    assert "*研发 in:北京* —— 筛选条件排除了所有文件" in blocks and "收录的城市:安顺市、成都市、广元市、自贡市" in blocks
