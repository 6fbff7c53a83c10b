"""Data API benchmark: a session's results as /api/v1 serves them, from one `p88 serve`.

    python bench/api_results.py              # 30,000 runners, 3 rounds
    python bench/api_results.py --runners 56000 --rounds 5

The race: a half marathon with a start mat and a finish (chip time), --runners entrants, every
one with a start and a finish read, stored before the server starts; its results setup saved.
The server runs in this process with an embedded PostgreSQL in a temporary folder; the engine
is built before anything is timed (its build time is printed apart). A child process asks,
over one HTTP/1.1 keep-alive connection to the web port (httpx), with an API key (read and
write:results).

Figures: `first_request_ms`, the first list request (its snapshot made from nothing: every
row shaped, p88/web/api/result_lists.py); then per round (--rounds):
1. json pages: GET /api/v1/sessions/<id>/results?limit=1000, then every `next` until the last
   page (30 pages for 30,000 runners): from the first request sent to the last page's body
   read (`walk_ms`), and each page's (`page_ms_median/max`). The whole list as JSON is this
   walk: a JSON list is served in pages of at most 1,000 rows, as every list of the API.
2. `ndjson_stream_ms`: GET ...?format=ndjson without a limit, every row in one streamed
   answer (the same JSON objects, one a line), from the request sent to the last byte read;
   `csv_stream_ms` the same as CSV.
3. `page_after_a_correction_ms`: a DNF through POST .../corrections, then the first page:
   the snapshot is made again (rows of unchanged results reused, places looked at again).
State the machine's load beside the figures (printed: load average before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import trio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EVENT = "BENCH API RESULTS"
DOCUMENT = {
    "points": [],
    "courses": [
        {
            "name": "HALF",
            "start": "START",
            "finish": "FINISH",
            "splits": [],
            "distance_m": 21097.5,
            "min_time": "1:00:00",
            "rank_by": "chip",
        }
    ],
    "waves": [],
    "wave_ranges": [],
    "age_groups": {"scheme": "five_year"},
}
SEED_READS = """
INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap, reader_id,
    gator, sequence, connection_id, received_at)
SELECT $1, $2, $3, tag, at, 1, 'R1', 0, n, 'seed', now()
FROM unnest($4::text[], $5::timestamp[]) WITH ORDINALITY AS r(tag, at, n)
"""
SEED_PEOPLE = """
INSERT INTO participants (partner_id, event_name, bib, tag, first_name, last_name, gender, age,
    course)
