"""Hand-over benchmark: how long handing a held session to a company takes, which is how long
the collector's batches for that session wait (they queue on its row locks, nothing is lost).

    python bench/handover.py --reads 300000 --points 10
    python bench/handover.py --reads 300000 --points 10 --merge   # the company has that session

An embedded PostgreSQL in a temporary folder; the held session's reads are made with
generate_series (a realistic table: the dedup and session indexes, plus --other reads of
another session that must not be touched). Prints one JSON line per run.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import trio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = """
WITH s AS (
    INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name)
    VALUES ($1, 'BENCH', '2021-05-08', 'UTC', 'BENCH') RETURNING id
), l AS (
    INSERT INTO timing_locations (partner_id, session_id, name)
    SELECT $1, s.id, 'P' || n FROM s, generate_series(1, $2) AS n RETURNING id, session_id
), numbered AS (
    SELECT id, session_id, row_number() OVER (ORDER BY id) - 1 AS k FROM l
)
INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap, reader_id,
                          gator, sequence, connection_id, received_at)
SELECT $1, p.session_id, p.id, (n / $2)::text,
       '2021-05-08 08:00'::timestamp + make_interval(secs => n / 100.0), 1, 'R1', 0, n,
       'bench', now()
FROM generate_series(0, $3 - 1) AS n JOIN numbered p ON p.k = n % $2
"""


async def seed(pool, partner_id: int, points: int, reads: int) -> int:  # type: ignore[no-untyped-def]
    async with pool.acquire() as conn:
        await conn.execute(SEED, partner_id, points, reads)
        return int(
            await conn.fetchval(
                "SELECT id FROM timing_sessions WHERE partner_id = $1 AND event_name = 'BENCH'",
                partner_id,
            )
        )


async def run(args: argparse.Namespace) -> dict[str, object]:
    from p88.config import config_from_mapping
    from p88.db.database import open_database
    from p88.db.handover import hand_over_session
    from p88.db.partners import create_partner, partner_by_slug

    with tempfile.TemporaryDirectory(prefix="p88-bench-handover-") as folder:
        config = config_from_mapping({"database": {"data_dir": folder}}, env={})
        async with open_database(config) as db:
            async with db.pool.acquire() as conn:
                holding = await partner_by_slug(conn, "default")
                fast = await create_partner(conn, "fast", "Fast Timing")
                other = await create_partner(conn, "other", "Other Timing")
            assert holding is not None
            await seed(db.pool, other.id, args.points, args.other)
            held = await seed(db.pool, holding.id, args.points, args.reads)
            if args.merge:  # the company has the first tenth of the same reads already
                await seed(db.pool, fast.id, args.points, args.reads // 10)
            async with db.pool.acquire() as conn:
                await conn.execute("ANALYZE")
                started = time.perf_counter()
                async with conn.transaction():
                    outcome = await hand_over_session(conn, holding.id, held, fast.id, None)
                seconds = time.perf_counter() - started
    return {
        "reads": args.reads,
        "points": args.points,
        "other_reads": args.other,
        "merge": args.merge,
        "reads_moved": outcome.moved.reads_moved,
        "reads_collapsed": outcome.moved.reads_collapsed,
        "seconds": round(seconds, 2),
        "reads_per_second": round(args.reads / seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=300_000)
    parser.add_argument("--points", type=int, default=10)
    parser.add_argument("--other", type=int, default=300_000, help="reads of another company")
    parser.add_argument("--merge", action="store_true", help="the company has that session")
    print(json.dumps(trio.run(run, parser.parse_args())))


if __name__ == "__main__":
    main()
