"""Block Kit rendering, tested by value on hand-built engine values."""
from __future__ import annotations

import datetime as dt
import json

from fake_slack import block_kit_problems, message_problems

from bot.model import Answer, Clause, Document, Filters, Hit, Query, Span, Target
from bot.strings import Catalog
from handlers import blocks
from handlers.blocks import ZWSP
from handlers.commands import build_command_table

EN, ZH = Catalog("en"), Catalog("zh")


def make_document(doc_id="guangyuan-plan", title="关于进一步增强协同创新发展能力行动计划", region="广元市",
                  date=dt.date(2022, 3, 1), clauses=()):
    return Document(id=doc_id, title=title, issuer="广元市人民政府", region=region, date=date, kind="行动计划",
                    doc_number=None, source=f"{doc_id}.txt", content_hash="0" * 8, clause_count=len(clauses),
                    target_count=sum(len(c.targets) for c in clauses))


def make_clause(clause_id="guangyuan-plan#2.2.5", text="新增市级平台5家以上。", heading="积极推动高水平创新平台建设",
                lead=("市科技局",), support=("市发展改革委", "市经济和信息化局"), rule="stated", targets=()):
    return Clause(id=clause_id, doc_id=clause_id.split("#")[0], order=1, labels=("二、", "(二)", "5."),
                  path=("二、重点任务", "(二)协同打造高能级创新平台"), heading=heading, text=text,
                  ref="《关于进一步增强协同创新发展能力行动计划》二、(二) 5.", lead_units=lead,
                  support_units=support, units_rule=rule, targets=tuple(targets))


PLATFORMS = Target(sentence="新增市级平台5家以上。", metric="新增市级平台", value=5.0, unit="家", comparator="以上",
                   horizon="到2022年底")


def make_answer(raw="target 新增市级平台", intent="target", hits=None, total=None, offset=0, matched=True,
                suggestions=()):
    if hits is None:
        clause = make_clause(targets=(PLATFORMS,))
        hits = (Hit(clause, make_document(clauses=(clause,)), 1.0, excerpt="新增市级平台5家以上。",
                    marks=(Span(0, 6),), targets=(PLATFORMS,)),)
    query = Query(raw=raw, intent=intent, topic=raw.split(" ", 1)[-1], filters=Filters())
    return Answer(query, tuple(hits), matched=matched, total=len(hits) if total is None else total, offset=offset,
                  suggestions=tuple(suggestions))


def all_texts(message):
    """Every text a user could see, from the blocks and the fallback."""
    found = [message.get("text", "")]

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                found.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(message.get("blocks", []))
    return found


# ---------------------------------------------------------------- text primitives

def test_escape_turns_slack_control_sequences_into_text():
    assert blocks.escape("<!channel> & <@U123>") == "&lt;!channel&gt; &amp; &lt;@U123&gt;"


def test_escape_drops_bidi_overrides_and_zero_width_controls_but_keeps_our_bold_marks():
    hostile = "研发\u202e投入\u200b强度\u2066x\u2069\u200f"
    assert blocks.escape(hostile) == "研发投入强度x"
    # bold_marks puts its own zero-width spaces around a bold word after escaping, so they stay.
    assert blocks.bold_marks("全社会研\u200b发投入", [Span(3, 6)]) == f"全社会{ZWSP}*研发*{ZWSP}投入"


def test_clip_never_cuts_inside_an_entity_and_respects_the_limit():
    text = blocks.escape("a" * 8 + "<b")  # "aaaaaaaa&lt;b"
    for limit in range(2, 14):
        cut = blocks.clip(text, limit)
        assert len(cut) <= limit
        body = cut.removesuffix("…")
        assert "&" not in body or body.endswith("&lt;") or "&lt;" in body


def test_bold_marks_bolds_matched_words_between_zero_width_spaces():
    assert blocks.bold_marks("全社会研发投入强度", [Span(3, 5)]) == f"全社会{ZWSP}*研发*{ZWSP}投入强度"


def test_bold_marks_merges_overlaps_ignores_nonsense_and_escapes():
    text = "A&B<研发>投入"
    marks = [Span(5, 6), Span(4, 5), Span(20, 30), Span(3, 3)]
    assert blocks.bold_marks(text, marks) == f"A&amp;B&lt;{ZWSP}*研发*{ZWSP}&gt;投入"


