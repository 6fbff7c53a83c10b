"""The passing rule a display relies on: first read, repeats within the ignore window, laps."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from p88.live.passings import PassingDetector, Rules

T0 = datetime(2021, 5, 8, 9, 0, 0)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def test_first_read_of_a_tag_at_a_point_is_a_passing() -> None:
    detector = PassingDetector()
    passing = detector.feed(1, "FINISH", "101", at(0))
    assert passing is not None
    assert (passing.read_id, passing.location, passing.tag, passing.lap) == (1, "FINISH", "101", 1)


def test_repeats_inside_the_ignore_window_are_not_resent() -> None:
    detector = PassingDetector(Rules(ignore_window=timedelta(seconds=5)))
    reads = [
        (1, "FINISH", "101", at(0)),
        (2, "FINISH", "101", at(0.4)),
        (3, "FINISH", "101", at(5)),
    ]
    assert [p.read_id for p in detector.feed_many(reads)] == [1]


def test_a_slightly_earlier_read_from_a_second_reader_is_a_repeat() -> None:
    detector = PassingDetector()
    reads = [(1, "FINISH", "101", at(10)), (2, "FINISH", "101", at(9.2))]
    assert [p.read_id for p in detector.feed_many(reads)] == [1]


def test_the_same_tag_at_another_point_is_its_own_passing() -> None:
    detector = PassingDetector()
    reads = [(1, "10K", "101", at(0)), (2, "FINISH", "101", at(1)), (3, "FINISH", "102", at(1))]
    assert [(p.location, p.tag) for p in detector.feed_many(reads)] == [
        ("10K", "101"),
        ("FINISH", "101"),
        ("FINISH", "102"),
    ]


def test_a_later_lap_after_the_minimum_lap_time_is_resent_with_its_lap_number() -> None:
    detector = PassingDetector(
        Rules(ignore_window=timedelta(seconds=5), min_lap=timedelta(seconds=60))
    )
    reads = [
        (1, "LAP", "7", at(0)),
        (2, "LAP", "7", at(30)),  # walked back over the mat: neither repeat nor lap
        (3, "LAP", "7", at(61)),  # second lap
        (4, "LAP", "7", at(63)),  # its repeat
        (5, "LAP", "7", at(125)),  # third lap, measured from the second
    ]
    assert [(p.read_id, p.lap) for p in detector.feed_many(reads)] == [(1, 1), (3, 2), (5, 3)]


def test_rules_refuse_a_lap_shorter_than_the_ignore_window() -> None:
    with pytest.raises(ValueError, match="minimum lap time"):
        Rules(ignore_window=timedelta(seconds=10), min_lap=timedelta(seconds=5))
    with pytest.raises(ValueError, match="negative"):
        Rules(ignore_window=timedelta(seconds=-1))


def test_replaying_the_same_reads_into_a_fresh_detector_gives_the_same_passings() -> None:
    reads = [(i, "FINISH", str(i % 7), at(i * 0.9)) for i in range(1, 200)]
    first = PassingDetector(Rules(min_lap=timedelta(seconds=30))).feed_many(reads)
    second = PassingDetector(Rules(min_lap=timedelta(seconds=30))).feed_many(reads)
    assert first == second
    assert len(first) > 7  # laps happened


def test_passings_are_encoded_as_one_message() -> None:
    import json

    from p88.live.feeds import encode_passings

    first = encode_passings([{"id": 1, "tag": "a"}])
    assert json.loads(first) == {"type": "passings", "events": [{"id": 1, "tag": "a"}]}
