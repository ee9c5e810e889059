"""The corpus folder as operators fill it: ids unique per file, sub-folders, skipped files named in the log."""
from __future__ import annotations

import io
import logging
import os
import pathlib
import subprocess
import sys

import pytest

from bot.cli import main
from bot.corpus.files import corpus_stat, document_ids, list_corpus_files
from bot.corpus.reader import load_corpus
from paths import ROOT

NOTICE = "关于做好科技人才工作的通知\n一、总体要求\n到2025年,新增科技人才1000人以上。\n二、保障措施\n加强组织领导。\n"
PLAN = "关于推进数字经济发展的实施方案\n一、主要目标\n到2026年,数字经济核心产业增加值达到800亿元。\n"


def write(folder: pathlib.Path, name: str, text: str) -> pathlib.Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_config(tmp_path: pathlib.Path) -> pathlib.Path:
    """Settings with the index cache and the database in `tmp_path`."""
    config = tmp_path / "settings.yaml"
    config.write_text(f"cache_dir: {tmp_path / 'cache'}\nvocabulary: {ROOT / 'config' / 'vocabulary.yaml'}\n"
                      f"user_dictionary: {ROOT / 'config' / 'userdict.txt'}\n"
                      f"database:\n  url: sqlite:///{tmp_path / 'policybot.db'}\n", encoding="utf-8")
    return config


@pytest.fixture
def unreadable(monkeypatch):
    """Make a file unreadable: by its mode when not root, else by refusing reads as the kernel would."""
    def deny(path: pathlib.Path) -> None:
        if os.geteuid() != 0:
            path.chmod(0)
            return
        real = pathlib.Path.read_bytes

        def read_bytes(self):
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self)

        monkeypatch.setattr(pathlib.Path, "read_bytes", read_bytes)
    return deny


def test_same_name_in_two_formats_gets_two_ids(tmp_path):
    write(tmp_path, "plan.txt", NOTICE)
    write(tmp_path, "plan.md", PLAN)
    write(tmp_path, "other.txt", PLAN)
    load = load_corpus(tmp_path)
    by_id = {d.id: d for d in load.documents}
    # The text file keeps the id it had alone; the other names its format.
    assert set(by_id) == {"plan", "plan.md", "other"}
    assert by_id["plan"].title == "关于做好科技人才工作的通知"
    assert by_id["plan.md"].title == "关于推进数字经济发展的实施方案"
    assert {c.doc_id for c in by_id["plan.md"].clauses} == {"plan.md"}
    assert all(c.id.startswith("plan.md#") for c in by_id["plan.md"].clauses)


def test_ids_stay_stable_when_a_namesake_arrives(tmp_path):
    write(tmp_path, "plan.txt", NOTICE)
    before = document_ids(list_corpus_files(tmp_path), tmp_path)
    write(tmp_path, "plan.pdf.txt", PLAN)  # a name that ends like a disambiguated id
    write(tmp_path, "plan.docx", "not really a docx")
    after = document_ids(list_corpus_files(tmp_path), tmp_path)
    assert after[tmp_path / "plan.txt"] == before[tmp_path / "plan.txt"] == "plan"
    assert len(set(after.values())) == len(after)


def test_sub_folders_are_read_with_the_folder_in_the_id(tmp_path):
    write(tmp_path, "notice.txt", NOTICE)
    write(tmp_path, "2023/notice.txt", PLAN)
    write(tmp_path, "2023/notice.yaml", "region: 乐山市\n")
    write(tmp_path, ".trash/old.txt", PLAN)  # hidden folders are not part of the corpus
    load = load_corpus(tmp_path)
    assert load.errors == ()
    by_id = {d.id: d for d in load.documents}
    assert set(by_id) == {"notice", "2023/notice"}
    assert by_id["2023/notice"].source == "2023/notice.txt"
    assert by_id["2023/notice"].region == "乐山市"  # the sidecar beside it applies


