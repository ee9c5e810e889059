"""The five seeds parse into clean clauses with the right structure, units and targets."""
from __future__ import annotations

import re

import pytest

ACTION_PLAN = "guangyuan-2022-collaborative-innovation-action-plan"
ANSHUN = "anshun-2022-sci-tech-implementation-opinions"
CHENGDU = "chengdu-2021-sci-tech-innovation-decision"
ZIGONG = "zigong-2021-innovation-decision"
COMMUNIQUE = "zigong-2021-plenary-communique"

CLUTTER = re.compile(r"由会员分享|在线阅读|第壹文秘|您当前的位置|首页 »|字号|我要打印|关闭\]|视力保护色|相关信息|"
                     r"编辑:|责任编辑|记者.*摄|戳长图|划重点|↓|迅鳐科技|以下为《决定》全文|\.docx|珍藏版")

CLAUSE_COUNTS = {ANSHUN: 36, CHENGDU: 27, ACTION_PLAN: 24, ZIGONG: 32, COMMUNIQUE: 16}

SAMPLE_REFS = {
    ACTION_PLAN: ["《关于进一步增强协同创新发展能力行动计划》二、(二) 5.",
                  "《关于进一步增强协同创新发展能力行动计划》一、(二)",
                  "《关于进一步增强协同创新发展能力行动计划》二、(七) 18.",
                  "《关于进一步增强协同创新发展能力行动计划》三、(三)"],
    ANSHUN: ["《关于进一步加强科技创新推动高质量发展的实施意见》二、(一) 1.",
             "《关于进一步加强科技创新推动高质量发展的实施意见》二、(六) 24.",
             "《关于进一步加强科技创新推动高质量发展的实施意见》三、 27."],
    CHENGDU: ["《中共成都市委关于全面推进科技创新中心建设加快构建高质量现代产业体系的决定》二、(三)",
              "《中共成都市委关于全面推进科技创新中心建设加快构建高质量现代产业体系的决定》二、(二) ——1",
              "《中共成都市委关于全面推进科技创新中心建设加快构建高质量现代产业体系的决定》五、(二十)"],
    ZIGONG: ["《中共自贡市委关于深入推进创新驱动引领超常跨越和高质量发展的决定》五、(十三)",
             "《中共自贡市委关于深入推进创新驱动引领超常跨越和高质量发展的决定》一、(三) ——4",
             "《中共自贡市委关于深入推进创新驱动引领超常跨越和高质量发展的决定》八、(二十七)"],
    COMMUNIQUE: ["《中共自贡市委十二届十二次全会公报》第1段", "《中共自贡市委十二届十二次全会公报》第16段"],
}

