"""The status port: /health, /status, /metrics for health checks and monitoring.

A tiny ASGI app of its own (no web framework, no sessions) so that it keeps answering even
when the web app is busy or broken, and so it can stay on loopback while the web app is public.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import trio

import p88
from p88.db.pool import DATABASE_DOWN_ERRORS, Pool, ping
from p88.hub import Hub
from p88.stats import Stats

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

DATABASE_CHECK_TIMEOUT = 2.0


@dataclass(slots=True)
class StatusSources:
    stats: Stats
    pool: Pool
    hub: Hub


async def database_answers(pool: Pool) -> str | None:
    """None when PostgreSQL answers a trivial query in time, else the reason it does not."""
    with trio.move_on_after(DATABASE_CHECK_TIMEOUT):
        try:
            await ping(pool)
            return None
        except DATABASE_DOWN_ERRORS as exc:
            return f"database unreachable: {exc.__class__.__name__}: {exc}"
    return f"database did not answer within {DATABASE_CHECK_TIMEOUT:.0f} s"


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def status_document(sources: StatusSources, database_ok: bool) -> dict[str, Any]:
    stats = sources.stats
    now = time.time()
    return {
        "version": p88.__version__,
        "uptime_seconds": round(now - stats.started_at, 1),
        "database": "ok" if database_ok else "down",
        "collector_listening": stats.collector_listening,
        "reads_received": stats.reads_received,
        "reads_stored": stats.reads_stored,
        "duplicates_dropped": stats.duplicates_dropped,
        "gun_times_stored": stats.gun_times_stored,
        "malformed_lines": stats.malformed_lines,
        "wrong_protocol_connections": stats.wrong_protocol_connections,
        "auth_failures": stats.auth_failures,
        "ingest_backlog": stats.ingest_backlog,
        "journal_backlog": stats.journal_backlog,
        "display_subscribers": sources.hub.subscriber_count(),
        "ingest_latency_ms": {
            "p50": _rounded(stats.ingest_latency_ms.quantile(0.5)),
            "p99": _rounded(stats.ingest_latency_ms.quantile(0.99)),
            "samples": len(stats.ingest_latency_ms),
        },
        "connections": [info.as_json(now) for info in stats.connections.values()],
        "backup": stats.ops.backup_json(),
        "retention": _retention_json(stats),
        "points_silent": [point.as_json(now) for point in stats.ops.points_silent],
    }


def _retention_json(stats: Stats) -> dict[str, object]:
    run = stats.ops.retention
    return {
        "last_run": None if run is None else run.as_json(),
        "sessions_auto_closed": stats.ops.sessions_closed,
    }


def _last_backup_time(s: StatusSources) -> float:
    last = s.stats.ops.last_backup
    return 0 if last is None else last.taken_at.timestamp()


METRICS: list[tuple[str, str, str, Callable[[StatusSources], float]]] = [
    ("p88_up", "gauge", "1 while the process runs", lambda s: 1),
    (
        "p88_uptime_seconds",
        "gauge",
        "Seconds since start",
        lambda s: time.time() - s.stats.started_at,
    ),
    ("p88_reads_received_total", "counter", "Tag lines received", lambda s: s.stats.reads_received),
    ("p88_reads_stored_total", "counter", "New reads committed", lambda s: s.stats.reads_stored),
    (
        "p88_duplicates_dropped_total",
        "counter",
        "Reads already stored (resume, rewind, two clients)",
        lambda s: s.stats.duplicates_dropped,
    ),
    (
        "p88_gun_times_stored_total",
        "counter",
        "Gun times stored",
        lambda s: s.stats.gun_times_stored,
    ),
    (
        "p88_malformed_lines_total",
        "counter",
        "Lines dropped as malformed or over-long",
        lambda s: s.stats.malformed_lines,
    ),
    (
        "p88_wrong_protocol_connections_total",
        "counter",
        "Connections closed for not speaking CTP01",
        lambda s: s.stats.wrong_protocol_connections,
    ),
    (
        "p88_auth_failures_total",
        "counter",
        "Failed collector logins",
        lambda s: s.stats.auth_failures,
    ),
    (
        "p88_collector_connections_total",
        "counter",
        "Collector connections accepted",
        lambda s: s.stats.connections_total,
    ),
    (
        "p88_collector_connections",
        "gauge",
        "Collector connections open",
        lambda s: len(s.stats.connections),
    ),
    ("p88_ingest_backlog", "gauge", "Reads waiting for ingest", lambda s: s.stats.ingest_backlog),
    (
        "p88_journal_backlog",
        "gauge",
        "Reads in the spill journal waiting for PostgreSQL",
        lambda s: s.stats.journal_backlog,
    ),
    ("p88_database_up", "gauge", "1 when ingest can write", lambda s: int(s.stats.database_up)),
    (
        "p88_display_subscribers",
        "gauge",
        "Live display subscriptions",
        lambda s: s.hub.subscriber_count(),
    ),
    (
        "p88_last_backup_timestamp_seconds",
        "gauge",
        "When the newest verified backup was taken (0: none)",
        _last_backup_time,
    ),
    (
        "p88_points_silent",
        "gauge",
        "Timing points of live sessions that went quiet or lost their middleware",
        lambda s: len(s.stats.ops.points_silent),
    ),
]


def metrics_text(sources: StatusSources) -> str:
    """Prometheus text exposition format 0.0.4."""
    lines: list[str] = []
    for name, kind, help_text, value in METRICS:
        lines += [
            f"# HELP {name} {help_text}",
            f"# TYPE {name} {kind}",
            f"{name} {value(sources):g}",
        ]
    window = sources.stats.ingest_latency_ms
    lines += [
        "# HELP p88_ingest_latency_ms Socket read to commit of recent reads",
        "# TYPE p88_ingest_latency_ms summary",
    ]
    for q in (0.5, 0.99):
        if (latency := window.quantile(q)) is not None:
            lines.append(f'p88_ingest_latency_ms{{quantile="{q}"}} {latency:g}')
    lines.append(f"p88_ingest_latency_ms_count {len(window)}")
    return "\n".join(lines) + "\n"


async def _respond(send: Send, status: int, body: bytes, content_type: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode()),
                (b"cache-control", b"no-store"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _json(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2).encode()


def make_status_app(sources: StatusSources) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        if scope["method"] not in ("GET", "HEAD"):
            await _respond(send, 405, b"only GET\n", "text/plain; charset=utf-8")
            return
        path = scope["path"]
        if path == "/health":
            problems = []
            if (reason := await database_answers(sources.pool)) is not None:
                problems.append(reason)
            if not sources.stats.collector_listening:
                problems.append("collector is not listening")
            document = {"status": "ok" if not problems else "unhealthy", "problems": problems}
            await _respond(send, 503 if problems else 200, _json(document), "application/json")
        elif path == "/status":
            database_ok = await database_answers(sources.pool) is None
            body = _json(status_document(sources, database_ok))
            await _respond(send, 200, body, "application/json")
        elif path == "/metrics":
            body = metrics_text(sources).encode()
            await _respond(send, 200, body, "text/plain; version=0.0.4; charset=utf-8")
        else:
            await _respond(send, 404, b"try /health, /status or /metrics\n", "text/plain")

    return app
