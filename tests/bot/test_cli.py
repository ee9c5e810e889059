"""The command line: readable answers, the JSON contract, docs, check, config errors."""
from __future__ import annotations

import io
import json
import re
import subprocess
import sys

from bot.cli import main
from paths import ROOT

KEYS = {"id", "doc_id", "doc_title", "issuer", "region", "date", "path", "heading", "ref", "text", "excerpt",
        "score", "lead_units", "support_units", "units_rule", "targets", "date_source", "responsible_units", "duties",
        "url"}
TARGET_KEYS = {"sentence", "metric", "value", "unit", "comparator", "horizon", "value_max", "kind", "horizon_year",
               "horizon_implied", "detail"}


def run_cli(*args, stdin=""):
    proc = subprocess.run([sys.executable, "-m", "bot.cli", *args], input=stdin, capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def test_ask_json_lines_contract(tmp_path):
    code, out, _ = run_cli("ask", "--json", "--limit", "2", "-",
                           stdin="target 新增市级平台\nunit 市金融工作局\n\n量子引力波探测\n")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines[2] == {"query": "", "error": "空查询"}  # one line out for every line in: the batch stays aligned
    del lines[2]
    assert [line["intent"] for line in lines] == ["target", "unit", "search"]
    for line in lines:
        # broadened, excluded and elsewhere were added by issue 7 item 5 and issue 10 item 4
        assert set(line) == {"query", "intent", "topic", "matched", "broadened", "excluded", "elsewhere", "results"}
        for result in line["results"]:
            assert set(result) == KEYS
            assert all(set(t) == TARGET_KEYS for t in result["targets"])
    assert lines[0]["results"][0]["ref"] == "《关于进一步增强协同创新发展能力行动计划》二、(二) 5."
    assert lines[0]["results"][0]["targets"][0] == {"sentence": "新增市级平台5家以上。", "metric": "新增市级平台",
                                                    "value": 5.0, "unit": "家", "comparator": "以上",
                                                    "horizon": None, "value_max": None, "kind": "goal",
                                                    "horizon_year": 2022, "horizon_implied": True, "detail": None}
    assert lines[2]["matched"] is False and lines[2]["results"] == []


def test_ask_readable(capsys):
    out = io.StringIO()
    assert main(["ask", "lead-unit 科技成果转化示范区"], out=out) == 0
    text = out.getvalue()
    assert "二、(五) 10." in text and "牵头单位:市科技局" in text and "【" in text
    assert "牵头单位:科技成果转化示范区 —— 第 1–3 条,共 3 条" in text


def test_a_query_without_a_topic_is_headed_by_what_narrows_it():
    out = io.StringIO()
    assert main(["ask", "target 成都 2025"], out=out) == 0
    header = out.getvalue().splitlines()[0]
    assert header.startswith("目标:成都市 2025 —— 第 1–") and "《" not in header


def test_ask_speaks_chinese_by_default_and_english_when_asked():
    out = io.StringIO()
    assert main(["ask", "--lang", "en", "target 新增市级平台"], out=out) == 0
    english = out.getvalue()
    assert english.startswith("Targets: 新增市级平台 — results 1–")
    assert "广元市 · 2022 (from the file name) · score" in english
    assert "Target: 新增市级平台 5家 (以上) [2022 (the plan's year)]\n" in english
    out = io.StringIO()
    assert main(["ask", "search 人才飞地"], out=out) == 0
    assert "自贡市 · 2021年7月15日 · 相关度" in out.getvalue()
    out = io.StringIO()
    assert main(["docs", "--lang", "en"], out=out) == 0
    assert "自贡市 · 15 Jul 2021 · 决定" in out.getvalue() and "1 clause" not in out.getvalue()
    assert re.search(r"\n  \d+ clauses · \d+ targets · \d+ tasks · \d+ units\n", out.getvalue())


def test_cli_help_lists_what_the_parser_reads_with_examples_from_the_corpus(capsys):
    from bot.query import FILTER_WORDS

    out = io.StringIO()
    assert main(["ask", "help"], out=out) == 0
    text = out.getvalue()
    for words in FILTER_WORDS.values():
        assert f"{words[0]}:" in text and all(f"{w}:" in text for w in words)
    assert "in:自贡" in text  # the city most documents are from, by the name people type
    assert "(也可写:targets goal goals 目标 指标)" in text
    out = io.StringIO()
    assert main(["ask", "--lang", "en", "帮助"], out=out) == 0
    assert "quantitative targets about a topic" in out.getvalue() and " (also: city: 城市:)" in out.getvalue()


def test_an_unknown_language_is_refused_clearly(capsys):
    import pytest

    with pytest.raises(SystemExit) as exit_:
        main(["ask", "--lang", "fr", "help"])
    assert exit_.value.code == 2
    assert "not a language policybot speaks: 'fr' (zh or en)" in capsys.readouterr().err


def test_docs_and_check():
    out = io.StringIO()
    assert main(["docs"], out=out) == 0
    assert out.getvalue().count("条款") == 5
    out = io.StringIO()
    assert main(["check"], out=out) == 0
    report = out.getvalue()
    assert "SKIPPED" not in report and "problem:" not in report
    assert "IOO家 → 业100家" in report.replace("业IOO", "IOO")  # the OCR repairs are reported
    assert "commentary before the text kept apart" in report


def test_corpus_override_and_bad_document(tmp_path):
    (tmp_path / "ok.txt").write_text("关于某事的通知\n一、要求\n做好人才工作。\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01")
    out = io.StringIO()
    assert main(["check", "--corpus", str(tmp_path)], out=out) == 1
    assert "bad.txt: SKIPPED" in out.getvalue() and "ok.txt: ok" in out.getvalue()
    out = io.StringIO()
    assert main(["ask", "--corpus", str(tmp_path), "人才"], out=out) == 0
    assert "做好" in out.getvalue()


def test_bad_config_names_file_and_key(tmp_path, capsys):
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.yaml").write_text(
        "search:\n  default_limit: many\ndigests:\n  schedules:\n    - channel: C1\n      cron: '99 * * * *'\n",
        encoding="utf-8")
    code = main(["check", "--config", str(config / "settings.yaml")])
    err = capsys.readouterr().err
    assert code == 2
    assert "settings.yaml: key 'search.default_limit'" in err
    assert "key 'digests.schedules[0].cron'" in err
    assert "Traceback" not in err
    (config / "settings.yaml").write_text("search: [unclosed\n", encoding="utf-8")
    assert main(["check", "--config", str(config / "settings.yaml")]) == 2
    assert "not valid YAML" in capsys.readouterr().err


def test_the_workspace_language_is_validated(tmp_path, capsys):
    config = tmp_path / "config"
    config.mkdir()
    files = f"vocabulary: {ROOT}/config/vocabulary.yaml\nuser_dictionary: {ROOT}/config/userdict.txt\n"
    (config / "settings.yaml").write_text(files + "slack:\n  language: fr-FR\n", encoding="utf-8")
    assert main(["check", "--config", str(config / "settings.yaml")]) == 2
    assert "key 'slack.language' must be a locale the bot speaks (zh, en, e.g. zh-CN or en-US), not 'fr-FR'" \
        in capsys.readouterr().err
    (config / "settings.yaml").write_text(files + "slack:\n  language: en-GB\n", encoding="utf-8")
    from bot.settings import load_settings

    assert load_settings(config / "settings.yaml", env={}).language == "en-GB"
    assert load_settings(ROOT / "config" / "settings.yaml", env={}).language == "zh-CN"