def test_pack_value_fits_2000_characters_by_dropping_ids_first():
    ids = [f"some-long-document-id-2022#{i}.{i}.{i}" for i in range(200)]
    value = blocks.pack_value({"q": "研发" * 200, "i": "search", "ids": ids})
    data = json.loads(value)
    assert len(value) <= 2000
    assert data["q"] == "研发" * 200 and data["ids"] == ids[: len(data["ids"])] and data["ids"]


def test_pack_value_shortens_the_query_when_it_alone_is_too_long():
    value = blocks.pack_value({"q": "\"" * 3000, "ids": ["a"]})
    assert len(value) <= 2000 and json.loads(value)["ids"] == []


# ---------------------------------------------------------------- an answer

def test_answer_renders_echo_excerpt_reference_fields_and_buttons():
    message = blocks.render_answer(make_answer(), t=EN)
    kinds = [b["type"] for b in message["blocks"]]
    assert kinds == ["context", "context", "section", "section", "section", "context", "section", "actions", "actions"]
    echo, summary, _, table, hit, ref, fields, hit_actions, footer = message["blocks"]
    assert echo["elements"][0]["text"] == "/policy target 新增市级平台"
    assert summary["elements"][0]["text"] == "Targets about *新增市级平台* · showing 1–1 of 1"
    assert table["fields"][2:] == [
        {"type": "mrkdwn", "text": "*广元市* · 新增市级平台"},
        {"type": "mrkdwn", "text": "*5家以上* · 到2022年底"},
    ]
    assert hit["text"]["text"] == f"*1. 积极推动高水平创新平台建设*\n{ZWSP}*新增市级平台*{ZWSP}5家以上。"
    assert ref["elements"][0]["text"] == "《关于进一步增强协同创新发展能力行动计划》二、(二) 5. · 广元市 · 1 Mar 2022"
    assert [f["text"] for f in fields["fields"]] == [
        "*Lead*\n市科技局",
        "*Support*\n市发展改革委, 市经济和信息化局",
        "*新增市级平台*\n5家以上 · 到2022年底",
    ]
    assert [(e["action_id"], e["text"]["text"]) for e in hit_actions["elements"]] == [
        ("share_result", "Share in channel"), ("full_clause", "Full clause")]
    # A screen reader names the result each button acts on.
    assert [e["accessibility_label"] for e in hit_actions["elements"]] == [
        "Share result 1 in the channel: 《关于进一步增强协同创新发展能力行动计划》二、(二) 5.",
        "Read all of result 1: 《关于进一步增强协同创新发展能力行动计划》二、(二) 5."]
    assert json.loads(hit_actions["elements"][0]["value"]) == {"q": "target 新增市级平台", "id": "guangyuan-plan#2.2.5",
                                                              "o": 0}
    assert hit_actions["elements"][1]["value"] == "guangyuan-plan#2.2.5"
    assert [e["action_id"] for e in footer["elements"]] == ["feedback_helpful", "feedback_not_helpful"]
    assert json.loads(footer["elements"][0]["value"]) == {"q": "target 新增市级平台", "i": "target",
                                                         "ids": ["guangyuan-plan#2.2.5"]}
    assert message["text"].startswith("/policy target 新增市级平台\n1. 《关于进一步增强协同创新发展能力行动计划》")
    assert message_problems(message) == []


def test_the_same_answer_in_chinese_reads_naturally():
    message = blocks.render_answer(make_answer(), t=ZH)
    echo, summary, _, table, hit, ref, fields, hit_actions, footer = message["blocks"]
    assert summary["elements"][0]["text"] == "关于「新增市级平台」的目标 · 第 1–1 条,共 1 条"
    assert ref["elements"][0]["text"].endswith(" · 广元市 · 2022年3月1日")
    assert [f["text"] for f in fields["fields"]][:2] == ["*牵头单位*\n市科技局", "*配合单位*\n市发展改革委、市经济和信息化局"]
    assert [e["text"]["text"] for e in hit_actions["elements"] + footer["elements"]] == [
        "分享到频道", "查看全文", "有帮助", "没帮助"]
    assert hit_actions["elements"][1]["accessibility_label"] == (
        "查看第 1 条结果的全文:《关于进一步增强协同创新发展能力行动计划》二、(二) 5.")
    assert table["fields"][:2] == [{"type": "mrkdwn", "text": "*城市 · 指标*"},
                                   {"type": "mrkdwn", "text": "*目标值 · 期限*"}]


