"""Usage per partner per UTC day: reads ingested, API requests, active displays, viewers.

Other features record what only they know:
    await record_api_request(conn, partner_id)
    await record_display_usage(conn, partner_id, active_displays=3, viewers=120)
(inside the partner's tenant transaction, or on a pool connection).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from p88.db.pool import Connection


@dataclass(frozen=True, slots=True)
class DayUsage:
    day: date
    reads: int
    api_requests: int
    active_displays: int
    peak_viewers: int


async def record_api_request(conn: Connection, partner_id: int, count: int = 1) -> None:
    await conn.execute(
        "INSERT INTO usage_daily (partner_id, day, api_requests) "
        "VALUES ($1, (now() AT TIME ZONE 'UTC')::date, $2) ON CONFLICT (partner_id, day) "
        "DO UPDATE SET api_requests = usage_daily.api_requests + EXCLUDED.api_requests",
        partner_id,
        count,
    )


async def record_display_usage(
    conn: Connection, partner_id: int, *, active_displays: int, viewers: int
) -> None:
    """Keep the day's peaks (call it whenever the numbers change or on a timer)."""
    await conn.execute(
        "INSERT INTO usage_daily (partner_id, day, active_displays, peak_viewers) "
        "VALUES ($1, (now() AT TIME ZONE 'UTC')::date, $2, $3) ON CONFLICT (partner_id, day) "
        "DO UPDATE SET active_displays = greatest(usage_daily.active_displays, $2), "
        "peak_viewers = greatest(usage_daily.peak_viewers, $3)",
        partner_id,
        active_displays,
        viewers,
    )


USAGE = """
WITH days AS (
    SELECT generate_series((now() AT TIME ZONE 'UTC')::date - ($2::int - 1),
                           (now() AT TIME ZONE 'UTC')::date, interval '1 day')::date AS day
), reads AS (
    SELECT (received_at AT TIME ZONE 'UTC')::date AS day, count(*) AS n
    FROM timing_reads
    WHERE partner_id = $1
      AND received_at >= ((now() AT TIME ZONE 'UTC')::date - ($2::int - 1)) AT TIME ZONE 'UTC'
    GROUP BY 1
)
SELECT d.day, coalesce(r.n, 0), coalesce(u.api_requests, 0), coalesce(u.active_displays, 0),
       coalesce(u.peak_viewers, 0)
FROM days d
LEFT JOIN reads r ON r.day = d.day
LEFT JOIN usage_daily u ON u.partner_id = $1 AND u.day = d.day
ORDER BY d.day
"""


async def usage_by_day(conn: Connection, partner_id: int, days: int = 30) -> list[DayUsage]:
    rows = await conn.fetch(USAGE, partner_id, days)
    return [DayUsage(r[0], int(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]
