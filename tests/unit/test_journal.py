"""The spill journal as a restarted server finds it: its backlog and how far each point got."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from p88.ingest.journal import Journal
from p88.reads import SessionKey, StampedRead

RACE = SessionKey(7, "RIVER RUN", date(2021, 5, 8), "UTC")


def passing(connection: str, location: str, sequence: int) -> StampedRead:
    when = datetime(2021, 5, 8, 9, 0, sequence % 60)
    return StampedRead(
        RACE, connection, location, sequence, f"T{sequence}", when, 1, "R1", 0, datetime.now(UTC)
    )


def test_a_reopened_journal_knows_its_backlog_and_resume_points(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append([passing("box-1", "FINISH", n) for n in (1, 2, 3)])
    journal.append([passing("box-1", "FINISH", 4), passing("box-1", "START", 9)])
    journal.append([passing("box-2", "FINISH", 2)])
    with journal.segments()[-1].open("ab") as handle:
        handle.write(b'[["torn')  # a crash mid-line: skipped, not counted

    reopened = Journal(tmp_path)
    assert reopened.backlog == 6
    assert reopened.resume_points == {
        (7, "box-1", "FINISH"): 4,
        (7, "box-1", "START"): 9,
        (7, "box-2", "FINISH"): 2,
    }


def test_an_empty_folder_is_an_empty_journal(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal")
    assert journal.backlog == 0 and journal.resume_points == {}
