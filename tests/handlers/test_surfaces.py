"""Every surface as a Chinese-speaking team uses it, end to end: Slack's own encoding, each user's
language, the search modal, the message shortcut, the interactive App Home, thread mentions.

Requests are signed and encoded exactly as Slack sends them (user text with `&amp;`, mentions
as `<@U…>`, channels as `<#C…|name>`, links as `<https://…|label>`); the fake Web API answers
users.info, conversations.replies and views.* as Slack does, and rejects what Slack would.
"""
from __future__ import annotations

import json
import re

from fake_slack import BOT_USER_ID, picked_option, typed_text, view_problems
from slack_harness import running_bot

from bot.store import Audience
from handlers.blocks import ZWSP

CHENGDU_RD = "全社会研究与试验发展经费(R&amp;D)年均增幅10%以上"  # Chengdu's R&D target, as mrkdwn shows it


def readable(payload) -> str:
    """What a reader sees of a payload: its JSON less the bold marks (stars and zero-width spaces)."""
    return json.dumps(payload, ensure_ascii=False).replace(ZWSP, "").replace("*", "")


def buttons(blocks) -> list[dict]:
    found = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    return found + [b["accessory"] for b in blocks if b.get("accessory")]


def opened_view(running, n: int = 1) -> dict:
    call = running.fake.wait_for_call("views.open", count=n)[n - 1]
    return call.params["view"] if isinstance(call.params["view"], dict) else json.loads(call.params["view"])


def stored_view(running, method: str, n: int = 1) -> dict:
    """The view as the fake Slack keeps it after the app's n-th call to `method` (with its id and hash)."""
    running.fake.wait_for_call(method, count=n)
    return running.fake.view()


# ---------------------------------------------------------------- Slack's encoding, on every surface

def test_target_r_and_d_as_slack_sends_it_finds_the_r_and_d_targets(running):
    sent, _ = running.slack.command("target R&amp;D")
    reply = sent.json()
    assert reply["blocks"][0]["elements"][0]["text"] == "/policy target R&amp;D"  # escaped once, not twice
    assert CHENGDU_RD in readable(reply)
    assert reply["blocks"][1]["elements"][0]["text"].startswith("关于「R&amp;D」的目标 · 第 1–")
    assert "&amp;amp;" not in sent.body.decode() and "R&D" not in reply["blocks"][0]["elements"][0]["text"]


def test_a_dm_with_a_channel_link_and_a_mention_searches_only_what_was_meant(running):
    running.slack.direct_message("target R&amp;D <#C0OTHER|general> <@U0BOSS>")
    post = running.fake.wait_for_call("chat.postMessage")[0].params
    assert CHENGDU_RD in readable(post)
    summary = post["blocks"][0]["elements"][0]["text"]
    assert summary.startswith("关于「R&amp;D」的目标")  # neither the channel nor the person became query text
    assert "U0BOSS" not in readable(post) and "general" not in summary


def test_a_mention_whose_topic_is_a_link_label_searches_the_label(running):
    running.slack.mention("<@U0BOSS> target <https://www.gov.cn/zhengce/rd.html|R&amp;D> <!channel>",
                          channel="C0POLICY")
    post = running.fake.wait_for_call("chat.postMessage")[0].params
    assert CHENGDU_RD in readable(post)
    raw = json.dumps(post, ensure_ascii=False)
    assert "<!channel>" not in raw and "<@" not in raw and "www.gov.cn" not in raw


def test_a_message_shortcut_reads_the_message_as_slack_sends_it(running):
    running.slack.message_shortcut("大家看看成都 R&amp;D 的目标是多少? &lt;急&gt; <!here>")
    view = opened_view(running)
    assert view_problems(view) == []
    text = readable(view)
    assert CHENGDU_RD in text and "&lt;急&gt;" in text and "<!here>" not in text and "&amp;amp;" not in text


def test_the_search_form_reads_its_values_as_slack_sends_them(running):
    running.slack.command("")
    form = stored_view(running, "views.open")
    values = {**picked_option(form, "intent", "target"), **typed_text("topic", "R&D"),
              **picked_option(form, "city", "成都市")}
    reply = running.slack.view_submission(form, values).json()
    assert reply["response_action"] == "update" and view_problems(reply["view"]) == []
    text = readable(reply["view"])
    assert "查询:`target R&amp;D in:成都市`" in text and CHENGDU_RD in text
    assert "广元市" not in text  # the city picked narrows the results


# ---------------------------------------------------------------- each user's language

