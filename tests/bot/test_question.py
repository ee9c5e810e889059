"""Questions typed as people type them: their intent, and a topic that is what gets searched for.

The Chinese forms are those seen on public Q&A and government message boards (`专家属于哪个
部门管理`, `兰州市人才公寓申请条件是什么`, `山东扶持中小企业政策有哪些`, `企业研发经费投入强度怎么算`),
and the questions of issue 7.
"""
from __future__ import annotations

import dataclasses

import pytest

from bot.errors import ConfigError
from bot.model import Intent
from bot.query import QueryContext, parse_query
from bot.settings import QuestionWords, load_settings
from paths import ROOT

CONTEXT = QueryContext(regions={"成都": "成都市", "成都市": "成都市", "安顺": "安顺市", "安顺市": "安顺市"},
                       documents={"chengdu-2021-decision": "中共成都市委关于…的决定"})


def read(settings, text):
    query = parse_query(text, settings.vocabulary, CONTEXT)
    return query.intent, query.topic, query.filters.regions


@pytest.mark.parametrize("text, intent, topic, regions", [
    # issue 7: Chinese questions get their intent as English ones do
    ("谁牵头知识产权保护", "lead-unit", "知识产权保护", ()),
    ("哪个部门负责知识产权保护", "lead-unit", "知识产权保护", ()),
    ("成都的研發目標是什麼", "target", "研发", ("成都市",)),  # Traditional folded first
    ("成都2025年研发投入要达到多少", "target", "研发投入", ("成都市",)),
    ("人才公寓由哪个单位负责", "lead-unit", "人才公寓", ()),
    ("关于专精特新有哪些规定", "search", "专精特新", ()),
    ("知识产权保护这块哪个部门牵头?", "lead-unit", "知识产权保护", ()),
    ("安顺市的科技创新目标是什么呢", "target", "科技创新", ("安顺市",)),
    ("谁来牵头科技金融", "lead-unit", "科技金融", ()),
    ("研发投入目标由谁负责", "lead-unit", "研发投入目标", ()),  # who: a lead question about a target
    ("成都有多少家高新技术企业", "target", "高新技术企业", ("成都市",)),
    # as people ask on public message boards
    ("专家属于哪个部门管理", "lead-unit", "专家", ()),
    ("兰州市人才公寓申请条件是什么", "search", "兰州市人才公寓申请条件", ()),
    ("山东扶持中小企业政策有哪些", "search", "山东扶持中小企业政策", ()),
    ("企业研发经费投入强度怎么算", "search", "企业研发经费投入强度", ()),
    ("国家创业补贴政策是什么", "search", "国家创业补贴政策", ()),
    ("专精特新企业有哪些扶持政策", "search", "专精特新企业", ()),
    ("海口去哪里办理人才引进落户", "search", "海口 办理人才引进落户", ()),
    # English
    ("which bureau leads the IP-protection task?", "lead-unit", "IP-protection", ()),
    ("what targets did Chengdu set for R&D by 2025?", "target", "R&D", ("成都市",)),
    ("who is responsible for talent apartments", "lead-unit", "talent apartments", ()),
    ("what targets did Anshun set?", "target", "", ("安顺市",)),  # a city's targets: no topic left
    ("how many high-tech enterprises will Chengdu have?", "target", "high-tech enterprises", ("成都市",)),
])
def test_a_question_names_its_intent_and_leaves_only_its_topic(settings, text, intent, topic, regions):
    assert read(settings, text) == (intent, topic, regions)


@pytest.mark.parametrize("text, topic", [
    ("项目负责人制度", "项目负责人制度"),  # 负责人 is a word: not 负责 (who leads) + 人
    ("政策目的是什么", "政策目的"),  # 目的 keeps its 的
    ("有机农业", "有机农业"),  # a lead-in (有) goes only with a question word
    ("自由贸易试验区有哪些政策", "自由贸易试验区"),  # nor 由 inside a word
    ("人才 公寓", "人才 公寓"), ("R&D投入", "R&D投入"), ("科技成果转化示范区", "科技成果转化示范区"),
])
def test_terms_holding_question_words_are_not_taken_apart(settings, text, topic):
    assert read(settings, text) == ("search", topic, ())