SELECT $1, $2, bib, bib, 'Runner', 'Number ' || bib, g, a, 'HALF'
FROM unnest($3::text[], $4::text[], $5::int[]) AS p(bib, g, a)
"""


async def seed(pool: Any, runners: int) -> tuple[int, int, str]:
    """The finished race; (partner, session, a read API key)."""
    from p88.db import results as results_db
    from p88.db.api_keys import create_key
    from p88.db.partners import partner_by_slug
    from p88.db.tenancy import tenant_transaction
    from p88.demo import ensure_session

    rnd = random.Random(7)
    gun = datetime.now(UTC).replace(tzinfo=None, microsecond=0) - timedelta(hours=3)
    bibs = [str(n) for n in range(1, runners + 1)]
    async with pool.acquire() as conn:
        partner = await partner_by_slug(conn, "default")
        assert partner is not None
        scopes = ("read", "write:results")
        _, key = await create_key(conn, partner.id, "bench", None, scopes=scopes)
    async with tenant_transaction(pool, partner.id) as conn:
        session = await ensure_session(conn, partner.id, EVENT, gun.date(), "UTC")
        await results_db.save_setup(conn, partner.id, session, DOCUMENT, None)
    async with pool.acquire() as conn:
        genders = ["F" if n % 2 else "M" for n in range(len(bibs))]
        ages = [rnd.randrange(18, 75) for _ in bibs]
        await conn.execute(SEED_PEOPLE, partner.id, EVENT, bibs, genders, ages)
        start, finish = [
            await conn.fetchval(
                "INSERT INTO timing_locations (partner_id, session_id, name) VALUES ($1, $2, $3)"
                " ON CONFLICT (session_id, name) DO UPDATE SET name = excluded.name RETURNING id",
                partner.id,
                session,
                name,
            )
            for name in ("START", "FINISH")
        ]
        await conn.execute(
            "INSERT INTO gun_times (partner_id, session_id, location_id, local_time, source)"
            " VALUES ($1, $2, $3, $4, 'hardware')",
            partner.id,
            session,
            start,
            gun,
        )
        starts = [gun + timedelta(seconds=rnd.uniform(0, 480)) for _ in bibs]
        await conn.execute(SEED_READS, partner.id, session, start, bibs, starts)
        ends = [s + timedelta(seconds=rnd.uniform(4000, 10000)) for s in starts]
        await conn.execute(SEED_READS, partner.id, session, finish, bibs, ends)
    return partner.id, session, key


# ---------------------------------------------------------------------------------- the client
def walk(http: Any, path: str) -> dict[str, Any]:
    """Every page of the list, following `next`."""
    pages, rows, url = [], 0, f"{path}?limit=1000"
    began = time.perf_counter()
    while url:
        sent = time.perf_counter()
        response = http.get(url)
        response.raise_for_status()
        page = response.json()
        pages.append((time.perf_counter() - sent) * 1000)
        rows += len(page["data"])
        url = page["next"]
    return {
        "rows": rows,
        "pages": len(pages),
        "walk_ms": round((time.perf_counter() - began) * 1000, 1),
        "page_ms_median": round(statistics.median(pages), 1),
        "page_ms_max": round(max(pages), 1),
    }


def client(cfg: dict[str, Any]) -> dict[str, Any]:
    """Runs in a child process: the rounds of requests, their timings."""
    import httpx

    headers = {"Authorization": f"Bearer {cfg['key']}"}
    path = f"/api/v1/sessions/{cfg['session']}/results"
    rounds = []
    with httpx.Client(base_url=cfg["web"], headers=headers, timeout=120) as http:
        sent = time.perf_counter()
        http.get(f"{path}?limit=1").raise_for_status()
        first_ever = round((time.perf_counter() - sent) * 1000, 1)
        for n in range(cfg["rounds"]):
            found = walk(http, path)
            for format_ in ("ndjson", "csv"):
                sent = time.perf_counter()
                with http.stream("GET", f"{path}?format={format_}") as streamed:
                    size = sum(len(chunk) for chunk in streamed.iter_bytes())
                found[f"{format_}_stream_ms"] = round((time.perf_counter() - sent) * 1000, 1)
                found[f"{format_}_bytes"] = size
            body = {"kind": "status", "bib": str(n + 1), "status": "dnf", "reason": "bench"}
            http.post(
                f"/api/v1/sessions/{cfg['session']}/corrections", json=body
            ).raise_for_status()
            sent = time.perf_counter()
            http.get(f"{path}?limit=1000").raise_for_status()
            found["page_after_a_correction_ms"] = round((time.perf_counter() - sent) * 1000, 1)
            rounds.append(found)
    return {"first_request_ms": first_ever, "rounds": rounds}


# ---------------------------------------------------------------------------------- the run
async def run_server(args: argparse.Namespace) -> dict[str, Any]:
    from p88.app import Running, serve
    from p88.config import config_from_mapping

    data_dir = Path(tempfile.mkdtemp(prefix="p88-bench-api-"))
    config = config_from_mapping(
        {
            "database": {"data_dir": str(data_dir), "pool_size": 8},
            "collector": {"bind": "127.0.0.1:0"},
            "status": {"bind": "127.0.0.1:0"},
            "web": {"bind": "127.0.0.1:0"},
        },
        env={},
    )
    ready = trio.Event()
    state: dict[str, Any] = {}

    async def on_ready(running: Running) -> None:
        partner, session, key = await seed(running.database.pool, args.runners)
        began = time.perf_counter()
        assert running.hub.results is not None
        await running.hub.results.get(partner, session)
        state.update(running=running, session=session, key=key)
        state["build_s"] = round(time.perf_counter() - began, 2)
        ready.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(
            lambda: serve(config, handle_signals=False, on_ready=on_ready)  # type: ignore[arg-type]
        )
        await ready.wait()
        running = state["running"]
        cfg = {
            "web": running.web_url,
            "session": state["session"],
            "key": state["key"],
            "rounds": args.rounds,
        }
        report: dict[str, Any] = {"runners": args.runners, "load_before": os.getloadavg()}
        done = await trio.run_process(
            [sys.executable, __file__, "--client", json.dumps(cfg)],
            capture_stdout=True,
            capture_stderr=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"the client failed:\n{done.stderr.decode()[-3000:]}")
        report.update(json.loads(done.stdout.decode()))
        report["engine_build_s"] = state["build_s"]
        report["load_after"] = os.getloadavg()
        running.shutdown()
    shutil.rmtree(data_dir, ignore_errors=True)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runners", type=int, default=30_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--client", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        print(json.dumps(client(json.loads(args.client))))
        return
    import logging

    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(trio.run(run_server, args), indent=2))


if __name__ == "__main__":
    main()
