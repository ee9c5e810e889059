"""Property tests of the parser on real documents, mutated: it never raises and never loses text.

Each test takes a real document (the seeds and tests/data) and damages it the way files are
damaged in the wild: cut off, two pasted together, invisible characters and private-use
glyphs inserted, saved in another encoding, lines broken and spaced anew, a heading repeated.
Whatever happens, reading either refuses the file with a `DocumentError` (a reason for
`policybot check`) or returns clauses whose text the document holds, in the document's order.
"""
from __future__ import annotations

import dataclasses
import re
import shutil

import pytest
from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from properties import RealDocument, assert_text_from, comparable, real_documents

from bot.corpus.reader import read_document
from bot.engine import PolicyEngine
from bot.errors import DocumentError
from bot.model import ParsedDocument

DOCUMENTS = real_documents()
documents = st.sampled_from(DOCUMENTS)
# Invisible: C0 and C1 controls (line breaks aside), zero-width and bidi marks, the soft hyphen, a BOM.
INVISIBLE = [chr(c) for c in [*range(1, 9), *range(14, 32), 127, *range(0x80, 0x85), *range(0x86, 0xA0)]] + \
    ["\u00ad", "\u200b", "\u200c", "\u200d", "\u200e", "\u202a", "\u202e", "\u2060", "\u2066", "\ufeff"]
PRIVATE_USE = st.one_of(st.characters(min_codepoint=0xE000, max_codepoint=0xF8FF),
                        st.characters(min_codepoint=0xF0000, max_codepoint=0xFFFFD))
# Whatever an editor, a copy through Windows or a PDF extraction puts between words and lines.
WHITESPACE = [" ", "  ", "\t", "\u3000", "\xa0", "\n", "\n\n", "\r\n", "\r", "\x0c", "\u2028", "\x85"]


def parse(data: bytes, name: str) -> ParsedDocument | None:
    """Read a file's bytes as the corpus does; None when it is refused (with a reason)."""
    try:
        return read_document(data, name, doc_id=name.rsplit(".", 1)[0])
    except DocumentError as error:
        assert error.reason and error.source == name
        return None


def original(document: RealDocument) -> ParsedDocument:
    doc = parse(document.text.encode("utf-8"), document.name)
    assert doc is not None
    return doc


def clauses_of(doc: ParsedDocument) -> list[tuple]:
    """What a reader gets from a document: references, headings, texts, units and targets."""
    return [(c.ref, c.heading, c.text, c.lead_units, c.support_units, c.targets) for c in doc.clauses]


@st.composite
def insertions(draw, text: str, pieces: st.SearchStrategy[str], most: int) -> str:
    """`text` with up to `most` pieces inserted at places hypothesis chooses."""
    chars = list(text)
    for _ in range(draw(st.integers(1, most))):
        chars.insert(draw(st.integers(0, len(chars))), draw(pieces))
    return "".join(chars)


@given(documents, st.data())
def test_a_file_cut_off_anywhere_is_refused_or_keeps_what_it_holds(document, data):
    raw = document.text.encode("utf-8")
    cut = raw[:data.draw(st.integers(1, len(raw) - 1), label="cut")]
    doc = parse(cut, document.name)
    if doc is not None:
        assert_text_from(doc, cut.decode("utf-8"))


@given(documents, documents, st.data())
def test_two_documents_spliced_read_as_one_of_their_text(first, second, data):
    at = data.draw(st.integers(0, len(first.text)), label="end of the first")
    start = data.draw(st.integers(0, len(second.text) - 1), label="start of the second")
    spliced = first.text[:at] + data.draw(st.sampled_from(["", "\n"])) + second.text[start:]
    doc = parse(spliced.encode("utf-8"), first.name)
    if doc is not None:
        assert_text_from(doc, spliced)


@given(documents, st.data())
def test_invisible_characters_change_nothing(document, data):
    """Zero-width marks, bidi overrides and stray controls are dropped: the same clauses, the same words."""
    damaged = data.draw(insertions(document.text, st.sampled_from(INVISIBLE), 30), label="damaged")
    doc = parse(damaged.encode("utf-8"), document.name)
    assert doc is not None
    assert clauses_of(doc) == clauses_of(original(document))
    assert (doc.title, doc.issuer, doc.date, doc.region) == (original(document).title, original(document).issuer,
                                                             original(document).date, original(document).region)


