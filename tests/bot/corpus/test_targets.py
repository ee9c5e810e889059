"""Targets: every quantitative and dated goal of the seeds, checked by hand, and the rules of
the genre on sentences from real documents (plans, regulations, reports)."""
from __future__ import annotations

import json

import pytest

from bot.corpus.targets import extract_targets, find_horizon
from bot.export import build_export
from paths import ROOT

GOLDEN = ROOT / "tests" / "data" / "seed-targets.jsonl"
KEYS = ("document", "ref", "metric", "value", "value_max", "unit", "comparator", "kind", "horizon", "horizon_year",
        "horizon_implied", "detail")


def test_every_seed_target_matches_the_hand_checked_list(engine):
    """tests/data/seed-targets.jsonl lists the seeds' targets verified figure by figure against the text."""
    want = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    got = [{k: row[k] for k in KEYS} for row in build_export(engine, "targets").rows]
    assert got == want


def _by(documents, doc_id, label):
    clause = next(c for c in documents[doc_id].clauses if c.ref.endswith(label))
    return [(t.metric, t.value, t.value_max, t.unit, t.horizon_year) for t in clause.targets if t.value is not None]


def test_a_figure_after_a_year_measures_the_subject_before_it(documents):
    # `高新技术产业产值年均增速达到12%,2025年达到669亿元`: 669亿元 is the output, not its growth rate
    anshun = _by(documents, "anshun-2022-sci-tech-implementation-opinions", "一、(二)")
    assert ("高新技术产业产值年均增速", 12.0, None, "%", 2025) in anshun
    assert ("高新技术产业产值", 669.0, None, "亿元", 2025) in anshun


def test_a_figure_after_a_list_measures_the_noun_after_it(documents):
    chengdu = documents["chengdu-2021-sci-tech-innovation-decision"]
    clause = next(c for c in chengdu.clauses if c.ref.endswith("四、(十三)"))
    assert [(t.metric, t.value, t.detail) for t in clause.targets] == [
        ("万亿级产业集群", 2.0, "电子信息、装备制造"),
        ("千亿级产业集群", 10.0, "生物医药、绿色食品、新型材料、节能环保、工业软件"),
        ("产业新地标", 10.0, "人工智能、前沿医学、柔性电子、卫星互联网、医疗美容、国潮汉服")]
    assert all(t.horizon_year == 2025 and t.horizon_implied for t in clause.targets)  # the decision's 2025 goals


def test_one_target_per_dated_goal(documents):
    chengdu = documents["chengdu-2021-sci-tech-innovation-decision"]
    clause = next(c for c in chengdu.clauses if c.ref.endswith("四、(十七)"))
    assert [(t.metric, t.horizon_year) for t in clause.targets] == [("碳达峰", 2025), ("建成碳中和“先锋城市”", 2050)]


def test_each_is_distributed_and_ranges_keep_both_ends(documents):
    plan = "guangyuan-2022-collaborative-innovation-action-plan"
    assert _by(documents, plan, "二、(二) 5.")[:2] == [("省级工程技术研究中心", 1.0, None, "家", 2022),
                                                    ("企业技术中心", 1.0, None, "家", 2022)]
    assert ("新建道地药材示范基地", 2.0, 3.0, "个", 2022) in _by(documents, plan, "二、(一) 3.")


def test_doubling_is_times_two_against_its_baseline(documents):
    clause = next(c for c in documents["zigong-2021-innovation-decision"].clauses if c.ref.endswith("——2"))
    doubling = clause.targets[0]
    assert (doubling.metric, doubling.value, doubling.unit, doubling.detail, doubling.horizon_year) == (
        "高新技术企业、科技型中小企业数量", 2.0, "倍", "较“十三五”末", 2025)


