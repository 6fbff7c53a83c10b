"""Public results benchmark: live crossings over CTP01 into one `p88 serve` process, public
results pages open on websockets, and HTTP clients reading the pages.

    python bench/results_public.py                     # 30,000 runners, 100 crossings/s
    python bench/results_public.py --runners 5000 --push-seconds 10 --http-seconds 5

Needs `wrk` for the HTTP load (Debian: `apt-get install wrk`).

The race: a half marathon with a start mat and a finish (chip time), --runners entrants, their
start reads and the first --finished share of finishes stored before the server starts, the
results published. The rest finish live: a CTP01 connection (a child process) sends
--crossings per second, each --reads-per-crossing reads 10 ms apart (100 x 5 = 500 reads/s).

Figures:
1. crossing -> pushed to an open public page: --pages websockets on /r/<token>/ws (a child
   process: raw sockets, epoll, each chunk kept with its arrival time and decoded after the
   run) while only the crossings arrive. From the moment the first read of a crossing was
   written to the collector's socket to the moment the message naming that runner was read off
   each page's socket (time.perf_counter: CLOCK_MONOTONIC, one clock for every process).
2. public results page requests/s while the crossings go on: wrk with keep-alive connections
   (--connections, each run --http-seconds; asking for gzip as browsers do), for the busiest
   page (the list's first page), for a mix (list pages 1-5, filters, searches, runner pages
   of random bibs: a quarter rendered on demand), and for runner pages of random bibs only
   (nearly all rendered on demand: what a page costs that nobody asked for yet). The figure to
   quote is the best requests/s whose p99 is at most 100 ms. The push latency during this phase
   is printed too.
The server runs in this process with an embedded PostgreSQL in a temporary folder. State the
machine's load beside the figures (printed: load average before and after).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import random
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import trio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

EVENT = "BENCH RESULTS"
TOKEN = "bench-public-results-link"
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
            "start_closes": "0:15:00",
        }
    ],
    "waves": [],
    "wave_ranges": [],
    "age_groups": {"scheme": "five_year"},
}
HELLO_LINES = 9  # p88~... then 8 requests


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def now_local() -> datetime:
    """The event's wall clock (UTC), naive, whole hundredths."""
    moment = datetime.now(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=moment.microsecond // 10000 * 10000)


# ---------------------------------------------------------------------------------- the race
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


async def seed(pool: Any, args: argparse.Namespace) -> tuple[int, int, list[str]]:
    """The race as stored before the live part; (partner, session, bibs still out)."""
    from p88.db import results as results_db
    from p88.db.partners import partner_by_slug
    from p88.db.tenancy import tenant_transaction
    from p88.demo import ensure_session

    rnd = random.Random(7)
    now = now_local()
    gun = now - timedelta(hours=2)
    bibs = [str(n) for n in range(1, args.runners + 1)]
    async with pool.acquire() as conn:
        partner = await partner_by_slug(conn, "default")
    assert partner is not None
    async with tenant_transaction(pool, partner.id) as conn:
        session = await ensure_session(conn, partner.id, EVENT, now.date(), "UTC")
        await results_db.save_setup(conn, partner.id, session, DOCUMENT, None)
        await results_db.publish(conn, partner.id, session, True, TOKEN)
    async with pool.acquire() as conn:
        await conn.execute(
            SEED_PEOPLE,
            partner.id,
            EVENT,
            bibs,
            ["F" if n % 2 else "M" for n in range(len(bibs))],
            [rnd.randrange(18, 75) for _ in bibs],
        )
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
        done = int(len(bibs) * args.finished)
        ends = [now - timedelta(seconds=rnd.uniform(60, 3000)) for _ in bibs[:done]]
        await conn.execute(SEED_READS, partner.id, session, finish, bibs[:done], ends)
    return partner.id, session, bibs[done:]


# ---------------------------------------------------------------------------------- CTP01 load
async def run_load(cfg: dict[str, Any]) -> dict[str, Any]:
    """One middleware connection at the finish: crossings at a steady rate, each a few reads."""
    host, port = cfg["collector"]
    stream = await trio.open_tcp_stream(host, port)
    buffer = b""

    async def line() -> str:
        nonlocal buffer
        while b"\n" not in buffer:
            buffer += await stream.receive_some(65536)
        raw, buffer = buffer.split(b"\n", 1)
        return raw.rstrip(b"\r").decode()

    await stream.send_all(b"SimpleClient~0.6.0~CTP01\r\n")
    for _ in range(HELLO_LINES):
        await line()
    assert await line() == "getconnectionid"
    await stream.send_all(f"ack~getconnectionid~{cfg['connection']}\r\n".encode())
    assert await line() == "geteventinfo"
    await stream.send_all(f"ack~geteventinfo~{EVENT}~0~\r\n".encode())
    assert await line() == "getlocations"
    await stream.send_all(b"ack~getlocations~FINISH\r\n")
    await stream.send_all(f"ack~{await line()}\r\n".encode())
    sending = trio.Lock()  # the ping answers and the reads share one socket

    async def send(data: bytes) -> None:
        async with sending:
            await stream.send_all(data)

    sent: dict[str, float] = {}
    rate, per = cfg["crossings"], cfg["reads_per_crossing"]
    bibs = cfg["bibs"]
    async with trio.open_nursery() as nursery:

        async def answer_pings() -> None:
            while True:
                if await line() == "ping":
                    await send(b"ack~ping\r\n")

        nursery.start_soon(answer_pings)
        began = trio.current_time() + 0.1
        for index, bib in enumerate(bibs):
            await trio.sleep_until(began + index / rate)
            when = now_local()
            lines = []
            for k in range(per):
                at = when + timedelta(milliseconds=10 * k)
                stamp = at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond // 10000:02d}"
                lines.append(f"CT01_33~{index * per + k + 1}~FINISH~{bib}~{stamp}~1~12000C~1\r\n")
            await send(lines[0].encode())
            sent[bib] = time.perf_counter()
            if len(lines) > 1:
                await send("".join(lines[1:]).encode())
        nursery.cancel_scope.cancel()
    await stream.aclose()
    return {"sent": sent}


# ---------------------------------------------------------------------------------- the pages
def handshake(host: str, port: int) -> bytes:
    return (
        f"GET /r/{TOKEN}/ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


def frames_in(buffer: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """Complete frames (opcode, payload) at the front of `buffer`, and what is left."""
    found = []
    while len(buffer) >= 2:
        opcode, size, offset = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
        if size == 126:
            size, offset = int.from_bytes(buffer[2:4], "big"), 4
        elif size == 127:
            size, offset = int.from_bytes(buffer[2:10], "big"), 10
        if len(buffer) < offset + size:
            break
        found.append((opcode, buffer[offset : offset + size]))
        buffer = buffer[offset + size :]
    return found, buffer


def run_pages(cfg: dict[str, Any]) -> None:
    """Open --pages sockets, record every chunk until told to stop, write what arrived when."""
    host, port = cfg["web"].rsplit(":", 1)
    poll = select.epoll()
    sockets, buffers = {}, {}
    for _ in range(cfg["pages"]):
        sock = socket.create_connection((host, int(port)))
        sock.sendall(handshake(host, int(port)))
        sock.setblocking(False)
        sockets[sock.fileno()], buffers[sock.fileno()] = sock, b""
        poll.register(sock.fileno(), select.EPOLLIN)
    waiting = set(sockets)
    while waiting:  # each has its 101 and its hello
        for fd, _ in poll.poll(30):
            buffers[fd] += os.read(fd, 1 << 16)
            head, sep, rest = buffers[fd].partition(b"\r\n\r\n")
            if sep and frames_in(rest)[0]:
                assert b" 101 " in head.split(b"\r\n")[0], head
                waiting.discard(fd)
    for fd in buffers:
        buffers[fd] = frames_in(buffers[fd].partition(b"\r\n\r\n")[2])[1]
    print("ready", flush=True)
    stdin = sys.stdin.fileno()
    poll.register(stdin, select.EPOLLIN)
    chunks: dict[int, list[tuple[float, bytes]]] = {fd: [] for fd in sockets}
    running = True
    while running:
        for fd, _ in poll.poll():
            if fd == stdin:
                running = False
            elif data := os.read(fd, 1 << 16):
                chunks[fd].append((time.perf_counter(), data))
            else:
                poll.unregister(fd)
    seen: list[dict[str, float]] = []
    for fd, received in chunks.items():
        first: dict[str, float] = {}
        buffer = buffers[fd]
        for arrived, data in received:
            found, buffer = frames_in(buffer + data)
            for opcode, payload in found:
                if opcode == 1 and (message := json.loads(payload)).get("type") == "changed":
                    for bib in message["bibs"]:
                        first.setdefault(bib, arrived)
        seen.append(first)
    Path(cfg["out"]).write_text(json.dumps(seen))


def push_latencies(sent: dict[str, float], seen: list[dict[str, float]]) -> dict[str, Any]:
    latencies = [
        (page[bib] - at) * 1000 for page in seen for bib, at in sent.items() if bib in page
    ]
    expected = len(sent) * len(seen)
    return {
        "crossings": len(sent),
        "pages": len(seen),
        "push_ms_p50": round(percentile(latencies, 50), 1),
        "push_ms_p99": round(percentile(latencies, 99), 1),
        "push_ms_max": round(max(latencies, default=float("nan")), 1),
        "not_pushed": expected - len(latencies),
    }


# ---------------------------------------------------------------------------------- HTTP load
WRK_MIX = """
local token, runners = "%s", %d
local groups = {"F30-34", "M40-44", "F45-49", "M25-29"}
request = function()
  local r, path = math.random(100), "/r/" .. token
  if r <= 50 then path = path
  elseif r <= 65 then path = path .. "?page=" .. math.random(2, 5)
  elseif r <= 75 then path = path .. "?age_group=" .. groups[math.random(#groups)]
  elseif r <= 80 then path = path .. "?q=" .. math.random(1, runners)
  else path = path .. "/bib/" .. math.random(1, runners) end
  return wrk.format("GET", path)
end
"""
WRK_RUNNERS = """
local token, runners = "%s", %d
request = function()
  return wrk.format("GET", "/r/" .. token .. "/bib/" .. math.random(1, runners))
end
"""
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


async def run_wrk(url: str, connections: int, seconds: float, script: str | None) -> dict:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "5s"]
    command += ["-H", "Accept-Encoding: gzip, deflate, br"]  # as browsers ask
    if script:
        command += ["-s", script]
    done = await trio.run_process([*command, url], capture_stdout=True, check=True)
    out = done.stdout.decode()
    found = {p: re.search(rf"^\s+{p}%\s+(\S+)\s*$", out, re.MULTILINE) for p in (50, 99)}
    if not all(found.values()):
        raise RuntimeError(f"wrk said something this benchmark does not read:\n{out}")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: (.*)$", out, re.MULTILINE)
    return {
        "connections": connections,
        "requests_per_s": round(float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))),  # type: ignore[union-attr]
        "ms_p50": round(_ms(found[50].group(1)), 1),  # type: ignore[union-attr]
        "ms_p99": round(_ms(found[99].group(1)), 1),  # type: ignore[union-attr]
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": sockets.group(1) if sockets else "",
    }


