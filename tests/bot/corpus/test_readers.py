"""PDF, scanned PDF, Word, web page and OFD files read like the same document as text.

Each file is built from a real document (a seed, and a task-division plan with its table)
the way that format's producers lay it out; reading it must give the same clauses,
references, units and targets as the text file, and the paged formats must know the page
of every clause.
"""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import zipfile

import pypdfium2 as pdfium
import pytest

from bot.corpus import reader
from bot.corpus.readers import ocr
from bot.errors import DocumentError
from published_files import blocks_of, make_docx, make_html, make_ofd, make_pdf, make_scanned_pdf
from paths import ROOT, SEEDS

DOCUMENTS = {  # name -> (text file, title lines)
    "zigong": (SEEDS / "zigong-2021-innovation-decision.txt", 3),
    "lishan": (ROOT / "tests" / "data" / "lishan-2023-task-division.txt", 1),
}


def parse(data: bytes, name: str):
    return reader.read_document(data, name, doc_id=name.rsplit(".", 1)[0])


@pytest.fixture(scope="module")
def texts():
    """Each document as text, and as the text reader parses it."""
    out = {}
    for key, (path, title_lines) in DOCUMENTS.items():
        out[key] = (path.read_text(encoding="utf-8"), title_lines, reader.load_document(path, doc_id=key))
    return out


def clause_facts(doc):
    return [(c.id.split("#", 1)[1], c.ref, c.heading, c.text, c.lead_units, c.support_units, c.units_rule,
             tuple(t.to_json() for t in c.targets), tuple(t.due for t in c.targets)) for c in doc.clauses]


def assert_same_document(doc, expected):
    assert (doc.title, doc.issuer, doc.region, doc.date, doc.kind) == \
        (expected.title, expected.issuer, expected.region, expected.date, expected.kind)
    assert clause_facts(doc) == clause_facts(expected)


def page_texts(pdf_bytes: bytes) -> list[str]:
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        return ["".join(pdf[i].get_textpage().get_text_range().split()) for i in range(len(pdf))]
    finally:
        pdf.close()


@pytest.mark.parametrize("key", DOCUMENTS)
def test_pdf_with_text_layer(texts, key):
    text, title_lines, expected = texts[key]
    # A running head repeats on every page; a one-page file has none to tell it by, so it gets none.
    data = make_pdf(blocks_of(text, title_lines), running_head="人民政府公报" if key == "zigong" else "")
    doc = parse(data, f"{key}.pdf")
    assert_same_document(doc, expected)
    pages = page_texts(data)
    assert doc.page_count == len(pages)
    # Every clause knows its pages, in reading order, and its words are printed there.
    assert all(c.pages for c in doc.clauses)
    assert [c.pages[0] for c in doc.clauses] == sorted(c.pages[0] for c in doc.clauses)
    for clause in doc.clauses:
        start = "".join((clause.heading or clause.text)[:8].split())
        end = "".join(clause.text[-8:].split())
        assert start in pages[clause.pages[0] - 1] or start[:4] in pages[clause.pages[0] - 1], clause.ref
        assert end in pages[clause.pages[-1] - 1] or end[-4:] in pages[clause.pages[-1] - 1], clause.ref
        assert clause.page_label.startswith("第")


def test_pdf_clause_across_a_page_break_knows_both_pages(texts):
    text, title_lines, expected = texts["zigong"]
    doc = parse(make_pdf(blocks_of(text, title_lines)), "zigong.pdf")
    spanning = [c for c in doc.clauses if len(c.pages) > 1]
    assert spanning and all(c.page_label == f"第{c.pages[0]}–{c.pages[-1]}页" for c in spanning)


def test_pdf_in_two_columns_is_read_column_by_column(texts):
    text, title_lines, expected = texts["zigong"]
    data = make_pdf(blocks_of(text, title_lines), running_head="自贡市人民政府公报", columns=2)
    doc = parse(data, "zigong-gazette.pdf")
    assert_same_document(doc, expected)
    assert doc.page_count == len(page_texts(data)) and all(c.pages for c in doc.clauses)


def test_docx_with_automatic_numbering(texts):
    for key, (text, title_lines, expected) in texts.items():
        data, labels = make_docx(blocks_of(text, title_lines), title="未命名模板",
                                 created=dt.datetime(2023, 3, 28, 9, 0))
        assert labels  # the numbers are Word's, not typed: the file's text has none of them
        doc = parse(data, f"{key}.docx")
        assert_same_document(doc, expected)


def test_docx_core_properties_fill_only_what_the_text_leaves_open():
    text = "一、总体要求\n到2025年,全市高新技术企业达到500家。\n二、保障措施\n加强组织领导。\n"
    data, _ = make_docx(blocks_of(text, 0), title="关于加快培育高新技术企业的实施意见",
                        created=dt.datetime(2023, 5, 6, 10, 0))
    doc = parse(data, "untitled.docx")
    assert doc.title == "关于加快培育高新技术企业的实施意见"
    assert doc.date == dt.date(2023, 5, 6)
    assert [c.ref.split("》")[1] for c in doc.clauses] == ["一、", "二、"]