def test_a_long_reference_is_shortened_in_a_label_but_still_names_the_clause():
    long_title = "关于" + "进一步" * 30 + "的实施意见"
    clause = make_clause(clause_id="d#1.2", text="内容。")
    clause = Clause(**{**clause.__dict__, "ref": f"《{long_title}》三、(二) 7."})
    hit = Hit(clause, make_document("d", title=long_title), 1.0, excerpt="内容。")
    (_, _, row) = [b for b in blocks.render_hit(hit, 3, query=make_answer().query, offset=0, share=True, t=EN)
                   if b["type"] in ("section", "actions")][:3]
    for element in row["elements"]:
        label = element["accessibility_label"]
        assert len(label) <= 75 and label.endswith("三、(二) 7.") and "result 3" in label


def test_dm_answer_has_no_echo_and_no_share_button():
    message = blocks.render_answer(make_answer(), t=EN, echo=False, share=False, prefix="")
    assert message["blocks"][0]["elements"][0]["text"].startswith("Targets about")
    actions = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "share_result" not in actions and "full_clause" in actions


def test_first_listed_units_say_which_rule_applied():
    clause = make_clause(lead=("市科技局",), support=("市财政局",), rule="first-listed")
    assert blocks.unit_fields(clause, EN) == [
        "*Responsible*\n市科技局, 市财政局\n_(no rule stated: first listed shown as lead)_"]
    assert blocks.unit_fields(clause, ZH) == ["*责任单位*\n市科技局、市财政局\n_(文件未说明分工,列第一位者视为牵头)_"]


def test_more_results_button_carries_the_next_offset():
    clause = make_clause()
    hits = [Hit(clause, make_document(), 1.0, excerpt="x") for _ in range(5)]
    message = blocks.render_answer(make_answer(raw="lead-unit 平台", intent="lead-unit", hits=hits, total=12,
                                               offset=5), t=EN)
    footer = message["blocks"][-1]
    assert footer["elements"][0]["action_id"] == "more_results"
    assert json.loads(footer["elements"][0]["value"]) == {"q": "lead-unit 平台", "o": 10}
    assert footer["elements"][0]["accessibility_label"] == "Show more results, from result 11"
    assert "showing 6–10 of 12" in message["blocks"][1]["elements"][0]["text"]


def test_target_comparison_lays_cities_side_by_side_without_repeats():
    t1 = Target("…", "研发投入强度", 0.7, "%", "以上", "到2022年底")
    t2 = Target("…", "研发经费投入强度", 3.5, "%", "力争达到", "到2025年")
    c1, c2 = make_clause("a#1", targets=(t1,)), make_clause("b#1", targets=(t2,))
    hits = [Hit(c1, make_document("a"), 1, "x", targets=(t1,)), Hit(c2, make_document("b", region="成都市"), 1, "y"),
            Hit(c1, make_document("a"), 0.5, "x", targets=(t1,))]
    rows = blocks.render_comparison(hits, EN)
    cells = [f["text"] for b in rows[1:] for f in b["fields"]]
    assert cells == ["*City · Metric*", "*Value · Horizon*",
                     "*广元市* · 研发投入强度", "*0.7%以上* · 到2022年底",
                     "*成都市* · 研发经费投入强度", "*力争达到3.5%* · 到2025年"]


def test_user_text_is_escaped_everywhere_it_appears(settings):
    raw = "<!channel> <@U0BOSS> & 研发"
    answer = make_answer(raw=raw, intent="search", matched=False, hits=())
    for message in (blocks.render_answer(answer, t=ZH), blocks.render_refusal("bad", raw=raw),
                    blocks.render_help(build_command_table(), settings.vocabulary, t=EN, unknown="<!here>")):
        for text in all_texts(message):
            assert "<!" not in text and "<@" not in text, text


def test_nothing_relevant_says_so_and_suggests():
    answer = make_answer(raw="search 量子引力", intent="search", hits=(), matched=False,
                         suggestions=("科技金融", "人才飞地"))
    message = blocks.render_answer(answer, t=EN)
    body = message["blocks"][1]["text"]["text"]
    assert body == ("Nothing in the indexed documents answers *量子引力*.\n"
                    "Close topics you could try: `科技金融`, `人才飞地`\n"
                    "Or see `/policy help` for what you can ask.")
    assert blocks.render_answer(answer, t=ZH)["blocks"][1]["text"]["text"] == (
        "收录的文件中没有与「量子引力」相关的内容。\n"
        "可以试试这些相近的主题:`科技金融`、`人才飞地`\n"
        "或输入 `/policy help` 查看查询方式。")
    assert message["blocks"][-1]["elements"][1]["action_id"] == "feedback_not_helpful"