# ---------------------------------------------------------------------------------- the run
async def run_server(args: argparse.Namespace) -> dict[str, Any]:
    from p88.app import Running, serve
    from p88.config import config_from_mapping

    data_dir = Path(tempfile.mkdtemp(prefix="p88-bench-"))
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
        partner, session, out = await seed(running.database.pool, args)
        began = time.perf_counter()
        assert running.hub.results is not None
        await running.hub.results.get(partner, session)  # what the first viewer would wait for
        state.update(running=running, out=out, build_s=round(time.perf_counter() - began, 2))
        ready.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(
            lambda: serve(config, handle_signals=False, on_ready=on_ready)  # type: ignore[arg-type]
        )
        await ready.wait()
        report = await measure(args, state["running"], state["out"], data_dir)
        report["engine_build_s"] = state["build_s"]
        state["running"].shutdown()
    shutil.rmtree(data_dir, ignore_errors=True)
    return report


async def load(
    running: Any, args: argparse.Namespace, bibs: list[str], name: str, folder: Path
) -> dict[str, float]:
    """The crossings of `bibs`, sent by a child process; when each was sent."""
    cfg = {
        "collector": list(running.collector),
        "crossings": args.crossings,
        "reads_per_crossing": args.reads_per_crossing,
        "bibs": bibs,
        "connection": name,
    }
    path = folder / f"{name}.json"
    await trio.Path(path).write_text(json.dumps(cfg))
    done = await trio.run_process(
        [sys.executable, __file__, "--load", str(path)],
        capture_stdout=True,
        capture_stderr=True,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"the CTP01 load failed:\n{done.stderr.decode()[-3000:]}")
    sent: dict[str, float] = json.loads(done.stdout.decode())["sent"]
    return sent


