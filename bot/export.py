"""What an analyst takes to a spreadsheet: targets, tasks or clauses as rows, in CSV or JSON lines.

The rows are those of the documents a query's filters leave (`in:`, `type:`, `year:`, `doc:`),
narrowed to a topic when the query names one, in reading order. CSV is written with a byte-order
mark, so Excel opens it as UTF-8; JSON lines parse back to the same rows.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from typing import Iterable, Iterator, TextIO

from bot.model import Clause, Document, Intent, Query, Target

KINDS = ("targets", "tasks", "clauses")
FORMATS = ("csv", "jsonl")
_DOCUMENT_COLUMNS = ("document", "title", "city", "date")
TARGET_COLUMNS = _DOCUMENT_COLUMNS + ("ref", "metric", "value", "value_max", "unit", "comparator", "kind", "horizon",
                                      "horizon_year", "horizon_implied", "detail", "sentence", "clause_id")
TASK_COLUMNS = _DOCUMENT_COLUMNS + ("ref", "unit", "role", "rule", "sentence", "clause_id")
CLAUSE_COLUMNS = _DOCUMENT_COLUMNS + ("ref", "heading", "text", "lead_units", "support_units", "responsible_units",
                                      "units_rule", "targets", "clause_id")
COLUMNS = {"targets": TARGET_COLUMNS, "tasks": TASK_COLUMNS, "clauses": CLAUSE_COLUMNS}
# The intent whose ranking decides which clauses are about a topic, per kind of export.
_INTENT = {"targets": Intent.TARGET, "tasks": Intent.LEAD_UNIT, "clauses": Intent.SEARCH}
_PAGE = 100


class ExportError(ValueError):
    """An export that cannot be made (unknown kind or format)."""


@dataclass(frozen=True)
class Export:
    kind: str
    columns: tuple[str, ...]
    rows: tuple[dict, ...]


def _document_fields(document: Document) -> dict:
    return {"document": document.id, "title": document.title, "city": document.region,
            "date": document.date.isoformat() if document.date else None}


def target_row(target: Target, clause: Clause, document: Document) -> dict:
    return {**_document_fields(document), "ref": clause.ref, "metric": target.metric, "value": target.value,
            "value_max": target.value_max, "unit": target.unit, "comparator": target.comparator, "kind": target.kind,
            "horizon": target.horizon, "horizon_year": target.horizon_year,
            "horizon_implied": target.horizon_implied, "detail": target.detail, "sentence": target.sentence,
            "clause_id": clause.id}


def task_rows(clause: Clause, document: Document) -> list[dict]:
    """One row per (clause, unit, role, rule): prose duties with their sentence, annotations without."""
    base = {**_document_fields(document), "ref": clause.ref}
    if clause.duties:
        pairs = [(d.unit, d.role, d.sentence) for d in clause.duties]
    else:
        pairs = [(u, "lead", None) for u in clause.lead_units] + [(u, "support", None) for u in clause.support_units]
        pairs += [(u, "responsible", None) for u in clause.responsible_units]
    return [{**base, "unit": unit, "role": role, "rule": clause.units_rule, "sentence": sentence,
             "clause_id": clause.id} for unit, role, sentence in pairs]


def clause_row(clause: Clause, document: Document) -> dict:
    return {**_document_fields(document), "ref": clause.ref, "heading": clause.heading, "text": clause.text,
            "lead_units": list(clause.lead_units), "support_units": list(clause.support_units),
            "responsible_units": list(clause.responsible_units), "units_rule": clause.units_rule,
            "targets": len(clause.targets), "clause_id": clause.id}


def build_export(engine, kind: str, query_text: str = "") -> Export:
    """Collect the rows of one export.

    Args:
        engine: a loaded `PolicyEngine` (only its public API is used).
        kind: targets, tasks or clauses.
        query_text: filters and an optional topic, as after `/policy target` (`in:成都 研发 2025`).

    Raises:
        ExportError: for an unknown kind.
    """
    if kind not in KINDS:
        raise ExportError(f"unknown export {kind!r}: choose {', '.join(KINDS)}")
    query = engine.parse(f"{_INTENT[kind].value} {query_text}".strip())
    return Export(kind, COLUMNS[kind], tuple(_rows(engine, kind, query)))


def _rows(engine, kind: str, query: Query) -> Iterator[dict]:
    if query.topic:
        chosen = _clauses_about(engine, query)
    else:
        chosen = ((clause, document, clause.targets) for document in engine.documents_matching(query.filters)
                  for clause in engine.clauses_of(document.id))
    for clause, document, targets in chosen:
        if kind == "targets":
            for target in targets:
                if query.horizon_year is None or target.horizon_year == query.horizon_year:
                    yield target_row(target, clause, document)
        elif kind == "tasks":
            yield from task_rows(clause, document)
        else:
            yield clause_row(clause, document)


def _clauses_about(engine, query: Query) -> list[tuple[Clause, Document, tuple[Target, ...]]]:
    """The clauses the engine finds for the topic, every page of them, in reading order."""
    found: dict[str, tuple[Clause, Document, tuple[Target, ...]]] = {}
    offset = 0
    while True:
        answer = engine.answer(query, limit=_PAGE, offset=offset)
        for hit in answer.hits:
            found.setdefault(hit.clause.id, (hit.clause, hit.document, hit.targets or hit.clause.targets))
        if not answer.has_more or not answer.hits:
            break
        offset += len(answer.hits)
    order = {d.id: i for i, d in enumerate(engine.documents)}
    return sorted(found.values(), key=lambda row: (order.get(row[1].id, 0), row[0].order))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "、".join(map(str, value))
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value)


def write_export(export: Export, out: TextIO, fmt: str = "csv") -> int:
    """Write the rows as CSV (UTF-8 with BOM, for Excel) or JSON lines; return how many were written.

    Raises:
        ExportError: for an unknown format.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    if fmt == "jsonl":
        for row in export.rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return len(export.rows)
    out.write("\ufeff")  # Excel reads a CSV as UTF-8 only with the mark
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(export.columns)
    writer.writerows([_cell(row.get(c)) for c in export.columns] for row in export.rows)
    return len(export.rows)


def csv_cells(rows: Iterable[dict], columns: tuple[str, ...]) -> list[dict]:
    """The rows as CSV cells (text), as a spreadsheet reads them back."""
    return [{c: _cell(row.get(c)) for c in columns} for row in rows]
