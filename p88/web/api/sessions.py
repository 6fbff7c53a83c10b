"""`/api/v1/events`, `/api/v1/sessions[/<id>]` and `/api/v1/sessions/<id>/points`: what the
company timed, and how each timing point is doing right now."""

from __future__ import annotations

import time
from typing import Any

from quart import Response, request

from p88.db.api_keys import READ
from p88.db.api_query import Filter, Page
from p88.db.api_rows import json_rows
from p88.db.api_sessions import EVENTS, SESSIONS, SessionPoints, session_points
from p88.stats import ConnectionInfo
from p88.web.api.access import api_tenant, caller, needs
from p88.web.api.blueprint import api
from p88.web.api.models import EventsPage, PointsList, Session, SessionsPage
from p88.web.api.openapi import documented, lists
from p88.web.api.output import fixed_args, list_answer, single_answer, small_list_answer
from p88.web.api.problems import not_found
from p88.web.api.requests import list_request
from p88.web.services import services


@api.get("/v1/events")
@needs(READ)
@lists(EVENTS)
@documented(EventsPage)
async def list_events() -> Response:
    """Events: the names the company's sessions and participants share."""
    return await list_answer(EVENTS, list_request(EVENTS), fixed_args())


@api.get("/v1/sessions")
@needs(READ)
@lists(SESSIONS)
@documented(SessionsPage)
async def list_sessions() -> Response:
    """Timing sessions: what the hardware streamed under one event name on one day."""
    return await list_answer(SESSIONS, list_request(SESSIONS), fixed_args())


@api.get("/v1/sessions/<int:session_id>")
@needs(READ)
@documented(Session)
async def get_session(session_id: int) -> Response:
    """One timing session."""
    page = Page((Filter("id", "eq", session_id),), None, 1)
    async with api_tenant() as conn:
        rows = await json_rows(conn, SESSIONS, page, fixed_args())
    if not rows.count:
        raise not_found("timing session")
    return single_answer(str(rows.body))


def _middleware(info: ConnectionInfo, point: str, now: float) -> dict[str, Any]:
    age = None if info.last_read_at is None else round(now - info.last_read_at, 2)
    return {
        "peer": info.peer,
        "client": f"{info.program} {info.program_version}".strip(),
        "connection_id": info.connection_id,
        "connected_seconds": round(now - info.connected_at, 1),
        "last_sequence": info.locations.get(point),
        "last_read_age_seconds": age,
    }


def point_health(found: SessionPoints) -> list[dict[str, Any]]:
    """Each point's reads (from PostgreSQL) and, while the session is live, its middleware and
    alert (from this process's collector, as the session page shows them)."""
    stats = services().stats
    now = time.time()
    connections = [
        info
        for info in stats.connections.values()
        if found.live and info.partner == found.partner_slug and info.event == found.event_name
    ]
    alerts = {
        p.point: p
        for p in stats.ops.points_silent
        if p.partner == found.partner_slug and p.session_id == found.session_id
    }
    rows = []
    for point_id, name, reads, last_read_at in found.points:
        feeding = [_middleware(i, name, now) for i in connections if name in i.locations]
        alert = alerts.get(name)
        rows.append(
            {
                "id": point_id,
                "name": name,
                "reads": reads,
                "last_read_at": last_read_at,
                "connected": bool(feeding),
                "middleware": feeding,
                "alert": None
                if alert is None
                else {"reason": alert.reason, "quiet_seconds": round(now - alert.since, 1)},
            }
        )
    return rows


@api.get("/v1/sessions/<int:session_id>/points")
@needs(READ)
@documented(PointsList)
async def list_points(session_id: int) -> Response:
    """A session's timing points with their health: reads, last read, connected middleware."""
    who = caller()
    async with api_tenant() as conn:
        found = await session_points(conn, who.partner_id, who.event_name, session_id)
    if found is None:
        raise not_found("timing session")
    return small_list_answer(point_health(found), request.args.get("format"), flat_point)


def flat_point(point: dict[str, Any]) -> dict[str, Any]:
    """A point as one CSV row: its middleware counted, its alert's reason."""
    alert = point.get("alert")
    return {
        "id": point.get("id"),
        "name": point.get("name"),
        "reads": point.get("reads"),
        "last_read_at": point.get("last_read_at"),
        "connected": point.get("connected"),
        "middleware": len(point.get("middleware") or ()),
        "alert": alert["reason"] if alert else None,
    }
