"""Block Kit rendering, tested by value on hand-built engine values."""
from __future__ import annotations

import datetime as dt
import json

from fake_slack import block_kit_problems, message_problems

from bot.model import Answer, Clause, Document, Filters, Hit, Query, Span, Target
from handlers import blocks
from handlers.blocks import ZWSP
from handlers.commands import build_command_table


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
    message = blocks.render_answer(make_answer())
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
    assert ref["elements"][0]["text"] == "《关于进一步增强协同创新发展能力行动计划》二、(二) 5. · 广元市 · 2022-03-01"
    assert [f["text"] for f in fields["fields"]] == [
        "*牵头单位 Lead*\n市科技局",
        "*配合单位 Support*\n市发展改革委、市经济和信息化局",
        "*新增市级平台*\n5家以上 · 到2022年底",
    ]
    assert [(e["action_id"], e["text"]["text"]) for e in hit_actions["elements"]] == [
        ("share_result", "Share in channel"), ("full_clause", "Full clause")]
    assert json.loads(hit_actions["elements"][0]["value"]) == {"q": "target 新增市级平台", "id": "guangyuan-plan#2.2.5",
                                                              "o": 0}
    assert hit_actions["elements"][1]["value"] == "guangyuan-plan#2.2.5"
    assert [e["action_id"] for e in footer["elements"]] == ["feedback_helpful", "feedback_not_helpful"]
    assert json.loads(footer["elements"][0]["value"]) == {"q": "target 新增市级平台", "i": "target",
                                                         "ids": ["guangyuan-plan#2.2.5"]}
    assert message["text"].startswith("/policy target 新增市级平台\n1. 《关于进一步增强协同创新发展能力行动计划》")
    assert message_problems(message) == []


def test_dm_answer_has_no_echo_and_no_share_button():
    message = blocks.render_answer(make_answer(), echo=False, share=False, prefix="")
    assert message["blocks"][0]["elements"][0]["text"].startswith("Targets about")
    actions = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert "share_result" not in actions and "full_clause" in actions


def test_first_listed_units_say_which_rule_applied():
    clause = make_clause(lead=("市科技局",), support=("市财政局",), rule="first-listed")
    field = blocks.unit_fields(clause)
    assert field == ["*责任单位 Responsible*\n市科技局、市财政局\n_(no rule stated: first listed shown as lead)_"]


def test_more_results_button_carries_the_next_offset():
    clause = make_clause()
    hits = [Hit(clause, make_document(), 1.0, excerpt="x") for _ in range(5)]
    message = blocks.render_answer(make_answer(raw="lead-unit 平台", intent="lead-unit", hits=hits, total=12,
                                               offset=5))
    footer = message["blocks"][-1]
    assert footer["elements"][0]["action_id"] == "more_results"
    assert json.loads(footer["elements"][0]["value"]) == {"q": "lead-unit 平台", "o": 10}
    assert "showing 6–10 of 12" in message["blocks"][1]["elements"][0]["text"]


def test_target_comparison_lays_cities_side_by_side_without_repeats():
    t1 = Target("…", "研发投入强度", 0.7, "%", "以上", "到2022年底")
    t2 = Target("…", "研发经费投入强度", 3.5, "%", "力争达到", "到2025年")
    c1, c2 = make_clause("a#1", targets=(t1,)), make_clause("b#1", targets=(t2,))
    hits = [Hit(c1, make_document("a"), 1, "x", targets=(t1,)), Hit(c2, make_document("b", region="成都市"), 1, "y"),
            Hit(c1, make_document("a"), 0.5, "x", targets=(t1,))]
    rows = blocks.render_comparison(hits)
    cells = [f["text"] for b in rows[1:] for f in b["fields"]]
    assert cells == ["*城市 City · 指标 Metric*", "*目标值 Value · 期限 Horizon*",
                     "*广元市* · 研发投入强度", "*0.7%以上* · 到2022年底",
                     "*成都市* · 研发经费投入强度", "*力争达到3.5%* · 到2025年"]


