"""Silent-point alerts: the pure rule, and the tracker that feeds it from open connections."""

from __future__ import annotations

from p88.ops.silent import PointActivity, PointKey, PointTracker, silent_points
from p88.stats import ConnectionInfo

KEY = PointKey("default", "21ROTM", "FINISH")


def test_a_point_is_flagged_only_once_quiet_for_the_threshold() -> None:
    points = {KEY: PointActivity(last_sequence=7, last_read_at=1000.0, connection_id="mw")}
    assert silent_points(points, 1119.9, silent_after=120, disconnect_grace=30) == []
    [flag] = silent_points(points, 1120.0, silent_after=120, disconnect_grace=30)
    assert (flag.point, flag.reason, flag.since, flag.last_read_at) == (
        "FINISH",
        "silent",
        1000.0,
        1000.0,
    )


def test_a_disconnected_point_is_flagged_after_the_grace_not_the_silence_threshold() -> None:
    gone = PointActivity(7, 1000.0, "mw", connected=False, disconnected_at=1005.0)
    assert silent_points({KEY: gone}, 1034.9, silent_after=120, disconnect_grace=30) == []
    [flag] = silent_points({KEY: gone}, 1035.0, silent_after=120, disconnect_grace=30)
    assert (flag.reason, flag.since) == ("disconnected", 1005.0)


def test_points_come_out_sorted_and_only_the_quiet_ones() -> None:
    points = {
        PointKey("b", "E", "START"): PointActivity(1, 0.0, "x"),
        PointKey("a", "E", "FINISH"): PointActivity(1, 0.0, "y"),
        PointKey("a", "E", "9K"): PointActivity(1, 99.0, "y"),
    }
    flagged = silent_points(points, 100.0, silent_after=10, disconnect_grace=10)
    assert [(p.partner, p.point) for p in flagged] == [("a", "FINISH"), ("b", "START")]


def connection(event: str, connection_id: str, **locations: int) -> ConnectionInfo:
    return ConnectionInfo(
        peer="10.0.0.5:5000",
        partner="default",
        event=event,
        connection_id=connection_id,
        locations=dict(locations),
    )


def test_the_tracker_sees_new_reads_by_a_changed_sequence() -> None:
    tracker = PointTracker()
    mat = connection("21ROTM", "mw-1", FINISH=5, START=9)
    tracker.observe([mat], now=100.0)
    mat.locations["FINISH"] = 6  # a read came in at FINISH; START sent nothing
    tracker.observe([mat], now=150.0)
    flagged = silent_points(tracker.points, 230.0, silent_after=120, disconnect_grace=30)
    assert [(p.point, p.reason, p.since) for p in flagged] == [("START", "silent", 100.0)]


def test_a_disconnect_is_flagged_and_a_reconnect_of_the_same_middleware_clears_it() -> None:
    tracker = PointTracker()
    tracker.observe([connection("21ROTM", "mw-1", FINISH=5)], now=100.0)
    tracker.observe([], now=101.0)  # the middleware went away
    flagged = silent_points(tracker.points, 140.0, silent_after=120, disconnect_grace=30)
    assert [(p.point, p.reason, p.since) for p in flagged] == [("FINISH", "disconnected", 101.0)]
    # Back with the same connection id, before any new read: no longer disconnected...
    tracker.observe([connection("21ROTM", "mw-1")], now=141.0)
    assert silent_points(tracker.points, 141.0, silent_after=120, disconnect_grace=30) == []
    # ...and its resumed reads clear the silence too.
    tracker.observe([connection("21ROTM", "mw-1", FINISH=6)], now=300.0)
    assert silent_points(tracker.points, 310.0, silent_after=120, disconnect_grace=30) == []


def test_another_middleware_of_the_same_event_does_not_count_for_a_point_it_does_not_serve() -> (
    None
):
    tracker = PointTracker()
    tracker.observe([connection("21ROTM", "mw-1", FINISH=5)], now=100.0)
    tracker.observe([connection("21ROTM", "mw-2", START=1)], now=101.0)
    flagged = silent_points(tracker.points, 200.0, silent_after=120, disconnect_grace=30)
    assert [(p.point, p.reason) for p in flagged] == [("FINISH", "disconnected")]


def test_connections_still_in_their_handshake_are_ignored() -> None:
    tracker = PointTracker()
    tracker.observe([connection("", "", FINISH=5)], now=100.0)
    assert tracker.points == {}
