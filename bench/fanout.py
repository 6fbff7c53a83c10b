"""Display fan-out benchmark: many display websockets, live reads over CTP01, one p88 process.

    python bench/fanout.py --displays 1000 --sessions 10 --rate 500 --seconds 20
    python bench/fanout.py --displays 200 --seconds 5            # small, for a busy machine
    python bench/fanout.py --displays 1000 --stall 1              # one client never reads
    python bench/fanout.py --hold 5000                            # connected screens -> RSS
    python bench/fanout.py --displays 1000 --reads-per-passing 1 --rate 2000   # frames/s push
    python bench/fanout.py --displays 1000 --aligned              # sessions send in lockstep
    python bench/fanout.py --displays 1000 --links-per-session 100 --reads-per-passing 1 \
        --no-participants                                         # the floor: 1,000 links,
                                                                  # every tag unknown

The defaults are the mild load: 10 display links (one per session, 100 screens each),
participants imported for every tag, 5 reads per runner (one passing every 5 reads). State the
load in words beside every figure.

The server (`serve()`, embedded PostgreSQL in a temporary folder) runs in this process. Two child
processes are the outside world: the screens (one plain process, no event loop: raw sockets,
epoll and os.read; each chunk is kept with its arrival time and decoded only after the run, so a
screen costs the client one read per wakeup) and the CTP01 load (one middleware connection per
session, paced).

Arrivals: the sessions' reads are staggered, so together they come evenly at --rate, as the
reads of independent races do; --aligned makes every session send at the same instants instead
(one read per session at once: the burstiest way to deliver the same rate).

Latency: from the moment the last byte of a runner's first read was written to the collector
socket to the moment the chunk completing the display frame carrying that passing was read off
the websocket (time.perf_counter is CLOCK_MONOTONIC, one clock for every process of the
machine). Every read of a new tag is a passing; its repeats (`--reads-per-passing`) are stored
but not pushed, as on race day. Each connection first sends its gun time and one unmeasured read
and waits a second, as at a race, where the gun comes long before the first finisher: the
measured stream starts on a warm server. That first read's latency is reported apart
(`cold_start_latency_ms_max`): it includes the first use of each writer's statements and of a
session's ids.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import trio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DAY = date(2021, 5, 8)
START = datetime(2021, 5, 8, 9, 0, 0)
HELLO_LINES = 9  # p88~... then 8 requests
GUN_TO_FIRST_FINISH = 1.0  # seconds; as at a race, the gun is stored before runners finish
WARM_TAG = "0"  # each connection's first, unmeasured read


# ---------------------------------------------------------------------------------- server side
def rss_mb(pid: int | None = None) -> float:
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


async def set_up(pool: Any, sessions: int, participants: int, links: int) -> list[tuple[int, str]]:
    """`links` displays per session (FINISH), participants for the tags the load will use
    (none when `participants` is 0); returns (session index, display token) pairs."""
    from p88.db.partners import partner_by_slug
    from p88.db.tenancy import tenant_transaction
    from p88.demo import demo_participants, ensure_session
    from p88.displays.options import DisplayOptions
    from p88.displays.store import create_display
    from p88.participants.queries import upsert_participants

    async with pool.acquire() as conn:
        partner = await partner_by_slug(conn, "default")
    assert partner is not None
    people = demo_participants(participants, 1) if participants else []
    tokens = []
    for k in range(sessions):
        event = f"BENCH-{k}"
        async with tenant_transaction(pool, partner.id) as conn:
            if people:
                await upsert_participants(conn, partner.id, event, people)
            session_id = await ensure_session(conn, partner.id, event, DAY, "UTC")
            for link in range(links):
                _, token = await create_display(
                    conn,
                    partner.id,
                    name=f"Bench {k}.{link}",
                    session_id=session_id,
                    locations=["FINISH"],
                    options=DisplayOptions(),
                )
                tokens.append((k, token))
    return tokens


async def run_server(args: argparse.Namespace) -> dict[str, Any]:
    from p88.app import Running, serve
    from p88.config import config_from_mapping

    data_dir = Path(tempfile.mkdtemp(prefix="p88-bench-"))
    collector = {
        key: value
        for key, value in (
            ("batch_wait", args.batch_wait),
            ("ingest_writers", args.ingest_writers),
        )
        if value is not None
    }
    config = config_from_mapping(
        {
            "database": {"data_dir": str(data_dir), "pool_size": 8},
            "collector": {"bind": "127.0.0.1:0", **collector},
            "status": {"bind": "127.0.0.1:0"},
            "web": {"bind": "127.0.0.1:0"},
        },
        env={},
    )
    ready = trio.Event()
    state: dict[str, Any] = {}
    sessions = args.sessions
    tags = int(args.rate * (args.seconds + 5) / args.reads_per_passing / sessions) + 100
    registered = 0 if args.no_participants else tags

    async def on_ready(running: Running) -> None:
        state["running"] = running
        pool = running.database.pool
        state["tokens"] = await set_up(pool, sessions, registered, args.links_per_session)
        ready.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(
            lambda: serve(config, handle_signals=False, on_ready=on_ready)  # type: ignore[arg-type]
        )
        await ready.wait()
        running = state["running"]
        rss_idle = rss_mb()
        cfg = {
            "web": running.web_url.split("://", 1)[1],
            "collector": list(running.collector),
            "tokens": state["tokens"],
            "out": str(data_dir / "screens.json"),
            **vars(args),
        }
        peak = [rss_idle]

        async def sample_rss() -> None:
            while True:
                peak[0] = max(peak[0], rss_mb())
                await trio.sleep(0.1)

        sampler = trio.CancelScope()

        async def sampling() -> None:
            with sampler:
                await sample_rss()

        nursery.start_soon(sampling)
        report = await drive_clients(cfg, running)
        sampler.cancel()
        report["server_rss_idle_mb"] = round(rss_idle, 1)
        report["server_rss_peak_mb"] = round(peak[0], 1)
        running.shutdown()
    # The embedded PostgreSQL has stopped: its folder goes (runs add up to gigabytes).
    shutil.rmtree(data_dir, ignore_errors=True)
    return report


async def drive_clients(cfg: dict[str, Any], running: Any) -> dict[str, Any]:
    """Screens process connects and records; the load process sends CTP01; then the merge."""
    screens = await trio.lowlevel.open_process(
        [sys.executable, __file__, "--screens", json.dumps(cfg)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert screens.stdin is not None and screens.stdout is not None
    said = b""
    while b"\n" not in said:
        chunk = await screens.stdout.receive_some(4096)
        assert chunk, "the screens process ended before connecting all screens"
        said += chunk
    connect_seconds = float(said.split()[1])
    report: dict[str, Any] = {"connect_seconds": round(connect_seconds, 1)}
    if cfg["hold"]:
        await trio.sleep(3)  # the server settles; its RSS is sampled meanwhile
    else:
        cpu_before, wall_before = time.process_time(), time.perf_counter()
        load = await trio.run_process(
            [sys.executable, __file__, "--load", json.dumps(cfg)], capture_stdout=True, check=True
        )
        report["server_cpu_share"] = round(
            (time.process_time() - cpu_before) / (time.perf_counter() - wall_before), 2
        )
        await trio.sleep(2.0)  # the tail
    await screens.stdin.send_all(b"stop\n")
    await screens.wait()
    assert screens.returncode == 0, "the screens process failed"
    recorded = json.loads(await trio.Path(cfg["out"]).read_text())
    if cfg["hold"]:
        return {"held": recorded["connected"], **report}
    report.update(summarise(cfg, recorded, json.loads(load.stdout.decode())))
    report["hub_frames_sent"] = running.hub.frames_sent()
    # The collector's own share of the latency: socket read -> reads committed.
    window = running.stats.ingest_latency_ms
    report["ingest_commit_ms_p50"] = round(window.quantile(0.5) or 0, 2)
    report["ingest_commit_ms_p99"] = round(window.quantile(0.99) or 0, 2)
    return report


def summarise(
    cfg: dict[str, Any], recorded: dict[str, Any], load: dict[str, Any]
) -> dict[str, Any]:
    sent = {(session, tag): at for session, tag, at in load["sent"]}
    warm = {session: at for session, at in load["warm"]}
    cold: list[float] = []
    latencies: list[float] = []
    per_client_p99: list[float] = []
    frames = 0
    for screen in recorded["screens"]:
        mine = []
        for arrived, tags in screen["frames"]:
            frames += 1
            for tag in tags:
                sent_at = sent.get((screen["session"], tag))
                if sent_at is not None:
                    mine.append((arrived - sent_at) * 1000)
                elif tag == WARM_TAG:
                    cold.append((arrived - warm[screen["session"]]) * 1000)
        latencies.extend(mine)
        per_client_p99.append(percentile(mine, 99))
    screens = len(recorded["screens"])
    per_session: dict[int, int] = {}
    for session, _tag in sent:
        per_session[session] = per_session.get(session, 0) + 1
    expected = sum(per_session.get(screen["session"], 0) for screen in recorded["screens"])
    seconds = load["seconds"]
    return {
        "displays": screens,
        "display_links": len(cfg["tokens"]),
        "participants_imported": not cfg["no_participants"],
        "sessions": cfg["sessions"],
        "stalled_clients": cfg["stall"],
        "reads_per_second": round(cfg["rate"] * cfg["seconds"] / seconds),
        "passings_sent": len(sent),
        "deliveries_expected": expected,
        "deliveries": len(latencies),
        "frames": frames,
        "frames_per_second": round(frames / seconds),
        "deliveries_per_second": round(len(latencies) / seconds),
        "latency_ms_p50": round(percentile(latencies, 50), 2),
        "latency_ms_p99": round(percentile(latencies, 99), 2),
        "latency_ms_max": round(max(latencies, default=float("nan")), 2),
        "worst_client_p99_ms": round(max(per_client_p99, default=float("nan")), 2),
        "median_client_p99_ms": round(statistics.median(per_client_p99), 2)
        if per_client_p99
        else None,
        "cold_start_deliveries": len(cold),
        "cold_start_latency_ms_max": round(max(cold, default=float("nan")), 2),
        "resyncs": sum(screen["close"] == 4000 for screen in recorded["screens"]),
        "screens_cpu_share": recorded["cpu_share"],
        "load_cpu_share": load["cpu_share"],
    }


# ---------------------------------------------------------------------------------- screens
# One plain process, no event loop: epoll and os.read, each chunk kept with its arrival time and
# parsed only after the run, so a screen costs the client one read per wakeup and nothing more.
def handshake(token: str, host: str, port: int) -> bytes:
    return (
        f"GET /d/{token}/ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
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


def run_screens(cfg: dict[str, Any]) -> None:
    host, port = cfg["web"].rsplit(":", 1)
    tokens = cfg["tokens"]
    count = cfg["hold"] or cfg["displays"]
    poll = select.epoll()
    sockets: dict[int, socket.socket] = {}
    session_of: dict[int, int] = {}
    buffers: dict[int, bytes] = {}
    began = time.perf_counter()
    for wave in range(0, count, 100):  # the listen backlog is 100
        waiting = set()
        for index in range(wave, min(count, wave + 100)):
            session, token = tokens[index % len(tokens)]
            sock = socket.create_connection((host, int(port)))
            sock.sendall(handshake(token, host, int(port)))
            sock.setblocking(False)
            fd = sock.fileno()
            sockets[fd], session_of[fd], buffers[fd] = sock, session, b""
            poll.register(fd, select.EPOLLIN)
            waiting.add(fd)
        while waiting:  # until each has its 101 and its hello
            for fd, _ in poll.poll(30):
                buffers[fd] += os.read(fd, 1 << 16)
                head, sep, rest = buffers[fd].partition(b"\r\n\r\n")
                if sep:
                    assert b" 101 " in head.split(b"\r\n")[0], head
                    found, _ = frames_in(rest)
                    if found and fd in waiting:
                        waiting.discard(fd)
    for fd, buffer in buffers.items():
        _, _, rest = buffer.partition(b"\r\n\r\n")
        _, buffers[fd] = frames_in(rest)  # the hello is not measured
    stalled = [socket.create_connection((host, int(port))) for _ in range(cfg["stall"])]
    for index, sock in enumerate(stalled):  # connected, never read again
        sock.sendall(handshake(tokens[index % len(tokens)][1], host, int(port)))
    print(f"ready {time.perf_counter() - began:.2f}", flush=True)
    stdin = sys.stdin.fileno()
    poll.register(stdin, select.EPOLLIN)
    chunks: dict[int, list[tuple[float, bytes]]] = {fd: [] for fd in sockets}
    cpu_began, wall_began = time.process_time(), time.perf_counter()
    running = True
    while running:
        for fd, _ in poll.poll():
            if fd == stdin:
                running = False
                continue
            data = os.read(fd, 1 << 16)
            if data:
                chunks[fd].append((time.perf_counter(), data))
            else:
                poll.unregister(fd)
    cpu_share = (time.process_time() - cpu_began) / (time.perf_counter() - wall_began)
    screens = []
    for fd, received in chunks.items():
        frames, close, buffer = [], None, buffers[fd]
        for arrived, data in received:
            found, buffer = frames_in(buffer + data)
            for opcode, payload in found:
                if opcode == 8:
                    close = int.from_bytes(payload[:2], "big") if payload else 1005
                elif opcode == 1:
                    message = json.loads(payload)
                    if message.get("type") == "passings":
                        frames.append((arrived, [event["tag"] for event in message["events"]]))
        screens.append({"session": session_of[fd], "frames": frames, "close": close})
    Path(cfg["out"]).write_text(
        json.dumps(
            {"connected": len(sockets), "screens": screens, "cpu_share": round(cpu_share, 3)}
        )
    )


# ---------------------------------------------------------------------------------- CTP01 load
class StreamStart:
    """One moment every connection's measured stream counts from, once all have warmed up.

    Staggered (the default), session k's reads come k / rate seconds after session 0's, so the
    sessions together arrive evenly at `rate`, as independent races do. Aligned, every session
    sends at the same instants: a burst of one read per session each 1 / per-session-rate,
    the worst case for fan-out (each burst's frames all go out at once)."""

    def __init__(self, connections: int, stagger: float) -> None:
        self.waiting = connections
        self.stagger = stagger
        self.epoch = 0.0
        self.all_ready = trio.Event()

    async def ready(self, session: int) -> float:
        """Wait for every connection; return when this session's first measured read goes."""
        self.waiting -= 1
        if not self.waiting:
            self.epoch = trio.current_time() + 0.05
            self.all_ready.set()
        await self.all_ready.wait()
        return self.epoch + session * self.stagger


async def ctp_pusher(
    host: str,
    port: int,
    session: int,
    rate: float,
    seconds: float,
    per_passing: int,
    sent: dict[tuple[int, str], float],
    warm: dict[int, float],
    streams: list[float],
    stream_start: StreamStart,
) -> int:
    """One middleware connection for event BENCH-<session>: a new tag every per_passing reads."""
    stream = await trio.open_tcp_stream(host, port)
    buffer = b""

    async def line() -> str:
        nonlocal buffer
        while b"\n" not in buffer:
            buffer += await stream.receive_some(65536)
        raw, buffer = buffer.split(b"\n", 1)
        return raw.rstrip(b"\r").decode()

    sending = trio.Lock()  # the ping answers and the reads share one socket

    async def send(data: bytes) -> None:
        async with sending:
            await stream.send_all(data)

    await stream.send_all(b"SimpleClient~0.6.0~CTP01\r\n")
    for _ in range(HELLO_LINES):
        await line()
    assert await line() == "getconnectionid"
    await stream.send_all(f"ack~getconnectionid~{session:040x}\r\n".encode())
    assert await line() == "geteventinfo"
    await stream.send_all(f"ack~geteventinfo~BENCH-{session}~0~\r\n".encode())
    assert await line() == "getlocations"
    await stream.send_all(b"ack~getlocations~FINISH\r\n")
    start = await line()
    await stream.send_all(f"ack~{start}\r\n".encode())

    async def answer_pings() -> None:
        while True:
            if await line() == "ping":
                await send(b"ack~ping\r\n")

    # The gun, as a start mat would send it: finish times are then gun times.
    await stream.send_all(b"CT01_33~1~FINISH~guntime~2021-05-08T08:30:00.00~0~12000C~0\r\n")
    # One unmeasured read first: it warms what a server that has been running for a while has
    # warm (the writer's statements, this session's ids and feeds). Its latency is reported
    # apart as the cold start.
    await stream.send_all(
        f"CT01_33~1~FINISH~{WARM_TAG}~{START:%Y-%m-%dT%H:%M:%S}.00~1~12000C~1\r\n".encode()
    )
    warm[session] = time.perf_counter()
    await trio.sleep(GUN_TO_FIRST_FINISH)
    count = 0
    async with trio.open_nursery() as nursery:
        nursery.start_soon(answer_pings)
        began = await stream_start.ready(session)
        await trio.sleep_until(began)
        streams.append(time.perf_counter())
        total = int(rate * seconds)
        for index in range(total):
            await trio.sleep_until(began + index / rate)
            tag = str(index // per_passing + 1)
            when = START + timedelta(
                seconds=index // per_passing * 0.5, milliseconds=index % per_passing * 10
            )
            stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 10000:02d}"
            await send(f"CT01_33~{index + 2}~FINISH~{tag}~{stamp}~1~12000C~1\r\n".encode())
            if index % per_passing == 0:
                sent[(session, tag)] = time.perf_counter()
            count += 1
        nursery.cancel_scope.cancel()
    await stream.aclose()
    return count


async def run_load(cfg: dict[str, Any]) -> dict[str, Any]:
    """One middleware connection per session, paced; returns when every read was sent."""
    host, port = cfg["collector"]
    sent: dict[tuple[int, str], float] = {}
    warm: dict[int, float] = {}
    streams: list[float] = []  # when each connection's measured stream began
    sessions = cfg["sessions"]
    per_session = cfg["rate"] / sessions
    stream_start = StreamStart(sessions, 0.0 if cfg["aligned"] else 1 / cfg["rate"])
    cpu_began, began = time.process_time(), time.perf_counter()
    async with trio.open_nursery() as pushers:
        for k in range(sessions):
            pushers.start_soon(
                ctp_pusher,
                host,
                port,
                k,
                per_session,
                cfg["seconds"],
                cfg["reads_per_passing"],
                sent,
                warm,
                streams,
                stream_start,
            )
    ended = time.perf_counter()
    seconds = ended - min(streams)  # the measured stream, not the handshakes and the warm-up
    return {
        "sent": [[session, tag, at] for (session, tag), at in sent.items()],
        "warm": [[session, at] for session, at in warm.items()],
        "seconds": seconds,
        "cpu_share": round((time.process_time() - cpu_began) / (ended - began), 2),
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--displays", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--rate", type=float, default=500.0, help="reads per second, all sessions")
    parser.add_argument("--reads-per-passing", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--stall", type=int, default=0, help="clients that never read")
    parser.add_argument(
        "--aligned",
        action="store_true",
        help="every session sends at the same instants (bursts) instead of staggered",
    )
    parser.add_argument(
        "--links-per-session", type=int, default=1, help="display links per session"
    )
    parser.add_argument(
        "--no-participants",
        action="store_true",
        help="import no participants: every tag read is unknown",
    )
    parser.add_argument("--hold", type=int, default=0, help="only connect this many; report RSS")
    parser.add_argument(
        "--batch-wait", type=float, default=None, help="collector.batch_wait (default: p88's)"
    )
    parser.add_argument(
        "--ingest-writers", type=int, default=None, help="collector.ingest_writers (default: p88's)"
    )
    parser.add_argument("--screens", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--load", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.screens:
        run_screens(json.loads(args.screens))
        return
    if args.load:
        print(json.dumps(trio.run(run_load, json.loads(args.load))))
        return
    import logging

    logging.basicConfig(level=logging.WARNING)
    report = trio.run(run_server, args)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
