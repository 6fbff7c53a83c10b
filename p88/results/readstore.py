"""Reads as the rules want them: per tag, per point, the distinct times in ascending order.

Several locations of one point (main and backup lines) and several readers or antennas are
one point; the same time read twice is one read, so replays, rewinds and a second client on
the same mat change nothing.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping

from p88.results.clock import Hundredths
from p88.results.corrections import IgnoreRead
from p88.results.model import Read

PointTimes = dict[str, list[Hundredths]]  # point -> ascending distinct times


def insert_time(times: list[Hundredths], time: Hundredths) -> bool:
    """Put `time` in its place in `times`; False when it was there already."""
    if not times or times[-1] < time:
        times.append(time)  # the usual case: reads come in time order
        return True
    index = bisect_left(times, time)
    if times[index] == time:
        return False
    times.insert(index, time)
    return True


def group_reads(reads: Iterable[Read], point_of: Mapping[str, str]) -> dict[str, PointTimes]:
    """tag -> point -> times (locations outside every point stay under their own name)."""
    by_key: defaultdict[tuple[str, str], list[Hundredths]] = defaultdict(list)
    points: dict[str, str] = {}  # location -> point, for the locations seen
    for tag, location, time in reads:
        try:
            point = points[location]
        except KeyError:
            point = points[location] = point_of.get(location, location)
        by_key[(tag, point)].append(time)
    grouped: dict[str, PointTimes] = {}
    for (tag, point), times in by_key.items():
        times.sort()
        kept = times if len(set(times)) == len(times) else sorted(set(times))
        grouped.setdefault(tag, {})[point] = kept
    return grouped


def visible_reads(
    reads: PointTimes,
    ignores: Iterable[IgnoreRead],
    point_of: Mapping[str, str],
    window: Hundredths,
) -> PointTimes:
    """The runner's reads less the ignored ones (a new dict when anything is left out)."""
    visible = reads
    for ignore in ignores:
        point = point_of.get(ignore.location, ignore.location)
        times = visible.get(point)
        if not times:
            continue
        width = window if ignore.whole_crossing else 0
        low = bisect_left(times, ignore.time - width)
        high = bisect_right(times, ignore.time + width)
        if low < high:
            if visible is reads:
                visible = dict(reads)
            visible[point] = times[:low] + times[high:]
    return visible


def unknown_tags(
    reads: Mapping[str, PointTimes], owners: Mapping[str, str]
) -> dict[str, dict[str, int]]:
    """Tags read that belong to no participant -> point -> how many distinct reads."""
    return {
        tag: {point: len(times) for point, times in points.items()}
        for tag, points in reads.items()
        if tag not in owners
    }
