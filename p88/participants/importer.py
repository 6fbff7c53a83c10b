"""One import: read the file, validate each row, check tags against the runners already stored,
then upsert the good rows in the caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from p88.db.pool import Connection
from p88.participants.csvfile import CsvFile
from p88.participants.mapping import ColumnMapping
from p88.participants.model import ParticipantFields
from p88.participants.queries import bib_tags, upsert_participants
from p88.participants.validate import RowProblem, validate_rows


@dataclass(slots=True)
class ImportReport:
    inserted: int = 0
    updated: int = 0
    bad: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.inserted + self.updated


def reject_tag_clashes(
    good: list[tuple[int, ParticipantFields]], stored: dict[str, str]
) -> tuple[list[tuple[int, ParticipantFields]], list[RowProblem]]:
    """Rows whose tag would end up worn by a stored runner the file does not re-import (or
    re-imports with another tag). Repeats until stable: dropping a row keeps that runner's
    stored tag, which may clash with another row."""
    kept = list(good)
    rejected: list[RowProblem] = []
    while True:
        final = dict(stored)
        final.update({f.bib: f.tag for _, f in kept})
        owners: dict[str, list[str]] = {}
        for bib, tag in final.items():
            owners.setdefault(tag, []).append(bib)
        clashes = [(line, f) for line, f in kept if len(owners[f.tag]) > 1]
        if not clashes:
            return kept, rejected
        for line, f in clashes:
            other = next(b for b in owners[f.tag] if b != f.bib)
            rejected.append(
                RowProblem(
                    line,
                    f.bib,
                    f"tag {f.tag} is already worn by bib {other} (stored earlier): "
                    "give one of them another tag",
                )
            )
        kept = [(line, f) for line, f in kept if (line, f) not in clashes]


async def import_participants(
    conn: Connection,
    partner_id: int,
    event_name: str,
    csv_file: CsvFile,
    mapping: ColumnMapping,
) -> ImportReport:
    validated = validate_rows(csv_file, mapping)
    stored = await bib_tags(conn, partner_id, event_name)
    good, clashes = reject_tag_clashes(validated.good, stored)
    inserted, updated = await upsert_participants(
        conn, partner_id, event_name, [f for _, f in good]
    )
    bad = sorted(validated.bad + clashes, key=lambda p: p.line)
    return ImportReport(
        inserted, updated, bad, mapping.ignored(csv_file.header), list(csv_file.warnings)
    )
