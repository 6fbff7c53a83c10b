"""Good rows as COPY's CSV, a chunk of COPY_ROWS rows at a time.

A million runners held as a few hundred byte strings, not as lists of values: every garbage
collection that meets a list walks all its items, and one that met five lists of a million
names held the event loop 0.46 s (bench/import.py). The chunks are written in the worker
thread that checks the file; the loop only hands them to COPY.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from p88.participants.model import DEFAULTS, FIELD_NAMES

COPY_COLUMNS = ("line", *FIELD_NAMES)  # each row's line in the file, then the fields
COPY_ROWS = 5_000  # rows a chunk: ~300 KB
# Fields whose empty value is NULL: csv writes None as a quoted empty string, which COPY's
# FORCE_NULL turns into NULL for these columns.
NULLABLE = ("gender", "age", "date_of_birth")


class CopyChunks:
    """Collects rows of the fields `produced` (in that order); a field not produced takes its
    default. `chunks` are COPY ... (FORMAT csv) data for COPY_COLUMNS."""

    def __init__(self, produced: Sequence[str]) -> None:
        position = {name: i for i, name in enumerate(produced)}
        self._layout = [(position.get(name), DEFAULTS.get(name)) for name in FIELD_NAMES]
        self._pending: list[tuple[int, Sequence[Any]]] = []
        self.chunks: list[bytes] = []
        self.rows = 0

    def add(self, line: int, values: Sequence[Any]) -> None:
        self._pending.append((line, values))
        if len(self._pending) >= COPY_ROWS:
            self._flush()

    def finish(self) -> list[bytes]:
        self._flush()
        return self.chunks

    def _flush(self) -> None:
        if not self._pending:
            return
        count = len(self._pending)
        lines = [line for line, _ in self._pending]
        produced = list(zip(*(values for _, values in self._pending), strict=True))
        columns = [lines] + [
            produced[i] if i is not None else [default] * count for i, default in self._layout
        ]
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
        writer.writerows(zip(*columns, strict=True))
        self.chunks.append(out.getvalue().encode())
        self.rows += count
        self._pending = []