def test_thresholds_rewards_versions_and_names_are_not_targets(documents):
    anshun = documents["anshun-2022-sci-tech-implementation-opinions"]
    assert next(c for c in anshun.clauses if c.ref.endswith("三、 25.")).targets == ()  # 10万元以上…项目库
    zigong = documents["zigong-2021-innovation-decision"]
    assert next(c for c in zigong.clauses if c.ref.endswith("(十四)")).targets == ()  # 50%予以奖励
    assert next(c for c in zigong.clauses if c.ref.endswith("(十)")).targets == ()  # 倍增计划: a plan's name
    plan = documents["guangyuan-2022-collaborative-innovation-action-plan"]
    assert next(c for c in plan.clauses if c.ref.endswith("15.")).targets == ()  # 人才新政3.0版本


@pytest.mark.parametrize("text,year", [
    ("“十四五”期末,全市科技资源配置更加优化", 2025), ("通过“十四五”时期的不懈奋斗", 2025), ("到“十五五”末", 2030),
    ("到2035年,全面建成", 2035), ("力争2022年内签订协议", 2022), ("民國115年底前完成", 2026),
    ("二〇三五年远景目标", 2035), ("114年底前完成改善", 2025),
])
def test_horizons_name_their_year(text, year):
    assert find_horizon(text).year == year


def test_a_baseline_is_never_a_horizon():
    assert find_horizon("数量较“十三五”末实现倍增") is None
    assert find_horizon("与“十四五”初期相比,排名上升") is None


# Sentences from real documents of other genres.
REGULATION_LIMIT = "距离交通信号灯、交通标志15米以内道路上,不得设置与信号灯和交通标志相似的灯具。"  # a city 条例
DEADLINE = "凡购置机动车辆的,须从购车之日起30日内持有关证件到指定的公安交通管理部门申请落籍或转籍。"
FREQUENCY = "市政府各机关至少应每二年定期通盘检讨其主管之市法规。"  # 台北市法规标准自治条例 第32条
PLAN = "到2025年底前,全市首批100个嵌入式服务设施建设示范社区全面建成。"  # 成都市 实施方案 (2024)
REWARD = "对年度研发投入超过1亿元的企业,按照研发投入增量的10%给予最高1000万元奖励。"
REPORT = "二零零六年,该组接获20248宗有关交通运输事宜的投诉和建议。委员会共有成员18名,包括主席和三名官方成员。"
PAST = "预计,2020年生产总值达到1200亿元左右,人均生产总值超过9.3万元。"  # a district's 十四五 proposal, 2021


def test_limits_in_a_regulation_are_standards():
    limit, = extract_targets(REGULATION_LIMIT, regulation=True)
    assert (limit.value, limit.unit, limit.comparator, limit.kind) == (15.0, "米", "以内", "standard")
    deadline, = extract_targets(DEADLINE, regulation=True)
    assert (deadline.value, deadline.unit, deadline.kind) == (30.0, "日", "standard")
    frequency, = extract_targets(FREQUENCY, regulation=True)
    assert (frequency.value, frequency.unit, frequency.comparator, frequency.kind) == (2.0, "年", "至少", "standard")
    assert "检讨" in frequency.metric  # 每二年: the frequency of the review


def test_chinese_numerals_count_with_a_limit_word():
    standard, = extract_targets("社区卫生服务中心按照每五万人口至少设置一个的标准规划布局。", regulation=True)
    assert (standard.value, standard.unit, standard.comparator) == (1.0, "个", "至少")
    walk, = extract_targets("居民步行十五分钟内可达。", regulation=True)
    assert (walk.value, walk.unit, walk.comparator) == (15.0, "分钟", "内")
    assert extract_targets("布局建设八大研发单元,实施十大工程。", goal_section=True) == []


def test_goals_in_a_plan_are_goals_with_their_year():
    goal, = extract_targets(PLAN)
    assert (goal.metric, goal.value, goal.unit, goal.kind, goal.horizon_year) == (
        "嵌入式服务设施建设示范社区", 100.0, "个", "goal", 2025)


def test_rewards_reports_and_past_facts_are_not_targets():
    assert extract_targets(REWARD) == []
    assert extract_targets(REPORT) == []
    # Both figures are for 2020: a document of 2021 drops them as results (see test_genre).
    assert [t.due.year for t in extract_targets(PAST)] == [2020, 2020]
