"""The soak's probes of the corpus while serving: files broken under a running app, answers checked.

Each probe damages the corpus folder as it happens in production, has an admin run
`/policy reload`, and asks the questions whose answers must not change.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from soak_support import ADMIN, SEEDS, Asker, Row, ServeProcess

PLAN = "guangyuan-2022-collaborative-innovation-action-plan"
PLAN_TITLE = "关于进一步增强协同创新发展能力行动计划"
# A question about the action plan, with what its answer must show (its lead unit and title).
PLAN_QUESTION = ("lead-unit 科技成果转化示范区", ("市科技局", PLAN_TITLE))
OTHERS_QUESTION = ("search 人才飞地", ("人才飞地", "自贡"))


def corpus_probes(server: ServeProcess, corpus: Path) -> list[Row]:
    plan = corpus / f"{PLAN}.txt"
    good = plan.read_bytes()
    # A copy stopped half-way: it ends one byte into a Chinese character (three bytes in UTF-8).
    middle = next(i for i in range(len(good) // 2, len(good)) if good[i] >= 0xE0)
    cut = good[:middle + 1]
    rows = [
        _damaged(server, "document replaced by a broken (binary) file", lambda: plan.write_bytes(b"\x00\x01\x02" * 300),
                 lambda: plan.write_bytes(good)),
        _damaged(server, "document replaced by an empty file", lambda: plan.write_bytes(b""),
                 lambda: plan.write_bytes(good)),
        _damaged(server, "document truncated (cut mid-character)", lambda: plan.write_bytes(cut),
                 lambda: plan.write_bytes(good)),
        _damaged(server, "broken sidecar", lambda: plan.with_suffix(".yaml").write_text("region: [广元市\n"),
                 lambda: shutil.copyfile(SEEDS / f"{PLAN}.yaml", plan.with_suffix(".yaml")),
                 extra=("target 新增市级平台", ("新增市级平台", "广元"))),
        _emptied(server, corpus),
        _same_name(server, corpus),
        _unreadable(server, corpus),
    ]
    return rows


def _reload(asker: Asker) -> tuple[int, str, int]:
    return asker.ask("reload", user=ADMIN, wait=60)


def _check(asker: Asker, questions) -> tuple[list[str], int, int, int]:
    """Ask each question; return what is missing from the answers, how many were sent, answered once, 5xx."""
    missing, once, errors = [], 0, 0
    for text, expected in questions:
        status, answer, answers = asker.ask(text)
        once += answers == 1
        errors += status >= 500
        missing += [f"{text!r} lacks {word}" for word in expected if word not in answer]
    return missing, len(questions), once, errors


def _row(server: ServeProcess, name: str, reload: tuple[int, str, int], checks, failures=(), note="") -> Row:
    missing, sent, once, errors = checks
    status, _, answers = reload
    return Row(name, sent + 1, once + (answers == 1), errors + (status >= 500), server.peak_rss_mb,
               failures=tuple(failures) + tuple(missing), note=note)


def _damaged(server: ServeProcess, name: str, damage, repair, extra=None) -> Row:
    """Damage the plan; after a reload its last good version must still answer, and the reload say so."""
    asker = Asker(server)
    damage()
    reload = _reload(asker)
    questions = [PLAN_QUESTION, OTHERS_QUESTION] + ([extra] if extra else [])
    checks = _check(asker, questions)
    said = "仍在使用它上一个可用的版本" in reload[1]
    repair()
    _reload(asker)
    return _row(server, name, reload, checks, () if said else ("the reload did not say the last good version is kept",),
                note="last good version served; the reload names the file and its reason")


def _emptied(server: ServeProcess, corpus: Path) -> Row:
    asker = Asker(server)
    aside = corpus.with_name("aside")
    shutil.move(corpus, aside)
    corpus.mkdir()
    reload = _reload(asker)
    checks = _check(asker, [PLAN_QUESTION, OTHERS_QUESTION, ("docs", (PLAN_TITLE, "自贡"))])
    refused = "没有重新加载" in reload[1] and "--force" in reload[1]
    corpus.rmdir()
    shutil.move(aside, corpus)
    _reload(asker)
    return _row(server, "corpus folder emptied (a failed mount)", reload, checks,
                () if refused else ("the reload did not refuse the empty folder",),
                note="index kept; the reload says why and names --force")


def _same_name(server: ServeProcess, corpus: Path) -> Row:
    """Add `a.txt` and `a.md`: two documents, each clause shown with its own document's title."""
    asker = Asker(server)
    (corpus / "soak-notice.txt").write_text("关于加强冷链物流建设的通知\n一、建设任务\n建设冷链物流园区3个。\n",
                                            encoding="utf-8")
    (corpus / "soak-notice.md").write_text("# 关于推进海绵城市建设的意见\n\n一、主要任务\n\n建设海绵城市示范片区5个。\n",
                                           encoding="utf-8")
    reload = _reload(asker)
    checks = _check(asker, [("search 冷链物流园区", ("关于加强冷链物流建设的通知",)),
                            ("search 海绵城市示范片区", ("关于推进海绵城市建设的意见",))])
    mixed = [f"{text} shows the other title" for text, other in
             (("search 冷链物流园区", "海绵城市建设的意见"), ("search 海绵城市示范片区", "冷链物流建设的通知"))
             if other in asker.ask(text)[1]]
    for path in (corpus / "soak-notice.txt", corpus / "soak-notice.md"):
        path.unlink()
    _reload(asker)
    return _row(server, "`a.txt` beside `a.md`", reload, checks, mixed, note="ids soak-notice and soak-notice.md")


def _unreadable(server: ServeProcess, corpus: Path) -> Row:
    """Add a file the server cannot read: skipped with its reason, the rest served."""
    asker = Asker(server)
    locked = corpus / "soak-locked.txt"
    if os.geteuid() == 0:  # root reads a file whatever its mode: a link to nowhere cannot be read by anyone
        locked.symlink_to(corpus / "nowhere" / "gone.txt")
    else:
        locked.write_text("关于某事的通知\n一、要求\n做好工作。\n", encoding="utf-8")
        locked.chmod(0)
    reload = _reload(asker)
    checks = _check(asker, [PLAN_QUESTION, OTHERS_QUESTION])
    said = "soak-locked.txt" in reload[1] and "cannot read" in reload[1]
    locked.unlink()
    _reload(asker)
    return _row(server, "unreadable file", reload, checks, () if said else ("the reload did not name the file",),
                note="skipped with its reason")
