"""Chip time on live screens, without I/O: which start-mat read a passing counts from."""

from __future__ import annotations

from datetime import datetime, timedelta

from p88.live.enrich import SessionContext
from p88.live.passings import Passing
from p88.live.starts import MAX_READS_PER_TAG, StartReads, is_start_point
from p88.participants.model import Participant
from p88.reads import StoredRead
from p88.results.start import start_crossing

GUN = datetime(2021, 5, 8, 8, 0, 0)
WAVE_2_GUN = GUN + timedelta(minutes=10)


def at(seconds: float) -> datetime:
    return GUN + timedelta(seconds=seconds)


def stored(read_id: int, location: str, tag: str, seconds: float) -> StoredRead:
    return StoredRead(
        read_id, 7, 1, 1, location, tag, at(seconds), 0, "R1", 1, read_id, datetime(2021, 5, 8)
    )


def finish(read_id: int, tag: str, seconds: float, location: str = "FINISH") -> Passing:
    return Passing(read_id, location, tag, at(seconds), 1)


def context() -> SessionContext:
    ctx = SessionContext(7, 1, "RIVER RUN")
    for tag, wave in (("T1", "1"), ("T2", "1"), ("T3", "1"), ("T4", "2"), ("T5", "1")):
        ctx.participants[tag] = Participant(1, "RIVER RUN", tag.removeprefix("T"), tag, wave=wave)
    ctx.guns = [(GUN, "1", "manual"), (WAVE_2_GUN, "2", "manual")]
    return ctx


def test_chip_time_counts_from_the_last_start_read_before_the_passing() -> None:
    ctx = context()
    ctx.note_reads(
        [
            stored(1, "START", "T1", 40.0),
            stored(2, "START", "T1", 41.5),  # lingered on the mat: the last read is the crossing
            stored(3, "FINISH", "T1", 3000.0),  # not a start read: ignored by the start memory
        ]
    )
    event = ctx.event(finish(3, "T1", 3000.0))
    assert event["gun_ms"] == 3_000_000
    assert event["chip_ms"] == 3_000_000 - 41_500


def test_without_a_start_read_chip_time_is_null_and_pages_fall_back_to_gun_time() -> None:
    ctx = context()
    event = ctx.event(finish(9, "T2", 3100.25))
    assert event["gun_ms"] == 3_100_250
    assert event["chip_ms"] is None


def test_a_stray_start_read_long_before_the_gun_counts_as_starting_with_the_gun() -> None:
    ctx = context()
    ctx.note_reads([stored(1, "START", "T3", -3600.0)])  # walked over the mat an hour early
    event = ctx.event(finish(2, "T3", 2900.0))
    assert event["chip_ms"] == event["gun_ms"] == 2_900_000


def test_each_runner_is_clamped_to_their_own_wave_gun() -> None:
    ctx = context()
    # A wave 2 runner waits on the mat before their gun, crosses 20 s after it.
    ctx.note_reads([stored(1, "START", "T4", 300.0), stored(2, "START", "T4", 620.0)])
    assert ctx.event(finish(3, "T4", 3600.0))["chip_ms"] == 2_980_000
    ctx.note_reads([stored(4, "START", "T5", -10.0)])
    assert ctx.event(finish(5, "T5", 3000.0))["chip_ms"] == 3_000_000  # from wave 1's gun


def test_start_reads_after_the_passing_do_not_move_its_start() -> None:
    ctx = context()
    ctx.note_reads([stored(1, "START", "T1", 30.0), stored(2, "START", "T1", 3300.0)])
    # The runner walked back over the start mat after finishing: the finish keeps its start.
    assert ctx.event(finish(3, "T1", 3000.0))["chip_ms"] == 2_970_000


def test_start_passings_carry_no_chip_time_and_any_case_of_start_is_the_start() -> None:
    ctx = context()
    ctx.note_reads([stored(1, "Start", "T1", 30.0), stored(2, "Start", "T1", 31.0)])
    assert ctx.event(finish(1, "T1", 30.0, location="Start"))["chip_ms"] is None
    assert ctx.event(finish(3, "T1", 1830.0, location="10K"))["chip_ms"] == 1_799_000
    assert is_start_point("START") and is_start_point("start")
    assert not is_start_point("START2") and not is_start_point("FINISH")


def test_without_any_gun_chip_time_still_counts_from_the_start_mat() -> None:
    ctx = context()
    ctx.guns = []
    ctx.note_reads([stored(1, "START", "T1", -120.0)])
    event = ctx.event(finish(2, "T1", 3480.0))
    assert event["gun_ms"] is None
    assert event["chip_ms"] == 3_600_000


def test_history_and_live_reads_may_overlap_and_arrive_out_of_order() -> None:
    starts = StartReads()
    starts.add_many([("T1", at(12.0)), ("T1", at(10.0))])
    starts.add_many([("T1", at(10.0)), ("T1", at(11.0)), ("T1", at(12.0))])
    assert starts._times["T1"] == [at(10.0), at(11.0), at(12.0)]
    assert starts.crossing("T1", GUN, at(11.5)) == at(11.0)
    assert starts.crossing("T9", GUN, at(11.5)) is None


def test_a_tag_lying_at_the_mat_keeps_only_its_newest_reads() -> None:
    starts = StartReads()
    for second in range(MAX_READS_PER_TAG * 3):
        starts.note("START", "T1", at(second))
    assert len(starts._times["T1"]) == MAX_READS_PER_TAG
    assert starts._times["T1"][0] == at(MAX_READS_PER_TAG * 2)


def test_the_shared_rule_matches_the_results_engine() -> None:
    times = [at(-30.0), at(5.0), at(9.0), at(400.0)]
    # The results engine stops counting start reads at gun + its minimum finish time.
    assert start_crossing(times, GUN, GUN + timedelta(minutes=1)) == at(9.0)
    assert start_crossing(times[:1], GUN, GUN + timedelta(minutes=1)) == GUN
    assert start_crossing(times, None, None) == at(400.0)
    assert start_crossing(times, GUN, at(-30.0)) is None