def test_each_user_is_answered_in_their_slack_language(running):
    fake = running.fake
    fake.set_locale("U0EN", "en-US")
    fake.set_locale("U0TW", "zh-TW")
    fake.set_locale("U0JA", "ja-JP")  # a language the bot does not speak: the workspace's (zh-CN here)
    fake.set_locale("U0GONE", None)  # users.info fails: the workspace's, and the request still answered
    replies = {user: running.slack.command("target 新增市级平台", user=user)[0].json()
               for user in ("U0EN", "U0TW", "U0JA", "U0GONE")}
    assert replies["U0EN"]["blocks"][1]["elements"][0]["text"].startswith("Targets about *新增市级平台* · showing 1–")
    for user in ("U0TW", "U0JA", "U0GONE"):
        assert replies[user]["blocks"][1]["elements"][0]["text"].startswith("关于「新增市级平台」的目标"), user
    english = [e["text"]["text"] for e in buttons(replies["U0EN"]["blocks"])]
    assert english[:2] == ["Share in channel", "Full clause"] and "Helpful" in english
    lookups = fake.calls_to("users.info")
    assert {c.params["user"] for c in lookups} >= {"U0EN", "U0TW", "U0JA"}
    assert all(c.params["include_locale"] in ("1", "true", "True") for c in lookups)
    running.slack.command("docs", user="U0EN")
    assert [c.params["user"] for c in fake.calls_to("users.info")].count("U0EN") == 1  # remembered


def test_help_is_in_the_users_language_and_its_aliases_are_what_the_parser_reads(running, engine):
    running.fake.set_locale("U0EN", "en-GB")
    english = readable(running.slack.command("帮助", user="U0EN")[0].json())
    assert "How to ask policybot" in english and "quantitative targets about a topic" in english
    chinese = running.slack.command("help")[0].json()
    assert chinese["blocks"][0]["text"]["text"] == "如何向 policybot 提问"
    listed = [b["text"]["text"] for b in chinese["blocks"] if b["type"] == "section"][1]
    for line in listed.splitlines():
        usage = line.split("`")[1].removeprefix("/policy ")
        word = usage.split()[0]
        assert engine.vocabulary.intent_of(word) is not None, line
        aliases = re.search(r"也可写:([^)]*)\)", line).group(1) if "也可写" in line else ""
        for alias in aliases.split():
            if alias != word:  # `digest 预览` lists the action words after the subcommand's word
                assert engine.vocabulary.intent_of(alias) == engine.vocabulary.intent_of(word) or \
                    engine.vocabulary.action_of(engine.vocabulary.intent_of(word), alias), (line, alias)


def test_buttons_name_the_result_they_act_on_for_screen_readers(running):
    reply = running.slack.command("search 人才飞地")[0].json()
    labels = {e["action_id"]: e.get("accessibility_label") for e in buttons(reply["blocks"])}
    assert labels["share_result"] == (
        "把第 1 条结果分享到频道:《中共自贡市委关于深入推进创新驱动引领超常跨越和高质量发展的决定》五、(十三)")
    assert labels["full_clause"].startswith("查看第 1 条结果的全文:")
    assert labels["feedback_helpful"] == "这些结果有帮助" and all(len(v) <= 75 for v in labels.values())


# ---------------------------------------------------------------- the search modal

def test_policy_alone_opens_the_search_form_with_pickers_from_the_corpus(running):
    sent, _ = running.slack.command("")
    assert sent.status == 200 and not sent.body.strip()  # acknowledged quietly: the modal is the answer
    form = opened_view(running)
    assert view_problems(form) == [] and form["callback_id"] == "policy_search"
    assert form["title"]["text"] == "检索政策文件" and form["submit"]["text"] == "检索"
    options = {b["block_id"]: [o["value"] for o in b["element"].get("options", [])] for b in form["blocks"]}
    assert options["intent"] == ["search", "target", "lead-unit", "unit"]
    assert set(options["city"]) == {"*", "成都市", "广元市", "安顺市", "自贡市"}
    assert len(options["document"]) == 6 and options["document"][0] == "*"  # any, then each document, newest first
    assert options["year"] == ["*", "2022", "2021"] and "实施意见" in options["kind"]


def test_when_slack_will_not_open_the_form_policy_alone_gets_help(running):
    running.fake.expire("T0SPENT")  # more than three seconds old, or used already
    reply = running.slack.command("", trigger_id="T0SPENT")[0].json()
    assert reply["blocks"][0]["text"]["text"] == "如何向 policybot 提问"
    assert reply["blocks"][1]["text"]["text"] == "请在 `/policy` 后面写上问题,例如:"


