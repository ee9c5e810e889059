"""Documents the seeds do not contain: other numbering, full-width punctuation, front matter,
annotations on their own line, other encodings. Built for the genre, not the five files."""
from __future__ import annotations

import pytest

from bot.corpus.clean import clean_text, join_page_markers, repair_ocr, strip_pinyin
from bot.corpus.document import parse_document
from bot.corpus.reader import decode_bytes, load_corpus, load_document
from bot.corpus.units import extract_units, split_unit_names
from bot.errors import DocumentError
from paths import DATA

FULLWIDTH_DOC = """---
标题: 某某市促进数字经济发展若干措施
文号: 某府发〔2023〕5号
发布单位: 某某市人民政府
发布日期: 2023-03-01
---
为加快数字经济发展，制定本措施。
第一章　总则
第一条　本措施适用于全市数字经济企业。
第二条　到2025年，全市数字经济核心产业增加值达到500亿元以上。
牵头单位：市发展改革委；配合单位：市经济和信息化局、市财政局
第二章　支持政策
第三条　对新认定的国家级专精特新“小巨人”企业给予50万元奖励。（市经济和信息化局牵头，市财政局配合）
"""


def _write(folder, name, text, encoding="utf-8"):
    (folder / name).write_bytes(text.encode(encoding))


def test_fullwidth_front_matter_articles_and_own_line_units(tmp_path):
    _write(tmp_path, "shuzi.md", FULLWIDTH_DOC)
    load = load_corpus(tmp_path)
    assert load.errors == ()
    doc = load.documents[0]
    assert doc.title == "某某市促进数字经济发展若干措施"
    assert doc.issuer == "某某市人民政府" and doc.region == "某某市" and doc.date.isoformat() == "2023-03-01"
    assert doc.doc_number == "某府发〔2023〕5号" and doc.kind == "若干措施"
    refs = [c.ref for c in doc.clauses]
    assert refs[1:] == ["《某某市促进数字经济发展若干措施》第一章 第一条", "《某某市促进数字经济发展若干措施》第一章 第二条",
                        "《某某市促进数字经济发展若干措施》第二章 第三条"]
    second = doc.clauses[2]
    assert second.lead_units == ("市发展改革委",) and second.support_units == ("市经济和信息化局", "市财政局")
    assert second.units_rule == "stated" and "牵头单位" not in second.text
    assert second.targets[0].value == 500 and second.targets[0].unit == "亿元"
    third = doc.clauses[3]
    assert third.lead_units == ("市经济和信息化局",) and third.support_units == ("市财政局",)


def test_gb18030_and_big5_are_decoded(tmp_path):
    text = "关于推进科技创新的实施意见\n一、总体要求\n(一)主要目标。到2025年,高新技术企业达到100家。\n"
    _write(tmp_path, "gb.txt", text, "gb18030")
    _write(tmp_path, "big5.txt", text.replace("关于推进科技创新的实施意见", "關於推進科技創新的實施意見")
           .replace("总体要求", "總體要求").replace("主要目标", "主要目標").replace("高新技术企业达到", "高新技術企業達到"),
           "big5")
    load = load_corpus(tmp_path)
    assert load.errors == ()
    titles = sorted(d.title for d in load.documents)
    assert titles == ["关于推进科技创新的实施意见", "关于推进科技创新的实施意见"]
    for doc in load.documents:
        assert doc.clauses[0].targets[0].value == 100


def test_bad_files_are_reported_and_skipped(tmp_path):
    _write(tmp_path, "good.txt", "关于某事的通知\n一、要求\n做好某项工作。\n")
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01\x02garbage")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "latin.txt").write_bytes("caf\xe9 \xe0 la cr\xe8me".encode("latin-1"))
    _write(tmp_path, "badmeta.md", "---\ntitle: [unclosed\n---\n正文。\n")
    load = load_corpus(tmp_path)
    assert [d.source for d in load.documents] == ["good.txt"]
    assert sorted(e.source for e in load.errors) == ["badmeta.md", "binary.txt", "empty.txt", "latin.txt"]
    assert all(e.reason for e in load.errors)


def test_decode_rejects_non_text():
    with pytest.raises(DocumentError):
        decode_bytes(bytes(range(128, 256)) * 4, "x.txt")


def test_numbering_levels_and_circled_items(tmp_path):
    text = ("关于加快建设创新平台的实施方案\n一、主要任务\n(一)建设平台\n1.建设实验室。新建重点实验室3个以上。\n"
            "(1)完善设施。\n(2)引进团队。\n2.建设中心。\n①第一项工作。\n②第二项工作。\n二、保障措施\n加强领导。\n")
    _write(tmp_path, "plan.txt", text)
    doc = load_corpus(tmp_path).documents[0]
    assert [c.ref.split("》")[1] for c in doc.clauses] == [
        "一、(一) 1.", "一、(一) 1. (1)", "一、(一) 1. (2)", "一、(一) 2.", "一、(一) 2. ①", "一、(一) 2. ②", "二、"]
    assert doc.clauses[0].targets[0].value == 3


