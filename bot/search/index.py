"""The clause index: BM25 postings over words and character bigrams, built once, immutable.

Words (jieba, search mode) give precision; character bigrams make a query with a
wrong or OCR-damaged character still land on the right clause. Postings are flat
numpy arrays (CSR by term), saved as `.npy` files with a JSON vocabulary and loaded
memory-mapped, so a query is a few slices and several processes share one copy.
How postings are combined into a ranking is `bot.search.ranking`'s business.
"""
from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from bot.model import Clause
from bot.search.files import load_array, read_json, save_array, write_json
from bot.segment import Segmenter, bigrams

BIGRAM_PREFIX = "\x02"
BLOCK = 4096  # clauses per build block (local ids fit in uint16)
CODE_BITS = 21  # a code point fits in 21 bits, so a bigram fits in one int64
CODE_MASK = (1 << CODE_BITS) - 1
PARALLEL_FROM = 2 * BLOCK  # clauses; below this a process pool costs more than it saves
_ARRAYS = ("offsets", "post_doc", "impact", "idf")


def clause_index_text(clause: Clause) -> str:
    """What of a clause is searchable: its heading, section titles and text."""
    section = clause.path[-1] if clause.path else ""
    heading = clause.heading or ""
    body = clause.text if not heading or clause.text.startswith(heading) else f"{heading}。{clause.text}"
    return f"{section}\n{body}"


# One segmenter per worker process of a build, set by the pool's initializer: the
# dictionary is loaded once per worker, not once per block.
_worker_segmenter: list[Segmenter] = []


def _init_worker(segmenter: Segmenter) -> None:
    segmenter.warm()
    _worker_segmenter[:] = [segmenter]


def count_terms(texts: Sequence[str], segmenter: Segmenter
                ) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Count the words and character bigrams of a block of texts (at most BLOCK of them).

    Words come from the segmenter; bigrams are counted as numbers (two code points in one
    int64) with array operations, since they are most of the postings.

    Returns:
        (words, bigram codes, term of each posting (words first, then bigram codes),
        text of each posting, term frequency, length of each text in terms).
    """
    # A dict that gives each new word the next id, looked up by `map` without a Python loop.
    words: defaultdict[str, int] = defaultdict()
    words.default_factory = words.__len__
    word_ids: list[int] = []
    word_counts = np.zeros(len(texts), dtype=np.int64)
    for i, text in enumerate(texts):
        found = segmenter.words(text)
        word_ids.extend(map(words.__getitem__, found))
        word_counts[i] = len(found)
    word_docs = np.repeat(np.arange(len(texts), dtype=np.int64), word_counts)
    codes, code_docs = _bigram_codes(texts)
    distinct_codes, code_ids = np.unique(codes, return_inverse=True)
    terms = np.concatenate([np.array(word_ids, dtype=np.int64), code_ids.reshape(-1) + len(words)])
    docs = np.concatenate([word_docs, code_docs])
    # One key per (term, text); counting equal keys gives the term frequencies, sorted by term.
    keys, tfs = np.unique(terms * BLOCK + docs, return_counts=True)
    lengths = (word_counts + np.bincount(code_docs, minlength=len(texts))).astype(np.float32)
    return (list(words), distinct_codes, (keys // BLOCK).astype(np.int32), (keys % BLOCK).astype(np.uint16),
            np.minimum(tfs, np.iinfo(np.uint16).max).astype(np.uint16), lengths)


def _bigram_codes(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return (code, text) of every bigram of the Chinese runs of `texts` (a lone character
    is its own code), as `bot.segment.bigrams` finds them."""
    joined = "\n".join(texts)  # a separator that is not Chinese: no bigram spans two texts
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    text_of = np.repeat(np.arange(len(texts), dtype=np.int64), [len(t) + 1 for t in texts])[:len(points)]
    cjk = (points >= 0x3400) & (points <= 0x9FFF)
    before = np.concatenate([[False], cjk[:-1]])
    after = np.concatenate([cjk[1:], [False]])
    pairs = np.flatnonzero(cjk & after)
    alone = np.flatnonzero(cjk & ~before & ~after)
    codes = np.concatenate([(points[pairs] << CODE_BITS) | points[pairs + 1], points[alone]])
    return codes, np.concatenate([text_of[pairs], text_of[alone]])


