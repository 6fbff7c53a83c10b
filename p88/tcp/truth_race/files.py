"""The truth race's files: the participant CSV a registration system would export, the results
setup document (the format of p88.results.document) and the expected results CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from p88.tcp.truth_race.expected import HEADER, elapsed
from p88.tcp.truth_race.field import (
    BACKUP,
    COURSES,
    FINISH,
    LOCATIONS,
    START,
    WAVES,
    Entry,
)

PARTICIPANT_HEADER = (
    "Bib", "Chip", "First Name", "Last Name", "Gender", "Date of Birth", "Wave", "Course",
)  # fmt: skip
PARTICIPANTS = "participants.csv"
SETUP = "setup.json"
TRUTH = "truth.csv"
TRUTH_CLOSED = "truth-closed.csv"


def _csv(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def participants_csv(entries: Iterable[Entry]) -> str:
    return _csv(
        PARTICIPANT_HEADER,
        (
            (
                e.bib,
                e.tag_cell,
                e.first_name,
                e.last_name,
                e.gender_cell,
                "" if e.birth_date is None else e.birth_date.isoformat(),
                e.wave,
                e.course,
            )
            for e in entries
        ),
    )


def setup_document(day: date) -> dict[str, Any]:
    """Points (FINISH read by two lines), two courses ranked by chip time on the same mats,
    the three waves in gun order (each takes the next gun line), five-year age groups."""
    points = [{"name": name, "locations": [name]} for name in LOCATIONS if name != BACKUP]
    points[-1]["locations"] = [FINISH, BACKUP]
    courses = [
        {
            "name": c.name,
            "start": START,
            "finish": FINISH,
            "splits": [{"point": c.split, "distance_m": c.split_m}],
            "distance_m": c.distance_m,
            "min_time": elapsed(c.min_time),
            "rank_by": "chip",
        }
        for c in COURSES
    ]
    return {
        "points": points,
        "courses": courses,
        "waves": [{"name": wave} for wave in WAVES],
        "age_groups": {"scheme": "five_year"},
        "race_date": day.isoformat(),
    }


def setup_json(day: date) -> str:
    return json.dumps(setup_document(day), indent=2) + "\n"


def truth_csv(rows: Iterable[Sequence[str]]) -> str:
    return _csv(HEADER, rows)


def write_files(folder: Path, files: dict[str, str]) -> list[Path]:
    """Each named text into `folder` (made if missing), UTF-8 as written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = folder / name
        path.write_bytes(text.encode())
        written.append(path)
    return written
