"""What the property tests share: the real documents they mutate and the checks of their text.

Hypothesis's profile (a fixed number of examples, a deadline) is set in conftest.py.
"""
from __future__ import annotations

import re
from pathlib import Path

from bot.corpus.clean import fold_characters
from bot.model import ParsedDocument

ROOT = Path(__file__).resolve().parent.parent


class RealDocument:
    """A document as collected: its file name and text."""

    __slots__ = ("name", "text")

    def __init__(self, name: str, text: str):
        self.name = name
        self.text = text

    def __repr__(self) -> str:  # hypothesis prints a failing example: the name says which, not the whole text
        return f"RealDocument({self.name!r})"

    def split_front_matter(self) -> tuple[str, str]:
        """Return (the YAML front matter block with its closing line, the text after it); "" when none."""
        if not self.text.startswith("---\n"):
            return "", self.text
        end = self.text.index("\n---\n") + len("\n---\n")
        return self.text[:end], self.text[end:]


def real_documents() -> list[RealDocument]:
    """The seeds and the unseen-genre documents of tests/data, as collected (text formats)."""
    paths = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "tests" / "data").glob("*.txt")) \
        + sorted((ROOT / "tests" / "data").glob("*.md"))
    return [RealDocument(p.name, p.read_text(encoding="utf-8")) for p in paths]


# What the cleaner mends inside a number or a label (`IOO家` → `100家`, `(-)` → `(一)`): both sides
# of a comparison are read through it, so a repair is not taken for invented text.
_OCR_SAME = str.maketrans({"I": "1", "l": "1", "O": "0", "o": "0", "-": "一", "—": "一", "─": "一", "–": "一"})


def comparable(text: str) -> str:
    """Text as compared here: its words (ideographs, letters, digits), OCR look-alikes made one.

    Whitespace and punctuation are the parser's to normalise (a line break moves, a `。` ends
    a heading joined to its text); the words are what must not be lost, invented or moved.
    """
    return "".join(ch for ch in text.translate(_OCR_SAME) if ch.isalnum())


def first_missing(needle: str, haystack: str) -> int | None:
    """Where `needle` stops being a subsequence of `haystack` (None when it is one)."""
    rest = iter(haystack)
    for i, ch in enumerate(needle):
        if not any(h == ch for h in rest):
            return i
    return None


# What the task table reader writes itself: a deadline cell named by its column's header
# (`完成时限:2024年底`, words of the header row, before the row), and the row's number when the
# header has no 序号 (`1.`) at the start of each row it writes, which stays in the text when the
# rows cannot be read as numbered items.
_TABLE_LABEL = re.compile(r"(?:完成时限|完成时间|时间节点|时限):|^\d{1,3}\.", re.M)


def assert_text_from(doc: ParsedDocument, source: str) -> None:
    """Assert the parser lost and invented nothing: every clause is cut from `source`, in order.

    The clauses' texts, one after another, are a subsequence of the source folded as the
    cleaner folds it (Simplified, half-width): the parser may set words apart (a heading, a
    unit annotation, page clutter), never write words the document does not have, nor move them.
    """
    folded = comparable(fold_characters(source)[0])
    joined = comparable("".join(_TABLE_LABEL.sub("", c.text) for c in doc.clauses))
    missing = first_missing(joined, folded)
    assert missing is None, f"clause text not in the document, in order: …{joined[max(0, missing - 20):missing + 20]}…"
    assert_well_formed(doc)


def assert_well_formed(doc: ParsedDocument) -> None:
    """Assert what every parsed document holds: clauses, unique ids, reading order, references to its title."""
    assert doc.clauses and doc.clause_count == len(doc.clauses)
    assert len({c.id for c in doc.clauses}) == len(doc.clauses)
    assert [c.order for c in doc.clauses] == list(range(len(doc.clauses)))
    for clause in doc.clauses:
        assert clause.text.strip(), clause.ref
        assert clause.ref.startswith(f"《{doc.title}》")
        assert clause.doc_id == doc.id and clause.id.startswith(doc.id + "#")
        assert not any(ord(ch) < 32 and ch != "\n" for ch in clause.text + clause.ref), clause.ref
