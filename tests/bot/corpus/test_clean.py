"""The OCR-repair notes: every repaired spot named, in time linear in the line."""
from __future__ import annotations

import difflib
import time

from bot.corpus.clean import clean_text, repair_ocr

ROW = "到2025年,全市高新技术企业达到IOO家以上,研发投入强度达到2.O%,建成3.O版本创新平台 1 O0个;"


def full_diff_note(before: str, after: str) -> str:
    """What the note said when it came from a full diff of the two lines."""
    spots = [f"{before[max(0, i1 - 1):i2 + 1]} → {after[max(0, j1 - 1):j2 + 1]}"
             for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
             if op != "equal"]
    return "OCR: " + "; ".join(spots[:8])


def test_each_repair_is_named_with_its_context():
    fixes = clean_text("(-)总体要求\n" + ROW).fixes
    assert fixes[0] == "OCR: (-) → (一)"
    assert fixes[1].startswith("OCR: 到IOO家 → 到100家; .O% → .0%; .O版 → .0版")
    for line in ("(-)总体要求", ROW, "增长2O%以上和5O家", "IOO家" + ROW + " 5O家"):
        assert clean_text(line).fixes[-1] == full_diff_note(line, repair_ocr(line)), line


def test_a_long_damaged_line_is_described_quickly():
    line = ROW * 80  # a table flattened into one line of ~4,000 characters, damaged throughout
    started = time.perf_counter()
    fixes = clean_text(line).fixes
    assert time.perf_counter() - started < 0.5  # a full diff of this line took seconds
    assert fixes[0].count("→") == 8  # the note names the first eight spots