def bigram_of_code(code: int) -> str:
    """The bigram (or lone character) a code of `_bigram_codes` stands for."""
    return chr(code >> CODE_BITS) + chr(code & CODE_MASK) if code >> CODE_BITS else chr(code)


def _count_in_worker(texts: Sequence[str]):
    return count_terms(texts, _worker_segmenter[0])


class ClauseIndex:
    """BM25 postings over clauses; clause i of the list indexed is document i of the index."""

    def __init__(self, vocab: dict[str, int], offsets: np.ndarray, post_doc: np.ndarray, impact: np.ndarray,
                 idf: np.ndarray, size: int):
        self.vocab = vocab
        self.offsets = offsets  # postings of term t are [offsets[t], offsets[t + 1])
        self.post_doc = post_doc  # clause of each posting, ascending within a term
        # BM25 score each posting adds (term weight × idf): a query only sums them (float16 is plenty to rank)
        self.impact = impact
        self.idf_all = idf
        self.size = size

    # -- build -----------------------------------------------------------------
    @classmethod
    def build(cls, texts: Sequence[str], segmenter: Segmenter, *, k1: float, b: float,
              on_progress: Callable[[int, int], None] | None = None, workers: int | None = None,
              meanwhile: Callable[[], None] | None = None) -> "ClauseIndex":
        """Index `texts` (one per clause), in a process pool when there are many.

        Blocks of texts are counted, sorted by term and spilled to a temporary folder,
        then merged into one CSR array: memory holds the final arrays, one block, and
        the blocks the pool counted while `meanwhile` ran.

        Args:
            meanwhile: work of the caller's to do while the pool counts (it would wait otherwise).
        """
        size = len(texts)
        vocab: defaultdict[str, int] = defaultdict()  # a new term gets the next id
        vocab.default_factory = vocab.__len__
        lengths = np.zeros(size, dtype=np.float32)
        starts = list(range(0, size, BLOCK))
        chunks = (texts[s:s + BLOCK] for s in starts)
        workers = workers if workers is not None else (os.cpu_count() or 1)
        pool = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(segmenter,)) \
            if workers > 1 and size >= PARALLEL_FROM else None
        with tempfile.TemporaryDirectory(prefix="policybot-index-") as spill:
            try:
                counted = pool.map(_count_in_worker, chunks) if pool else (count_terms(c, segmenter) for c in chunks)
                if meanwhile:
                    meanwhile()
                df = np.zeros(0, dtype=np.int64)
                blocks = []
                for start, (words, codes, local_terms, docs, tfs, block_lengths) in zip(starts, counted):
                    terms = words + [BIGRAM_PREFIX + bigram_of_code(int(c)) for c in codes]
                    ids = np.fromiter(map(vocab.__getitem__, terms), np.int32, len(terms))
                    global_terms = ids[local_terms]
                    order = np.argsort(global_terms, kind="stable")
                    path = Path(spill) / f"block-{start}"
                    for name, array in (("terms", global_terms[order]), ("docs", docs[order]), ("tfs", tfs[order])):
                        np.save(path.with_suffix(f".{name}.npy"), array, allow_pickle=False)
                    lengths[start:start + len(block_lengths)] = block_lengths
                    block_df = np.bincount(global_terms, minlength=len(vocab))
                    df = np.concatenate([df, np.zeros(len(block_df) - len(df), np.int64)]) + block_df
                    blocks.append((start, path))
                    if on_progress:
                        on_progress(min(start + BLOCK, size), size)
            finally:
                if pool:
                    pool.shutdown()
            offsets = np.concatenate([[0], np.cumsum(df)]).astype(np.int64)
            post_doc = np.empty(int(offsets[-1]), dtype=np.int32)
            impact = np.empty(int(offsets[-1]), dtype=np.float16)
            idf = np.log(1 + (size - df + 0.5) / (df + 0.5)).astype(np.float32)
            _merge_blocks(blocks, offsets, lengths, idf, post_doc, impact, k1, b)
        return cls(dict(vocab), offsets, post_doc, impact, idf, size)

    # -- disk --------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write the postings as `.npy` files and the vocabulary as JSON (terms in id order)."""
        for name, array in zip(_ARRAYS, (self.offsets, self.post_doc, self.impact, self.idf_all)):
            save_array(folder, f"index-{name}", array)
        write_json(folder / "index-vocab.json", {"size": self.size, "terms": list(self.vocab)})

    @classmethod
    def load(cls, folder: Path, *, mmap: bool = True) -> "ClauseIndex":
        """Open saved postings; with `mmap` their pages are read from the file as needed."""
        meta = read_json(folder / "index-vocab.json")
        arrays = [load_array(folder, f"index-{name}", mmap=mmap) for name in _ARRAYS]
        return cls({t: i for i, t in enumerate(meta["terms"])}, *arrays, size=int(meta["size"]))

    # -- terms -----------------------------------------------------------------
    def term_id(self, token: str) -> int | None:
        return self.vocab.get(token)

    def bigram_ids(self, text: str) -> list[int]:
        """Term ids of the distinct bigrams of `text` that the corpus has."""
        return [t for g in dict.fromkeys(bigrams(text)) if (t := self.vocab.get(BIGRAM_PREFIX + g)) is not None]

    def words(self) -> list[str]:
        """Every word term (not the bigrams)."""
        return [t for t in self.vocab if not t.startswith(BIGRAM_PREFIX)]

    def idf(self, term: int) -> float:
        return float(self.idf_all[term])

    @property
    def max_idf(self) -> float:
        """The idf of a term no clause has: as specific as a term can be."""
        return float(np.log(1 + (self.size + 0.5) / 0.5))

    # -- postings ----------------------------------------------------------------
    def postings(self, terms: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Return (clauses, BM25 impacts) of the postings of `terms`, one after the other."""
        spans = [(self.offsets[t], self.offsets[t + 1]) for t in terms]
        if len(spans) == 1:
            return self.post_doc[spans[0][0]:spans[0][1]], self.impact[spans[0][0]:spans[0][1]]
        return (np.concatenate([self.post_doc[lo:hi] for lo, hi in spans]),
                np.concatenate([self.impact[lo:hi] for lo, hi in spans]))

    def contains(self, term: int, docs: np.ndarray) -> np.ndarray:
        """Which of `docs` (any order) the term occurs in: postings are sorted by clause."""
        postings = self.post_doc[self.offsets[term]:self.offsets[term + 1]]
        if not len(postings):
            return np.zeros(len(docs), dtype=bool)
        at = np.searchsorted(postings, docs)
        return postings[np.minimum(at, len(postings) - 1)] == docs


def _merge_blocks(blocks: list[tuple[int, Path]], offsets: np.ndarray, lengths: np.ndarray, idf: np.ndarray,
                  post_doc: np.ndarray, impact: np.ndarray, k1: float, b: float) -> None:
    """Place each block's postings after the earlier blocks' ones of the same term."""
    avg = max(float(lengths.mean()), 1e-9) if len(lengths) else 1.0
    cursor = offsets[:-1].copy()
    for start, path in blocks:
        terms, local_docs, tf = (np.load(path.with_suffix(f".{name}.npy")) for name in ("terms", "docs", "tfs"))
        tf = tf.astype(np.float32)
        block_df = np.bincount(terms, minlength=len(cursor))
        first = np.concatenate([[0], np.cumsum(block_df)[:-1]])
        dest = cursor[terms]
        dest += np.arange(len(terms))
        dest -= first[terms]
        docs = local_docs.astype(np.int32)
        docs += start
        post_doc[dest] = docs  # clauses stay in ascending order within each term
        impact[dest] = idf[terms] * tf * (k1 + 1) / (tf + k1 * (1 - b + b * lengths[docs] / avg))
        cursor += block_df