def test_help_lists_every_command_with_an_example(settings):
    message = blocks.render_help(build_command_table(), settings.vocabulary, t=ZH)
    text = message["blocks"][2]["text"]["text"]
    for example in ("/policy target 研发", "/policy lead-unit 科技成果转化示范区", "/policy unit 市金融工作局",
                    "/policy search 人才飞地", "/policy docs"):
        assert f"`{example}`" in text
    assert "• `/policy target &lt;主题&gt;` —— 各城市在该主题上的量化目标,按城市并列。例:`/policy target 研发`" in text
    assert "(也可写:digest 预览 digest next)" in text  # an action's words come from the vocabulary too
    dm = blocks.render_help(build_command_table(), settings.vocabulary, t=EN, prefix="")
    assert "`target 研发`" in dm["blocks"][2]["text"]["text"]
    assert "• `target &lt;topic&gt;` — quantitative targets about a topic" in dm["blocks"][2]["text"]["text"]


def test_help_lists_every_filter_the_parser_reads_with_examples_from_the_corpus(settings, engine):
    from bot.query import FILTER_WORDS, parse_query

    message = blocks.render_help(build_command_table(), settings.vocabulary, t=EN, documents=engine.documents)
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section" and "text" in b]
    filters = next(text for text in texts if "Narrow any query" in text)
    examples = [line.split("`")[1] for line in filters.splitlines()[1:]]
    assert [e.split(":")[0] for e in examples] == [words[0] for words in FILTER_WORDS.values()]
    for words in FILTER_WORDS.values():
        assert all(f"`{w}:`" in filters for w in words[1:])
    for example in examples:  # each example filters to something in this corpus
        query = engine.parse(f"target {example}")
        assert not query.filters.is_empty() and engine.documents_matching(query.filters), example
    assert parse_query  # the parser the words come from


def test_too_long_is_a_short_refusal():
    message = blocks.render_too_long(612, 500, t=EN, raw="x" * 612)
    assert message["blocks"][-1]["text"]["text"] == (
        "That query is too long (612 characters; the limit is 500). Please ask something shorter.")
    assert len(message["blocks"][0]["elements"][0]["text"]) < 220


# ---------------------------------------------------------------- limits whatever the input

def test_limits_hold_for_huge_hits():
    huge_targets = tuple(Target("s", "指" * 400, 1.0, "家" * 300, "以上", "到2025年" * 50) for _ in range(30))
    clause = make_clause(text="长" * 9000, heading="题" * 5000, lead=("局" * 3000,), support=("委" * 3000,) * 5,
                         targets=huge_targets)
    doc = make_document(title="《" * 4000, clauses=(clause,))
    hits = [Hit(clause, doc, 1.0, excerpt="<!channel>" * 900, marks=tuple(Span(i, i + 3) for i in range(0, 9000, 7)),
                targets=huge_targets) for _ in range(20)]
    answer = make_answer(raw="target " + "研" * 490, hits=hits, total=400)
    message = blocks.render_answer(answer, t=ZH)
    assert message_problems(message) == []
    assert blocks.text_size(message["blocks"]) <= 12_000
    assert len(message["blocks"]) <= 50
    footer = message["blocks"][-1]
    assert [e["action_id"] for e in footer["elements"]] == ["more_results", "feedback_helpful", "feedback_not_helpful"]
    shown = sum(1 for b in message["blocks"] if b.get("block_id", "").startswith("hit-") and b["type"] == "section")
    assert json.loads(footer["elements"][0]["value"])["o"] == shown
    assert all("<!" not in t for t in all_texts(message))


def test_full_clause_keeps_every_character_in_pieces_of_3000():
    text = ("第一句话很长。" * 700) + "<&>" * 400
    clause = make_clause(text=text)
    message = blocks.render_clause(clause, make_document(), t=EN)
    pieces = [b["text"]["text"] for b in message["blocks"][2:] if b["type"] == "section" and "text" in b]
    assert "".join(pieces) == blocks.escape(text)
    assert message_problems(message) == []