@given(documents, st.data())
def test_private_use_glyphs_are_kept_as_text_of_the_document(document, data):
    damaged = data.draw(insertions(document.text, PRIVATE_USE, 10), label="damaged")
    doc = parse(damaged.encode("utf-8"), document.name)
    if doc is not None:
        assert_text_from(doc, damaged)


@given(documents, st.sampled_from(["gb18030", "utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"]))
def test_another_encoding_reads_the_same_document(document, encoding):
    data = document.text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):
        data = "\ufeff".encode(encoding) + data  # Windows' Notepad writes the byte order mark
    doc = parse(data, document.name)
    assert doc is not None
    assert clauses_of(doc) == clauses_of(original(document))


def _big5_documents() -> list[RealDocument]:
    found = []
    for document in DOCUMENTS:
        try:
            document.text.encode("big5")
        except UnicodeEncodeError:
            continue
        found.append(document)
    return found


BIG5 = _big5_documents()


def test_the_traditional_documents_include_some_big5_can_hold():
    assert len(BIG5) >= 2, [d.name for d in BIG5]


@given(st.sampled_from(BIG5) if BIG5 else st.nothing())
def test_big5_reads_the_same_document(document):
    doc = parse(document.text.encode("big5"), document.name)
    assert doc is not None
    assert clauses_of(doc) == clauses_of(original(document))


@given(documents, st.data())
def test_spaces_and_line_breaks_anywhere_lose_no_text(document, data):
    front, body = document.split_front_matter()  # YAML is a language where spaces mean something
    damaged = front + data.draw(insertions(body, st.sampled_from(WHITESPACE), 40), label="damaged")
    doc = parse(damaged.encode("utf-8"), document.name)
    assert doc is not None  # whitespace never makes a document unreadable
    assert_text_from(doc, damaged)


@given(documents, st.data())
def test_windows_line_ends_blank_lines_and_indents_change_nothing(document, data):
    """What an editor does to the layout of lines, and nothing inside them, leaves the same clauses."""
    front, body = document.split_front_matter()
    lines = body.split("\n")
    indent = data.draw(st.lists(st.sampled_from(["", " ", "\u3000\u3000", "\t"]), min_size=len(lines),
                                max_size=len(lines)), label="indents")
    blank = data.draw(st.lists(st.booleans(), min_size=len(lines), max_size=len(lines)), label="blank lines")
    end = data.draw(st.sampled_from(["\n", "\r\n", "\r"]), label="line end")
    relaid = end.join(front.split("\n")) + end.join(f"{pad}{line}{end if gap else ''}"
                                                     for pad, line, gap in zip(indent, lines, blank))
    doc = parse(relaid.encode("utf-8"), document.name)
    assert doc is not None
    assert clauses_of(doc) == clauses_of(original(document))


@given(documents, st.data())
def test_a_repeated_line_or_heading_keeps_ids_unique_and_text_in_order(document, data):
    lines = document.text.split("\n")
    for _ in range(data.draw(st.integers(1, 3), label="repeats")):
        i = data.draw(st.integers(0, len(lines) - 1), label="line")
        lines.insert(data.draw(st.integers(i, len(lines)), label="where"), lines[i])
    damaged = "\n".join(lines)
    doc = parse(damaged.encode("utf-8"), document.name)
    if doc is not None:
        assert_text_from(doc, damaged)


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda d: d.name)
def test_every_real_document_reads_its_own_text_in_order(document):
    doc = original(document)
    assert_text_from(doc, document.text)
    for clause in doc.clauses:
        for duty in clause.duties:  # a duty is quoted from its clause, never reworded
            assert comparable(duty.sentence) in comparable(clause.text), (clause.ref, duty.sentence)


# ---------------------------------------------------------------- the engine over damaged files

@pytest.fixture(scope="module")
def damaged_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("damaged")


