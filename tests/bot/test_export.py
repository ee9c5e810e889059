"""`policybot export`: rows an analyst takes to a spreadsheet, in CSV (Excel-ready) and JSON lines."""
from __future__ import annotations

import csv
import io
import json

import pytest

from bot.cli import main
from bot.export import COLUMNS, ExportError, build_export, csv_cells, write_export


@pytest.mark.parametrize("kind", ["targets", "tasks", "clauses"])
def test_jsonl_parses_back_to_the_same_rows(engine, kind):
    export = build_export(engine, kind)
    out = io.StringIO()
    assert write_export(export, out, "jsonl") == len(export.rows) > 0
    assert [json.loads(line) for line in out.getvalue().splitlines()] == list(export.rows)


@pytest.mark.parametrize("kind", ["targets", "tasks", "clauses"])
def test_csv_has_a_bom_and_reads_back_as_utf8(engine, kind, tmp_path):
    export = build_export(engine, kind)
    path = tmp_path / f"{kind}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        write_export(export, f, "csv")
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # what makes Excel read UTF-8
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == COLUMNS[kind]
    assert rows == csv_cells(export.rows, COLUMNS[kind])


def test_filters_and_topic_narrow_the_rows(engine):
    chengdu = build_export(engine, "targets", "in:成都")
    assert chengdu.rows and {r["city"] for r in chengdu.rows} == {"成都市"}
    due_2050 = build_export(engine, "targets", "2050")
    assert [(r["metric"], r["horizon_year"]) for r in due_2050.rows] == [("建成碳中和“先锋城市”", 2050)]
    rd = build_export(engine, "targets", "研发")
    assert rd.rows and all("研" in r["sentence"] or "R&D" in r["sentence"] for r in rd.rows)
    tasks = build_export(engine, "tasks", "doc:guangyuan-2022-collaborative-innovation-action-plan 知识产权")
    assert {(r["unit"], r["role"], r["rule"]) for r in tasks.rows} >= {("市市场监管局", "lead", "stated")}


def test_a_target_row_has_every_field(engine):
    row = next(r for r in build_export(engine, "targets").rows if r["metric"] == "新建道地药材示范基地")
    assert (row["value"], row["value_max"], row["unit"], row["kind"], row["horizon_year"], row["horizon_implied"]) == (
        2.0, 3.0, "个", "goal", 2022, True)
    assert row["ref"].endswith("二、(一) 3.") and row["clause_id"].endswith("#2.1.3") and row["date"] == "2022-01-01"


def test_unknown_kind_or_format_is_a_clear_error(engine):
    with pytest.raises(ExportError, match="unknown export"):
        build_export(engine, "units")
    with pytest.raises(ExportError, match="unknown format"):
        write_export(build_export(engine, "tasks"), io.StringIO(), "xlsx")


def test_export_command(tmp_path, capsys):
    target = tmp_path / "out.jsonl"
    assert main(["export", "targets", "in:广元", "--format", "jsonl", "-o", str(target)]) == 0
    rows = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert rows and {r["city"] for r in rows} == {"广元市"}
    assert "written to" in capsys.readouterr().err
    out = io.StringIO()
    assert main(["export", "tasks", "in:安顺"], out=out) == 0
    assert out.getvalue().startswith("\ufeffdocument,title,city,date,ref,unit,role,rule")
    assert main(["export", "targets", "-o", str(tmp_path / "missing" / "x.csv")]) == 2
