"""Per-unit and per-target tables: what `unit` lookups and target filters run on, as arrays.

Built once from the clauses beside the postings and saved the same way, so a query
over every task of a unit, or every target due in a year, is a few array operations
instead of a loop over clause objects.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from bot.model import Clause
from bot.search.files import load_array, read_json, save_array, write_json

_GRAM_RE = re.compile(r"[\u3400-\u9fff]+|[A-Za-z0-9][A-Za-z0-9&+.\-]*")
_YEAR_RE = re.compile(r"(?<!\d)(\d{4})(?!\d)")
UNDATED = np.iinfo(np.int16).max  # the due year of a target without one: after every year


def grams(text: str) -> list[str]:
    """What "a text says a word" is judged on: Chinese bigrams (a lone character stays whole)
    and lowercased Latin words."""
    out = []
    for run in _GRAM_RE.findall(text):
        if run.isascii():
            out.append(run.lower())
        elif len(run) == 1:
            out.append(run)
        else:
            out.extend(run[i:i + 2] for i in range(len(run) - 1))
    return out


def _csr(groups: Sequence[Sequence[int]], dtype=np.int32) -> tuple[np.ndarray, np.ndarray]:
    """(offsets, values) of a list of lists."""
    offsets = np.zeros(len(groups) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(g) for g in groups]) if groups else []
    values = np.fromiter((v for g in groups for v in g), dtype, int(offsets[-1]))
    return offsets, values


class UnitTable:
    """Every unit named in a lead/support annotation, with the clauses it appears in."""

    def __init__(self, names: list[str], offsets: np.ndarray, clauses: np.ndarray, lead: np.ndarray):
        self.names = names
        self.offsets = offsets  # entries of unit u are [offsets[u], offsets[u + 1])
        self.clauses = clauses  # clause position of each entry, ascending within a unit
        self.lead = lead  # whether the unit leads that clause's task

    @classmethod
    def build(cls, clauses: Sequence[Clause]) -> "UnitTable":
        entries: dict[str, dict[int, bool]] = {}
        for pos, clause in enumerate(clauses):
            for unit in clause.units:
                seen = entries.setdefault(unit, {})
                seen[pos] = seen.get(pos, False) or unit in clause.lead_units
        names = list(entries)
        offsets, positions = _csr([list(entries[n]) for n in names])
        lead = np.fromiter((flag for n in names for flag in entries[n].values()), bool, len(positions))
        return cls(names, offsets, positions, lead)

    def save(self, folder: Path) -> None:
        write_json(folder / "units.json", self.names)
        for name, array in (("offsets", self.offsets), ("clauses", self.clauses), ("lead", self.lead)):
            save_array(folder, f"unit-{name}", array)

    @classmethod
    def load(cls, folder: Path) -> "UnitTable":
        return cls(read_json(folder / "units.json"),
                   *(load_array(folder, f"unit-{name}") for name in ("offsets", "clauses", "lead")))

    def names_in(self, clause_mask: np.ndarray) -> list[str]:
        """The units named in any clause of `clause_mask` (a unit suggested inside a query's filters)."""
        unit_of_entry = np.repeat(np.arange(len(self.names)), np.diff(self.offsets))
        present = np.bincount(unit_of_entry, weights=clause_mask[self.clauses], minlength=len(self.names)) > 0
        return [name for name, here in zip(self.names, present) if here]

    def tasks(self, units: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """Return (clause positions, led by one of `units`) over the units given, each clause once."""
        parts = [(self.clauses[self.offsets[u]:self.offsets[u + 1]], self.lead[self.offsets[u]:self.offsets[u + 1]])
                 for u in units]
        if not parts:
            return np.zeros(0, np.int32), np.zeros(0, bool)
        positions = np.concatenate([p for p, _ in parts])
        lead = np.concatenate([flag for _, flag in parts])
        # A clause named under two matching units (市金融办 and 市金融工作局) counts once, led if either leads.
        order = np.lexsort((~lead, positions))
        positions, lead = positions[order], lead[order]
        first = np.ones(len(positions), bool)
        first[1:] = positions[1:] != positions[:-1]
        return positions[first], lead[first]


class TargetTable:
    """Every target of the corpus in clause order, with what filters and ranking ask of it."""

    _ARRAYS = ("clause_start", "clause", "slot", "has_value", "due_ordinal", "year_target", "year",
               "gram_offsets", "gram_targets")

    def __init__(self, arrays: dict[str, np.ndarray], gram_ids: dict[str, int]):
        self.clause_start = arrays["clause_start"]  # targets of clause c are [clause_start[c], clause_start[c + 1])
        self.clause = arrays["clause"]  # clause position of each target
        self.slot = arrays["slot"]  # index of the target in its clause's `targets`
        self.has_value = arrays["has_value"]
        self.due_ordinal = arrays["due_ordinal"]  # date.toordinal() of `due`, 0 when none
        self.year_target = arrays["year_target"]  # (target, year) pairs: each year `due` or `horizon` names
        self.year = arrays["year"]
        self.gram_offsets = arrays["gram_offsets"]  # targets whose figure sentence has gram g, ascending
        self.gram_targets = arrays["gram_targets"]
        self.gram_ids = gram_ids

    def __len__(self) -> int:
        return len(self.clause)

    @cached_property
    def due_year(self) -> np.ndarray:
        """The year each target is due, `UNDATED` for none; worked out once per opened index."""
        ordinals, at = np.unique(self.due_ordinal, return_inverse=True)
        years = np.array([dt.date.fromordinal(int(o)).year if o > 0 else UNDATED for o in ordinals], np.int16)
        return years[at.reshape(-1)]

    @classmethod
    def build(cls, clauses: Sequence[Clause]) -> "TargetTable":
        columns: dict[str, list] = {n: [] for n in ("clause_start", "clause", "slot", "has_value", "due_ordinal",
                                                   "year_target", "year")}
        postings: dict[str, list[int]] = {}
        n = 0
        for pos, clause in enumerate(clauses):
            columns["clause_start"].append(n)
            for slot, target in enumerate(clause.targets):
                columns["clause"].append(pos)
                columns["slot"].append(slot)
                columns["has_value"].append(target.value is not None)
                columns["due_ordinal"].append(target.due.toordinal() if target.due else 0)
                years = {target.due.year} if target.due else set()
                years.update(int(y) for y in _YEAR_RE.findall(target.horizon or ""))
                for year in sorted(years):
                    columns["year_target"].append(n)
                    columns["year"].append(year)
                # A figure is about what its sentence says; a goal without one, its own words.
                for gram in dict.fromkeys(grams(target.sentence if target.value is not None else target.metric)):
                    postings.setdefault(gram, []).append(n)
                n += 1
        columns["clause_start"].append(n)
        dtypes = {"clause_start": np.int64, "clause": np.int32, "slot": np.int16, "has_value": bool,
                  "due_ordinal": np.int32, "year_target": np.int32, "year": np.int16}
        arrays = {name: np.array(values, dtype=dtypes[name]) for name, values in columns.items()}
        gram_list = list(postings)
        arrays["gram_offsets"], arrays["gram_targets"] = _csr([postings[g] for g in gram_list])
        return cls(arrays, {g: i for i, g in enumerate(gram_list)})

    def save(self, folder: Path) -> None:
        for name in self._ARRAYS:
            save_array(folder, f"target-{name}", getattr(self, name))
        write_json(folder / "target-grams.json", list(self.gram_ids))

    @classmethod
    def load(cls, folder: Path) -> "TargetTable":
        arrays = {name: load_array(folder, f"target-{name}") for name in cls._ARRAYS}
        return cls(arrays, {g: i for i, g in enumerate(read_json(folder / "target-grams.json"))})

    # -- queries ---------------------------------------------------------------
    def of_clauses(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return (targets, index in `positions` of each one's clause) of the clauses given."""
        starts, stops = self.clause_start[positions], self.clause_start[positions + 1]
        counts = stops - starts
        owner = np.repeat(np.arange(len(positions)), counts)
        # target ids: each clause's start, then +1 for each further target of that clause
        ids = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(counts.sum())
        return ids.astype(np.int64), owner

    def in_year(self, year: int) -> np.ndarray:
        """Which targets are due in `year` or name it in their horizon (a mask over all targets)."""
        mask = np.zeros(len(self), bool)
        mask[self.year_target[self.year == year]] = True
        return mask

    def due_between(self, first: int, last: int) -> np.ndarray:
        """Which targets fall due between two date ordinals, both included."""
        return (self.due_ordinal >= first) & (self.due_ordinal <= last) & (self.due_ordinal > 0)

    def about(self, targets: np.ndarray, marks: Iterable[str]) -> np.ndarray:
        """Which of `targets` say any of `marks` (every gram of a mark, in their figure sentence)."""
        said = np.zeros(len(targets), bool)
        for mark in dict.fromkeys(m.lower() for m in marks if m):
            mark_grams = grams(mark)
            if not mark_grams:
                continue
            says = np.ones(len(targets), bool)
            for gram in dict.fromkeys(mark_grams):
                says &= self._has_gram(gram, targets)
            said |= says
        return said

    def _has_gram(self, gram: str, targets: np.ndarray) -> np.ndarray:
        ids = [self.gram_ids[gram]] if gram in self.gram_ids else []
        if len(gram) == 1 and not gram.isascii():  # a lone character: any bigram holding it
            ids += [i for g, i in self.gram_ids.items() if gram in g and g != gram]
        found = np.zeros(len(targets), bool)
        for gram_id in ids:
            holders = self.gram_targets[self.gram_offsets[gram_id]:self.gram_offsets[gram_id + 1]]
            if len(holders):
                at = np.minimum(np.searchsorted(holders, targets), len(holders) - 1)
                found |= holders[at] == targets
        return found
