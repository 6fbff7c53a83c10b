"""Ingest benchmark: CTP01 over real sockets -> PostgreSQL, against the raw COPY rate.

Runs `p88 serve` as its own process (so its RSS is its own) on a fresh embedded PostgreSQL,
and the simulator in this process:

1. latency: a steady load (default 2,000 reads/s over 20 connections) for --latency-seconds;
   the server's own socket-read -> commit latency window is read from /status.
2. throughput: a synthetic race of >= --reads reads over 20 connections as fast as possible;
   sustained rate = distinct reads stored / (first byte sent -> last read committed).
3. raw COPY: the same number of rows copied with asyncpg's COPY into a table shaped like
   timing_reads (same columns and indexes), in the same database, right after.

    python bench/ingest.py                     # the full run (500,000 reads)
    python bench/ingest.py --reads 50000       # quick
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import trio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from p88.db.embedded import EmbeddedPostgres  # noqa: E402
from p88.db.pool import connect, open_bridge  # noqa: E402
from p88.tcp.race_sources import (  # noqa: E402
    PointFeed,
    distinct_read_keys,
    synthetic_race,
    total_reads,
)
from p88.tcp.simulator import SimOptions, run_simulation  # noqa: E402
from tests.system.http import get_json  # noqa: E402
from tests.system.process import ServeProcess  # noqa: E402

POINTS = [f"P{n:02d}" for n in range(1, 21)]


class Server(ServeProcess):
    """`p88 serve` in a child process, with its peak RSS sampled."""

    def __init__(self, dsn: str, root: Path) -> None:
        super().__init__(dsn, root)
        self.peak_rss_mb = 0.0

    def rss_mb(self) -> float:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return 0.0

    async def sample_rss(self) -> None:
        while True:
            self.peak_rss_mb = max(self.peak_rss_mb, self.rss_mb())
            await trio.sleep(0.1)

    async def status(self) -> dict[str, object]:
        return (await get_json(self.status_url + "/status"))[1]  # type: ignore[no-any-return]

    async def wait_stored(self, count: int) -> float:
        """Poll until `count` reads are stored; return the moment (time.time()) seen."""
        with trio.fail_after(600):
            while True:
                status = await self.status()
                if status["reads_stored"] >= count:  # type: ignore[operator]
                    return time.time()
                await trio.sleep(0.02)


def race_of(reads: int, event: str) -> list[PointFeed]:
    runners = max(1, reads // (len(POINTS) * 4))
    while True:
        feeds = synthetic_race(runners, POINTS, waves=5, seed=7, event=event, day=date(2021, 5, 8))
        if total_reads(feeds) >= reads:
            return feeds
        runners = int(runners * 1.1) + 1


async def latency_phase(server: Server, rate: int, seconds: float) -> dict[str, object]:
    feeds = race_of(rate * int(seconds) * 2, "LATENCY")
    per_connection = rate / len(feeds)
    options = SimOptions(rate=per_connection, linger=0.2, client_id="latency")
    with trio.move_on_after(seconds):
        await run_simulation("127.0.0.1", server.collector_port, feeds, options)
    status = await server.status()
    return status["ingest_latency_ms"]  # type: ignore[return-value]


async def throughput_phase(server: Server, reads: int) -> tuple[int, int, float]:
    feeds = race_of(reads, "THROUGHPUT")
    sent = total_reads(feeds)
    distinct = len(distinct_read_keys(feeds))
    before = (await server.status())["reads_stored"]
    options = SimOptions(speed=0, linger=0.2, client_id="throughput")
    started = time.time()
    await run_simulation("127.0.0.1", server.collector_port, feeds, options)
    finished = await server.wait_stored(before + distinct)  # type: ignore[operator]
    return sent, distinct, finished - started


async def raw_copy_rate(dsn: str, rows: int) -> float:
    received = datetime.now(UTC)
    start = datetime(2021, 5, 8, 8, 0)
    records = [
        (
            1,
            1,
            1,
            str(n % 9000),
            start + timedelta(milliseconds=10 * n),
            1,
            f"R{n % 7}",
            (1, 2, 4, 8)[n % 4],
            n,
            "copy",
            received,
        )
        for n in range(rows)
    ]
    columns = [
        "partner_id",
        "session_id",
        "location_id",
        "tag",
        "local_time",
        "lap",
        "reader_id",
        "gator",
        "sequence",
        "connection_id",
        "received_at",
    ]
    async with open_bridge(), connect(dsn) as conn:
        await conn.execute("DROP TABLE IF EXISTS bench_copy")
        await conn.execute(
            "CREATE TABLE bench_copy (LIKE timing_reads INCLUDING DEFAULTS INCLUDING IDENTITY "
            "INCLUDING INDEXES)"
        )
        started = time.perf_counter()
        await conn.copy_records_to_table("bench_copy", records=records, columns=columns)
        elapsed = time.perf_counter() - started
        await conn.execute("DROP TABLE bench_copy")
    return rows / elapsed


async def main(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="p88-bench-ingest-"))
    pg = EmbeddedPostgres(root / "pg")
    dsn = await trio.to_thread.run_sync(pg.start)
    server = Server(dsn, root)
    try:
        await server.start()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(server.sample_rss)
            latency = await latency_phase(server, args.rate, args.latency_seconds)
            sent, distinct, seconds = await throughput_phase(server, args.reads)
            nursery.cancel_scope.cancel()
        copy_rate = await raw_copy_rate(dsn, distinct)
    finally:
        server.stop()
        pg.started_here = True
        await trio.to_thread.run_sync(pg.stop)
    sustained = distinct / seconds
    print(
        f"latency at {args.rate} reads/s for {args.latency_seconds:g} s "
        f"(socket read -> commit, server side): p50 {latency['p50']} ms, "
        f"p99 {latency['p99']} ms over {latency['samples']} reads"
    )
    print(
        f"throughput: {sent:,} reads sent ({distinct:,} distinct) over {len(POINTS)} "
        f"connections, first byte -> last commit {seconds:.2f} s"
    )
    print(f"  sustained stored reads/s: {sustained:,.0f}")
    print(f"  raw COPY rows/s (same rows, timing_reads shape with indexes): {copy_rate:,.0f}")
    print(f"  ratio sustained / raw COPY: {sustained / copy_rate:.2f}")
    print(f"peak RSS of p88 serve: {server.peak_rss_mb:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=500_000)
    parser.add_argument("--rate", type=int, default=2000, help="reads/s in the latency phase")
    parser.add_argument("--latency-seconds", type=float, default=15.0)
    trio.run(main, parser.parse_args())