def test_a_clause_longer_than_a_message_continues_part_by_part_without_losing_a_character():
    text = "".join(f"第{i}句话,关于研发投入 & 人才<引进>的要求。" for i in range(1200))  # about 30,000 characters
    clause = make_clause(text=text, targets=(PLATFORMS,))
    start, part, pieces = 0, 1, []
    while True:
        message = blocks.render_clause(clause, make_document(), t=ZH, start=start, part=part)
        assert message_problems(message) == [] and blocks.text_size(message["blocks"]) <= 12_000
        body = [b["text"]["text"] for b in message["blocks"][2:] if b["type"] == "section" and "text" in b]
        more = [e for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
        if not more:
            break
        pieces += body
        value = json.loads(more[0]["value"])
        assert more[0]["action_id"] == "clause_more" and value["p"] == part + 1 and value["c"] > start
        start, part = value["c"], value["p"]
    pieces += [p for p in body if not p.startswith("*新增市级平台*")]
    assert part >= 3 and f"(续,第 {part} 部分)" in message["blocks"][0]["text"]["text"]
    assert "".join(pieces) == blocks.escape(text)
    fields = [f["text"] for b in message["blocks"] for f in b.get("fields", [])]
    assert "*新增市级平台*\n5家以上 · 到2022年底" in fields  # units and targets come with the last part


def test_home_view_stays_within_100_blocks():
    docs = [make_document(f"d{i}", title=f"文件{i}") for i in range(300)]
    view = blocks.render_home(docs, t=EN, load_errors=2, topics=[f"主题{i}" for i in range(25)])
    assert view["type"] == "home"
    assert block_kit_problems(view["blocks"], max_blocks=100) == []
    assert view["blocks"][-1]["elements"][0]["text"] == "…and 290 more documents."


def test_fit_message_clamps_anything_another_module_produces():
    message = {"text": "", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "&" * 5000}}] * 70
               + [{"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": "b" * 90},
                                                    "action_id": "x", "value": "v" * 3000}]}]}
    fitted = blocks.fit_message(message)
    assert message_problems(fitted) == []
    assert fitted["blocks"][-1]["type"] == "actions"
    assert fitted["text"]


def test_shared_result_says_who_shared_it_and_has_no_buttons():
    answer = make_answer()
    message = blocks.render_shared(answer.hits[0], "U0ASKER", answer.query, t=EN)
    assert message["blocks"][0]["elements"][0]["text"] == "<@U0ASKER> shared a result for `target 新增市级平台`"
    assert message["blocks"][1]["text"]["text"].startswith("*积极推动高水平创新平台建设*\n")
    assert all(b["type"] != "actions" for b in message["blocks"])
    forged = blocks.render_shared(answer.hits[0], "<!channel>", None, t=ZH)
    assert forged["blocks"][0]["elements"][0]["text"] == "有人 分享了一条条款"


def test_a_unit_query_bolds_the_unit_asked_about():
    clause = make_clause(lead=("市科技局", "市金融工作局"), support=("市财政局",))
    answer = make_answer(raw="unit 金融工作局", intent="unit",
                         hits=(Hit(clause, make_document(clauses=(clause,)), 1.0, excerpt="协同发展科技金融。"),))
    message = blocks.render_answer(answer, t=EN)
    assert message["blocks"][1]["elements"][0]["text"] == "Tasks of *金融工作局* · showing 1–1 of 1"
    fields = next(b["fields"] for b in message["blocks"] if "fields" in b)
    assert fields[0]["text"] == f"*Lead*\n市科技局, {ZWSP}*市金融工作局*{ZWSP}"
    assert fields[1]["text"] == "*Support*\n市财政局"


def test_no_text_of_ours_holds_an_unescaped_angle_bracket(settings, engine):
    """Slack reads `<…>` as markup: `<topic>` in help or `<query>` on Home must go out escaped."""
    import re

    table = build_command_table()
    rendered = [blocks.render_home(engine.documents, t=t, topics=["a<b"]) for t in (EN, ZH)]
    rendered += [blocks.render_help(table, settings.vocabulary, t=t, prefix=p, documents=engine.documents)
                 for t in (EN, ZH) for p in ("/policy", "")]
    for message in rendered:
        for text in all_texts(message):
            assert not re.search(r"<(?!@U)", text), text
