"""The periodic task behind silent-point alerts: look at the collector's connections every few
seconds, flag quiet points of live sessions on /status, the dashboard and the session page."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable

import trio

from p88.config import AlertsConfig
from p88.db.pool import DATABASE_DOWN_ERRORS, Pool
from p88.db.retention import live_sessions
from p88.ops.silent import PointTracker, silent_points
from p88.ops_state import SilentPoint
from p88.stats import Stats

log = logging.getLogger(__name__)


def check_interval(config: AlertsConfig) -> float:
    """Often enough that a flag is late by a quarter of its threshold at most."""
    return min(5.0, config.point_silent_s / 4, config.disconnect_grace_s / 4)


async def _in_live_sessions(pool: Pool, flagged: list[SilentPoint]) -> list[SilentPoint] | None:
    """The flagged points whose event has a live session, with its id; None if the database
    cannot say."""
    try:
        live = await live_sessions(pool)
    except DATABASE_DOWN_ERRORS:
        return None
    return [
        dataclasses.replace(p, session_id=live[(p.partner, p.event)])
        for p in flagged
        if (p.partner, p.event) in live
    ]


def _log_changes(before: list[SilentPoint], after: list[SilentPoint]) -> None:
    def keys(points: list[SilentPoint]) -> dict[tuple[str, str, str], SilentPoint]:
        return {(p.partner, p.event, p.point): p for p in points}

    old, new = keys(before), keys(after)
    for key, point in new.items():
        if key not in old or old[key].reason != point.reason:
            what = "lost its middleware" if point.reason == "disconnected" else "sends no reads"
            log.warning(
                "timing point %s of %s (%s) %s", point.point, point.event, point.partner, what
            )
    for key in old.keys() - new.keys():
        log.info("timing point %s of %s (%s) is back", key[2], key[1], key[0])


async def watch_points(
    stats: Stats,
    pool: Pool,
    config: AlertsConfig,
    clock: Callable[[], float] = time.time,
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    tracker = PointTracker()
    interval = check_interval(config)
    task_status.started()
    while True:
        now = clock()
        tracker.observe(stats.connections.values(), now)
        flagged = silent_points(
            tracker.points, now, config.point_silent_s, config.disconnect_grace_s
        )
        if flagged:
            placed = await _in_live_sessions(pool, flagged)
            flagged = stats.ops.points_silent if placed is None else placed
        _log_changes(stats.ops.points_silent, flagged)
        stats.ops.points_silent = flagged
        await trio.sleep(interval)
