"""The spill journal: where batches go, fsync'd, while PostgreSQL cannot take them.

Append-only segment files of JSON lines (one batch a line) in `<data_dir>/journal/`. A batch
counts as stored once its line is fsync'd. Segments are replayed oldest first and deleted only
after their reads are committed. A line torn by a crash (no newline, or bad JSON) was never
fsync'd, so it was never acknowledged; it is skipped and its reads are re-sent by the client on
resume.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from p88.ingest.resume import PointKey, max_sequences
from p88.reads import SessionKey, StampedRead

log = logging.getLogger(__name__)

SEGMENT_MAX_BYTES = 8 * 1024 * 1024


def _encode(p: StampedRead) -> list[Any]:
    s = p.session
    return [
        s.partner_id,
        s.event,
        s.day.isoformat(),
        s.timezone,
        p.connection_id,
        p.location,
        p.sequence,
        p.tag,
        p.local_time.isoformat(),
        p.lap,
        p.reader_id,
        p.gator,
        p.received_at.isoformat(),
        1 if p.is_gun else 0,
    ]


def _decode(row: list[Any]) -> StampedRead:
    return StampedRead(
        session=SessionKey(int(row[0]), row[1], date.fromisoformat(row[2]), row[3]),
        connection_id=row[4],
        location=row[5],
        sequence=int(row[6]),
        tag=row[7],
        local_time=datetime.fromisoformat(row[8]),
        lap=int(row[9]),
        reader_id=row[10],
        gator=int(row[11]),
        received_at=datetime.fromisoformat(row[12]),
        is_gun=bool(row[13]),
    )


class Journal:
    """Blocking file operations; callers run them in a worker thread."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        # One pass over what an earlier run left: its size, and how far each point got (a
        # journaled read counts as stored, so a reconnecting client resumes after it).
        self._backlog = 0
        self.resume_points: dict[PointKey, int] = {}
        for path in self.segments():
            for batch in self._read_segment(path):
                self._backlog += len(batch)
                for key, sequence in max_sequences(batch).items():
                    if sequence > self.resume_points.get(key, -1):
                        self.resume_points[key] = sequence

    @property
    def backlog(self) -> int:
        """Reads journaled and not yet committed to PostgreSQL."""
        return self._backlog

    def segments(self) -> list[Path]:
        return sorted(self.folder.glob("segment-*.jsonl"))

    def _active_segment(self) -> Path:
        existing = self.segments()
        if existing and existing[-1].stat().st_size < SEGMENT_MAX_BYTES:
            return existing[-1]
        number = int(existing[-1].stem.split("-")[1]) + 1 if existing else 1
        return self.folder / f"segment-{number:08d}.jsonl"

    def append(self, batch: Sequence[StampedRead]) -> None:
        """Write one batch and fsync it (and the folder, so a new segment survives a crash)."""
        path = self._active_segment()
        is_new = not path.exists()
        line = json.dumps([_encode(p) for p in batch], separators=(",", ":")) + "\n"
        with open(path, "ab") as handle:
            handle.write(line.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        if is_new:
            dir_fd = os.open(self.folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        self._backlog += len(batch)

    def read_oldest(self) -> tuple[Path, list[list[StampedRead]]] | None:
        """The oldest segment and its batches, in order; None when the journal is empty."""
        segments = self.segments()
        if not segments:
            return None
        path = segments[0]
        return path, self._read_segment(path)

    def remove(self, path: Path, drained: int) -> None:
        """Forget a segment whose reads are committed."""
        path.unlink()
        self._backlog = max(0, self._backlog - drained)

    @staticmethod
    def _read_segment(path: Path) -> list[list[StampedRead]]:
        batches: list[list[StampedRead]] = []
        with open(path, "rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if not raw.endswith(b"\n"):
                    log.warning("journal %s line %d: torn by a crash, skipped", path.name, number)
                    continue
                try:
                    batches.append([_decode(row) for row in json.loads(raw)])
                except (ValueError, TypeError, IndexError, KeyError) as exc:
                    log.warning(
                        "journal %s line %d unreadable (%s), skipped", path.name, number, exc
                    )
        return batches