@hypothesis_settings(max_examples=max(5, hypothesis_settings.default.max_examples // 10))  # each builds an index
@given(st.lists(st.tuples(documents, st.integers(0, 10 ** 6), st.sampled_from(["cut", "invisible", "spaces"])),
                min_size=1, max_size=3), st.data())
def test_the_engine_indexes_damaged_files_and_finds_their_words(settings, damaged_folder, files, data):
    """A corpus of damaged files loads (what cannot be read is a load error), and each clause is found."""
    shutil.rmtree(damaged_folder)
    folder, cache = damaged_folder / "corpus", damaged_folder / "cache"  # a new cache: no last good versions
    folder.mkdir(parents=True)
    for n, (document, at, damage) in enumerate(files):
        raw = document.text.encode("utf-8")
        if damage == "cut":
            raw = raw[:1 + at % (len(raw) - 1)]
        elif damage == "invisible":
            raw = data.draw(insertions(document.text, st.sampled_from(INVISIBLE), 10)).encode("utf-8")
        else:
            raw = data.draw(insertions(document.text, st.sampled_from(WHITESPACE), 10)).encode("utf-8")
        (folder / f"{n}-{document.name}").write_bytes(raw)
    engine = PolicyEngine.from_settings(dataclasses.replace(settings, corpus_dir=folder, cache_dir=cache))
    assert len(engine.documents) + len(engine.load_errors) == len(files)
    for doc in engine.documents:
        clauses = engine.clauses_of(doc.id)
        assert len(clauses) == doc.clause_count
        clause = clauses[data.draw(st.integers(0, len(clauses) - 1), label="clause")]
        words = clause.text[:12]
        assume(len(comparable(words)) >= 4)
        answer = engine.ask(f"search {words}", limit=20)
        assert answer.query.error is not None or any(h.clause.doc_id == doc.id for h in answer.hits) \
            or answer.total > 0, (doc.id, words)


# ---------------------------------------------------------------- what the properties found, pinned down

TASK_TABLE = next(d for d in DOCUMENTS if d.name == "task-table-as-text.txt")
RULES = next(d for d in DOCUMENTS if d.name == "alashankou-2016-government-work-rules.txt")


def test_invisible_characters_inside_words_are_dropped_and_noted():
    text = TASK_TABLE.text.replace("加快科技创新。", "加快\u200b科技\u202e创新\x07。", 1)
    doc = parse(text.encode("utf-8"), TASK_TABLE.name)
    assert doc.clauses[0].text == "加快科技创新。"
    assert "3 invisible control character(s) removed" in doc.notes


@pytest.mark.parametrize("damage", [
    lambda text: text.replace("\n", "\r\n"),       # saved on Windows
    lambda text: text.replace("\n", "\r"),         # saved on an old Mac
    lambda text: "\u200b" + text,                  # a zero-width space before the front matter
    lambda text: text.replace("来源", "\x01来源"),   # a control inside it
], ids=["crlf", "cr", "zero-width", "control"])
def test_front_matter_is_read_whatever_the_line_ends_and_invisible_marks(damage):
    doc = parse(damage(RULES.text).encode("utf-8"), RULES.name)
    assert doc.title == original(RULES).title and doc.source_url == "https://www.alsk.gov.cn/info/1045/2905.htm"


def test_a_utf8_file_cut_inside_a_character_is_refused_as_cut_off():
    raw = TASK_TABLE.text.encode("utf-8")
    with pytest.raises(DocumentError, match="cut off in the middle of a character"):
        read_document(raw[:len("关于加快".encode()) + 1], TASK_TABLE.name, doc_id="t")


def test_a_task_table_keeps_its_cells_in_their_order_and_its_header_words():
    """The deadline column before the units, a header spelt 完成时间 with a stray glyph: read, in order."""
    text = TASK_TABLE.text.replace("牵头单位\t配合单位\t完成时限", "完成时间\t牵头单位\t\ue000配合单位")
    text = text.replace("市科技局\t市财政局、市教育局\t2024年底", "2024年底\t市科技局\t市财政局、市教育局")
    text = text.replace("市科技局\t各区县政府\t2025年", "2025年\t市科技局\t各区县政府")
    text = text.replace("市委组织部\t/\t长期坚持", "长期坚持\t市委组织部\t/")
    doc = parse(text.encode("utf-8"), TASK_TABLE.name)
    first = doc.clauses[1]
    assert first.text == "建设省级重点实验室3个。完成时间:2024年底。"
    assert (first.lead_units, first.support_units) == (("市科技局",), ("市财政局", "市教育局"))
    assert first.targets[0].horizon == "2024年底"
    assert_text_from(doc, text)


def test_page_numbers_alone_on_their_lines_are_dropped_and_the_cut_sentences_joined():
    """The action plan as copied from a document site: `N、` page numbers, here each on a line of its own."""
    plan = next(d for d in DOCUMENTS if d.name.startswith("guangyuan"))
    alone = re.sub(r"(?m)^(\d{1,3}、)", r"\1\n", plan.text)
    assert alone != plan.text
    doc = parse(alone.encode("utf-8"), plan.name)
    assert clauses_of(doc) == clauses_of(original(plan))