@pytest.mark.parametrize("text, intent, topic", [
    ("target 成都的研发目标是什么", "target", "研发"),
    ("lead-unit 谁牵头知识产权保护", "lead-unit", "知识产权保护"),
    ("search 牵头单位", "search", "牵头单位"),  # words of another intent stay: they are the topic
    ("目标 研发投入要达到多少", "target", "研发投入"),
    ("unit 市科技局", "unit", "市科技局"),  # a unit's name is never read as a question
    ("search IT", "search", "IT"),  # a topic of stopwords only is still what was asked
])
def test_a_subcommand_keeps_its_intent_and_the_question_words_still_leave(settings, text, intent, topic):
    assert read(settings, text)[:2] == (intent, topic)


def test_question_words_are_data_in_the_vocabulary(settings):
    asks_only = QuestionWords(asks={Intent.LEAD_UNIT: ("谁",)})
    vocabulary = dataclasses.replace(settings.vocabulary, questions=asks_only)
    query = parse_query("谁牵头知识产权保护", vocabulary, CONTEXT)
    assert (query.intent, query.topic) == ("lead-unit", "牵头知识产权保护")  # 牵头 is no longer a word it knows
    nothing = dataclasses.replace(settings.vocabulary, questions=QuestionWords())
    assert parse_query("谁牵头知识产权保护", nothing, CONTEXT).intent == "search"


def test_a_broken_questions_section_is_reported(tmp_path):
    text = (ROOT / "config" / "vocabulary.yaml").read_text(encoding="utf-8")
    broken = text.replace("  words: [请问,", "  wordz: [请问,").replace("    target: [多少,", "    unit: [多少,")
    assert broken != text
    (tmp_path / "vocabulary.yaml").write_text(broken, encoding="utf-8")
    (tmp_path / "settings.yaml").write_text(f"vocabulary: {tmp_path / 'vocabulary.yaml'}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(tmp_path / "settings.yaml", env={})
    problems = "\n".join(caught.value.problems)
    assert "unknown key 'questions.wordz' (did you mean 'words'?)" in problems
    assert "'questions.asks.unit' must be target or lead-unit" in problems


# ---------------------------------------------------------------- target answers, on the seeds

def due_year(target):
    return target.horizon_year or (target.due.year if target.due else None)


@pytest.mark.parametrize("text, region", [("target 成都", "成都市"), ("target in:成都", "成都市"), ("目标 安顺", "安顺市"),
                                          ("what targets did Anshun set?", "安顺市")])
def test_a_city_alone_lists_its_targets_by_year(engine, text, region):
    answer = engine.ask(text, limit=100)
    assert answer.matched and answer.query.topic == ""
    years = []
    for hit in answer.hits:
        assert hit.document.region == region and hit.targets  # targets, not headings or bare goal sections
        assert len({due_year(t) for t in hit.targets}) == 1  # one year per entry
        years.append(due_year(hit.targets[0]))
    dated = [y for y in years if y is not None]
    assert dated == sorted(dated) and years[:len(dated)] == dated  # soonest first, undated last
    listed = {(h.clause.id, t) for h in answer.hits for t in h.targets}
    every = {(c.id, t) for t, c, d in engine.iter_targets() if d.region == region}
    assert listed == every  # every target of the city, each once


def test_a_clause_with_targets_of_several_years_is_listed_under_each(engine):
    hits = engine.ask("target 成都", limit=100).hits
    goals = [h for h in hits if h.clause.ref.endswith("二、(三)")]  # 到2025年 …, 到2035年 …
    assert [due_year(h.targets[0]) for h in goals] == [2025, 2035]
    assert hits.index(goals[1]) > max(i for i, h in enumerate(hits) if due_year(h.targets[0]) == 2025)


def test_a_citys_listing_in_slack_shows_the_year_each_target_is_listed_under(engine):
    from bot.strings import Catalog
    from handlers.blocks import render_answer

    message = render_answer(engine.ask("target 成都"), t=Catalog("zh"))
    cells = [f["text"] for b in message["blocks"] if b["type"] == "section" for f in b.get("fields", [])]
    assert "*10个以上* · 2025年(按计划年份)" in cells  # 千亿级产业集群: the plan's year, not "no date"
    assert not any("未定期限" in cell for cell in cells)


R_AND_D = ("研发", "R&D", "研究与试验发展", "研究开发")


@pytest.mark.parametrize("text, words", [
    ("target 研发", R_AND_D), ("target 高新技术企业", ("高新技术企业", "高企")), ("target 专精特新", ("专精特新", "小巨人")),
    ("target 人才", ("人才", "英才")), ("target 平台", ("平台",)), ("成都的研發目標是什麼", R_AND_D),
])
def test_figures_about_the_topic_come_first_and_the_scores_agree_with_the_order(engine, text, words):
    hits = engine.ask(text, limit=100).hits
    assert hits
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)  # the relevance shown agrees with the order
    with_figure = [any(t.value is not None and any(w in t.sentence for w in words) for t in h.targets) for h in hits]
    assert with_figure[0] and with_figure == sorted(with_figure, reverse=True)  # all of them first


