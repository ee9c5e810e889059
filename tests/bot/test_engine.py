"""Queries over the real seeds: the issue's examples and many more."""
from __future__ import annotations

import shutil

from paths import SEEDS
from tests.conftest import engine_for

ACTION_PLAN = "guangyuan-2022-collaborative-innovation-action-plan"


def refs(answer):
    return [h.clause.ref.split("》")[1] for h in answer.hits]


def test_target_new_municipal_platforms(engine):
    answer = engine.ask("target 新增市级平台")
    top = answer.hits[0]
    assert top.document.id == ACTION_PLAN and top.clause.ref.endswith("二、(二) 5.")
    assert "新增市级平台5家以上" in top.excerpt
    assert [(t.value, t.unit, t.comparator) for t in top.targets] == [(5.0, "家", "以上")]


def test_lead_unit_of_the_transfer_demonstration_zone(engine):
    top = engine.ask("lead-unit 科技成果转化示范区").hits[0]
    assert top.clause.ref.endswith("二、(五) 10.") and top.clause.lead_units == ("市科技局",)
    assert "市发展改革委" in top.clause.support_units


def test_unit_finds_its_tasks_by_partial_name(engine):
    for text in ("unit 市金融工作局", "unit 金融工作局", "单位 金融工作局"):
        answer = engine.ask(text)
        assert [h.clause.labels[-1] for h in answer.hits] == ["12."], text
        assert answer.hits[0].score == 1.0  # it leads


def test_unit_abbreviations_and_spellings(engine):
    docs = {h.document.id.split("-")[0] for h in engine.ask("unit 人社局", limit=50).hits}
    assert docs == {"anshun", "guangyuan"}  # 人力资源社会保障局 and 人力资源和社会保障局
    assert engine.ask("unit 发改委", limit=50).total == 18
    assert {u for h in engine.ask("unit 金融办", limit=50).hits for u in h.clause.units} >= {"市金融办", "市金融工作局"}


def test_unit_lists_every_task_grouped_by_document(engine):
    answer = engine.ask("unit 市科技局", limit=100)
    assert answer.total == len(answer.hits) > 30
    order = [h.document.id for h in answer.hits]
    assert order == sorted(order, key=order.index)  # each document's tasks together


def test_search_talent_enclave(engine):
    answer = engine.ask("search 人才飞地")
    assert answer.hits[0].clause.ref.endswith("五、(十三)")
    assert answer.hits[0].document.id == "zigong-2021-innovation-decision"
    excerpt, marks = answer.hits[0].excerpt, answer.hits[0].marks
    assert any(excerpt[m.start:m.end] == "人才飞地" for m in marks)


def test_target_compares_cities(engine):
    answer = engine.ask("target 研发", limit=4)
    regions = [h.document.region for h in answer.hits]
    assert set(regions) >= {"成都市", "广元市", "安顺市"}
    chengdu = next(h for h in answer.hits if h.document.region == "成都市")
    assert any(t.value == 10.0 and t.unit == "%" for t in chengdu.targets)  # found through R&D ~ 研发


def test_city_and_year_narrow_targets(engine):
    answer = engine.ask("target 成都 2025")
    assert answer.query.filters.regions == ("成都市",) and answer.query.horizon_year == 2025
    assert answer.hits and all(h.document.region == "成都市" for h in answer.hits)
    assert all(t.due.year == 2025 for h in answer.hits for t in h.targets)


def test_filters(engine):
    assert {h.document.region for h in engine.ask("search 知识产权 in:安顺").hits} == {"安顺市"}
    assert {h.document.kind for h in engine.ask("知识产权 type:决定").hits} == {"决定"}
    assert {h.document.date.year for h in engine.ask("知识产权 year:2021").hits} == {2021}
    assert not engine.ask("知识产权 in:火星").matched


def test_traditional_query_finds_simplified_text(engine):
    answer = engine.ask("知識產權保護")
    assert answer.matched and "知识产权" in answer.hits[0].excerpt


def test_typos_still_find_the_clause(engine):
    assert engine.ask("科技成果转华示范区").hits[0].clause.ref.endswith("二、(五) 10.")
    assert engine.ask("人才飞弟").hits[0].clause.ref.endswith("五、(十三)")
    assert any("专精特新" in h.excerpt for h in engine.ask("target 专精特心").hits)


def test_nothing_relevant_says_so_with_suggestions(engine):
    answer = engine.ask("量子引力波探测")
    assert not answer.matched and answer.hits == ()
    answer = engine.ask("人材公寓楼")
    assert answer.matched or answer.suggestions


def test_paging(engine):
    first = engine.ask("unit 市科技局", limit=5)
    second = engine.ask("unit 市科技局", limit=5, offset=5)
    assert first.has_more and len(second.hits) == 5
    assert not {h.clause.id for h in first.hits} & {h.clause.id for h in second.hits}


def test_docs_and_help(engine):
    docs = engine.ask("docs")
    assert len(docs.documents) == 5
    assert engine.ask("").query.intent == "help"
    assert engine.ask("x" * 600).query.error == "too_long"


def test_clause_lookup_and_stable_ids(engine, settings, tmp_path):
    clause_id = engine.ask("search 人才飞地").hits[0].clause.id
    assert engine.clause(clause_id)[0].heading == "推进创新型人才队伍建设"
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    (folder / "aaa-new.txt").write_text("关于某事的通知\n一、要求\n做好人才飞地工作。\n", encoding="utf-8")
    bigger = engine_for(settings, folder, tmp_path)
    assert bigger.clause(clause_id)[0].text == engine.clause(clause_id)[0].text


def test_reload_reports_changes(settings, tmp_path):
    folder = tmp_path / "corpus"
    shutil.copytree(SEEDS, folder)
    engine = engine_for(settings, folder, tmp_path)
    (folder / "new-doc.md").write_text("关于新事项的通知\n一、要求\n建设量子实验室3个。\n", encoding="utf-8")
    (folder / "zigong-2021-plenary-communique.txt").unlink()
    report = engine.reload()
    assert report.added == ("new-doc",) and report.removed == ("zigong-2021-plenary-communique",)
    assert engine.ask("量子实验室").matched


def test_questions_in_english(engine):
    answer = engine.ask("what targets did Chengdu set for R&D by 2025?")
    assert answer.query.intent == "target" and answer.query.filters.regions == ("成都市",)
    assert any(t.value == 10.0 for t in answer.hits[0].targets)
    answer = engine.ask("which bureau leads the IP-protection task?")
    assert answer.query.intent == "lead-unit"
    assert answer.hits[0].clause.lead_units == ("市市场监管局",)  # 加大知识产权保护力度


def test_unknown_words_are_not_answered_with_weak_matches(engine):
    for text in ("火星基地建设", "量子引力波", "区块链钱包挖矿"):
        answer = engine.ask(text)
        assert not answer.matched, text
        assert answer.suggestions, text


def test_odd_inputs(engine):
    assert not engine.ask("<script>alert(1)</script>").matched  # no stray digit matches everything
    assert not engine.ask("🙂").matched
    assert engine.ask("year:abc").query.error == "bad_year"  # refused, not silently ignored
    assert engine.ask("5G").matched and "5G" in engine.ask("search 5G").hits[0].clause.text
    listed = engine.ask("target in:成都", limit=3).hits
    assert listed and all(any(t.value is not None for t in h.targets) for h in listed)  # figures first
