"""World-record times on the road and track, for the "impossibly fast" flag.

Times are interpolated between the listed distances on a log-log scale (running speed falls
smoothly with distance). The numbers are rounded down a little: the flag is for mistakes (a
runner crossing the finish mat early), so it must never fire on a real record.
"""

from __future__ import annotations

import itertools
import math
from datetime import timedelta

# (metres, seconds): men's outdoor world records, rounded down.
RECORDS: tuple[tuple[float, float], ...] = (
    (1500.0, 205.0),
    (1609.344, 222.0),
    (3000.0, 440.0),
    (5000.0, 755.0),
    (10000.0, 1570.0),
    (21097.5, 3450.0),
    (42195.0, 7230.0),
    (100000.0, 21900.0),
)


def world_record(distance_m: float) -> timedelta:
    """The fastest time anyone has run `distance_m` in, approximately (never more)."""
    if distance_m <= 0:
        raise ValueError("the distance must be positive")
    points = RECORDS
    if distance_m <= points[0][0]:
        return timedelta(seconds=points[0][1] * distance_m / points[0][0])
    if distance_m >= points[-1][0]:
        return timedelta(seconds=points[-1][1] * distance_m / points[-1][0])
    for (d0, t0), (d1, t1) in itertools.pairwise(points):
        if d0 <= distance_m <= d1:
            ratio = (math.log(distance_m) - math.log(d0)) / (math.log(d1) - math.log(d0))
            return timedelta(seconds=math.exp(math.log(t0) + ratio * (math.log(t1) - math.log(t0))))
    raise AssertionError("unreachable: the table covers every distance")
