"""Documents of other genres, from real public texts (tests/data): regulations with 第一章/第一条 and
duties in prose, a covering notice, a State Council forwarding notice, a Hong Kong text set with a
space after every character, a Taipei regulation dated in 民国 years, an untitled text, a header
that runs into its body. Duties, standards, metadata with its source, and text repairs."""
from __future__ import annotations

import dataclasses
import io
import shutil

import pytest

from bot.cli import main
from bot.corpus.clean import clean_text, close_ocr_spaces, fold_compatibility, join_wrapped, unspace_letterspaced
from bot.corpus.document import split_heading
from bot.corpus.duties import find_duties
from bot.corpus.reader import load_document
from bot.engine import PolicyEngine
from bot.render_text import render_answer
from paths import DATA

GENRES = ("shanghai-road-transport-regulation.txt", "untitled-traffic-regulation-traditional.txt",
          "lincang-covering-notice.txt", "state-council-ppp-forwarding-notice.txt",
          "hong-kong-yearbook-transport.txt", "taipei-regulation-roc-dates.txt")


def _doc(name):
    return load_document(DATA / name)


def _clause(doc, label):
    return next(c for c in doc.clauses if c.ref.endswith(label))


@pytest.fixture(scope="module")
def genre_engine(settings, tmp_path_factory):
    folder = tmp_path_factory.mktemp("genres")
    for name in GENRES:
        shutil.copy(DATA / name, folder / name)
    return PolicyEngine.from_settings(dataclasses.replace(settings, corpus_dir=folder,
                                                          cache_dir=tmp_path_factory.mktemp("genre-cache")))


def test_a_header_that_runs_into_its_body():
    doc = _doc("shanghai-road-transport-regulation.txt")
    assert doc.title == "上海市道路运输管理条例" and doc.kind == "条例" and doc.region == "上海市"
    assert doc.date.isoformat() == "2005-10-28" and doc.date_source == "adoption note"  # the last revision
    assert [c.ref.split("》")[1] for c in doc.clauses] == ["第一章 第一条", "第一章 第二条", "第一章 第三条"]


def test_authority_sentences_are_duties_with_the_full_name():
    article = _clause(_doc("shanghai-road-transport-regulation.txt"), "第三条")
    assert article.units_rule == "prose" and article.responsible_units == ("上海市城市交通管理局",)
    assert article.lead_units == () and article.support_units == ()  # 主管/负责: nobody is called a lead
    assert article.duties[0].sentence.startswith("上海市城市交通管理局(以下简称市交通局)是本市道路运输的行政主管部门")


def test_duty_patterns_of_the_genre():
    duties = find_duties("由省发展改革委牵头,省财政厅配合。区住房城乡建设委负责本区的监督管理工作。"
                         "市交通运输行政部门主管本市道路运输工作。市民政局会同市财政局、市卫生健康委制定实施细则。"
                         "街道办事处具体负责辖区内的日常管理。公安、市场监管部门按照各自职责做好相关工作。"
                         "本市养老服务工作的主管单位是市民政局。")
    roles = {(d.unit, d.role) for d in duties.duties}
    assert roles == {("省发展改革委", "lead"), ("省财政厅", "support"), ("区住房城乡建设委", "responsible"),
                     ("市交通运输行政部门", "responsible"), ("市民政局", "lead"), ("市财政局", "support"),
                     ("市卫生健康委", "support"), ("街道办事处", "responsible"), ("公安部门", "responsible"),
                     ("市场监管部门", "responsible"), ("市民政局", "responsible")}
    # One duty per sentence: three bureaus, three duties, each with its own sentence.
    assert {d.sentence for d in duties.duties if d.unit == "区住房城乡建设委"} == {"区住房城乡建设委负责本区的监督管理工作。"}


def test_people_and_systems_named_with_duty_words_are_not_units():
    assert find_duties("由市委、市政府主要负责同志任组长。建立重大科技攻关首席科学家负责制。") is None
    assert find_duties("支持龙头企业牵头组建创新联合体。探索市科技行政管理部门负责人兼任高新区领导。") is None


def test_responsible_parties_and_an_untitled_regulation():
    lincang = _doc("lincang-covering-notice.txt")
    assert lincang.title == "临沧市道路交通安全管理特别规定(试行)" and lincang.title_source == "covering notice"
    assert lincang.issuer == "临沧市人民政府" and lincang.date.isoformat() == "2006-02-20"  # 二OO六年二月二十日
    assert "驾驶员" in _clause(lincang, "第二条").responsible_units
    untitled = _doc("untitled-traffic-regulation-traditional.txt")
    assert untitled.title == "总则" and untitled.title_source == "first heading"  # never a sentence fragment
    assert untitled.region is None and untitled.date is None  # absent rather than wrong
    assert _clause(untitled, "第四条").responsible_units == ("公安交通管理部门",)


