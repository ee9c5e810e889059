"""The command line under odd input: it answers, or says shortly what is wrong; it never tracebacks."""
from __future__ import annotations

import io
import json
import re
import sys

import pytest

from bot.cli import main
from paths import ROOT


def ask_json(monkeypatch, raw: bytes, *args: str) -> list[dict]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    out = io.StringIO()
    assert main(["ask", "--json", *args, "-"], out=out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_json_batch_keeps_one_line_out_per_line_in_whatever_a_line_holds(monkeypatch):
    lines = ask_json(monkeypatch, b"target \xe7\xa0\x94\xe5\x8f\x91\n\n\xff\xfe broken\nyear:abcd\n   \nsearch \xe4\xba\xba\xe6\x89\x8d\n",
                     "--limit", "1")
    assert len(lines) == 6
    assert lines[0]["intent"] == "target" and lines[0]["matched"]
    assert lines[1] == {"query": "", "error": "空查询"}
    assert lines[2]["error"] == "不是有效的 UTF-8 文本" and lines[2]["query"].endswith(" broken")
    assert "year:abcd" in lines[3]["error"] and "year:2021" in lines[3]["error"]
    assert lines[4]["error"] == "空查询"
    assert lines[5]["intent"] == "search"


def test_an_internal_error_on_one_line_does_not_lose_the_batch(monkeypatch, caplog):
    from bot.engine import PolicyEngine

    real = PolicyEngine.ask

    def flaky(self, text, **kwargs):
        if "boom" in text:
            raise RuntimeError("index exploded")
        return real(self, text, **kwargs)

    monkeypatch.setattr(PolicyEngine, "ask", flaky)
    lines = ask_json(monkeypatch, "search boom\ntarget 研发\n".encode(), "--limit", "1")
    assert lines[0] == {"query": "search boom", "error": "internal error (RuntimeError)"}
    assert lines[1]["matched"]
    assert "Traceback" not in caplog.text


def test_a_query_argument_that_is_not_utf8_is_a_usage_error(capsys):
    assert main(["ask", "search \udcff\udcfe"]) == 2
    err = capsys.readouterr().err
    assert "not valid UTF-8" in err and "Traceback" not in err


@pytest.mark.parametrize("args, message", [
    (["ask", "--limit", "0", "x"], "argument --limit: must be at least 1, not 0"),
    (["ask", "--limit", "-1", "x"], "argument --limit: must be at least 1, not -1"),
    (["ask", "--limit", "many", "x"], "argument --limit: 'many' is not a whole number"),
    (["ask", "--offset", "-5", "x"], "argument --offset: must be at least 0, not -5"),
    (["ask", "--limit", "21", "x"], "--limit must be between 1 and 20 (search.max_limit)"),
    (["feedback", "--since", "yesterday"], "argument --since: 'yesterday' is not a date"),
    (["serve", "--port", "70000"], "argument --port: must be between 0 and 65535"),
    (["add", "--max-mb", "-3", "x.txt"], "argument --max-mb: must be more than 0"),
])
def test_numbers_and_dates_are_checked_with_a_usage_message_and_exit_2(args, message, capsys):
    with pytest.raises(SystemExit) as exited:
        code = main(args)
        raise SystemExit(code)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and message in err and "Traceback" not in err


def test_an_offset_past_the_end_says_how_many_there_are():
    out = io.StringIO()
    assert main(["ask", "--offset", "200", "target 研发"], out=out) == 0
    assert re.fullmatch(r"第 201 条起没有结果:「研发」共有 \d+ 条。", out.getvalue().strip())
    assert "第 201–200 条" not in out.getvalue()


def test_a_year_filter_that_is_not_a_year_is_refused(capsys):
    out = io.StringIO()
    assert main(["ask", "target 研发 year:abcd"], out=out) == 2
    assert "「year:abcd」不是年份" in out.getvalue()


# ---------------------------------------------------------------- configuration files

def write(path, text: str | bytes):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def test_a_config_file_that_is_not_utf8_is_a_config_error_exit_2(tmp_path, capsys):
    config = write(tmp_path / "config" / "settings.yaml", "search:\n  default_limit: 3  # 研发\n".encode("gb18030"))
    assert main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "settings.yaml: line 2 is not UTF-8 text" in err and "Traceback" not in err


def test_unknown_keys_are_named_with_the_key_they_may_mean(tmp_path, capsys):
    config = write(tmp_path / "mine.yaml", "searh:\n  default_limit: 3\nserver:\n  prot: 8080\n")
    assert main(["check", "--config", str(config)]) == 2
    err = capsys.readouterr().err
    assert "mine.yaml: unknown key 'searh' (did you mean 'search'?)" in err
    assert "mine.yaml: unknown key 'server.prot' (did you mean 'port'?)" in err


def test_a_partial_override_anywhere_is_laid_over_the_defaults(tmp_path):
    """A file outside config/ says only what differs; the rest, paths included, comes from config/."""
    config = write(tmp_path / "elsewhere" / "mine.yaml", "search:\n  default_limit: 2\ncache_dir: cache\n")
    from bot.settings import load_settings

    settings = load_settings(config, env={})
    assert settings.default_limit == 2
    assert settings.cache_dir == tmp_path / "elsewhere" / "cache"  # relative to the file that says it
    assert settings.corpus_dir == ROOT / "seeds" and settings.vocabulary.intents  # from config/settings.yaml
    out = io.StringIO()
    assert main(["ask", "--config", str(config), "target 研发"], out=out) == 0
    assert "第 1–2 条" in out.getvalue()


def test_a_key_missing_from_every_file_is_named(tmp_path, monkeypatch, capsys):
    from bot import settings as settings_module

    defaults = write(tmp_path / "config" / "settings.yaml",
                     (ROOT / "config" / "settings.yaml").read_text(encoding="utf-8").replace("  max_limit: 20\n", ""))
    monkeypatch.setattr(settings_module, "DEFAULT_SETTINGS", defaults)
    for name in ("vocabulary.yaml", "userdict.txt"):
        write(tmp_path / "config" / name, (ROOT / "config" / name).read_bytes())
    assert main(["check", "--config", str(defaults)]) == 2
    assert "key 'search.max_limit' is missing" in capsys.readouterr().err