UNITS = {
    "anshun-2022-sci-tech-implementation-opinions": {
        "1.": (['市科技局'], ['市委军民融合办', '市发展改革委', '市工业和信息化局', '市卫生健康局', '市农业农村局', '市大数据局']),
        "2.": (['市科技局'], ['市自然资源局', '各县(区)政府(管委会)']),
        "3.": (['市科技局'], ['市自然资源局', '镇宁自治县人民政府']),
        "4.": (['市农业农村局'], ['市林业局', '市乡村振兴局', '市科技局', '各县(区)政府(管委会)']),
        "5.": (['市科技局'], ['市大数据局', '各县(区)政府(管委会)']),
        "6.": (['市科技局'], ['市工业和信息化局']),
        "7.": (['市科技局'], ['市工业和信息化局', '市财政局']),
        "8.": (['市科技局'], ['市发展改革委', '市工业和信息化局']),
        "9.": (['人行安顺中心支行'], ['安顺银保监分局', '市金融办', '市科技局', '市大数据局', '市工业和信息化局']),
        "10.": (['安顺学院'], ['市教育局', '市文体广电旅游局', '市科技局']),
        "11.": (['市科技局'], ['市教育局', '市农业农村局', '市乡村振兴局']),
        "12.": (['市工业和信息化局'], ['市发展改革委', '市文体广电旅游局', '市农业农村局', '市乡村振兴局', '市教育局', '市科技局']),
        "13.": (['市科技局'], ['市发展改革委', '各县(区)政府(管委会)']),
        "14.": (['市委组织部'], ['市科技局', '安顺国家高新区管委会']),
        "15.": (['市科技局'], ['安顺国家高新区管委会']),
        "16.": (['市科技局'], ['市人力资源和社会保障局', '各县(区)政府(管委会)']),
        "17.": (['市科技局'], ['市财政局']),  # `科技局` there: made whole, the document says 市科技局 elsewhere
        "18.": (['市科技局'], ['市发展改革委', '市人力资源和社会保障局']),
        "19.": (['市科技局'], ['安顺学院', '安顺国家高新区管委会']),
        "20.": (['党委(工委)'], ['政府(管委会)', '市科技创新领导小组成员单位']),
        "21.": (['市科技局'], ['市发展改革委']),  # `科技` in the text
        "22.": (['市科技局'], ['市市场监管局']),
        "23.": (['市纪委'], ['市监委机关', '市财政局', '市审计局', '市科技局']),
        "24.": (['市科技局'], ['市科协', '市发展改革委', '市人力资源和社会保障局']),
        "25.": (['市科技局'], []),
        "26.": (['党委(工委)'], ['政府(管委会)']),
        "27.": (['政府(管委会)'], ['市财政局']),
    },
    "guangyuan-2022-collaborative-innovation-action-plan": {
        "1.": (['市发展改革委', '市科技局'], ['市经济和信息化局', '各县(区)', '经开区']),
        "2.": (['市科技局'], ['市级各部门', '各县(区)', '经开区']),
        "3.": (['市科技局', '经开区', '市农业农村局'], ['市发展改革委', '市经济和信息化局', '市自然资源局', '各县(区)']),
        "4.": (['市科技局'], ['市发展改革委', '市经济和信息化局', '市教育局', '市财政局', '市自然资源局', '市生态环境局', '各县(区)', '经开区']),
        "5.": (['市科技局'], ['市发展改革委', '市经济和信息化局', '市农业农村局', '市卫生健康委', '各县(区)', '经开区']),
        "6.": (['市科技局'], ['市发展改革委', '市经济和信息化局', '市教育局', '市财政局', '市农业农村局', '市文化广电旅游局', '市卫生健康委', '各县(区)', '经开区']),
        "7.": (['市科技局'], ['市发展改革委', '市经济和信息化局', '市教育局', '市财政局', '市统计局', '市经济合作和外事局', '市税务局', '市市场监管局', '各县(区)', '经开区']),
        "8.": (['市委组织部', '市科技局', '市农业农村局', '市林业局', '市人力资源社会保障局'], ['各县(区)']),
        "9.": (['市科技局'], ['市发展改革委', '市经济和信息化局', '市教育局', '市财政局', '市人力资源社会保障局', '市国资委', '市市场监管局']),
        "10.": (['市科技局'], ['市发展改革委', '市经济和信息化局', '市财政局', '市卫生健康委', '市市场监管局', '有关县(区)', '经开区']),
        "11.": (['市科技局'], ['市教育局', '市人力资源社会保障局', '市市场监管局', '各县(区)', '经开区']),
        "12.": (['市科技局', '市金融工作局'], ['市发展改革委', '市经济和信息化局', '市财政局', '市国资委', '市市场监管局', '市税务局', '市银保监分局', '市人行中心支行', '各县(区)', '经开区']),
        "13.": (['市委组织部'], ['市级各部门', '各县(区)']),
        "14.": (['市委组织部'], ['市级各部门', '各县(区)']),
        "15.": (['市委组织部'], ['市级各部门', '各县(区)']),
        "16.": (['市科技局'], ['市发展改革委', '市教育局', '市财政局']),
        "17.": (['市市场监管局'], ['市委宣传部', '市法院', '市检察院', '市公安局', '市司法局', '各县(区)']),
        "18.": (['市科技局'], ['市发展改革委', '市教育局', '市人力资源社会保障局', '市经济合作和外事局', '各县(区)', '经开区']),
    },
}


@pytest.mark.parametrize("doc_id,count", CLAUSE_COUNTS.items())
def test_clause_counts(documents, doc_id, count):
    assert len(documents[doc_id].clauses) == count


@pytest.mark.parametrize("doc_id,refs", SAMPLE_REFS.items())
def test_sample_references(documents, doc_id, refs):
    have = {c.ref for c in documents[doc_id].clauses}
    for ref in refs:
        assert ref in have


def test_no_clutter_in_any_clause(documents):
    for doc in documents.values():
        for clause in doc.clauses:
            assert not CLUTTER.search(clause.text), (clause.ref, CLUTTER.search(clause.text).group(0))
            assert not re.search(r"\n\d{1,2}、", clause.text), clause.ref  # page markers


def test_metadata(documents):
    meta = {d: (doc.title, doc.issuer, doc.region, doc.date and doc.date.isoformat(), doc.kind)
            for d, doc in documents.items()}
    assert meta[ZIGONG] == ("中共自贡市委关于深入推进创新驱动引领超常跨越和高质量发展的决定", "中共自贡市委", "自贡市",
                            "2021-07-15", "决定")
    assert meta[CHENGDU] == ("中共成都市委关于全面推进科技创新中心建设加快构建高质量现代产业体系的决定", "中共成都市委",
                             "成都市", "2021-07-23", "决定")
    # The two 2022 documents date themselves nowhere: their file names give the year, and say so.
    assert meta[ACTION_PLAN] == ("关于进一步增强协同创新发展能力行动计划", None, "广元市", "2022-01-01", "行动计划")
    assert meta[ANSHUN] == ("关于进一步加强科技创新推动高质量发展的实施意见", "中共安顺市委 安顺市人民政府", "安顺市",
                            "2022-01-01", "实施意见")
    assert documents[ACTION_PLAN].date_source == documents[ANSHUN].date_source == "file name"
    assert documents[ACTION_PLAN].region_source == "metadata" and documents[ANSHUN].region_source == "issuer"
    assert documents[CHENGDU].date_source == "adoption note" and documents[CHENGDU].title_source == "title line"
    assert meta[COMMUNIQUE] == ("中共自贡市委十二届十二次全会公报", "中共自贡市委", "自贡市", "2021-07-15", "公报")


