"""Silent timing points for the session page and the dashboard: the /status document's flags
(p88.ops.alerts), limited to what a person may see."""

from __future__ import annotations

import time
from typing import Any

from p88.stats import Stats


def silent_points_of(stats: Stats, partner_slug: str, session_id: int) -> list[dict[str, Any]]:
    now = time.time()
    return [
        point.as_json(now)
        for point in stats.ops.points_silent
        if point.partner == partner_slug and point.session_id == session_id
    ]


def quiet_for(seconds: float) -> str:
    """`45 s`, `2 min 10 s`, `1 h 5 min`."""
    whole = int(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"