def test_user_text_is_escaped_everywhere_it_appears(settings):
    raw = "<!channel> <@U0BOSS> & 研发"
    answer = make_answer(raw=raw, intent="search", matched=False, hits=())
    for message in (blocks.render_answer(answer), blocks.render_refusal("bad", raw=raw),
                    blocks.render_help(build_command_table(), settings.vocabulary, unknown="<!here>")):
        for text in all_texts(message):
            assert "<!" not in text and "<@" not in text, text


def test_nothing_relevant_says_so_and_suggests():
    answer = make_answer(raw="search 量子引力", intent="search", hits=(), matched=False,
                         suggestions=("科技金融", "人才飞地"))
    message = blocks.render_answer(answer)
    body = message["blocks"][1]["text"]["text"]
    assert body == ("Nothing in the indexed documents answers *量子引力*.\n"
                    "Close topics you could try: `科技金融`, `人才飞地`\n"
                    "Or see `/policy help` for what you can ask.")
    assert message["blocks"][-1]["elements"][1]["action_id"] == "feedback_not_helpful"


def test_help_lists_every_command_with_an_example(settings):
    message = blocks.render_help(build_command_table(), settings.vocabulary)
    text = message["blocks"][2]["text"]["text"]
    for example in ("/policy target 研发", "/policy lead-unit 科技成果转化示范区", "/policy unit 市金融工作局",
                    "/policy search 人才飞地", "/policy docs"):
        assert f"`{example}`" in text
    dm = blocks.render_help(build_command_table(), settings.vocabulary, prefix="")
    assert "`target 研发`" in dm["blocks"][2]["text"]["text"]


def test_too_long_is_a_short_refusal():
    message = blocks.render_too_long(612, 500, raw="x" * 612)
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
    message = blocks.render_answer(answer)
    assert message_problems(message) == []
    assert len(message["blocks"]) <= 50
    footer = message["blocks"][-1]
    assert [e["action_id"] for e in footer["elements"]] == ["more_results", "feedback_helpful", "feedback_not_helpful"]
    shown = sum(1 for b in message["blocks"] if b.get("block_id", "").startswith("hit-") and b["type"] == "section")
    assert json.loads(footer["elements"][0]["value"])["o"] == shown
    assert all("<!" not in t for t in all_texts(message))


def test_full_clause_keeps_every_character_in_pieces_of_3000():
    text = ("第一句话很长。" * 700) + "<&>" * 400
    clause = make_clause(text=text)
    message = blocks.render_clause(clause, make_document())
    pieces = [b["text"]["text"] for b in message["blocks"][2:] if b["type"] == "section" and "text" in b]
    assert "".join(pieces) == blocks.escape(text)
    assert message_problems(message) == []


def test_home_view_stays_within_100_blocks():
    docs = [make_document(f"d{i}", title=f"文件{i}") for i in range(300)]
    view = blocks.render_home(docs, load_errors=2)
    assert view["type"] == "home"
    assert block_kit_problems(view["blocks"], max_blocks=100) == []
    assert view["blocks"][-1]["elements"][0]["text"].startswith("…and ")


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
    message = blocks.render_shared(answer.hits[0], "U0ASKER", answer.query)
    assert message["blocks"][0]["elements"][0]["text"] == "<@U0ASKER> shared a result for `target 新增市级平台`"
    assert message["blocks"][1]["text"]["text"].startswith("*积极推动高水平创新平台建设*\n")
    assert all(b["type"] != "actions" for b in message["blocks"])
    forged = blocks.render_shared(answer.hits[0], "<!channel>", None)
    assert forged["blocks"][0]["elements"][0]["text"] == "Someone shared a clause"


def test_a_unit_query_bolds_the_unit_asked_about():
    clause = make_clause(lead=("市科技局", "市金融工作局"), support=("市财政局",))
    answer = make_answer(raw="unit 金融工作局", intent="unit",
                         hits=(Hit(clause, make_document(clauses=(clause,)), 1.0, excerpt="协同发展科技金融。"),))
    message = blocks.render_answer(answer)
    assert message["blocks"][1]["elements"][0]["text"] == "Tasks of *金融工作局* · showing 1–1 of 1"
    fields = next(b["fields"] for b in message["blocks"] if "fields" in b)
    assert fields[0]["text"] == f"*牵头单位 Lead*\n市科技局、{ZWSP}*市金融工作局*{ZWSP}"
    assert fields[1]["text"] == "*配合单位 Support*\n市财政局"