async def measure(
    args: argparse.Namespace, running: Any, out: list[str], data_dir: Path
) -> dict[str, Any]:
    web = running.web_url.split("://", 1)[1]
    url = f"{running.web_url}/r/{TOKEN}"
    report: dict[str, Any] = {"load_before": os.getloadavg()}
    await run_wrk(url, 1, 1, None)  # the first render, off the record
    cfg = {"web": web, "pages": args.pages, "out": str(data_dir / "pages.json")}
    pages = await trio.lowlevel.open_process(
        [sys.executable, __file__, "--page-sockets", json.dumps(cfg)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert pages.stdout is not None and pages.stdin is not None
    while b"ready" not in await pages.stdout.receive_some(100):
        pass
    first = int(args.push_seconds * args.crossings)
    pushed_alone = await load(running, args, out[:first], "bench-finish-1", data_dir)
    await trio.sleep(1.0)
    scripts: dict[str, str | None] = {"list_page": None}
    for kind, text in (("mix", WRK_MIX), ("runner_pages", WRK_RUNNERS)):
        scripts[kind] = str(data_dir / f"{kind}.lua")
        await trio.Path(scripts[kind]).write_text(text % (TOKEN, args.runners))
    runs = [(kind, c) for kind in scripts for c in args.connections]
    second = int(len(runs) * (args.http_seconds + 0.5) * args.crossings)
    during: dict[str, float] = {}
    http: dict[str, list[dict]] = {kind: [] for kind in scripts}
    cpu, wall = time.process_time(), time.perf_counter()
    profile = cProfile.Profile() if args.profile else None
    if profile is not None:
        profile.enable()
    async with trio.open_nursery() as nursery:

        async def ingest() -> None:
            bibs = out[first : first + second]
            during.update(await load(running, args, bibs, "bench-finish-2", data_dir))

        nursery.start_soon(ingest)
        await trio.sleep(1.0)
        for kind, connections in runs:
            found = await run_wrk(url, connections, args.http_seconds, scripts[kind])
            http[kind].append(found)
    if profile is not None:
        profile.disable()
        profile.dump_stats(args.profile)
    report["server_cpu_share_under_http"] = round(
        (time.process_time() - cpu) / (time.perf_counter() - wall), 2
    )
    await trio.sleep(1.0)
    await pages.stdin.send_all(b"stop\n")
    await pages.wait()
    seen = json.loads(await trio.Path(cfg["out"]).read_text())
    report["push_alone"] = push_latencies(pushed_alone, seen)
    report["push_under_http_load"] = push_latencies(during, seen)
    report["http"] = http
    for kind, found in http.items():
        good = [r for r in found if r["ms_p99"] <= 100 and not r["non_2xx"]]
        best = max(good, key=lambda r: r["requests_per_s"], default=None)
        report[f"{kind}_best_requests_per_s_p99_le_100ms"] = best and best["requests_per_s"]
    report["load_after"] = os.getloadavg()
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--runners", type=int, default=30_000)
    parser.add_argument("--finished", type=float, default=0.4, help="share finished before")
    parser.add_argument("--crossings", type=float, default=100.0, help="per second")
    parser.add_argument("--reads-per-crossing", type=int, default=5)
    parser.add_argument("--pages", type=int, default=100, help="open public pages (websockets)")
    parser.add_argument("--push-seconds", type=float, default=20.0)
    parser.add_argument("--http-seconds", type=float, default=10.0)
    parser.add_argument(
        "--connections", type=lambda s: [int(c) for c in s.split(",")], default=[4, 8, 32]
    )
    parser.add_argument(
        "--profile", default=None, help="write the server's cProfile of the HTTP phase here"
    )
    parser.add_argument("--page-sockets", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--load", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.page_sockets:
        run_pages(json.loads(args.page_sockets))
        return
    if args.load:
        print(json.dumps(trio.run(run_load, json.loads(Path(args.load).read_text()))))
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed for the HTTP load: apt-get install wrk")
    import logging

    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(trio.run(run_server, args), indent=2))


if __name__ == "__main__":
    main()
