"""What reading an upload found, kept as JSON beside the file: its columns, a sample, the row
count and the check with the columns last chosen. The mapping page shows it without reading the
file again; a re-check with other columns reads it again and replaces the summary.

`summarise` reads the whole file: CPU work, for a worker thread.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

from p88.participants.check import RowProblem, check_file, count_rows
from p88.participants.csvfile import Record, read_csv
from p88.participants.mapping import ColumnMapping, detect_mapping, detect_style

PREVIEW_ROWS = 5
PREVIEW_CELL = 200  # characters of a cell the sample keeps (a cell may hold 128 K)
PROBLEMS_SHOWN = 200


@dataclass(frozen=True, slots=True)
class FileCheck:
    """The file read with one mapping: how many rows are ready and which are not."""

    mapping: ColumnMapping
    good: int
    bad: int
    problems: list[RowProblem]  # the first PROBLEMS_SHOWN, in line order
    date_note: str = ""


@dataclass(frozen=True, slots=True)
class UploadSummary:
    header: list[str]
    delimiter: str
    encoding: str
    warnings: list[str]
    style: str
    rows: int  # data rows in the file (blank lines skipped)
    preview: list[Record]
    check: FileCheck | None  # None until a bib column is known

    @property
    def mapping(self) -> ColumnMapping:
        return self.check.mapping if self.check else detect_mapping(self.header)


def summarise(data: bytes, mapping: ColumnMapping | None = None) -> UploadSummary:
    """Read the whole upload once: its layout, a sample and, when a bib column is known, the
    check of every row. Raises CsvFileError when the file cannot be read at all."""
    csv_file = read_csv(data)
    mapping = mapping or detect_mapping(csv_file.header)
    check = None
    if "bib" in mapping.columns:
        checked = check_file(csv_file, mapping, keep_rows=False)
        rows = checked.rows
        problems = checked.problems[:PROBLEMS_SHOWN]
        check = FileCheck(mapping, checked.good, checked.bad, problems, checked.date_note)
    else:
        rows = count_rows(csv_file)
    return UploadSummary(
        csv_file.header,
        csv_file.delimiter,
        csv_file.encoding,
        csv_file.warnings,
        detect_style(csv_file.header),
        rows,
        [
            record._replace(values=[cell[:PREVIEW_CELL] for cell in record.values])
            for record in itertools.islice(csv_file.records(), PREVIEW_ROWS)
        ],
        check,
    )


def to_json(summary: UploadSummary) -> str:
    check = summary.check
    document: dict[str, Any] = {
        "header": summary.header,
        "delimiter": summary.delimiter,
        "encoding": summary.encoding,
        "warnings": summary.warnings,
        "style": summary.style,
        "rows": summary.rows,
        "preview": [list(record) for record in summary.preview],
        "check": None
        if check is None
        else {
            "columns": dict(check.mapping.columns),
            "date_order": check.mapping.date_order,
            "good": check.good,
            "bad": check.bad,
            "problems": [[p.line, p.bib, p.reason] for p in check.problems],
            "date_note": check.date_note,
        },
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def from_json(text: str) -> UploadSummary:
    document = json.loads(text)
    raw = document["check"]
    check = None
    if raw is not None:
        check = FileCheck(
            ColumnMapping(raw["columns"], raw["date_order"]),
            raw["good"],
            raw["bad"],
            [RowProblem(*p) for p in raw["problems"]],
            raw["date_note"],
        )
    return UploadSummary(
        document["header"],
        document["delimiter"],
        document["encoding"],
        document["warnings"],
        document["style"],
        document["rows"],
        [Record(*r) for r in document["preview"]],
        check,
    )