def test_each_city_figure_about_rd_comes_before_any_citys_second(engine):
    hits = engine.ask("target 研发", limit=3).hits
    assert {h.document.region for h in hits} == {"成都市", "广元市", "安顺市"}


def test_target_tiers_are_kept_apart_by_the_weights(tmp_path):
    config = tmp_path / "settings.yaml"
    config.write_text("ranking:\n  target_figure: 2.0\n  same_document: 1.5\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    problems = "\n".join(caught.value.problems)
    assert "'ranking.target_figure' must be more than 1 + goal_section + numeric_target (2.5)" in problems
    assert "'ranking.same_document' must be between 0 and 1" in problems


# ---------------------------------------------------------------- the questions answered, on the seeds

@pytest.mark.parametrize("text", ["谁牵头知识产权保护", "哪个部门负责知识产权保护", "知识产权保护这块哪个部门牵头?",
                                  "which bureau leads the IP-protection task?"])
def test_who_leads_ip_protection(engine, text):
    top = engine.ask(text).hits[0]
    assert top.clause.ref.endswith("二、(七) 17.") and top.clause.lead_units == ("市市场监管局",)  # 加大知识产权保护力度


@pytest.mark.parametrize("text", ["成都的研發目標是什麼", "成都2025年研发投入要达到多少",
                                  "what targets did Chengdu set for R&D by 2025?", "成都研发投入的目标是多少"])
def test_chengdus_rd_targets(engine, text):
    answer = engine.ask(text)
    assert answer.query.intent == "target" and answer.query.filters.regions == ("成都市",)
    top = answer.hits[0]
    assert {(t.value, t.unit) for t in top.targets} == {(10.0, "%"), (3.5, "%")}  # 年均增幅10%以上, 比重3.5%


def test_provisions_about_a_term(engine):
    answer = engine.ask("关于专精特新有哪些规定")
    assert answer.query.topic == "专精特新" and len(answer.hits) >= 3
    assert all("专精特新" in h.clause.text for h in answer.hits)


@pytest.mark.parametrize("text", ["人才公寓由哪个单位负责", "who is responsible for talent apartments",
                                  "lead-unit 人才公寓"])
def test_no_unit_named_is_said_and_the_clauses_that_mention_it_answer(engine, text):
    answer = engine.ask(text)
    assert answer.matched and answer.broadened and answer.query.intent == "lead-unit"
    top = answer.hits[0]
    assert "人才公寓" in top.clause.text and top.clause.ref.endswith("五、(十五)") and not top.clause.units


def test_no_target_about_a_topic_is_said_too(engine):
    answer = engine.ask("target 人才飞地")
    assert answer.broadened and answer.hits[0].clause.ref.endswith("五、(十三)")
    assert not engine.ask("target 研发").broadened and not engine.ask("lead 知识产权保护").broadened


def test_a_broadened_answer_says_so_on_every_front_end(engine):
    from bot.render_text import render_answer
    from bot.strings import Catalog
    from handlers.blocks import render_answer as render_blocks

    answer = engine.ask("人才公寓由哪个单位负责")
    text = render_answer(answer, engine.vocabulary, t=Catalog("zh"))
    assert text.splitlines()[1] == "文件中没有写明「人才公寓」由哪个单位负责;以下是提到它的条款:"
    english = render_answer(answer, engine.vocabulary, t=Catalog("en"))
    assert "The documents name no unit responsible for “人才公寓”; these clauses mention it" in english
    summary = render_blocks(answer, t=Catalog("zh"))["blocks"][1]["elements"][0]["text"]
    assert summary.startswith("文件中没有写明「人才公寓」由哪个单位负责;以下是提到它的条款 · 第 1–")


def spread_words(engine, clause, count):
    """`count` words of a clause, far apart in it: its first, its last and evenly between."""
    words = [w for w in dict.fromkeys(engine.segmenter.words(clause.text))
             if len(w) >= 2 and all("\u4e00" <= ch <= "\u9fff" for ch in w)]
    words = [w for w in words if not any(w != other and w in other for other in words)]
    if len(words) < 2 * count:
        return None
    return [words[round(i * (len(words) - 1) / (count - 1))] for i in range(count)]


@pytest.mark.parametrize("count", [2, 3, 4])
def test_every_word_of_a_query_in_one_clause_far_apart_is_an_answer_not_a_refusal(engine, count):
    tried = 0
    for document in engine.documents:
        for clause in engine.clauses_of(document.id):
            words = spread_words(engine, clause, count)
            if words is None:
                continue
            for topic in (" ".join(words), "".join(words)):
                found = engine.ask(f"search {topic}", limit=400)
                assert clause.id in [h.clause.id for h in found.hits], topic
                for intent in ("target", "lead-unit"):  # nothing of the intent about it: the clause still answers
                    assert engine.ask(f"{intent} {topic}").matched, f"{intent} {topic}"
                tried += 1
    assert tried > 150


@pytest.mark.parametrize("text, clause_id", [
    ("协同重大项目", "guangyuan-2022-collaborative-innovation-action-plan#2.3.6"),  # 协同…重大科技…项目, cut 协同+重大项目
    ("领域化工泵阀", "zigong-2021-innovation-decision#2.4"),  # 领域…黑元化工…油气泵阀, cut 领域+化工泵+阀
])
def test_a_query_typed_run_together_is_read_with_the_corpus_words(engine, text, clause_id):
    assert clause_id in [h.clause.id for h in engine.ask(text, limit=50).hits]


# Typos as a pinyin keyboard makes them: a character of the same sound, first, in the middle or last.
@pytest.mark.parametrize("typo, term", [
    ("转精特新", "专精特新"), ("只识产权", "知识产权"), ("之识产权保护", "知识产权保护"), ("棵技成果转化", "科技成果转化"),
    ("搞新技术企业", "高新技术企业"), ("仁才公寓", "人才公寓"), ("夫化器", "孵化器"), ("节榜挂帅", "揭榜挂帅"),
    ("谈达峰", "碳达峰"), ("书字经济", "数字经济"), ("赢商环境", "营商环境"),
    ("专精特心", "专精特新"), ("科技成果转华示范区", "科技成果转化"), ("揭榜挂师", "揭榜挂帅"), ("人才飞弟", "人才飞地"),
])
def test_a_mistyped_character_is_repaired_wherever_it_stands(engine, typo, term):
    answer = engine.ask(typo)
    top = answer.hits[0]
    assert term in top.clause.text
    at = top.excerpt.find(term)
    assert at == -1 or any(m.start <= at and at + len(term) <= m.end for m in top.marks)  # marked as meant
    meant = typo.replace("转华", "转化")  # the one case where the term is a part of the query
    as_typed, as_meant = engine.ask(f"target {typo}"), engine.ask(f"target {meant if meant != typo else term}")
    assert [(h.clause.id, h.targets) for h in as_typed.hits] == [(h.clause.id, h.targets) for h in as_meant.hits]


def test_what_the_corpus_never_says_is_not_repaired_into_something_it_does(engine):
    for text in ("火星基地建设", "量子引力波", "区块链钱包挖矿"):
        assert not engine.ask(text).matched, text
