"""A corpus that says what it kept: `check`, the log, `/policy reload` and App Home's admin view.

When a file stops reading, its last good version stays in the index (tests/bot/search/test_index.py);
here, every place an operator looks names the file, the reason, and whether that version is served.
"""
from __future__ import annotations

import dataclasses
import io
import json
import logging

import pytest
from slack_harness import running_bot

from bot.cli import main
from bot.engine import PolicyEngine

PLAN = "guangyuan-2022-collaborative-innovation-action-plan"
ADMIN = "U0ADMIN"


@pytest.fixture
def here(settings, corpus_copy, tmp_path):
    return dataclasses.replace(settings, corpus_dir=corpus_copy, cache_dir=tmp_path / "cache")


@pytest.fixture
def config(here, tmp_path):
    path = tmp_path / "settings.yaml"
    path.write_text(f"corpus_dir: {here.corpus_dir}\ncache_dir: {here.cache_dir}\n", encoding="utf-8")
    return str(path)


def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(args), out=out), out.getvalue()


def test_check_says_which_skipped_files_still_serve_their_last_good_version(here, config, caplog):
    assert run("index", "--config", config)[0] == 0
    (here.corpus_dir / f"{PLAN}.txt").write_bytes(b"")
    (here.corpus_dir / "zigong-2021-plenary-communique.yaml").write_text("标题: [unclosed\n", encoding="utf-8")
    (here.corpus_dir / "draft.txt").write_bytes("关于加强".encode()[:-1])  # cut inside a character
    code, out = run("check", "--config", config)
    assert code == 1
    assert f"{PLAN}.txt: SKIPPED · empty file · its last good version is still served (24 clauses, indexed as {PLAN})" \
        in out
    assert ("zigong-2021-plenary-communique.yaml: SKIPPED · sidecar is not valid YAML" in out
            and "indexed as zigong-2021-plenary-communique)" in out)
    assert "draft.txt: SKIPPED · cannot decode: UTF-8 text cut off in the middle of a character" in out
    assert out.split("draft.txt: SKIPPED")[1].split("\n")[0].endswith("· not in the index")
    assert "Traceback" not in out

    # The index serving the corpus now keeps both; a process opening it as saved says so in its log.
    assert run("reload", "--config", config)[0] == 0
    with caplog.at_level(logging.WARNING, logger="bot.engine"):
        engine = PolicyEngine.from_settings(here)
        engine.load(refresh=False)
    assert set(engine.kept) == {f"{PLAN}.txt", "zigong-2021-plenary-communique.yaml"}
    assert f"skipped {PLAN}.txt: empty file; serving its last good version" in caplog.text
    code, out = run("docs", "--config", config)
    assert f"skipped {PLAN}.txt: empty file (its last good version is still served)" in out
    assert "skipped draft.txt: cannot decode" in out and "draft.txt: cannot decode: UTF-8 text cut off in the " \
        "middle of a character (a truncated or half-written file)\n" in out


def test_check_without_an_index_says_nothing_is_served(here, config):
    (here.corpus_dir / f"{PLAN}.txt").write_bytes(b"\x00binary")
    code, out = run("check", "--config", config)
    assert code == 1 and f"{PLAN}.txt: SKIPPED · cannot decode: binary file, not text · not in the index" in out


def command_reply(running, text: str, user: str) -> str:
    sent, name = running.slack.command(text, user=user)
    assert sent.status == 200
    body = sent.json() if sent.body else {}
    if not body.get("blocks"):
        body = running.fake.wait_for_call(name, timeout=15)[0].params
    return json.dumps(body, ensure_ascii=False)


def home_of(running, user: str) -> str:
    running.fake.reset()
    running.slack.app_home_opened(user=user)
    view = running.fake.wait_for_call("views.publish")[0].params["view"]
    return view if isinstance(view, str) else json.dumps(view, ensure_ascii=False)


def test_reload_and_the_admins_home_name_each_file_kept_and_an_emptied_folder(here, tmp_path):
    with running_bot(here, tmp_path, admins=frozenset({ADMIN})) as running:
        assert "5 份文件全部读取成功" in home_of(running, ADMIN)
        (here.corpus_dir / f"{PLAN}.txt").write_bytes(b"\xff\xfe\x00\x00")
        (here.corpus_dir / "draft.txt").write_bytes(b"")
        reply = command_reply(running, "reload", ADMIN)
        assert "共 5 份文件" in reply
        assert f"`{PLAN}.txt` 无法读取:no text left after removing page clutter。仍在使用它上一个可用的版本。" in reply
        assert "`draft.txt` 无法读取:empty file。索引中没有它。" in reply

        admin_home = home_of(running, ADMIN)
        assert "文件夹状况" in admin_home and f"`{PLAN}.txt` 无法读取" in admin_home
        assert "仍在使用它上一个可用的版本" in admin_home
        reader_home = home_of(running, "U0READER")
        assert "文件夹状况" not in reader_home and f"{PLAN}.txt" not in reader_home
        assert "文件夹中有 2 个文件无法读取,已跳过。" in reader_home

        for path in here.corpus_dir.iterdir():
            path.unlink()
        reply = command_reply(running, "reload", ADMIN)
        assert "*没有重新加载*:corpus folder" in reply and "has no documents: kept the 5 documents" in reply
        assert "--force" in reply
        assert "has no documents" in home_of(running, ADMIN)
        assert "人才飞地" in command_reply(running, "search 人才飞地", "U0READER")  # still answered
        assert running.fake.problems() == []


def test_the_english_reload_reply_says_the_same(here, tmp_path):
    with running_bot(here, tmp_path, admins=frozenset({ADMIN})) as running:
        running.fake.set_locale(ADMIN, "en-US")
        (here.corpus_dir / f"{PLAN}.txt").write_bytes(b"")
        reply = command_reply(running, "reload", ADMIN)
        assert f"`{PLAN}.txt` could not be read: empty file. Its last good version is still served." in reply
        assert running.fake.problems() == []


def test_a_corpus_breaking_by_the_thousand_lists_ten_and_points_to_check(here):
    from bot import strings
    from bot.errors import DocumentError
    from bot.strings import Catalog
    from handlers.corpus_blocks import render_corpus_state

    errors = tuple(DocumentError(f"f{i}.txt", "empty file") for i in range(1500))
    blocks = render_corpus_state(0, errors, ("f0.txt",), None, Catalog("en"))
    text = json.dumps(blocks, ensure_ascii=False)
    assert text.count("empty file") == 10 and "1490 more file(s)" in text and "policybot check" in text
    assert Catalog("en")(strings.CORPUS_KEPT) in text


