"""The soak's probes of the command line: bad bytes, bad numbers and dates, bad config files.

Every case runs `policybot` in a process of its own and expects its exit code (0, or 2 for
a usage or config error) and no traceback; a `--json` batch keeps one line out per line in.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from soak_support import ROOT, Row


def run(args: list, stdin: bytes = b"") -> tuple[int, str, str, float]:
    """Run `policybot` (argv may hold bytes); return its exit code, stdout, stderr and peak RSS in MB."""
    process = subprocess.Popen([sys.executable, "-m", "bot.cli", *args], cwd=ROOT, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    read: dict[str, bytes] = {}
    readers = [threading.Thread(target=lambda k=k, s=s: read.__setitem__(k, s.read()))
               for k, s in (("out", process.stdout), ("err", process.stderr))]
    for reader in readers:
        reader.start()
    process.stdin.write(stdin)
    process.stdin.close()
    _, status, usage = os.wait4(process.pid, 0)  # waited here, not by Popen: the child's own peak memory
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join()
    return (process.returncode, read["out"].decode("utf-8", "replace"), read["err"].decode("utf-8", "replace"),
            usage.ru_maxrss / 1024)


def cli_probes(config: Path, work: Path) -> list[Row]:
    c = ["--config", str(config)]
    batch = "target 研发\n\n".encode() + b"\xff\xfe broken\n" + "year:abcd\n   \nsearch 人才\n".encode()
    not_utf8 = work / "gbk" / "config" / "settings.yaml"
    not_utf8.parent.mkdir(parents=True)
    not_utf8.write_bytes("search:\n  default_limit: 3  # 研发\n".encode("gb18030"))
    typo = work / "typo.yaml"
    typo.write_text("searh:\n  default_limit: 3\nserver:\n  prot: 8080\n", encoding="utf-8")
    groups = {
        "CLI: invalid UTF-8 on stdin and in argv, empty lines": [
            (["ask", "--json", *c, "-"], batch, 0, lambda out, err: _aligned(out, 6)),
            ([b"ask", *(a.encode() for a in c), b"search \xff\xfe"], b"", 2, lambda out, err: "UTF-8" in err),
            (["ask", *c, "-"], "\n\ntarget 研发\n".encode(), 0, lambda out, err: "研发" in out),
        ],
        "CLI: bad numbers and dates": [
            (["ask", *c, "--limit", "0", "x"], b"", 2, None),
            (["ask", *c, "--limit", "-1", "x"], b"", 2, None),
            (["ask", *c, "--limit", "many", "x"], b"", 2, None),
            (["ask", *c, "--offset", "-5", "x"], b"", 2, None),
            (["ask", *c, "--limit", "99999999999999999999999", "x"], b"", 2, None),
            (["ask", *c, "--offset", "200", "target 研发"], b"", 0, lambda out, err: "第 201 条起没有结果" in out),
            (["ask", *c, "target 研发 year:abcd"], b"", 2, lambda out, err: "不是年份" in out),
            (["feedback", *c, "--since", "yesterday"], b"", 2, lambda out, err: "not a date" in err),
            (["serve", *c, "--port", "70000"], b"", 2, None),
        ],
        "CLI: config not UTF-8, unknown keys": [
            (["check", "--config", str(not_utf8)], b"", 2, lambda out, err: "not UTF-8" in err),
            (["check", "--config", str(typo)], b"", 2, lambda out, err: "did you mean 'search'" in err),
            (["check", "--config", str(work / "missing.yaml")], b"", 2, None),
        ],
    }
    return [_group(name, cases) for name, cases in groups.items()]


def unreadable_probes(config: Path, corpus: Path) -> Row:
    """Run `ask`, `docs`, `index`, `digest` with a file nobody can read in the corpus: answers, no traceback."""
    locked = corpus / "soak-cli-locked.txt"
    if os.geteuid() == 0:
        locked.symlink_to(corpus / "nowhere" / "gone.txt")
    else:
        locked.write_text("关于某事的通知\n一、要求\n做好工作。\n", encoding="utf-8")
        locked.chmod(0)
    c = ["--config", str(config)]
    try:
        return _group("CLI: `ask`, `docs`, `index`, `digest` beside an unreadable file", [
            (["ask", *c, "search 人才飞地"], b"", 0, lambda out, err: "人才飞地" in out),
            (["docs", *c], b"", 0, lambda out, err: "soak-cli-locked.txt" in out),
            (["index", *c], b"", 0, None),
            (["digest", *c, "--channel", "C0CLI", "--dry-run"], b"", 0, None),
            (["check", *c], b"", 1, lambda out, err: "soak-cli-locked.txt: SKIPPED · cannot read" in out),
        ])
    finally:
        locked.unlink()


def _aligned(out: str, lines: int) -> bool:
    parsed = [json.loads(line) for line in out.splitlines()]
    return len(parsed) == lines and "error" in parsed[1] and "error" in parsed[2] and parsed[5].get("intent")


def _group(name: str, cases) -> Row:
    failures = []
    handled = 0
    peak = 0.0
    for args, stdin, expected, check in cases:
        code, out, err, rss = run(args, stdin)
        peak = max(peak, rss)
        what = " ".join(a if isinstance(a, str) else repr(a) for a in args if a not in ("--config",))[:60]
        if code != expected:
            failures.append(f"`{what}` exit {code}, not {expected}")
        elif "Traceback" in err or "Traceback" in out:
            failures.append(f"`{what}` printed a traceback")
        elif check and not check(out, err):
            failures.append(f"`{what}` said the wrong thing: {(err or out).strip()[:80]}")
        else:
            handled += 1
    return Row(name, len(cases), handled, peak_rss_mb=peak, failures=tuple(failures),
               note="the exit code expected, a one-line message, no traceback")
