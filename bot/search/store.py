"""The clause store: every clause, document and load error of a generation, on disk.

Clauses are msgpack records (msgspec) in one file, found by an offset array and
decoded only when shown, so a server holds no Python object per clause. Records
are the dataclasses of `bot.model` encoded field by name: a field added with a
default still reads old records, and a field removed is ignored.
"""
from __future__ import annotations

import mmap
from collections.abc import Sequence
from pathlib import Path

import msgspec
import numpy as np

from bot.errors import DocumentError
from bot.model import Clause, Document
from bot.search.files import load_array, read_json, save_array, write_json

CLAUSES_FILE = "clauses.msgpack"
DOCUMENTS_FILE = "documents.msgpack"
ERRORS_FILE = "errors.json"


class ClauseStore:
    """Read-only access to the clauses (by position), documents and load errors of an index."""

    def __init__(self, documents: tuple[Document, ...], errors: tuple[DocumentError, ...],
                 offsets: np.ndarray, data: bytes | mmap.mmap, kept: tuple[str, ...] = ()):
        self.documents = documents
        self.errors = errors
        self.kept = kept  # sources of errors whose last good version is still served
        self._offsets = offsets
        self._data = data
        self._decoder = msgspec.msgpack.Decoder(Clause)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def clause(self, pos: int) -> Clause:
        """Decode the clause at position `pos` (corpus order)."""
        return self._decoder.decode(self._data[int(self._offsets[pos]):int(self._offsets[pos + 1])])

    def clauses(self, start: int, stop: int) -> tuple[Clause, ...]:
        return tuple(self.clause(p) for p in range(start, stop))

    @staticmethod
    def save(folder: Path, documents: Sequence[Document], clauses: Sequence[Clause],
             errors: Sequence[DocumentError], kept: Sequence[str] = ()) -> None:
        """Write documents (metadata only), clauses and load errors into `folder`."""
        encoder = msgspec.msgpack.Encoder()
        offsets = np.zeros(len(clauses) + 1, dtype=np.int64)
        with (folder / CLAUSES_FILE).open("wb") as out:
            for i, clause in enumerate(clauses):
                record = encoder.encode(clause)
                out.write(record)
                offsets[i + 1] = offsets[i] + len(record)
        save_array(folder, "clause-offsets", offsets)
        (folder / DOCUMENTS_FILE).write_bytes(encoder.encode(list(documents)))
        write_json(folder / ERRORS_FILE, [{"source": e.source, "reason": e.reason, "kept": e.source in kept}
                                          for e in errors])

    @classmethod
    def open(cls, folder: Path) -> "ClauseStore":
        """Open a saved store: documents are read now, clauses mapped and decoded on demand."""
        documents = msgspec.msgpack.decode((folder / DOCUMENTS_FILE).read_bytes(), type=list[Document])
        raw_errors = read_json(folder / ERRORS_FILE)
        errors = tuple(DocumentError(e["source"], e["reason"]) for e in raw_errors)
        kept = tuple(e["source"] for e in raw_errors if e.get("kept"))
        path = folder / CLAUSES_FILE
        data: bytes | mmap.mmap = b""
        if path.stat().st_size:
            with path.open("rb") as f:
                data = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)  # the mapping outlives the file object
        return cls(tuple(documents), errors, load_array(folder, "clause-offsets"), data, kept)