def test_web_page_main_content_and_meta(texts):
    for key, (text, title_lines, expected) in texts.items():
        data = make_html(blocks_of(text, title_lines), article_title=expected.title, pub_date="2023-04-02 09:30",
                         source="市政府办公室", url=f"https://www.example.gov.cn/zwgk/{key}.html")
        doc = parse(data, f"{key}.html")
        assert_same_document(doc, expected)
        assert doc.source_url == f"https://www.example.gov.cn/zwgk/{key}.html"
        words = " ".join(c.text for c in doc.clauses)
        assert "分享到" not in words and "网站标识码" not in words and "相关文章" not in words


def test_web_page_meta_date_is_only_a_hint():
    body = [line for line in ["关于做好科技人才工作的通知", "一、总体要求", "到2025年,新增科技人才1000人以上。"]]
    page = make_html(blocks_of("\n".join(body), 1), article_title="关于做好科技人才工作的通知",
                     pub_date="2024-06-18 10:00", source="市科技局", url="https://www.example.gov.cn/a.html")
    doc = parse(page, "notice.htm")
    assert doc.date == dt.date(2024, 6, 18) and doc.title == "关于做好科技人才工作的通知"
    dated = page.replace("新增科技人才1000人以上。".encode(), "新增科技人才1000人以上。</p><p>2024年5月20日".encode())
    assert parse(dated, "notice.htm").date == dt.date(2024, 5, 20)  # the document's own date wins


def test_ofd_package(texts):
    for key, (text, title_lines, expected) in texts.items():
        data = make_ofd(blocks_of(text, title_lines), title=expected.title)
        doc = parse(data, f"{key}.ofd")
        assert_same_document(doc, expected)
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            pages = sum(1 for n in package.namelist() if n.endswith("/Content.xml"))
        assert doc.page_count == pages and all(c.pages for c in doc.clauses)
        assert [c.pages[0] for c in doc.clauses] == sorted(c.pages[0] for c in doc.clauses)


def test_scanned_pdf_without_ocr_is_named_and_skipped(texts, monkeypatch, tmp_path):
    text, title_lines, _ = texts["lishan"]
    scanned = make_scanned_pdf(make_pdf(blocks_of(text, title_lines)), dpi=100)
    monkeypatch.setattr(ocr, "unavailable", lambda: "Tesseract is not installed")
    (tmp_path / "scan.pdf").write_bytes(scanned)
    (tmp_path / "ok.txt").write_text("关于某事的通知\n一、要求\n做好人才工作。\n", encoding="utf-8")
    load = reader.load_corpus(tmp_path)
    assert [d.source for d in load.documents] == ["ok.txt"]
    assert [(e.source, e.reason) for e in load.errors] == [
        ("scan.pdf", "scanned, no text layer (Tesseract is not installed)")]


def _cjk_font() -> bool:
    """Whether a Chinese font is installed: without one the 'scan' would be an image of blank boxes."""
    fc_list = shutil.which("fc-list")
    return bool(fc_list and subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True).stdout.strip())


@pytest.mark.skipif(ocr.unavailable() is not None or not _cjk_font(),
                    reason=f"OCR not available ({ocr.unavailable()}) or no Chinese font to print the scan with")
def test_scanned_pdf_is_read_by_ocr(texts):
    text, title_lines, expected = texts["lishan"]
    doc = parse(make_scanned_pdf(make_pdf(blocks_of(text, title_lines))), "lishan-scan.pdf")
    assert any("read by OCR" in note for note in doc.notes)
    assert doc.title == expected.title
    got, want = clause_facts(doc), clause_facts(expected)
    assert [f[1] for f in got] == [f[1] for f in want]  # the same references
    assert [(f[4], f[7]) for f in got] == [(f[4], f[7]) for f in want]  # lead units and targets
    assert all(c.pages for c in doc.clauses)


@pytest.mark.parametrize("name, data, reason", [
    ("broken.pdf", b"%PDF-1.7\n garbage", "not a readable PDF"),
    ("broken.docx", b"PK\x03\x04 not a zip", "not a readable Word .docx file"),
    ("broken.ofd", b"not a zip at all", "not a readable OFD file"),
    ("empty.html", b"<html><body><div class='nav'><a href='/'>\xe9\xa6\x96\xe9\xa1\xb5</a></div></body></html>",
     "no main text found in the page"),
])
def test_damaged_files_are_reported_by_name_and_reason(name, data, reason):
    with pytest.raises(DocumentError) as caught:
        parse(data, name)
    assert caught.value.source == name and caught.value.reason.startswith(reason)
