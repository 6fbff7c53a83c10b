"""Timing points that go quiet during a live session.

`silent_points` is the rule, a pure function. `PointTracker` feeds it from the collector's open
connections (p88.stats.ConnectionInfo), sampled every few seconds: a point's last sequence
changing means it sent reads since the last look. A point counts as connected while an open
connection of the same partner and event serves it, or has the middleware connection id that
last served it (SimpleClient keeps its id across reconnects; a point is listed on a connection
only once a read arrives there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from p88.ops_state import SilentPoint
from p88.stats import ConnectionInfo

FORGET_AFTER = 24 * 3600.0  # a point gone this long is no longer tracked


@dataclass(frozen=True, slots=True)
class PointKey:
    partner: str  # slug
    event: str
    point: str


@dataclass(slots=True)
class PointActivity:
    last_sequence: int
    last_read_at: float  # epoch seconds when a new read was last seen
    connection_id: str  # the middleware that last sent its reads
    connected: bool = True
    disconnected_at: float | None = None


def silent_points(
    points: Mapping[PointKey, PointActivity],
    now: float,
    silent_after: float,
    disconnect_grace: float,
) -> list[SilentPoint]:
    """The points to flag: middleware gone for `disconnect_grace` seconds, or connected with
    no read for `silent_after` seconds. Sorted by partner, event, point."""
    found = []
    for key, activity in sorted(points.items(), key=lambda item: _order(item[0])):
        gone_at = activity.disconnected_at
        if not activity.connected and gone_at is not None and now - gone_at >= disconnect_grace:
            reason, since = "disconnected", gone_at
        elif now - activity.last_read_at >= silent_after:
            reason, since = "silent", activity.last_read_at
        else:
            continue
        found.append(
            SilentPoint(key.partner, key.event, key.point, reason, activity.last_read_at, since)
        )
    return found


def _order(key: PointKey) -> tuple[str, str, str]:
    return (key.partner, key.event, key.point)


class PointTracker:
    """Each point's latest activity, from repeated looks at the open connections."""

    def __init__(self) -> None:
        self.points: dict[PointKey, PointActivity] = {}

    def observe(self, connections: Iterable[ConnectionInfo], now: float) -> None:
        serving: set[PointKey] = set()
        middleware: set[tuple[str, str, str]] = set()
        for info in list(connections):
            if not info.event:
                continue  # still in its handshake
            middleware.add((info.partner, info.event, info.connection_id))
            for point, sequence in list(info.locations.items()):
                key = PointKey(info.partner, info.event, point)
                serving.add(key)
                self._saw(key, sequence, info.connection_id, now)
        for key, activity in list(self.points.items()):
            connected = (
                key in serving or (key.partner, key.event, activity.connection_id) in middleware
            )
            if activity.connected and not connected:
                activity.disconnected_at = now
            elif connected:
                activity.disconnected_at = None
            activity.connected = connected
            if not connected and now - activity.last_read_at > FORGET_AFTER:
                del self.points[key]

    def _saw(self, key: PointKey, sequence: int, connection_id: str, now: float) -> None:
        activity = self.points.get(key)
        if activity is None:
            self.points[key] = PointActivity(sequence, now, connection_id)
        elif sequence != activity.last_sequence:
            activity.last_sequence = sequence
            activity.last_read_at = now
            activity.connection_id = connection_id