def test_units_forms():
    text, units, _ = extract_units("开展试点。(牵头单位:市科技局;配合单位:市财政局、市教育局)", None)
    assert text == "开展试点。" and units.lead == ("市科技局",) and units.support == ("市财政局", "市教育局")
    _, units, _ = extract_units("开展试点。(市科技局牵头,市财政局、市教育局配合)", None)
    assert units.lead == ("市科技局",) and units.support == ("市财政局", "市教育局")
    _, units, _ = extract_units("开展试点。(责任单位:市科技局(牵头)、市财政局)", None)
    assert units.lead == ("市科技局",) and units.support == ("市财政局",) and units.rule == "stated"
    _, units, _ = extract_units("开展试点。(责任单位:市科技局、市财政局)", None)
    assert units.rule == "first-listed" and units.lead == ("市科技局",)
    text, units, _ = extract_units("开展试点。\n牵头单位:市科技局\n配合单位:市财政局、市教育局", None)
    assert text == "开展试点。" and units.support == ("市财政局", "市教育局")
    text, units, _ = extract_units("开展试点。【牵头单位】市科技局【配合单位】市财政局", None)
    assert text == "开展试点。" and units.lead == ("市科技局",) and units.support == ("市财政局",)


def test_unit_name_splitting():
    assert split_unit_names("市文体广电旅游局市科技局") == ["市文体广电旅游局", "市科技局"]
    assert split_unit_names("各县(区)政府(管委会)、经开区") == ["各县(区)政府(管委会)", "经开区"]
    assert split_unit_names("党委(工委)政府(管委会)") == ["党委(工委)", "政府(管委会)"]
    assert split_unit_names(")市科技局〕") == ["市科技局"]


def test_cleaning_helpers():
    assert strip_pinyin("中國共產(chǎn)黨") == "中國共產黨"
    assert strip_pinyin("协议第六版(IPv6)") == "协议第六版(IPv6)"
    assert repair_ocr("科技型中小企业IOO家,3.O版本,(-)布局") == "科技型中小企业100家,3.0版本,(一)布局"
    lines = ["正文开头" + "甲" * 40, "2、接着写完。", "乙" * 45, "3、继续。", "丙" * 45 + "。", "4、新一段。"]
    joined, ok = join_page_markers(lines)
    assert ok and joined[0].endswith("接着写完。") and "3、" not in "".join(joined)
    real_list = ["一、任务", "1、第一项。", "2、第二项。", "3、第三项。"]
    assert join_page_markers(real_list) == (real_list, False)


def test_clutter_lines_removed():
    raw = ("您当前的位置是:首页 » 政务公开\n字号:[大][中][小] 我要打印 关闭\n关于某事的通知\n"
           "一、总体要求\n做好工作。\n(此件公开发布)\n抄送:市委办公室\n某某市人民政府办公室 2023年5月6日印发\n"
           "发布时间:2023-05-06\n责任编辑:张三\n相关信息\n12\n")
    cleaned = clean_text(raw)
    assert cleaned.lines == ["关于某事的通知", "一、总体要求", "做好工作。"]
    assert cleaned.hints["date"] == "2023-05-06"


def test_covering_notice_with_parts_and_chinese_date():
    """A 通知 that issues a measures document: signature mid-text, 第X部分, units on their own lines."""
    doc = load_document(DATA / "covering-notice-with-parts.txt")
    # The notice only issues the measures: the title is theirs; issuer, number and date stay the notice's.
    assert doc.title == "深圳市促进科技创新若干措施" and doc.title_source == "covering notice"
    assert doc.issuer == "深圳市人民政府办公厅" and doc.region == "深圳市" and doc.date.isoformat() == "2023-06-01"
    assert doc.doc_number == "深府办〔2023〕12号" and doc.kind == "若干措施"
    by_ref = {c.ref.split("》")[1]: c for c in doc.clauses}
    assert set(by_ref) == {"前言", "第一部分 一、(一)", "第一部分 一、(二)", "第一部分 二、(一)", "第二部分 一、"}
    own_lines = by_ref["第一部分 一、(二)"]
    assert own_lines.lead_units == ("市工业和信息化局",) and own_lines.support_units == ("市科技创新委", "市财政局")
    assert "牵头单位" not in own_lines.text
    assert by_ref["第一部分 二、(一)"].targets[0].metric == "国家级专精特新“小巨人”企业"
    duty = by_ref["第二部分 一、"]
    assert duty.lead_units == ("各区政府",) and duty.units_rule == "first-listed"


