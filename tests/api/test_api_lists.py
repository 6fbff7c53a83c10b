"""The data API's lists against PostgreSQL's own answer: filters select exactly the matching
rows, following `next` walks every row once, `since` mirrors, CSV and NDJSON stream every row
without a limit, and pollers get 304 with the ETag."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from tests.api.support import api, make_key, seed_event
from tests.web.support import create_partner_with_user

READS = 250


async def reads_world(web: Any) -> tuple[str, int, list[int]]:
    owner = await create_partner_with_user(web.pool, "alpha", "owner")
    ids = await seed_event(web.pool, owner.partner_id, "MIRROR RUN", reads=READS)
    key = await make_key(web.pool, owner.partner_id)
    async with web.pool.acquire() as conn:
        read_ids = [r[0] for r in await conn.fetch("SELECT id FROM timing_reads ORDER BY id")]
    return key, ids["session_id"], read_ids


async def walk(web: Any, key: str, url: str) -> list[dict[str, Any]]:
    rows, pages = [], 0
    while url:
        page = await (await api(web, "GET", url, key)).get_json()
        rows += page["data"]
        url, pages = page["next"], pages + 1
        assert pages < 100
    return rows


async def test_following_next_walks_every_row_once(web) -> None:
    key, _, read_ids = await reads_world(web)
    rows = await walk(web, key, "/api/v1/reads?limit=37")
    assert [r["id"] for r in rows] == read_ids
    finish = await walk(web, key, "/api/v1/reads?point=eq.FINISH&limit=50&tag=in.(1,2,3,4,5)")
    async with web.pool.acquire() as conn:
        expected = await conn.fetch(
            "SELECT r.id FROM timing_reads r JOIN timing_locations l ON l.id = r.location_id"
            " WHERE l.name = 'FINISH' AND r.tag = ANY($1) ORDER BY r.id",
            ["1", "2", "3", "4", "5"],
        )
    assert [r["id"] for r in finish] == [e["id"] for e in expected] and finish


async def test_since_mirrors_and_streams_without_a_limit(web) -> None:
    key, _, read_ids = await reads_world(web)
    middle = read_ids[100]
    lines = await (
        await api(web, "GET", f"/api/v1/reads?format=ndjson&since={middle}", key)
    ).get_data(as_text=True)
    assert [json.loads(line)["id"] for line in lines.splitlines()] == read_ids[101:]
    response = await api(web, "GET", "/api/v1/reads", key, headers={"Accept": "text/csv"})
    assert response.mimetype == "text/csv" and "ETag" not in response.headers  # streamed
    table = list(csv.DictReader(io.StringIO(await response.get_data(as_text=True))))
    assert [int(row["id"]) for row in table] == read_ids
    assert table[0]["time"] == "2026-05-08T09:00:01.00" and table[0]["point"] == "START"
    page = await api(web, "GET", "/api/v1/reads?format=ndjson&limit=10", key)
    assert page.headers["Link"].endswith('rel="next"')


async def test_streams_are_chunked_by_keyset(web) -> None:
    from p88.db.api_reads import READS as LISTING
    from p88.web.api.output import stream_rows
    from p88.web.api.params import parse_list_request

    _, _, read_ids = await reads_world(web)
    async with web.pool.acquire() as conn:
        partner_id = await conn.fetchval("SELECT partner_id FROM timing_reads LIMIT 1")
    for format_, header in (("ndjson", 0), ("csv", 1)):
        wanted = parse_list_request(LISTING, [("format", format_), ("since", str(read_ids[3]))])
        chunks = [
            chunk
            async for chunk in stream_rows(
                web.pool, partner_id, LISTING, wanted, [partner_id, None], 7
            )
        ]
        assert len(chunks) == header + -(-(len(read_ids) - 4) // 7)  # one per keyset chunk
        lines = b"".join(chunks).decode().splitlines()[header:]
        ids = [json.loads(line)["id"] if header == 0 else int(line.split(",")[0]) for line in lines]
        assert ids == read_ids[4:], format_


async def test_pollers_get_304_until_something_changes(web) -> None:
    key, session_id, _ = await reads_world(web)
    url = f"/api/v1/sessions/{session_id}/points"
    first = await api(web, "GET", url, key)
    etag = first.headers["ETag"]
    again = await api(web, "GET", url, key, headers={"If-None-Match": etag})
    assert again.status_code == 304 and await again.get_data() == b""
    async with web.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap,"
            " reader_id, gator, sequence, connection_id, received_at)"
            " SELECT partner_id, session_id, id, '77', '2026-05-08 10:00', 1, 'A', 1, 1, 'c', now()"
            " FROM timing_locations WHERE name = 'FINISH'"
        )
    changed = await api(web, "GET", url, key, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    listing = await api(web, "GET", "/api/v1/reads?limit=5", key)
    poll = await api(
        web, "GET", "/api/v1/reads?limit=5", key, headers={"If-None-Match": listing.headers["ETag"]}
    )
    assert poll.status_code == 304


async def test_points_show_their_health(web) -> None:
    from p88.stats import ConnectionInfo
    from p88.web.services import services_of

    key, session_id, _ = await reads_world(web)
    stats = services_of(web.app).stats
    info = ConnectionInfo(peer="10.0.0.5:5000", program="SimpleClient", program_version="0.6.0")
    info.partner, info.event, info.locations = "alpha", "MIRROR RUN", {"FINISH": 125}
    stats.connections[1] = info
    body = await (await api(web, "GET", f"/api/v1/sessions/{session_id}/points", key)).get_json()
    points = {p["name"]: p for p in body["data"]}
    assert points["FINISH"]["reads"] == READS // 2 and points["START"]["reads"] == READS // 2
    assert points["FINISH"]["connected"] and not points["START"]["connected"]
    assert points["FINISH"]["middleware"][0]["last_sequence"] == 125
    assert points["FINISH"]["last_read_at"].endswith("Z")
    text = await (
        await api(web, "GET", f"/api/v1/sessions/{session_id}/points?format=csv", key)
    ).get_data(as_text=True)
    header, *rows = text.splitlines()
    assert header == "id,name,reads,last_read_at,connected,middleware,alert"
    assert next(r for r in rows if ",FINISH," in r).split(",")[1:] == [
        "FINISH",
        "125",
        points["FINISH"]["last_read_at"],
        "t",
        "1",
        "",
    ]
