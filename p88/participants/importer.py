"""One import: read and check the file (CPU work, for a worker thread), then store the good rows
in the caller's transaction (p88.participants.store: the loop streams bytes, PostgreSQL does the
rest) and report every row not imported, with its line."""

from __future__ import annotations

from dataclasses import dataclass, field

from p88.db.pool import Connection
from p88.participants.check import PROBLEMS_KEPT, Checked, RowProblem, check_file
from p88.participants.csvfile import read_csv
from p88.participants.mapping import ColumnMapping
from p88.participants.store import store_rows


@dataclass(slots=True)
class ImportReport:
    inserted: int = 0
    updated: int = 0
    bad: list[RowProblem] = field(default_factory=list)  # the first ones, in line order
    bad_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.inserted + self.updated


@dataclass(slots=True)
class PreparedImport:
    """A file read and checked with one mapping, ready to store."""

    checked: Checked
    ignored_columns: list[str]
    warnings: list[str]


def prepare_import(data: bytes, mapping: ColumnMapping) -> PreparedImport:
    """Read and check a whole upload: CPU work, for a worker thread."""
    csv_file = read_csv(data)
    warnings = list(csv_file.warnings)
    checked = check_file(csv_file, mapping)
    if checked.date_note:
        warnings.append(checked.date_note)
    return PreparedImport(checked, mapping.ignored(csv_file.header), warnings)


async def import_participants(
    conn: Connection, partner_id: int, event_name: str, prepared: PreparedImport
) -> ImportReport:
    """Store a prepared import in the caller's (tenant) transaction."""
    checked = prepared.checked
    stored = await store_rows(conn, partner_id, event_name, checked.chunks, checked.good)
    clashes = [
        RowProblem(
            c.line,
            c.bib,
            f"tag {c.tag} is already worn by bib {c.owner} (stored earlier): "
            "give one of them another tag",
        )
        for c in stored.clashes
    ]
    return ImportReport(
        stored.inserted,
        stored.updated,
        sorted(checked.problems + clashes, key=lambda p: p.line)[:PROBLEMS_KEPT],
        checked.bad + len(clashes),
        prepared.ignored_columns,
        prepared.warnings,
    )
