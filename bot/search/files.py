"""Plain files of an index generation: numpy arrays without pickles, JSON, atomic writes."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np


def save_array(folder: Path, name: str, array: np.ndarray) -> None:
    """Save one array as `name.npy`; object arrays are refused (they would need a pickle)."""
    np.save(folder / f"{name}.npy", np.ascontiguousarray(array), allow_pickle=False)


def load_array(folder: Path, name: str, *, mmap: bool = True) -> np.ndarray:
    """Load `name.npy`, memory-mapped read-only by default, as a plain ndarray view.

    The pages of a mapped file are shared by every process on the host that maps it.
    """
    array = np.load(folder / f"{name}.npy", mmap_mode="r" if mmap else None, allow_pickle=False)
    # An empty file cannot be mapped; numpy then hands back an ordinary array.
    return array.view(np.ndarray) if isinstance(array, np.memmap) else array


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def replace_text(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old or the new file, never a half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
