"""The data API's reads: every stored read of the key's company (or event), in id order, so
a mirror follows them with `since=<last id>`. Base query: $1 partner, $2 event or NULL."""

from __future__ import annotations

from p88.db.api_query import INT, LOCAL_TIME, TEXT, TIME, Column, Listing

READS = Listing(
    "reads",
    """
    SELECT r.id, r.session_id, s.event_name AS event, l.name AS point, r.tag,
           r.local_time AS time, r.lap, r.reader_id, r.gator, r.sequence, r.received_at
    FROM timing_reads r
    JOIN timing_sessions s ON s.id = r.session_id AND s.partner_id = r.partner_id
    JOIN timing_locations l ON l.id = r.location_id AND l.partner_id = r.partner_id
    WHERE r.partner_id = $1 AND ($2::text IS NULL OR s.event_name = $2)
    """,
    (
        Column("id", INT),
        Column("session_id", INT),
        Column("event", TEXT),
        Column("point", TEXT),
        Column("tag", TEXT),
        Column("time", LOCAL_TIME),
        Column("lap", INT),
        Column("reader_id", TEXT),
        Column("gator", INT),
        Column("sequence", INT),
        Column("received_at", TIME),
    ),
    key="id",
    filterable=frozenset(
        {"id", "session_id", "event", "point", "tag", "time", "lap", "sequence", "received_at"}
    ),
)