def test_a_form_without_a_topic_for_a_search_says_so_under_the_topic(running):
    running.slack.command("")
    form = stored_view(running, "views.open")
    reply = running.slack.view_submission(form, {**picked_option(form, "intent", "search"),
                                                 **typed_text("topic", None)}).json()
    assert reply == {"response_action": "errors", "errors": {"topic": "请写上主题或单位名。"}}
    targets = running.slack.view_submission(form, {**picked_option(form, "intent", "target"),
                                                   **typed_text("topic", None),
                                                   **picked_option(form, "year", "2021")}).json()
    assert targets["response_action"] == "update" and "查询:`target year:2021`" in readable(targets["view"])


def test_an_error_while_searching_from_the_form_apologises_in_the_form(running, bot, monkeypatch):
    running.slack.command("")
    form = stored_view(running, "views.open")

    def broken(*args, **kwargs):
        raise RuntimeError("index exploded")

    monkeypatch.setattr(bot.services.engine, "ask", broken)
    reply = running.slack.view_submission(form, {**picked_option(form, "intent", "target"),
                                                 **typed_text("topic", "研发")}).json()
    assert reply["response_action"] == "update" and view_problems(reply["view"]) == []
    assert "错误编号" in readable(reply["view"])


def test_results_in_a_modal_page_in_place_and_open_a_clause_over_themselves(running):
    running.fake.set_locale("U0EN", "en-US")
    running.slack.message_shortcut("What are the R&amp;D targets?", user="U0EN")
    results = stored_view(running, "views.open")
    assert results["title"]["text"] == "Results"
    actions = [e["action_id"] for e in buttons(results["blocks"])]
    assert "modal_more_results" in actions and "modal_full_clause" in actions
    assert not {"share_result", "feedback_helpful", "more_results"} & set(actions)  # no channel, no response_url

    more = next(e for e in buttons(results["blocks"]) if e["action_id"] == "modal_more_results")
    running.slack.view_action(results, "modal_more_results", more["value"], user="U0EN")
    update = running.fake.wait_for_call("views.update")[0].params
    assert update["view_id"] == results["id"] and update["hash"] == results["hash"]
    page = update["view"] if isinstance(update["view"], dict) else json.loads(update["view"])
    assert "showing 6–" in readable(page)
    assert "Found for this message: What are the R&amp;D targets?" in readable(page)  # still says what was searched

    clause = next(e for e in buttons(results["blocks"]) if e["action_id"] == "modal_full_clause")
    _, trigger = running.slack.view_action(results, "modal_full_clause", clause["value"], user="U0EN")
    push = running.fake.wait_for_call("views.push")[0].params
    assert push["trigger_id"] == trigger
    pushed = push["view"] if isinstance(push["view"], dict) else json.loads(push["view"])
    assert pushed["title"]["text"] == "Full clause" and view_problems(pushed) == []


def test_a_shortcut_on_a_message_without_text_says_so(running):
    running.slack.message_shortcut("<@U0SOMEONE> <#C0X|general>")
    view = opened_view(running)
    assert "这条消息没有可以查找的文字" in readable(view)


def test_a_shortcut_turns_a_chatty_message_into_the_query_it_means(running):
    running.slack.message_shortcut("各位,知识产权保护这块哪个部门牵头?")
    view = readable(opened_view(running))
    assert "查询:`lead-unit 知识产权保护`" in view and "牵头单位" in view
    assert "按这条消息查找:各位,知识产权保护这块哪个部门牵头?" in view


# ---------------------------------------------------------------- App Home

def test_app_home_offers_search_subscriptions_to_remove_and_recent_documents(running, bot):
    store = bot.services.store
    for topic in ("科技金融", "人才 & 团队"):
        store.unsubscribe(Audience.user("U0HOME"), topic)
        store.subscribe(Audience.user("U0HOME"), topic, by="U0HOME", at=bot.services.clock())
    running.slack.app_home_opened(user="U0HOME")
    home = running.fake.wait_for_call("views.publish")[0].params["view"]
    home = home if isinstance(home, dict) else json.loads(home)
    search = next(e for e in buttons(home["blocks"]) if e["action_id"] == "open_search")
    assert search["accessibility_label"] == "打开检索窗口,按主题、城市、文件、类型和年份查找"
    removes = [e for e in buttons(home["blocks"]) if e["action_id"] == "home_unsubscribe"]
    assert [e["value"] for e in removes] == ["科技金融", "人才 & 团队"]
    assert removes[1]["accessibility_label"] == "取消订阅「人才 & 团队」"
    titles = [b["text"]["text"].split("\n")[0] for b in home["blocks"]
              if b["type"] == "section" and b["text"]["text"].startswith("*《")]
    documents = [d for d in bot.services.engine.documents if d.date]
    newest = max(documents, key=lambda d: d.date)
    assert titles[0] == f"*《{newest.title}》*"  # newest first

    home_view = {**home, "id": "VHOME", "hash": "h1"}
    _, trigger = running.slack.view_action(home_view, "open_search", "home", user="U0HOME")
    assert running.fake.wait_for_call("views.open")[0].params["trigger_id"] == trigger

    running.slack.view_action(home_view, "home_unsubscribe", "人才 & 团队", user="U0HOME")
    again = running.fake.wait_for_call("views.publish", count=2)[1].params["view"]
    assert store.topics(Audience.user("U0HOME")) == ["科技金融"]
    assert "人才 &amp; 团队" not in readable(again) and "科技金融" in readable(again)