def test_markdown_plan_with_half_parenthesis_items():
    doc = load_document(DATA / "markdown-plan-with-half-parens.md")
    assert doc.title == "杭州市关于加快培育专精特新企业的实施方案" and doc.region == "杭州市"
    refs = [c.ref.split("》")[1] for c in doc.clauses]
    assert refs == ["一、", "二、 1)", "二、 2)", "三、"]
    goal = doc.clauses[0]
    assert goal.is_goal_section and "**" not in goal.text
    assert [(t.value, t.unit, t.comparator) for t in goal.targets] == [(1000.0, "家", "以上"), (100.0, "家", "以上")]
    assert doc.clauses[1].lead_units == ("市经信局",) and doc.clauses[1].support_units == ("市科技局",)
    assert doc.clauses[2].units_rule == "stated" and doc.clauses[2].support_units == ("人行杭州中心支行",)
    assert "#" not in "".join(c.text for c in doc.clauses)


def test_lead_named_then_responsible_units_support():
    _, units, _ = extract_units("推进工作。(牵头单位:市科技局;责任单位:各区县政府、市财政局)", None)
    assert units.lead == ("市科技局",) and units.support == ("各区县政府", "市财政局") and units.rule == "stated"


def test_title_with_a_trailing_note_and_html_remnants(tmp_path):
    text = ("<div>成都市科技创新发展规划(2021—2025年)</div>\n<p>一、发展目标</p>\n"
            "<p>到2025年,全社会研发投入强度达到3.5%&nbsp;以上。</p>\n")
    _write(tmp_path, "plan.txt", text)
    doc = load_corpus(tmp_path).documents[0]
    assert doc.title == "成都市科技创新发展规划(2021—2025年)" and doc.kind == "规划" and doc.region == "成都市"
    assert doc.clauses[0].targets[0].value == 3.5 and "<p>" not in doc.clauses[0].text


def test_goal_list_under_a_lead_in_and_units_on_their_own_lines():
    doc = load_document(DATA / "goal-list-and-own-line-units.txt")
    assert doc.date.isoformat() == "2022-08-15" and doc.kind == "实施方案" and doc.region == "武汉市"
    goals = {c.ref.split("》")[1]: c for c in doc.clauses}
    assert goals["一、"].targets == ()  # `到2025年,实现以下目标:` only leads in
    assert [(t.metric, t.value, t.unit, t.comparator, t.horizon) for t in goals["一、 ——3"].targets] == [
        ("技术合同成交额", 2000.0, "亿元", "突破", "到2025年")]
    assert goals["一、 ——1"].is_goal_section
    task = goals["二、(一) 1."]
    assert task.lead_units == ("市科技局",) and task.support_units == ("各区人民政府",)
    assert task.text == "建设中试基地。新建中试平台20个。"
    assert goals["二、(二) 1."].lead_units == ("市委组织部",) and goals["二、(二) 1."].units_rule == "first-listed"


def test_results_of_past_years_are_not_targets(tmp_path):
    text = ("某某市2023年政府工作报告\n(2023年1月10日)\n一、2022年工作回顾\n2022年,全市高新技术企业达到3000家。\n"
            "二、2023年工作安排\n2023年,高新技术企业达到3500家以上。\n")
    _write(tmp_path, "report.txt", text)
    doc = load_corpus(tmp_path).documents[0]
    values = [t.value for c in doc.clauses for t in c.targets]
    assert values == [3500.0]


def test_appendix_numbers_itself_afresh():
    doc = load_document(DATA / "appendix-task-table.txt")
    refs = [c.ref.split("》")[1] for c in doc.clauses]
    assert refs == ["前言", "一、", "二、", "附件 一、 1.", "附件 一、 2.", "附件 二、 1."]
    task = doc.clauses[3]
    assert task.path == ("附件 重点任务分工表", "一、平台建设")
    assert task.lead_units == ("市科技局",) and task.support_units == ("市财政局",)
    assert len({c.id for c in doc.clauses}) == len(doc.clauses)


def test_task_table_flattened_to_text():
    doc = load_document(DATA / "task-table-as-text.txt")
    tasks = [c for c in doc.clauses if c.ref.split("》")[1].startswith("附件")]
    assert [c.ref.split("》")[1] for c in tasks] == ["附件 1.", "附件 2.", "附件 3."]
    assert tasks[0].lead_units == ("市科技局",) and tasks[0].support_units == ("市财政局", "市教育局")
    assert tasks[2].support_units == ()  # `/` means none
    target = tasks[0].targets[0]
    assert (target.value, target.unit, target.horizon) == (3.0, "个", "2024年底")


def test_a_task_table_whose_number_header_is_broken_still_numbers_its_rows():
    """`序号` split over two lines (a copy, OCR): the first column still counts the rows."""
    text = (DATA / "lishan-2023-task-division.txt").read_text(encoding="utf-8")
    broken = text.replace("序号 主要预期目标", "序\n号 主要预期目标")
    assert broken != text
    doc = parse_document(broken, doc_id="lishan", source="lishan.txt", content_hash="h")
    tasks = [c for c in doc.clauses if c.units]
    assert [c.labels[-1] for c in tasks[:3]] == ["1.", "2.", "3."]
    assert tasks[0].text == "努力实现地区生产总值增长6.2%左右。" and tasks[0].lead_units == ("区发改局",)
