"""Loading races into replayable streams: the real 21ROTM files and synthetic races."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest

from p88.sampledata import race_21rotm_path
from p88.tcp.controller_files import (
    Marker,
    RawRead,
    decode_marker_stamp,
    parse_epoch,
    plausible_guns,
    read_marker_file,
    unpad_tag,
)
from p88.tcp.race_sources import (
    GUNTIME_TAG,
    Kind,
    PointFeed,
    Stream,
    build_stream,
    distinct_read_keys,
    load_21rotm,
    load_controller_files,
    synthetic_race,
    total_reads,
)


@pytest.fixture(scope="module")
def feeds() -> list[PointFeed]:
    return load_21rotm()


def streams_by_source(feeds: list[PointFeed]) -> dict[str, Stream]:
    return {stream.source: stream for feed in feeds for stream in feed.streams}


def gun_times(stream: Stream) -> list[datetime]:
    return [obs.time for obs in stream.observations if obs.kind is Kind.GUNTIME]


# ------------------------------------------------------------------ totals
def test_bundled_copy_is_complete() -> None:
    root = race_21rotm_path()
    assert (root / "README.md").is_file()
    assert (root / "LICENSE-NOTE.md").is_file()
    assert len(list(root.glob("*/*.csv"))) == 11
    assert len(list(root.glob("*/*.mrk"))) == 11


def test_ten_point_feeds_with_all_reads(feeds: list[PointFeed]) -> None:
    assert len(feeds) == 10
    assert total_reads(feeds) == 64_990
    assert sum(feed.read_count for feed in feeds) == 64_990


def test_distinct_reads_on_event_location_tag_time_reader_gator(feeds: list[PointFeed]) -> None:
    keys = distinct_read_keys(feeds)
    assert len(keys) == 53_512
    # The event adds nothing: 21KARA's FINISH1 session (another day) shares no read with 21ROTM.
    assert len({key[1:] for key in keys}) == 53_512


def test_one_duplicate_read_inside_finish1_itself(feeds: list[PointFeed]) -> None:
    finish1 = streams_by_source(feeds)["FINISH1/5071909"]
    counts = Counter(
        (obs.tag, obs.time, obs.reader_id, obs.gator) for obs in finish1.observations if obs.is_read
    )
    assert [key for key, n in counts.items() if n > 1] == [
        ("5909", datetime(2021, 5, 8, 8, 29, 56, 860000), "120044", 2)
    ]


# ------------------------------------------------------------------ locations and events
def test_locations_come_from_the_marker_point(feeds: list[PointFeed]) -> None:
    streams = streams_by_source(feeds)
    assert (streams["START1/5071909"].event, streams["START1/5071909"].location) == (
        "21ROTM",
        "FINISH1",
    )
    assert (streams["START1/5012018"].event, streams["START1/5012018"].location) == (
        "21KARA",
        "FINISH1",
    )
    assert streams["START2/01010000"].location == "FINISH2"
    assert streams["mini-12250FINISH4/05080741"].location == "FINISH4"
    assert streams["27k/5072049"].location == "27k"


def test_start1_streams_the_older_session_first(feeds: list[PointFeed]) -> None:
    start1 = next(feed for feed in feeds if feed.name == "START1")
    assert [stream.source for stream in start1.streams] == ["START1/5012018", "START1/5071909"]


def test_start1_copy_is_a_prefix_of_finish1(feeds: list[PointFeed]) -> None:
    streams = streams_by_source(feeds)
    copy, full = streams["START1/5071909"].observations, streams["FINISH1/5071909"].observations
    assert copy == full[: len(copy)]


# ------------------------------------------------------------------ observations
def test_epoch_is_local_wall_clock_with_exact_hundredths(feeds: list[PointFeed]) -> None:
    first = streams_by_source(feeds)["FINISH1/5071909"].observations[0]
    assert first.time == datetime(2021, 5, 8, 7, 24, 28, 640000)
    assert parse_epoch("1620458668.64") == datetime(2021, 5, 8, 7, 24, 28, 640000)
    assert parse_epoch("1620458668.1") == datetime(2021, 5, 8, 7, 24, 28, 100000)
    assert parse_epoch("1620458668") == datetime(2021, 5, 8, 7, 24, 28)
    all_times = [obs.time for feed in feeds for s in feed.streams for obs in s.observations]
    assert all(t.microsecond % 10_000 == 0 for t in all_times)


def test_first_finish1_read(feeds: list[PointFeed]) -> None:
    obs = streams_by_source(feeds)["FINISH1/5071909"].observations[0]
    assert (obs.sequence, obs.tag, obs.lap, obs.reader_id, obs.gator, obs.kind) == (
        1,
        "9511",
        1,
        "12000C",
        8,
        Kind.READ,
    )


def test_tags_are_unpadded(feeds: list[PointFeed]) -> None:
    finish3 = streams_by_source(feeds)["FINISH3/05080711"].observations
    assert [obs.tag for obs in finish3[:3]] == ["9573", "7025", "9710"]
    tags = {obs.tag for feed in feeds for s in feed.streams for obs in s.observations}
    assert not any(tag.startswith("0") and tag != "0" for tag in tags)
    assert (unpad_tag("009573"), unpad_tag("0"), unpad_tag("000"), unpad_tag("M012")) == (
        "9573",
        "0",
        "0",
        "M012",
    )


def test_lap_counts_earlier_reads_of_the_same_tag(feeds: list[PointFeed]) -> None:
    obs = streams_by_source(feeds)["FINISH1/5071909"].observations
    assert [(o.tag, o.lap) for o in obs[:3]] == [("9511", 1), ("9511", 2), ("9511", 3)]
    for stream in streams_by_source(feeds).values():
        seen: Counter[str] = Counter()
        for o in stream.observations:
            if o.is_read:
                seen[o.tag] += 1
                assert o.lap == seen[o.tag]


def test_times_may_go_backwards_while_sequences_rise(feeds: list[PointFeed]) -> None:
    obs = streams_by_source(feeds)["39k/5072123"].observations
    assert obs[3482].sequence < obs[3483].sequence
    assert obs[3482].time > obs[3483].time


# ------------------------------------------------------------------ gun starts
def test_finish1_guns_six_waves_and_a_late_one(feeds: list[PointFeed]) -> None:
    finish1 = streams_by_source(feeds)["FINISH1/5071909"]
    assert gun_times(finish1) == [
        datetime(2021, 5, 8, 8, 0, 55, 160000),
        datetime(2021, 5, 8, 8, 5, 55, 520000),
        datetime(2021, 5, 8, 8, 15, 55, 420000),
        datetime(2021, 5, 8, 8, 20, 55, 420000),
        datetime(2021, 5, 8, 8, 35, 55, 540000),
        datetime(2021, 5, 8, 9, 0, 55, 320000),
        datetime(2021, 5, 8, 16, 56, 19, 410000),  # the late one, after the last read
    ]
    guns = [obs for obs in finish1.observations if obs.kind is Kind.GUNTIME]
    assert all((g.tag, g.lap, g.reader_id, g.gator) == (GUNTIME_TAG, 0, "I11A9D", 0) for g in guns)
    # The late gun comes after the last read, so it closes the stream.
    assert finish1.observations[-1].kind is Kind.GUNTIME


def test_finish3_gun(feeds: list[PointFeed]) -> None:
    assert gun_times(streams_by_source(feeds)["FINISH3/05080711"]) == [
        datetime(2021, 5, 8, 11, 5, 38, 120000)
    ]


def test_finish2_unset_marker_clock_is_ignored(feeds: list[PointFeed]) -> None:
    root = race_21rotm_path()
    markers = read_marker_file(root / "FINISH2" / "01010000.mrk")
    assert markers[1].kind == "Event"
    assert markers[1].stamp == datetime(2080, 1, 1, 0, 0, 22, 900000)
    reads = [RawRead("1", datetime(2021, 5, 8, 9), "10E747", 1)]
    unset_gun = Marker("E92EBB", "Gun", "1", markers[1].stamp, "Button Press")
    good_gun = Marker("E92EBB", "Gun", "1", datetime(2021, 5, 8, 8), "Button Press")
    assert plausible_guns([unset_gun, good_gun], reads) == [datetime(2021, 5, 8, 8)]
    assert gun_times(streams_by_source(feeds)["FINISH2/01010000"]) == []
    assert streams_by_source(feeds)["FINISH2/01010000"].event == "21ROTM"


def test_marker_stamp_decoding() -> None:
    assert decode_marker_stamp("21050808005516") == datetime(2021, 5, 8, 8, 0, 55, 160000)
    assert decode_marker_stamp("21130808005516") is None  # month 13
    assert decode_marker_stamp("2105080800551") is None


def test_gun_goes_before_the_first_later_read() -> None:
    t = datetime(2021, 5, 8, 8)
    reads = [
        RawRead("1", t.replace(second=10), "A", 1),
        RawRead("2", t.replace(second=5), "A", 1),  # backwards in time
        RawRead("3", t.replace(second=30), "A", 1),
    ]
    stream = build_stream("E", "L", "x", reads, [t.replace(second=20), t.replace(second=1)], "C")
    assert [(o.sequence, o.tag) for o in stream.observations] == [
        (1, GUNTIME_TAG),
        (2, "1"),
        (3, "2"),
        (4, GUNTIME_TAG),
        (5, "3"),
    ]


# ------------------------------------------------------------------ determinism
def test_sequences_are_one_to_n_and_deterministic(feeds: list[PointFeed]) -> None:
    again = load_21rotm(race_21rotm_path())
    assert again == feeds
    for stream in streams_by_source(feeds).values():
        assert [o.sequence for o in stream.observations] == list(
            range(1, len(stream.observations) + 1)
        )


def test_a_folder_without_markers_uses_folder_name(tmp_path: Path) -> None:
    point = tmp_path / "30k"
    point.mkdir()
    (point / "1.csv").write_text("TO~1~0042~160~18~1620458668.64~12000C~8~-63~1~P~192\r\n")
    [feed] = load_controller_files(tmp_path)
    [stream] = feed.streams
    assert (stream.event, stream.location, stream.observations[0].tag) == ("UNKNOWN", "30k", "42")


# ------------------------------------------------------------------ synthetic races
def test_synthetic_race_is_deterministic() -> None:
    def race(seed: int) -> list[PointFeed]:
        return synthetic_race(50, ["START", "5K", "FINISH"], 3, seed, "DEMO", date(2024, 6, 1))

    assert race(7) == race(7)
    assert race(7) != race(8)


def test_synthetic_race_shape() -> None:
    feeds = synthetic_race(200, ["START", "5K", "FINISH"], 3, 1, "DEMO", date(2024, 6, 1))
    assert [feed.name for feed in feeds] == ["START", "5K", "FINISH"]
    start = feeds[0].streams[0]
    assert gun_times(start) == [
        datetime(2024, 6, 1, 8, 0),
        datetime(2024, 6, 1, 8, 10),
        datetime(2024, 6, 1, 8, 20),
    ]
    assert gun_times(feeds[1].streams[0]) == gun_times(feeds[2].streams[0]) == []
    for feed in feeds:
        [stream] = feed.streams
        assert stream.event == "DEMO" and stream.location == feed.name
        reads = [o for o in stream.observations if o.is_read]
        per_bib = Counter(o.tag for o in reads)
        assert set(per_bib) == {str(bib) for bib in range(1, 201)}
        assert all(2 <= n <= 6 for n in per_bib.values())
        assert {o.gator for o in reads} == {1, 2, 4, 8}
        assert len({o.reader_id for o in reads}) == 2
        assert [o.sequence for o in stream.observations] == list(
            range(1, len(stream.observations) + 1)
        )
        assert all(o.time.microsecond % 10_000 == 0 for o in reads)
    finish_first = min(o.time for o in feeds[2].streams[0].observations)
    assert finish_first > datetime(2024, 6, 1, 8, 30)  # 10 km takes over half an hour


def test_synthetic_reads_of_one_passing_are_within_two_seconds() -> None:
    [feed] = synthetic_race(30, ["10K"], 1, 3, "DEMO", date(2024, 6, 1))
    by_bib: dict[str, list[datetime]] = {}
    for obs in feed.streams[0].observations:
        by_bib.setdefault(obs.tag, []).append(obs.time)
    assert all((max(ts) - min(ts)).total_seconds() <= 2.0 for ts in by_bib.values())
