"""Stamping a connection's reads (p88.tcp.stamping): a run of plain reads is stamped exactly as
its lines would be one by one, reads before the handshake wait, the first read fixes the
session."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from p88.reads import SessionKey, StampedRead
from p88.tcp.protocol import GunTime, PlainReads, ServerParser, TagRead
from p88.tcp.stamping import MAX_EARLY_READS, ConnectionReads
from tests.unit.test_protocol import GREETING
from tests.unit.test_protocol_fast_path import plain_lines

ARRIVED = datetime(2021, 5, 8, 8, 30, tzinfo=UTC)


def reads_of(lines: list[bytes]) -> PlainReads:
    parser = ServerParser()
    parser.feed(GREETING)
    (run,) = parser.feed(b"".join(lines))
    assert isinstance(run, PlainReads)
    return run


def started(dropped: list[str] | None = None) -> ConnectionReads:
    reads = ConnectionReads("Europe/Berlin", {}, (dropped if dropped is not None else []).append)
    reads.start(7, "conn-1", "RIVER RUN")
    reads.received_at = ARRIVED
    return reads


@given(st.lists(plain_lines(spaces=st.just("")), min_size=1, max_size=20))
def test_a_run_is_stamped_as_its_lines_one_by_one(lines: list[bytes]) -> None:
    run = reads_of(lines)
    by_run, by_line = started(), started()
    by_run.add_line(run.tag_reads()[0])  # both fix the session on the same first read
    by_line.add_line(run.tag_reads()[0])
    by_run.add_run(run)
    for line in run.tag_reads():
        by_line.add_line(line)
    assert by_run.take_batch() == by_line.take_batch()
    assert by_run.last_sequences == by_line.last_sequences


def test_stamped_fields_and_one_string_per_point_name() -> None:
    run = reads_of(
        [
            b"CT01_33~1743~FINISH~9511~2021-05-08T08:04:28.64~1~12000C~8\r\n",
            b"CT01_33~1744~FINISH~9512~2021-05-08T08:04:29.01~2~12000C~4\r\n",
        ]
    )
    reads = started()
    reads.add_run(run)
    first, second = reads.take_batch()
    session = SessionKey(7, "RIVER RUN", date(2021, 5, 8), "Europe/Berlin")
    when = datetime(2021, 5, 8, 8, 4, 28, 640000)
    assert first == StampedRead(
        session, "conn-1", "FINISH", 1743, "9511", when, 1, "12000C", 8, ARRIVED, False
    )
    assert first.location is second.location  # ingest finds runs of one point by identity
    assert reads.last_sequences == {"FINISH": 1744}
    assert reads.take_batch() == []


def test_reads_before_the_handshake_wait_and_the_first_one_fixes_the_session() -> None:
    reads = ConnectionReads("Europe/Berlin", {}, [].append)
    normal = TagRead(3, "START", "12", "-00:00:03.25", 1, "R", 1, timedelta(seconds=-3.25))
    iso = TagRead(4, "START", "13", "2021-05-09T00:00:01.00", 1, "R", 1)
    reads.add_line(normal)
    reads.add_line(iso)
    assert reads.take_batch() == []
    reads.start(7, "conn-1", "NIGHT RUN")
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    first, second = reads.take_batch()
    assert first.session.day == second.session.day == today  # a normal time has no date
    assert first.local_time == datetime.combine(today, datetime.min.time()) - timedelta(
        seconds=3.25
    )
    assert second.local_time == datetime(2021, 5, 9, 0, 0, 1)  # an iso time is itself


def test_a_gun_time_is_stamped_as_a_gun() -> None:
    reads = started()
    when = datetime(2021, 5, 8, 8, 0, 55, 160000)
    reads.add_line(GunTime(1742, "FINISH", "2021-05-08T08:00:55.16", "I11A9D", when))
    (gun,) = reads.take_batch()
    assert (gun.is_gun, gun.tag, gun.lap, gun.gator, gun.local_time) == (True, "", 0, 0, when)
    assert gun.reader_id == "I11A9D"


def test_reads_beyond_what_is_held_before_the_handshake_are_dropped_with_a_reason() -> None:
    dropped: list[str] = []
    reads = ConnectionReads("UTC", {}, dropped.append)
    line = TagRead(1, "FINISH", "1", "2021-05-08T08:00:00", 1, "R", 1, datetime(2021, 5, 8, 8))
    for _ in range(MAX_EARLY_READS + 2):
        reads.add_line(line)
    assert len(dropped) == 2 and "handshake" in dropped[0]
    reads.start(1, "c", "E")
    assert len(reads.take_batch()) == MAX_EARLY_READS