def test_standards_in_a_regulation():
    untitled = _doc("untitled-traffic-regulation-traditional.txt")
    distance, = _clause(untitled, "第五条").targets
    assert (distance.value, distance.unit, distance.comparator, distance.kind) == (15.0, "米", "以内", "standard")
    taipei = _doc("taipei-regulation-roc-dates.txt")
    review, = _clause(taipei, "第32条").targets
    assert (review.value, review.unit, review.kind, review.horizon_year) == (2.0, "年", "standard", None)


def test_central_forwarding_notice():
    doc = _doc("state-council-ppp-forwarding-notice.txt")
    assert doc.title == "关于在公共服务领域推广政府和社会资本合作模式指导意见" and doc.kind == "指导意见"
    assert doc.issuer == "国务院办公厅" and doc.region == "全国" and doc.doc_number == "国办发〔2015〕42号"
    assert doc.date.isoformat() == "2015-05-19" and doc.date_source == "signature"


def test_hong_kong_text_set_letter_by_letter():
    doc = _doc("hong-kong-yearbook-transport.txt")
    assert doc.region == "香港特别行政区" and doc.region_source == "text"
    text = "".join(c.text for c in doc.clauses)
    assert "运输署由运输署署长主管" in text and "20248宗" in text
    duties = {(d.unit, d.role) for c in doc.clauses for d in c.duties}
    assert {("运输署", "responsible"), ("路政署", "responsible"), ("香港警务处", "responsible"),
            ("运输署", "support")} <= duties
    assert all(not c.targets for c in doc.clauses)  # 18名 members, 20248宗 complaints in 2006: facts


def test_taipei_regulation_with_min_guo_dates():
    doc = _doc("taipei-regulation-roc-dates.txt")
    assert doc.title == "台北市法规标准自治条例" and doc.region == "台北市" and doc.kind == "自治条例"
    assert doc.date.isoformat() == "2017-11-29" and doc.date_source == "promulgation line"  # 民国106年
    refs = [c.ref.split("》")[1] for c in doc.clauses]
    assert "第二章 第24条" in refs and "第二章 第32条" in refs  # articles skipped in between are no problem
    assert doc.problems == ()


def test_lead_unit_and_unit_queries_find_prose_duties(genre_engine):
    answer = genre_engine.ask("unit 运输署")
    assert answer.matched and {h.clause.ref.split("》")[1] for h in answer.hits} == {"第2段"}
    answer = genre_engine.ask("unit 城市交通管理局")
    assert answer.matched and answer.hits[0].clause.responsible_units == ("上海市城市交通管理局",)
    answer = genre_engine.ask("lead-unit 道路运输")
    assert answer.matched and answer.hits[0].clause.units_rule == "prose"
    text = render_answer(answer, genre_engine.vocabulary)
    assert "负责:上海市城市交通管理局" in text and "原文:「上海市城市交通管理局(以下简称市交通局)" in text
    assert "牵头单位:上海市城市交通管理局" not in text


def test_target_finds_standards(genre_engine):
    answer = genre_engine.ask("target 交通信号灯")
    assert answer.matched and answer.hits[0].targets[0].kind == "standard"
    assert "(标准)" in render_answer(answer, genre_engine.vocabulary)


def test_check_shows_each_field_with_its_source(settings, tmp_path):
    for name in ("lincang-covering-notice.txt", "untitled-traffic-regulation-traditional.txt"):
        shutil.copy(DATA / name, tmp_path / name)
    out = io.StringIO()
    main(["check", "--corpus", str(tmp_path)], out=out)
    text = out.getvalue()
    assert "title: 《临沧市道路交通安全管理特别规定(试行)》  (covering notice)" in text
    assert "date: 2006-02-20  (signature)" in text and "region: 临沧市  (issuer)" in text
    assert "title: 《总则》  (first heading)" in text and "region: —" in text and "date: —" in text


def test_a_year_in_the_file_name_is_the_last_resort(tmp_path):
    path = tmp_path / "某县-2023-工作方案.txt"
    path.write_text("关于做好某项工作的方案\n一、工作目标\n到2025年,新建养老服务站10个。\n", encoding="utf-8")
    doc = load_document(path)
    assert doc.date.year == 2023 and doc.date_source == "file name"


# Text repairs seen in the wild.
def test_compatibility_ideographs_are_folded():
    text, count = fold_compatibility("⾦融⽀持\uf92f\uf9b4")  # Kangxi 金 支, compatibility 勞 (U+F92F) 領 (U+F9B4)
    assert text == "金融支持勞領" and count == 4


def test_spaces_ocr_put_inside_words():
    lines, removed = close_ocr_spaces(["市政府交通局负责本市交通管理。", "市政 府交通局会同市财政局制定办法。"])
    assert lines[1] == "市政府交通局会同市财政局制定办法。" and removed == 1
    kept, _ = close_ocr_spaces(["一、总体要求 坚持问题导向。"])  # no evidence the two sides are one word
    assert kept == ["一、总体要求 坚持问题导向。"]
    assert unspace_letterspaced("運 輸 署 由 運 輸 署 署 長 主 管") == "運輸署由運輸署署長主管"


