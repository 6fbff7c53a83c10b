"""One import: check the file (in a worker thread), check its tags against the runners already
stored, then upsert the good rows in batches in the caller's transaction.

The event loop only sends the batches: each is a few thousand rows, so the collector and the
screens get the loop back between them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass, field

import trio

from p88.db.pool import Connection
from p88.participants.check import PROBLEMS_KEPT, Checked, RowProblem, check_file
from p88.participants.csvfile import read_csv
from p88.participants.mapping import ColumnMapping
from p88.participants.queries import bib_tag_rows, upsert_columns


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


def reject_tag_clashes(
    checked: Checked, stored_rows: Iterable[tuple[str, str]]
) -> list[RowProblem]:
    """Drop the good rows whose tag would end up worn by a stored runner the file does not
    re-import (or re-imports with another tag); return why. Repeats until stable: a dropped row
    keeps that runner's stored tag, which may clash with another row."""
    stored = dict(stored_rows)  # bib -> tag of the runners already stored
    bibs, tags = checked.columns["bib"], checked.columns["tag"]
    owner_of_tag = {tag: bib for bib, tag in stored.items()}
    row_of_bib = {bib: i for i, bib in enumerate(bibs)}
    row_of_tag = {tag: i for i, tag in enumerate(tags)}
    dropped: dict[int, str] = {}
    candidates: list[int] = list(range(len(bibs)))
    while candidates:
        newly: list[int] = []
        for i in candidates:
            owner = owner_of_tag.get(tags[i])
            if i in dropped or owner is None or owner == bibs[i]:
                continue
            if owner not in row_of_bib or row_of_bib[owner] in dropped:
                dropped[i] = owner
                newly.append(i)
        # A dropped runner keeps their stored tag: the row now wearing it is checked again.
        kept_tags = (stored.get(bibs[i]) for i in newly)
        candidates = [row_of_tag[t] for t in kept_tags if t is not None and t in row_of_tag]
    problems = [
        RowProblem(
            checked.lines[i],
            bibs[i],
            f"tag {tags[i]} is already worn by bib {owner} (stored earlier): "
            "give one of them another tag",
        )
        for i, owner in sorted(dropped.items())
    ]
    if dropped:
        keep = [i not in dropped for i in range(len(bibs))]
        checked.lines = list(itertools.compress(checked.lines, keep))
        for name, values in checked.columns.items():
            checked.columns[name] = list(itertools.compress(values, keep))
    return problems


async def import_participants(
    conn: Connection, partner_id: int, event_name: str, prepared: PreparedImport
) -> ImportReport:
    """Store a prepared import in the caller's (tenant) transaction."""
    checked = prepared.checked
    stored = await bib_tag_rows(conn, partner_id, event_name)
    clashes: list[RowProblem] = []
    if stored:
        clashes = await trio.to_thread.run_sync(reject_tag_clashes, checked, stored)
    inserted, updated = await upsert_columns(
        conn, partner_id, event_name, checked.columns, checked.good
    )
    bad = sorted(checked.problems + clashes, key=lambda p: p.line)[:PROBLEMS_KEPT]
    return ImportReport(
        inserted,
        updated,
        bad,
        checked.bad + len(clashes),
        prepared.ignored_columns,
        prepared.warnings,
    )