# ---------------------------------------------------------------- mentions in threads

def test_a_bare_mention_in_a_thread_searches_what_the_thread_is_about(running):
    parent = running.fake.add_message("C0THREAD", "大家看看成都关于研发投入的目标是多少?明年要做规划 &amp; 预算")
    running.fake.add_message("C0THREAD", "好的", thread_ts=parent)
    event = {"type": "app_mention", "channel": "C0THREAD", "user": "U0ASKER", "text": f"<@{BOT_USER_ID}>",
             "ts": "1700000300.000300", "thread_ts": parent, "event_ts": "1700000300.000300"}
    running.slack.event(event)
    post = running.fake.wait_for_call("chat.postMessage")[0].params
    replies = running.fake.calls_to("conversations.replies")[0].params
    assert (replies["channel"], replies["ts"]) == ("C0THREAD", parent)
    assert post["thread_ts"] == parent
    assert post["blocks"][0]["elements"][0]["text"].startswith("关于「研发投入」的目标")
    assert "成都市" in readable(post)


def test_a_mention_with_only_an_intent_applies_it_to_the_thread(running):
    parent = running.fake.add_message("C0THREAD", "知识产权保护这块工作怎么安排?")
    event = {"type": "app_mention", "channel": "C0THREAD", "user": "U0ASKER", "text": f"<@{BOT_USER_ID}> 牵头",
             "ts": "1700000400.000400", "thread_ts": parent, "event_ts": "1700000400.000400"}
    running.slack.event(event)
    post = running.fake.wait_for_call("chat.postMessage")[0].params
    assert post["blocks"][0]["elements"][0]["text"].startswith("关于「知识产权保护」的任务及牵头单位")


def test_a_mention_with_its_own_topic_in_a_thread_does_not_read_the_thread(running):
    parent = running.fake.add_message("C0THREAD", "知识产权保护这块工作怎么安排?")
    event = {"type": "app_mention", "channel": "C0THREAD", "user": "U0ASKER", "ts": "1700000500.000500",
             "text": f"<@{BOT_USER_ID}> search 人才飞地", "thread_ts": parent, "event_ts": "1700000500.000500"}
    running.slack.event(event)
    assert "人才飞地" in readable(running.fake.wait_for_call("chat.postMessage")[0].params)
    assert running.fake.calls_to("conversations.replies") == []


def test_a_thread_the_bot_cannot_read_gets_help_rather_than_silence(running):
    event = {"type": "app_mention", "channel": "C0SECRET", "user": "U0ASKER", "text": f"<@{BOT_USER_ID}>",
             "ts": "1700000600.000600", "thread_ts": "1700000000.000001", "event_ts": "1700000600.000600"}
    running.slack.event(event)
    post = running.fake.wait_for_call("chat.postMessage")[0].params
    assert post["blocks"][0]["text"]["text"] == "如何向 policybot 提问"
    assert running.fake.calls_to("conversations.replies", ok_only=False)


# ---------------------------------------------------------------- a workspace whose language is English

def test_an_english_workspace_writes_channel_digests_in_english_and_users_in_theirs(settings, engine, tmp_path):
    with running_bot(settings, tmp_path, engine=engine, language="en-US") as bot:
        bot.fake.set_locale("U0JA", "ja-JP")  # neither Chinese nor English: the workspace's language
        bot.fake.set_locale("U0ZH", "zh-CN")
        assert bot.slack.command("docs", user="U0JA")[0].json()["blocks"][1]["text"]["text"] == \
            "Indexed documents (5)"
        assert bot.slack.command("docs", user="U0ZH")[0].json()["blocks"][1]["text"]["text"] == "收录的文件(5 份)"
        outcome = bot.services.digests.post_now(Audience.channel("C0ENGLISH"))
        assert outcome.status == "posted"
        head = bot.fake.calls_to("chat.postMessage")[0].params
        assert head["channel"] == "C0ENGLISH" and head["text"].startswith("First digest for this channel")
        bot.services.digests.post_now(Audience.user("U0ZH"))
        dm = [c.params for c in bot.fake.calls_to("chat.postMessage") if c.params["channel"] == "U0ZH"][0]
        assert dm["text"].startswith("你的第一期摘要")
        bot.settle()
        assert bot.fake.problems() == []