def test_hard_wrapped_lines_are_joined():
    # 山东省人民政府关于深化预算管理制度改革的实施意见 (鲁政发〔2014〕20号), as a PDF copy wraps it
    first = ("现代预算制度是现代财政制度的基础。建立全面规范、公开透明的现代预算制度,是深化财税体制改革的重要内容,"
             "也是加快政府职能转变、推进政府治理体系和治理能力现代化、促进全省经济社会持续健康发展的重大举措。")
    second = ("1.指导思想。贯彻落实党的十八大和十八届三中、四中全会以及省委十届十次全会精神,以邓小平理论、“三个代表”"
              "重要思想、科学发展观为指导,深入贯彻习近平总书记系列重要讲话精神,紧紧围绕建立现代财政制度的总目标,"
              "改进预算管理制度,创新预算管理方式,健全预算管理体系,优化预算收支结构,提升预算管理绩效。")
    wrapped = [p[i:i + 25] for p in (first, second) for i in range(0, len(p), 25)]
    joined, count = join_wrapped(["一、深化预算管理制度改革的总体要求"] + wrapped)
    assert joined == ["一、深化预算管理制度改革的总体要求", first, second] and count == len(wrapped) - 2


def test_running_heads_of_a_printed_record_are_removed():
    # 立法会会议过程正式纪录 (2007年5月9日): each page repeats its head
    raw = "\n".join(["会议过程正式纪录", "出席议员:", "主席范徐丽泰议员", "立法会2007 年5月9日LEGISLATIVE COUNCIL",
                     "李华明议员", "立法会2007 年5月9日LEGISLATIVE COUNCIL", "吴霭仪议员",
                     "立法会2007 年5月9日LEGISLATIVE COUNCIL", "周梁淑怡议员"])
    cleaned = clean_text(raw)
    assert "LEGISLATIVE" not in "".join(cleaned.lines) and "周梁淑怡议员" in cleaned.lines
    assert any("running page head" in fix for fix in cleaned.fixes)


def test_html_entities_and_an_article_title_on_its_own_line():
    assert clean_text("第一条&nbsp;为了规范管理,制定本办法。&lt;试行&gt;").lines == ["第一条 为了规范管理,制定本办法。<试行>"]
    assert split_heading("(管理部门)\n市交通行政管理部门是本市道路运输的行政主管部门。", article=True) == (
        "管理部门", "市交通行政管理部门是本市道路运输的行政主管部门。")
    assert split_heading("【适用范围】本条例适用于本市行政区域。", article=True) == ("适用范围", "本条例适用于本市行政区域。")


def test_slack_fields_show_a_prose_duty_as_responsible_with_its_sentence():
    from bot.strings import Catalog
    from handlers.blocks import target_fields, unit_fields

    article = _clause(_doc("shanghai-road-transport-regulation.txt"), "第三条")
    fields = unit_fields(article, Catalog("zh"))
    assert fields[0].startswith("*责任单位*\n") and "上海市城市交通管理局" in fields[0]
    assert not any("牵头单位" in f or "配合单位" in f for f in fields)
    assert fields[1].startswith("_原文:_ 上海市城市交通管理局(以下简称市交通局)")
    assert unit_fields(article, Catalog("en"))[1].startswith("_From the text:_ 上海市城市交通管理局")
    limit, = _clause(_doc("untitled-traffic-regulation-traditional.txt"), "第五条").targets
    assert target_fields([limit], Catalog("zh"))[0].endswith("· 标准")
    assert target_fields([limit], Catalog("en"))[0].endswith("· standard")


def test_a_district_proposal_with_chinese_numeral_years():
    doc = _doc("wenzhou-lucheng-district-proposal.txt")
    assert doc.region == "温州市鹿城区" and doc.issuer == "中共温州市鹿城区委" and doc.kind == "建议"
    doubling, = [t for c in doc.clauses for t in c.targets]  # 2020's 1200亿元 is a result, not a target
    assert (doubling.metric, doubling.value, doubling.unit, doubling.horizon_year) == ("全区生产总值", 2.0, "倍", 2035)


def test_a_state_council_opinion_is_nationwide():
    doc = _doc("state-council-inner-mongolia-opinion.txt")
    assert doc.title == "国务院关于推动内蒙古高质量发展奋力书写中国式现代化新篇章的意见"
    assert (doc.issuer, doc.region, doc.kind, doc.doc_number) == ("国务院", "全国", "意见", "国发〔2023〕16号")


def test_a_covering_notice_run_into_its_body():
    doc = _doc("chengdu-glued-covering-notice.txt")
    assert doc.title == "成都市城市社区嵌入式服务设施建设工程实施方案" and doc.title_source == "covering notice"
    assert doc.issuer.startswith("成都市发展和改革委员会") and doc.region == "成都市" and len(doc.title) < 40
    targets = [(t.value, t.unit, t.horizon_year) for c in doc.clauses for t in c.targets]
    assert targets == [(100.0, "个", 2025), (50.0, "%", 2027)]
