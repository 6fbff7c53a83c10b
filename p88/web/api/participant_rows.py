"""Participants sent as JSON, checked and stored by the CSV import itself: the rows are
written as a CSV file with one column per import field (p88.participants.model.FIELDS), read
and checked by `prepare_import` and stored by `import_participants`, so the API and the upload
page accept and refuse exactly the same rows, with the same reasons."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from p88.participants.check import RowProblem
from p88.participants.importer import ImportReport
from p88.participants.mapping import ColumnMapping
from p88.participants.model import FIELDS

ROW_FIELDS = tuple(FIELDS)
MAPPING = ColumnMapping({name: i for i, name in enumerate(ROW_FIELDS)})
MAX_ROWS = 10_000
_ON_LINE = re.compile(r"on line (\d+)")


@dataclass(slots=True)
class RowsAsCsv:
    data: bytes
    row_of_line: dict[int, int]  # first line of a record in `data` -> its index in the request
    refused: list[RowProblem] = field(default_factory=list)  # line = the row's index


def cell(value: object) -> str | None:
    """A JSON value as the text a CSV cell would hold (None: a value no field takes)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def _cells(row: Mapping[str, Any]) -> list[str] | str:
    """The row's cells in ROW_FIELDS order, or why it cannot be one."""
    unknown = sorted(set(row) - set(ROW_FIELDS))
    if unknown:
        return f"unknown field {unknown[0]!r}; the fields are {', '.join(ROW_FIELDS)}"
    cells = []
    for name in ROW_FIELDS:
        text = cell(row.get(name))
        if text is None:
            return f"{name} must be text, a number, true/false or null"
        cells.append(text)
    return cells


def rows_as_csv(rows: Sequence[Mapping[str, Any]]) -> RowsAsCsv:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(ROW_FIELDS)
    line, row_of_line, refused = 2, {}, []
    for index, row in enumerate(rows):
        cells = _cells(row)
        if isinstance(cells, str):
            refused.append(RowProblem(index, str(row.get("bib", ""))[:32], cells))
            continue
        before = out.tell()
        writer.writerow(cells)
        row_of_line[line] = index
        line += out.getvalue().count("\n", before)
    return RowsAsCsv(out.getvalue().encode(), row_of_line, refused)


def rejected_rows(report: ImportReport, rows: RowsAsCsv) -> list[dict[str, object]]:
    """Every row not stored, by its index in the request, with the reason."""
    found = [{"row": p.line, "bib": p.bib, "reason": p.reason} for p in rows.refused]

    def as_row(match: re.Match[str]) -> str:  # the import speaks of the file's lines
        return f"in row {rows.row_of_line.get(int(match.group(1)), -1)}"

    for problem in report.bad:
        row = rows.row_of_line.get(problem.line, -1)
        reason = _ON_LINE.sub(as_row, problem.reason)
        found.append({"row": row, "bib": problem.bib, "reason": reason})
    return sorted(found, key=lambda item: (int(str(item["row"])), str(item["bib"])))
