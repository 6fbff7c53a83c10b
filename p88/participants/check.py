"""Checking a whole file with one mapping: every row read, every problem kept with its line,
the good rows written as COPY data (p88.participants.copyrows).

Pure and CPU-bound: the web views run it in a worker thread (`trio.to_thread`), never on the
event loop, which serves the collector and the screens.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from p88.participants.copyrows import CopyChunks
from p88.participants.csvfile import CsvFile
from p88.participants.dates import decide_order
from p88.participants.mapping import ColumnMapping
from p88.participants.validate import FieldError, RowReader

PROBLEMS_KEPT = 1000  # listed with their lines; the count of bad rows is always whole


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    bib: str
    reason: str


@dataclass(slots=True)
class Checked:
    rows: int = 0  # data rows in the file (blank lines skipped)
    good: int = 0
    chunks: list[bytes] = field(default_factory=list)  # the good rows, for COPY (copyrows.py)
    problems: list[RowProblem] = field(default_factory=list)  # the first PROBLEMS_KEPT bad rows
    bad: int = 0
    date_note: str = ""

    def reject(self, line: int, bib: str, reason: str) -> None:
        self.bad += 1
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(RowProblem(line, bib, reason))


def check_file(csv_file: CsvFile, mapping: ColumnMapping, keep_rows: bool = True) -> Checked:
    """Read every row; the first row of a bib or tag wins and later repeats are reported.
    Without `keep_rows`, only the counts and the problems are kept (the check page)."""
    date_order, date_note = _date_order(csv_file, mapping)
    reader = RowReader(mapping.columns, date_order)
    result = Checked(date_note=date_note)
    good_rows = CopyChunks(reader.produced)
    bib_index = mapping.columns["bib"]
    # Dicts of str -> int are not tracked by the garbage collector: a million entries cost
    # collections nothing. Without a tag column every tag is its bib: one dict does for both.
    bib_lines: dict[str, int] = {}
    tag_lines: dict[str, int] = {} if "tag" in mapping.columns else bib_lines
    for line, values, problem in csv_file.records():
        result.rows += 1
        if problem is not None:
            bib_hint = values[bib_index].strip() if bib_index < len(values) else ""
            result.reject(line, bib_hint[:32], problem)
            continue
        try:
            row = reader.read(values)
        except FieldError as exc:
            result.reject(line, values[bib_index].strip()[:32], str(exc))
            continue
        bib, tag = row[0], row[1]
        if bib in bib_lines:
            result.reject(line, bib, f"bib {bib} already appears on line {bib_lines[bib]}")
            continue
        if tag in tag_lines:
            result.reject(line, bib, f"tag {tag} already appears on line {tag_lines[tag]}")
            continue
        bib_lines[bib] = tag_lines[tag] = line
        result.good += 1
        if keep_rows:
            good_rows.add(line, row)
    result.chunks = good_rows.finish()
    return result


def _date_order(csv_file: CsvFile, mapping: ColumnMapping) -> tuple[str, str]:
    """The order to read dates like 03/04/1985 in, and a note for the operator. Deciding from
    the file reads it once more, looking at the date column only."""
    column = mapping.columns.get("date_of_birth")
    if column is None or mapping.date_order:
        return mapping.date_order, ""
    dates = ((r.line, r.values[column]) for r in csv_file.records() if r.problem is None)
    decided = decide_order(dates)
    return decided.order, decided.note


def count_rows(csv_file: CsvFile) -> int:
    return sum(1 for _ in csv_file.records())