def test_commentary_is_kept_apart(documents):
    chengdu = documents[CHENGDU]
    assert "迅鳐科技" in chengdu.commentary
    assert chengdu.clauses[0].text.startswith("全面推进科技创新中心建设,加快构建高质量现代产业体系")


def test_traditional_with_pinyin_is_simplified(documents):
    text = "".join(c.text for c in documents[COMMUNIQUE].clauses)
    assert "(chǎn)" not in text and "產" not in text
    assert "中国共产党自贡市第十二届委员会第十二次全体会议" in text
    assert "摄" not in text  # photo captions are gone


def test_ocr_repairs_in_the_action_plan(documents):
    clauses = {c.labels[-1]: c for c in documents[ACTION_PLAN].clauses}
    assert "科技型中小企业100家" in clauses["7."].text
    assert "市人才新政3.0版本" in clauses["15."].text
    assert "积极与杭州市科技局对接" in clauses["2."].text  # joined across the page marker `3、`
    assert "“352”标准建设" in clauses["3."].text
    assert documents[ACTION_PLAN].clauses[1].ref.endswith("一、(一)")  # `(-)` read as (一) too
    assert any(c.ref.endswith("二、(一) 1.") for c in documents[ACTION_PLAN].clauses)


def test_headings_and_paths(documents):
    clause = next(c for c in documents[ZIGONG].clauses if c.labels[-1] == "(十五)")
    assert clause.heading == "提升人才服务保障水平"
    assert clause.path == ("五、打造川南渝西创新人才高地",)
    task = next(c for c in documents[ACTION_PLAN].clauses if c.labels[-1] == "5.")
    assert task.path == ("二、重点任务", "(二)协同打造高能级创新平台")
    assert task.heading == "积极推动高水平创新平台建设"
    assert task.id == f"{ACTION_PLAN}#2.2.5"


@pytest.mark.parametrize("doc_id", UNITS)
def test_units_of_every_annotated_task(documents, doc_id):
    got = {c.labels[-1]: (list(c.lead_units), list(c.support_units)) for c in documents[doc_id].clauses if c.units}
    assert got == UNITS[doc_id]


def test_units_rule_and_annotation_removed(documents):
    for clause in documents[ACTION_PLAN].clauses:
        if clause.units:
            assert clause.units_rule == "stated"
            assert "责任单位" not in clause.text and "逗号前" not in clause.text
    for clause in documents[ANSHUN].clauses:
        if clause.units:
            assert clause.units_rule == "first-listed"
            assert "责任单位" not in clause.text and not clause.text.endswith("〕")


def _targets(documents, doc_id, label):
    clause = next(c for c in documents[doc_id].clauses if c.labels[-1] == label)
    return [(t.metric, t.value, t.unit, t.comparator, t.horizon) for t in clause.targets if t.value is not None]


def test_targets_of_the_action_plan_goals(documents):
    assert _targets(documents, ACTION_PLAN, "(二)")[:2] == [
        ("全社会研发投入强度", 0.7, "%", "以上", "到2022年底"),
        ("高新技术企业数量", 50.0, "家", "以上", "到2022年底"),
    ]
    assert ("技术合同成交额", 1.0, "亿元", "以上", "到2022年底") in _targets(documents, ACTION_PLAN, "(二)")
    assert _targets(documents, ACTION_PLAN, "5.") [-1] == ("新增市级平台", 5.0, "家", "以上", None)


def test_targets_with_comparators_and_horizons(documents):
    chengdu = _targets(documents, CHENGDU, "(三)")
    assert ("全社会研究与试验发展经费(R&D)占地区生产总值比重", 3.5, "%", "力争达到", "到2025年") in chengdu
    assert ("高新技术企业", 1.5, "万家", "突破", None) in _targets(documents, CHENGDU, "(七)")
    assert ("人才公寓", 1000.0, "套", "不少于", None) in _targets(documents, ZIGONG, "(十五)")
    anshun = _targets(documents, ANSHUN, "(二)")
    assert ("国家高新技术企业", 130.0, "家", "达到", "2025年") in anshun
    assert any(t[1] == 669.0 and t[2] == "亿元" for t in anshun)


def test_goal_sections_carry_qualitative_targets(documents):
    clause = next(c for c in documents[ZIGONG].clauses if c.ref.endswith("一、(三) ——1"))
    assert clause.is_goal_section
    assert clause.targets[0].horizon == "“十四五”时期"
    assert clause.targets[0].due.year == 2025


def test_counts_in_reports_are_not_targets(documents):
    attendance = next(c for c in documents[COMMUNIQUE].clauses if "出席全会" in c.text)
    assert attendance.targets == ()
