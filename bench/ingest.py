"""Ingest benchmark: CTP01 over real sockets -> PostgreSQL, against the raw COPY rate.

Runs `p88 serve` as its own process (so its RSS is its own) on a fresh embedded PostgreSQL,
and the simulator in this process:

1. latency: a steady load (default 2,000 reads/s over 20 connections) for --latency-seconds;
   the server's own socket-read -> commit latency window is read from /status.
2. throughput: a synthetic race of >= --reads reads over 20 connections as fast as possible;
   sustained rate = distinct reads stored / (first byte sent -> last read committed).
3. raw COPY: the same number of rows copied with asyncpg's COPY into a table shaped like
   timing_reads (same columns and indexes), in the same database, right before the
   throughput phase and right after it; the ratio is to the mean of the two. This machine's
   speed drifts from minute to minute (one COPY measured 129k rows/s, the next run's 181k), so
   a single measurement on one side of the phase made the ratio swing with the drift.

    python bench/ingest.py                     # the full run (500,000 reads)
    python bench/ingest.py --reads 50000       # quick
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path

import trio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from p88.db.embedded import EmbeddedPostgres  # noqa: E402
from p88.db.pool import connect, open_bridge  # noqa: E402
from p88.ingest.insert import COLUMNS  # noqa: E402
from p88.tcp.race_sources import (  # noqa: E402
    PointFeed,
    distinct_read_keys,
    synthetic_race,
    total_reads,
)
from p88.tcp.simulator import LineCache, SimOptions, run_simulation  # noqa: E402
from tests.system.http import get_json  # noqa: E402
from tests.system.process import ServeProcess  # noqa: E402

POINTS = [f"P{n:02d}" for n in range(1, 21)]


class Server(ServeProcess):
    """`p88 serve` in a child process, with its peak RSS sampled."""

    def __init__(self, dsn: str, root: Path, collector: dict[str, int]) -> None:
        super().__init__(dsn, root)
        self.peak_rss_mb = 0.0
        # [collector] settings to try (--ingest-writers, --batch-size); none: p88's defaults.
        extra = "".join(f"{key} = {value}\n" for key, value in collector.items())
        self.config.write_text(
            self.config.read_text().replace("[collector]\n", "[collector]\n" + extra)
        )

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
        """Poll until `count` reads are stored; return the moment (time.time()) seen.

        Each /status costs the server about a millisecond of CPU: polling every 20 ms took
        ~6 % of `p88 serve`'s CPU from the run being measured (py-spy, session 5). So the
        poll sleeps for half the time the rate so far says is left, between 10 and 250 ms:
        a few polls while reads pour in, a close look at the end."""
        first: tuple[float, int] | None = None
        with trio.fail_after(600):
            while True:
                stored: int = (await self.status())["reads_stored"]  # type: ignore[assignment]
                now = time.time()
                if stored >= count:
                    return now
                if first is None:
                    first = (now, stored)
                rate = (stored - first[1]) / (now - first[0]) if now > first[0] else 0.0
                left = (count - stored) / rate if rate > 0 else 0.5
                await trio.sleep(min(0.25, max(0.01, left / 2)))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_pids(pgdata: Path) -> list[int]:
    """The postmaster of `pgdata` and its children (backends, WAL writer, checkpointer ...)."""
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    pids = [postmaster]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == postmaster:
                pids.append(int(entry.name))
    return pids


def machine_busy_seconds() -> float:
    """CPU time all cores spent on anything but idling (user, system, interrupts), so far."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds used between start() and stop() by p88 serve, by PostgreSQL, by this
    process (the load generator, or the raw COPY's client) and by the whole machine. Unlike
    wall-clock rates these hardly change when other work shares the machine."""

    def __init__(self, serve_pid: int, pgdata: Path) -> None:
        self.serve_pid, self.pgdata = serve_pid, pgdata
        self.serve = self.postgres = self.bench = self.machine = self.wall = 0.0

    def _postgres_total(self) -> float:
        total = 0.0
        for pid in postgres_pids(self.pgdata):
            try:
                total += cpu_seconds(pid)
            except OSError:
                pass  # a backend that just ended; its share is lost, not double-counted
        return total

    def _now(self) -> tuple[float, ...]:
        return (
            cpu_seconds(self.serve_pid),
            self._postgres_total(),
            cpu_seconds(os.getpid()),
            machine_busy_seconds(),
            time.perf_counter(),
        )

    def start(self) -> None:
        self._started = self._now()

    def stop(self) -> None:
        used = [now - then for now, then in zip(self._now(), self._started, strict=True)]
        self.serve, self.postgres, self.bench, self.machine, self.wall = used

    def per_row(self, rows: int) -> str:
        """CPU per row of each, and how many of the cores each kept busy on average."""
        parts = [
            f"{name} {seconds / rows * 1e6:.1f} µs ({seconds / self.wall:.2f} cores)"
            for name, seconds in (
                ("p88 serve", self.serve),
                ("PostgreSQL", self.postgres),
                ("benchmark process", self.bench),
                ("whole machine", self.machine),
            )
        ]
        return ", ".join(parts) + f" of {os.cpu_count()}"


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


async def throughput_phase(
    server: Server, feeds: list[PointFeed], distinct: int, cpu: CpuMeter
) -> tuple[int, float]:
    sent = total_reads(feeds)
    before = (await server.status())["reads_stored"]
    # The clients stay connected until everything is stored, as middleware does. With a short
    # linger a client closed while its last lines still waited in the server's socket buffer
    # (ingest pushes back); the server's next ping then met a closed socket, the reset threw
    # those lines away, and the run waited for reads that were never going to arrive.
    options = SimOptions(speed=0, linger=600, client_id="throughput")
    # Format every line before the clock starts: middleware runs on other machines, so the
    # simulator's formatting must not take CPU from the server being measured.
    lines = LineCache()
    lines.prepare(feeds)
    async with trio.open_nursery() as nursery:
        cpu.start()
        started = time.time()
        nursery.start_soon(
            partial(run_simulation, "127.0.0.1", server.collector_port, feeds, options, lines=lines)
        )
        finished = await server.wait_stored(before + distinct)  # type: ignore[operator]
        cpu.stop()
        nursery.cancel_scope.cancel()
    return sent, finished - started


async def raw_copy_rate(dsn: str, rows: int, cpu: CpuMeter) -> float:
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
    async with open_bridge(), connect(dsn) as conn:
        await conn.execute("DROP TABLE IF EXISTS bench_copy")
        await conn.execute(
            "CREATE TABLE bench_copy (LIKE timing_reads INCLUDING DEFAULTS INCLUDING IDENTITY "
            "INCLUDING INDEXES)"
        )
        cpu.start()
        # The columns the collector's own COPY path writes (p88.ingest.direct_copy).
        await conn.copy_records_to_table("bench_copy", records=records, columns=COLUMNS)
        cpu.stop()
        await conn.execute("DROP TABLE bench_copy")
    return rows / cpu.wall


async def main(args: argparse.Namespace) -> None:
    root = Path(tempfile.mkdtemp(prefix="p88-bench-ingest-"))
    pg = EmbeddedPostgres(root / "pg")
    dsn = await trio.to_thread.run_sync(pg.start)
    collector = {
        key: value
        for key, value in (
            ("ingest_writers", args.ingest_writers),
            ("batch_size", args.batch_size),
            ("batch_wait", args.batch_wait),
        )
        if value is not None
    }
    server = Server(dsn, root, collector)
    try:
        await server.start()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(server.sample_rss)
            latency = await latency_phase(server, args.rate, args.latency_seconds)
            assert server.process is not None
            feeds = race_of(args.reads, "THROUGHPUT")
            distinct = len(distinct_read_keys(feeds))
            copy_before = await raw_copy_rate(
                dsn, distinct, CpuMeter(server.process.pid, pg.pgdata)
            )
            cpu = CpuMeter(server.process.pid, pg.pgdata)
            sent, seconds = await throughput_phase(server, feeds, distinct, cpu)
            nursery.cancel_scope.cancel()
        copy_cpu = CpuMeter(server.process.pid, pg.pgdata)
        copy_after = await raw_copy_rate(dsn, distinct, copy_cpu)
    finally:
        server.stop()
        pg.started_here = True
        await trio.to_thread.run_sync(pg.stop)
        # Only once PostgreSQL has stopped: a 500,000-read run leaves ~300 MB behind, and
        # repeated runs filled the disk.
        shutil.rmtree(root, ignore_errors=True)
    sustained = distinct / seconds
    copy_rate = (copy_before + copy_after) / 2
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
    print(
        f"  raw COPY rows/s (same rows, timing_reads shape with indexes): {copy_rate:,.0f} "
        f"(before {copy_before:,.0f}, after {copy_after:,.0f})"
    )
    print(f"  ratio sustained / raw COPY: {sustained / copy_rate:.2f}")
    print(f"  CPU per distinct read stored: {cpu.per_row(distinct)}")
    print(f"  CPU per row of the raw COPY (after): {copy_cpu.per_row(distinct)}")
    print(f"peak RSS of p88 serve: {server.peak_rss_mb:.0f} MB")
    if collector:
        print(f"[collector] settings: {collector}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reads", type=int, default=500_000)
    parser.add_argument("--rate", type=int, default=2000, help="reads/s in the latency phase")
    parser.add_argument("--latency-seconds", type=float, default=15.0)
    parser.add_argument("--ingest-writers", type=int, help="[collector] ingest_writers to use")
    parser.add_argument("--batch-size", type=int, help="[collector] batch_size to use")
    parser.add_argument("--batch-wait", type=float, help="[collector] batch_wait to use")
    trio.run(main, parser.parse_args())
