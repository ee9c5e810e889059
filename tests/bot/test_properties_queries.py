"""Property tests of queries: whatever is typed, the engine answers and every front end can show it.

Queries are random Unicode, what Slack sends (`&amp;`, `<@U…>`, links), huge or empty, and
filters with odd values, mixed with the words of the corpus so that they also find things.
For each: the engine never raises; the answer renders on the command line, as JSON that
reads back, and through the real Slack dispatcher as Block Kit within Slack's limits.
"""
from __future__ import annotations

import json

import pytest
from fake_slack import FakeSlackAPI, message_problems, slack_encoded
from hypothesis import given
from hypothesis import strategies as st
from slack_harness import TOKEN, make_runtime

from bot.render_text import render_answer
from bot.strings import Catalog
from handlers.commands import build_command_table, reply_to
from handlers.context import PolicyContext
from handlers.slack_text import user_text

INTENT_WORDS = ["target", "targets", "目标", "lead", "lead-unit", "牵头", "unit", "单位", "search", "搜索", "docs",
                "文件", "help", "?", "subscriptions", "digest", "digest preview", "reload", "目标:", "target研发"]
TOPIC_WORDS = ["研发", "人才飞地", "科技成果转化", "市科技局", "发改委", "知識產權", "R&D", "5G", "碳达峰", "专精特心",
               "chengdu", "zigongshi", "what targets did Chengdu set for R&D by 2025?", "2025", "十四五"]
FILTER_KEYS = ["in:", "city:", "doc:", "type:", "year:", "IN:", "Year:", "年份:", "in:", "year:"]
ODD_VALUES = ["", "北京", "成都", "abcd", "2030", "0", "-1", "99999999999999999999", "²", "١٢", "2021.5", "%",
              "*", "\\", "'", '"', "<script>", "&amp;", "*bold*", "`code`", "\u202e", "\u200b", "\ue000", "🙂",
              "zigong-2021-innovation-decision", "../../etc/passwd", "实施意见", "\n", "\t"]
# What Slack puts in a message's text besides what the user typed.
SLACK_MARKUP = ["<@U0ASKER>", "<#C0GENERAL|general>", "<!here>", "<!channel>", "<https://example.org|链接>",
                "<mailto:a@b.cn|a@b.cn>", "<!subteam^S123|@team>", "&lt;", "&gt;", "&amp;", ":smile:", "```x```"]

word = st.one_of(st.sampled_from(TOPIC_WORDS), st.text(max_size=12),
                 st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=6))
odd_filter = st.builds(lambda k, v: k + v, st.sampled_from(FILTER_KEYS),
                       st.one_of(st.sampled_from(ODD_VALUES), st.text(max_size=8)))
pieces = st.lists(st.one_of(word, odd_filter, st.sampled_from(SLACK_MARKUP)), max_size=8)
queries = st.one_of(
    st.builds(lambda intent, rest: " ".join([intent, *rest]), st.sampled_from(INTENT_WORDS), pieces),
    st.builds(" ".join, pieces),
    st.text(max_size=200),  # anything at all
    st.sampled_from(["", " ", "\n", "\u3000", "\x00", "target", "unit", "in:", "year:", "docs in:北京"]),
    st.builds(lambda w, n: (w + " ") * n, word, st.integers(50, 400)),  # huge
)


@pytest.fixture(scope="module")
def slack_runtime(settings, engine, tmp_path_factory):
    """The runtime `policybot serve` builds (database in a temporary folder), for the dispatcher."""
    with FakeSlackAPI(token=TOKEN) as fake:
        runtime = make_runtime(settings, fake, tmp_path_factory.mktemp("properties"), engine=engine,
                               admins=frozenset({"U0ADMIN"}))
        yield runtime
        runtime.close()


@pytest.fixture(scope="module")
def table():
    return build_command_table()


@given(queries, st.integers(1, 20), st.integers(0, 500), st.sampled_from(["zh", "en"]))
def test_any_query_is_answered_and_renders_on_the_command_line_and_as_json(engine, documents, text, limit, offset,
                                                                          language):
    answer = engine.ask(text, limit=limit, offset=offset)
    assert len(answer.hits) <= limit
    for hit in answer.hits:  # each hit is a clause of the corpus, shown with its own document
        assert hit.clause in documents[hit.document.id].clauses
    printed = render_answer(answer, engine.vocabulary, t=Catalog(language), documents=engine.documents)
    assert isinstance(printed, str) and printed.strip()
    payload = json.loads(json.dumps(answer.to_json(), ensure_ascii=False))
    assert payload["query"] == answer.query.raw and len(payload["results"]) == len(answer.hits)


@given(queries, st.sampled_from(["command", "dm", "mention"]), st.sampled_from(["zh", "en"]),
       st.sampled_from(["U0ASKER", "U0ADMIN"]))
def test_any_query_as_slack_sends_it_renders_within_block_kit_limits(slack_runtime, table, text, surface, language,
                                                                    user):
    """Through the real dispatcher (every subcommand, admins' too): a message Slack accepts, never an exception."""
    services = slack_runtime.services
    ctx = PolicyContext(services=services, surface=surface, user_id=user, channel_id="C0GENERAL",
                        language=language)
    decoded = user_text(slack_encoded(text))  # Slack encodes what was typed; the app decodes it once
    reply = reply_to(decoded, ctx, table)
    if reply.message is None:  # a reload or a digest post answers later, through Slack itself
        return
    assert message_problems(reply.message) == [], decoded[:80]
    assert json.dumps(reply.message, ensure_ascii=False)
