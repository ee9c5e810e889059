"""Chinese word segmentation: the only module that imports jieba (or its Rust port).

Two backends give the same kind of tokens: `jieba` (the reference) and `rjieba`
(jieba-rs, several times faster, used to index large corpora). The user
dictionary is loaded once at start; the segmenter is read-only afterwards.
"""
from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

_CJK_RUN = re.compile(r"[\u3400-\u9fff]+")
_WORD_RE = re.compile(r"[\u3400-\u9fff]+|[A-Za-z][A-Za-z0-9&+.\-]*|\d+[A-Za-z][A-Za-z0-9]*|\d+(?:\.\d+)?")
BACKENDS = ("jieba", "rjieba")


def read_user_dictionary(path: Path | None) -> list[tuple[str, int | None]]:
    """Read `word [freq] [tag]` lines, skipping blanks and # comments."""
    if path is None or not path.is_file():
        return []
    words = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if not parts or parts[0].startswith("#"):
            continue
        freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
        words.append((parts[0], freq))
    return words


class Segmenter:
    """Cuts text into words for indexing and for queries."""

    def __init__(self, user_dictionary: Path | None = None, backend: str = "jieba",
                 extra_words: tuple[str, ...] = ()):
        if backend not in BACKENDS:
            raise ValueError(f"unknown segmenter backend {backend!r}; known: {', '.join(BACKENDS)}")
        self.backend = backend
        self._user_words = read_user_dictionary(user_dictionary) + [(w, None) for w in extra_words]
        self._cut = None

    def __getstate__(self) -> dict:
        # The loaded dictionary stays behind: a worker process loads its own (`warm`).
        return {**self.__dict__, "_cut": None}

    def warm(self) -> None:
        """Load the dictionaries now, so the first request does not pay for it."""
        if self._cut is not None:
            return
        if self.backend == "rjieba":
            import rjieba

            tokenizer = rjieba.Jieba()
            for word, freq in self._user_words:
                tokenizer.add_word(word, freq, None)
            self._cut = lambda text: tokenizer.cut_for_search(text, True)
        else:
            import jieba

            jieba.setLogLevel(logging.WARNING)  # jieba prints its cache chatter at INFO
            tokenizer = jieba.Tokenizer()
            tokenizer.initialize()
            for word, freq in self._user_words:
                tokenizer.add_word(word, freq)
            self._cut = lambda text: tokenizer.cut_for_search(text, HMM=True)

    def words(self, text: str) -> list[str]:
        """Words of `text` in search mode (long words also yield their parts), lowercased."""
        if self._cut is None:
            self.warm()
        out: list[str] = []
        cut = self._cut
        for chunk in _WORD_RE.findall(text):
            # A chunk is a Chinese run (no spaces in it, so no blank words) or one Latin/number token.
            if "\u3400" <= chunk[0] <= "\u9fff":
                out.extend(cut(chunk))
            else:
                out.append(chunk.lower())
        return out

    @lru_cache(maxsize=4096)
    def query_words(self, text: str) -> tuple[str, ...]:
        return tuple(self.words(text))


def bigrams(text: str) -> list[str]:
    """Character bigrams of the Chinese runs of `text`: robust to a wrong character."""
    out = []
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            out.append(run)
        out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out
