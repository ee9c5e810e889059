"""The index on disk and a corpus that only moves forward, on copies of the real seeds."""
from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import io
import logging
import shutil
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest

from bot.cli import main
from bot.engine import PolicyEngine
from bot.errors import ConfigError
from bot.search.index import BIGRAM_PREFIX, bigram_of_code, clause_index_text, count_terms
from bot.search.ranking import top
from bot.search.snapshot import Snapshot
from bot.segment import bigrams
from bot.settings import load_settings
from paths import ROOT

DECISION = "zigong-2021-innovation-decision"
PLAN = "guangyuan-2022-collaborative-innovation-action-plan"


@pytest.fixture
def here(settings, corpus_copy, tmp_path):
    """Settings over a writable copy of the seeds, with its own index cache."""
    return dataclasses.replace(settings, corpus_dir=corpus_copy, cache_dir=tmp_path / "cache")


def no_build(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("built again although the saved index matches the corpus")

    monkeypatch.setattr(Snapshot, "build", staticmethod(refuse))


# ---------------------------------------------------------------- the index on disk

def test_the_index_is_plain_arrays_and_json_opened_memory_mapped(here, monkeypatch):
    first = PolicyEngine.from_settings(here)
    folder = first.snapshot.folder
    arrays = sorted(folder.glob("*.npy"))
    assert len(arrays) > 20 and not list(here.cache_dir.rglob("*.pickle"))
    for path in arrays:
        np.load(path, allow_pickle=False)  # no array needs a pickle to load
    no_build(monkeypatch)
    second = PolicyEngine.from_settings(here)
    assert second.snapshot.folder == folder
    assert isinstance(second.snapshot.index.post_doc.base, np.memmap)  # pages shared with other processes
    assert second.ask("search 人才飞地").hits[0].clause.ref.endswith("五、(十三)")
    assert gc.get_freeze_count() > 0  # what was loaded is out of the collector's way


def test_an_index_holding_a_load_error_is_used_as_saved(here, monkeypatch):
    (here.corpus_dir / "broken.txt").write_bytes(b"\x00\x01binary")
    built = PolicyEngine.from_settings(here)
    assert [e.source for e in built.load_errors] == ["broken.txt"]
    no_build(monkeypatch)
    opened = PolicyEngine.from_settings(here)
    assert [(e.source, e.reason) for e in opened.load_errors] == [(e.source, e.reason) for e in built.load_errors]
    assert opened.corpus_hashes() == built.corpus_hashes()


def test_a_damaged_index_is_built_again(here):
    folder = PolicyEngine.from_settings(here).snapshot.folder
    (folder / "index-impact.npy").write_bytes(b"not an array")
    (folder / "manifest.json").write_text("{", encoding="utf-8")
    engine = PolicyEngine.from_settings(here)
    assert engine.ask("search 人才飞地").hits[0].clause.ref.endswith("五、(十三)")
    assert (engine.snapshot.folder / "index-impact.npy").stat().st_size > 100


def test_a_changed_file_builds_a_new_generation_and_a_touched_one_does_not(here, monkeypatch):
    engine = PolicyEngine.from_settings(here)
    first = engine.snapshot.folder
    path = here.corpus_dir / f"{PLAN}.txt"
    path.write_bytes(path.read_bytes())  # same content, new modification time
    assert not engine.reload().any and engine.snapshot.folder == first
    path.write_text(path.read_text(encoding="utf-8") + "\n三、其他\n建设量子实验室3个。\n", encoding="utf-8")
    report = engine.reload()
    assert report.changed == (PLAN,) and engine.snapshot.folder != first
    assert engine.ask("量子实验室").matched


def test_reads_by_id_and_targets_come_from_the_store(engine, documents):
    plan = documents[PLAN]
    assert engine.clauses_of(PLAN) == plan.clauses
    clause = plan.clauses[7]
    assert engine.clause(clause.id) == (clause, engine.document(PLAN))
    assert engine.clause(clause.id + "x") is None
    assert engine.clause_keys() == frozenset(c.text_key for d in documents.values() for c in d.clauses)
    expected = [(t, c.id) for d in documents.values() for c in d.clauses for t in c.targets]
    assert [(t, c.id) for t, c, _ in engine.iter_targets()] == expected
    window = (dt.date(2022, 6, 1), dt.date(2022, 12, 31))
    due = [(t, c.id) for t, c, _ in engine.iter_targets(documents=[PLAN, "nonexistent"], due_between=window)]
    assert due and due == [(t, c) for t, c in expected if c.startswith(PLAN + "#") and t.due
                           and window[0] <= t.due <= window[1]]


def test_pinyin_and_the_dictionary_are_ready_before_the_first_query(here):
    PolicyEngine.from_settings(here)  # built and saved
    code = (
        "import dataclasses, pathlib, sys\n"
        "from bot.engine import PolicyEngine\n"
        "from bot.settings import load_settings\n"
        f"s = dataclasses.replace(load_settings(env={{}}), corpus_dir=pathlib.Path({str(here.corpus_dir)!r}),"
        f" cache_dir=pathlib.Path({str(here.cache_dir)!r}))\n"
        "e = PolicyEngine.from_settings(s)\n"
        "a = e.ask('what targets did Chengdu set for R&D by 2025?')\n"
        "assert a.query.filters.regions == ('成都市',), a.query\n"
        "print('pypinyin' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"  # the pinyin names were worked out when the index was built


def test_terms_are_counted_as_words_and_bigrams_of_each_clause(engine, documents):
    texts = [clause_index_text(c) for d in documents.values() for c in d.clauses]
    texts.append("5G基站 and R&D 投入;碳\n单字")  # Latin words, a lone character, a line break
    words, codes, terms, docs, tfs, lengths = count_terms(texts, engine.segmenter)
    names = words + [BIGRAM_PREFIX + bigram_of_code(int(c)) for c in codes]
    for i, text in enumerate(texts):
        expected = Counter(engine.segmenter.words(text))
        expected.update(BIGRAM_PREFIX + g for g in bigrams(text))
        assert {names[t]: int(f) for t, f in zip(terms[docs == i], tfs[docs == i])} == expected
        assert lengths[i] == sum(expected.values())


def test_top_is_a_stable_sort_of_the_positive_scores_cut_to_k():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n, k = int(rng.integers(1, 20000)), int(rng.integers(1, 3000))
        # Few distinct values and many zeros, as in a corpus of near-copies.
        scores = np.round(rng.random(n) * rng.integers(1, 50), int(rng.integers(0, 3))) * (rng.random(n) < 0.7)
        positive = np.flatnonzero(scores > 0)
        assert np.array_equal(top(scores, k), positive[np.argsort(-scores[positive], kind="stable")][:k])


# ---------------------------------------------------------------- a corpus that only moves forward

@pytest.mark.parametrize("damage", [
    lambda path: path.write_bytes(b""),                                  # emptied
    lambda path: path.write_bytes(b"\xff\xfe\x00\x00" + b"\x00" * 64),   # binary junk
    lambda path: path.with_suffix(".yaml").write_text("标题: [unclosed\n", encoding="utf-8"),  # broken sidecar
], ids=["empty", "binary", "sidecar"])
def test_a_file_that_stops_loading_keeps_its_last_good_version(here, damage, caplog):
    engine = PolicyEngine.from_settings(here)
    before = engine.ask("lead-unit 科技成果转化示范区").hits[0].clause
    damage(here.corpus_dir / f"{PLAN}.txt")
    with caplog.at_level(logging.WARNING, logger="bot.engine"):
        report = engine.reload()
    assert not report.any and len(report.kept) == 1 and report.kept[0] in {e.source for e in report.errors}
    assert engine.ask("lead-unit 科技成果转化示范区").hits[0].clause == before
    assert PLAN in engine.corpus_hashes()
    warning = next(r for r in caplog.records if r.name == "bot.engine")
    assert report.kept[0] in warning.getMessage() and "last good version" in warning.getMessage()
    restarted = PolicyEngine.from_settings(here)  # a restart serves the same
    assert PLAN in restarted.corpus_hashes() and restarted.load_errors


def test_a_new_file_that_fails_is_skipped_with_its_reason_in_the_log(here, caplog):
    engine = PolicyEngine.from_settings(here)
    (here.corpus_dir / "new-draft.txt").write_bytes(b"\x00\x00")
    with caplog.at_level(logging.WARNING, logger="bot.engine"):
        report = engine.reload()
    assert report.kept == () and [e.source for e in report.errors] == ["new-draft.txt"]
    assert "skipped new-draft.txt: cannot decode" in caplog.text


@pytest.mark.parametrize("how", ["emptied", "vanished"])
def test_an_emptied_or_vanished_folder_keeps_the_index_unless_forced(here, how, caplog):
    engine = PolicyEngine.from_settings(here)
    ids = set(engine.corpus_hashes())
    if how == "emptied":
        for path in here.corpus_dir.iterdir():
            path.unlink()
    else:
        shutil.rmtree(here.corpus_dir)
    with caplog.at_level(logging.WARNING, logger="bot.engine"):
        report = engine.reload()
    assert not report.any and report.warning and "--force" in report.warning
    assert str(here.corpus_dir) in caplog.text
    assert set(engine.corpus_hashes()) == ids and engine.ask("search 人才飞地").matched
    assert set(PolicyEngine.from_settings(here).corpus_hashes()) == ids  # a restart keeps it too
    report = engine.reload(force=True)
    assert set(report.removed) == ids and engine.documents == ()


def test_policybot_reload_reports_and_force_empties(here, tmp_path):
    config = tmp_path / "settings.yaml"
    config.write_text(
        f"corpus_dir: {here.corpus_dir}\ncache_dir: {here.cache_dir}\n"
        f"vocabulary: {ROOT / 'config' / 'vocabulary.yaml'}\nuser_dictionary: {ROOT / 'config' / 'userdict.txt'}\n",
        encoding="utf-8")
    out = io.StringIO()
    assert main(["reload", "--config", str(config)], out=out) == 0
    (here.corpus_dir / f"{DECISION}.txt").write_bytes(b"")
    out = io.StringIO()
    assert main(["reload", "--config", str(config)], out=out) == 0
    assert f"skipped {DECISION}.txt: empty file (its last good version is still served)" in out.getvalue()
    for path in here.corpus_dir.iterdir():
        path.unlink()
    out = io.StringIO()
    assert main(["reload", "--config", str(config)], out=out) == 1
    assert "not reloaded" in out.getvalue() and "indexed 5 documents" not in out.getvalue()
    out = io.StringIO()
    assert main(["reload", "--force", "--config", str(config)], out=out) == 0
    assert "indexed 0 documents" in out.getvalue()


def test_a_large_corpus_is_built_in_a_child_process(here, monkeypatch, caplog):
    import bot.engine
    import bot.corpus.reader

    monkeypatch.setattr(bot.engine, "CHILD_BUILD_FROM", 1)
    monkeypatch.setattr(bot.engine, "build_generation", lambda *a, **k: pytest.fail("built in the serving process"))
    progress = []
    engine = PolicyEngine.from_settings(here, progress=lambda done, total: progress.append((done, total)))
    assert len(engine.documents) == 5 and progress[-1] == (135, 135)
    assert engine.ask("search 人才飞地").hits[0].document.id == DECISION
    (here.corpus_dir / f"{PLAN}.txt").write_bytes(b"")
    with caplog.at_level(logging.WARNING):
        report = engine.reload()
    assert report.kept == (f"{PLAN}.txt",)  # the child read the last good version from the current generation
    assert f"skipped {PLAN}.txt: empty file; serving its last good version" in caplog.text  # its log, relayed
    monkeypatch.setattr(bot.corpus.reader, "load_corpus", None)  # only the child builds; this would break it
    (here.corpus_dir / "new.txt").write_text("关于某事的通知\n一、要求\n做好人才飞地工作。\n", encoding="utf-8")
    assert engine.reload().added == ("new",)


# ---------------------------------------------------------------- ranking weights from settings

def test_ranking_weights_are_read_and_checked(tmp_path, settings):
    config = tmp_path / "settings.yaml"
    common = (f"vocabulary: {ROOT / 'config' / 'vocabulary.yaml'}\n"
              f"user_dictionary: {ROOT / 'config' / 'userdict.txt'}\n")
    config.write_text(common + "ranking:\n  bigram: -1\n  bigarm: 0.3\n  unit_similarity: 2\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, env={})
    problems = "\n".join(caught.value.problems)
    assert "'ranking.bigram' must not be negative" in problems
    assert "unknown key 'ranking.bigarm' (did you mean 'bigram'?)" in problems and "'ranking.unit_similarity'" in problems
    config.write_text(common + "ranking:\n  unit_support: 0.25\n  max_candidates: 3\n", encoding="utf-8")
    weights = load_settings(config, env={}).ranking
    assert (weights.unit_support, weights.max_candidates, weights.bigram) == (0.25, 3, 0.35)


def test_weights_change_the_answers(here):
    engine = PolicyEngine.from_settings(dataclasses.replace(
        here, ranking=dataclasses.replace(here.ranking, unit_support=0.25, max_candidates=3)))
    answer = engine.ask("unit 市科技局", limit=10)
    assert answer.total == 3  # every intent keeps at most max_candidates
    everything = engine.ask("unit 发改委", limit=3).hits
    assert {h.score for h in everything} <= {1.0, 0.25}
    assert engine.ask("search 科技", limit=10).total == 3