def test_each_skipped_file_is_one_warning_naming_file_and_reason(tmp_path, caplog):
    write(tmp_path, "good.txt", NOTICE)
    (tmp_path / "binary.txt").write_bytes(b"\x00\x01garbage")
    write(tmp_path, "sub/bad.md", "---\ntitle: [unclosed\n---\n正文。\n")
    with caplog.at_level(logging.INFO):
        load_corpus(tmp_path)
    warnings = sorted(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    assert len(warnings) == 2
    assert warnings[0] == "skipped binary.txt: cannot decode: binary file, not text"
    assert warnings[1].startswith("skipped sub/bad.md: front matter is not valid YAML")
    assert not [r for r in caplog.records if r.exc_info]


def test_check_and_ask_show_one_warning_line_per_skipped_file(tmp_path):
    corpus = tmp_path / "corpus"
    write(corpus, "good.txt", NOTICE)
    (corpus / "empty.txt").write_bytes(b"")
    config = write_config(tmp_path)
    for argv in (["check"], ["ask", "人才"], ["ask", "人才"]):  # the second ask reads the cached index
        proc = subprocess.run([sys.executable, "-m", "bot.cli", *argv, "--corpus", str(corpus), "--config", str(config)],
                              capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert proc.stderr.count("WARNING") == 1, proc.stderr
        assert "WARNING bot.corpus.reader: skipped empty.txt: empty file" in proc.stderr or \
            "WARNING bot.engine: skipped empty.txt: empty file" in proc.stderr
        assert "Traceback" not in proc.stderr and "INFO" not in proc.stderr


@pytest.mark.parametrize("command", [["check"], ["ask", "人才"], ["docs"], ["index"],
                                     ["digest", "--dry-run", "--channel", "C0DIGEST"]])
def test_an_unreadable_file_is_skipped_by_every_command(tmp_path, unreadable, caplog, command):
    corpus = tmp_path / "corpus"
    write(corpus, "good.txt", NOTICE)
    locked = write(corpus, "locked.txt", PLAN)
    unreadable(locked)
    config = write_config(tmp_path)
    out = io.StringIO()
    with caplog.at_level(logging.WARNING):
        code = main([*command, "--corpus", str(corpus), "--config", str(config)], out=out)  # no traceback
    assert [r.getMessage() for r in caplog.records] == ["skipped locked.txt: cannot read (Permission denied)"]
    assert code == (1 if command == ["check"] else 0)
    if command == ["check"]:
        assert "locked.txt: SKIPPED · cannot read (Permission denied)" in out.getvalue()
    if command == ["ask", "人才"]:
        assert "科技人才" in out.getvalue()


def test_an_unreadable_sidecar_skips_its_document_with_the_reason(tmp_path, monkeypatch):
    write(tmp_path, "plan.txt", PLAN)
    side = write(tmp_path, "plan.yaml", "region: 乐山市\n")
    if os.geteuid() != 0:
        side.chmod(0)
    else:
        real = pathlib.Path.read_text

        def read_text(self, *args, **kwargs):
            if self == side:
                raise PermissionError(13, "Permission denied", str(self))
            return real(self, *args, **kwargs)

        monkeypatch.setattr(pathlib.Path, "read_text", read_text)
    load = load_corpus(tmp_path)
    assert load.documents == ()
    assert [(e.source, e.reason) for e in load.errors] == [("plan.yaml", "cannot read the sidecar (Permission denied)")]


def test_corpus_stat_sees_sub_folders_and_sidecars_only(tmp_path):
    write(tmp_path, "notice.txt", NOTICE)
    before = corpus_stat(tmp_path)
    write(tmp_path, "notes.bak", "editor backup")  # not a document: no change
    write(tmp_path, ".notice.txt.123.tmp", "copy in progress")
    assert corpus_stat(tmp_path) == before
    write(tmp_path, "2023/plan.txt", PLAN)
    after = corpus_stat(tmp_path)
    assert [name for name, _, _ in after] == ["2023/plan.txt", "notice.txt"]
    write(tmp_path, "notice.yaml", "region: 乐山市\n")
    assert [name for name, _, _ in corpus_stat(tmp_path)] == ["2023/plan.txt", "notice.txt", "notice.yaml"]
    assert corpus_stat(tmp_path / "gone") == ()
