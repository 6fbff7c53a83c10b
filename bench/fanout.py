"""Display fan-out benchmark: many display websockets, live reads over CTP01, one p88 process.

    python bench/fanout.py --displays 1000 --sessions 10 --rate 500 --seconds 20
    python bench/fanout.py --displays 200 --seconds 5            # small, for a busy machine
    python bench/fanout.py --displays 1000 --stall 1              # one client never reads
    python bench/fanout.py --hold 5000                            # connected screens -> RSS
    python bench/fanout.py --displays 1000 --reads-per-passing 1 --rate 2000   # frames/s push

The server (`serve()`, embedded PostgreSQL in a temporary folder) runs in this process; the
clients and the CTP01 load run in a child process so they do not share the server's CPU. Clients
are raw sockets with a minimal websocket frame reader; they keep (arrival time, payload) and
decode after the run, so the measurement costs the client almost nothing.

Latency: from the moment the last byte of a runner's first read was written to the collector
socket to the moment the display frame carrying that passing was read off the websocket (one
clock: both ends live in the child process). Every read of a new tag is a passing; repeats of
the tag (`--reads-per-passing`) are stored but not pushed, as on race day.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
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


# ---------------------------------------------------------------------------------- server side
def rss_mb(pid: int | None = None) -> float:
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else 0.0


async def set_up(pool: Any, sessions: int, participants: int) -> list[str]:
    """One display per session (FINISH), participants for the tags the load will use."""
    from p88.db.partners import partner_by_slug
    from p88.db.tenancy import tenant_transaction
    from p88.demo import demo_participants, ensure_session
    from p88.displays.options import DisplayOptions
    from p88.displays.store import create_display
    from p88.participants.queries import upsert_participants

    async with pool.acquire() as conn:
        partner = await partner_by_slug(conn, "default")
    assert partner is not None
    people = demo_participants(participants, 1)
    tokens = []
    for k in range(sessions):
        event = f"BENCH-{k}"
        async with tenant_transaction(pool, partner.id) as conn:
            await upsert_participants(conn, partner.id, event, people)
            session_id = await ensure_session(conn, partner.id, event, DAY, "UTC")
            _, token = await create_display(
                conn,
                partner.id,
                name=f"Bench {k}",
                session_id=session_id,
                locations=["FINISH"],
                options=DisplayOptions(),
            )
        tokens.append(token)
    return tokens


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
    sessions = args.sessions
    tags = int(args.rate * (args.seconds + 5) / args.reads_per_passing / sessions) + 100

    async def on_ready(running: Running) -> None:
        state["running"] = running
        state["tokens"] = await set_up(running.database.pool, sessions, tags)
        ready.set()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(
            lambda: serve(config, handle_signals=False, on_ready=on_ready)  # type: ignore[arg-type]
        )
        await ready.wait()
        running = state["running"]
        rss_idle = rss_mb()
        client_cfg = {
            "web": running.web_url.split("://", 1)[1],
            "collector": list(running.collector),
            "tokens": state["tokens"],
            **{k: v for k, v in vars(args).items() if k != "client"},
        }
        peak = [rss_idle]

        async def sample_rss() -> None:
            while True:
                peak[0] = max(peak[0], rss_mb())
                await trio.sleep(0.25)

        sampler = trio.CancelScope()

        async def sampling() -> None:
            with sampler:
                await sample_rss()

        nursery.start_soon(sampling)
        cpu_before = time.process_time()
        wall_before = time.perf_counter()
        result = await trio.run_process(
            [sys.executable, __file__, "--client", json.dumps(client_cfg)],
            capture_stdout=True,
            check=True,
        )
        cpu = time.process_time() - cpu_before
        wall = time.perf_counter() - wall_before
        sampler.cancel()
        report: dict[str, Any] = json.loads(result.stdout.decode().strip().splitlines()[-1])
        report["server_rss_idle_mb"] = round(rss_idle, 1)
        report["server_rss_peak_mb"] = round(peak[0], 1)
        report["server_cpu_share"] = round(cpu / wall, 2)
        report["hub_frames_sent"] = running.hub.frames_sent()
        # The collector's own share of the latency: socket read -> reads committed.
        window = running.stats.ingest_latency_ms
        report["ingest_commit_ms_p50"] = round(window.quantile(0.5) or 0, 2)
        report["ingest_commit_ms_p99"] = round(window.quantile(0.99) or 0, 2)
        running.shutdown()
    return report


# ---------------------------------------------------------------------------------- client side
class RawDisplay:
    """One display websocket: raw socket, handshake, then frames as (arrival, payload)."""

    def __init__(self, session: int) -> None:
        self.session = session
        self.frames: list[tuple[float, bytes]] = []
        self.hello = trio.Event()
        self.closed_code: int | None = None

    async def run(self, host: str, port: int, token: str, connected: trio.Semaphore) -> None:
        async with connected:
            stream = await trio.open_tcp_stream(host, port)
            key = "dGhlIHNhbXBsZSBub25jZQ=="
            request = (
                f"GET /d/{token}/ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            )
            await stream.send_all(request.encode())
            buffer = b""
            while b"\r\n\r\n" not in buffer:
                buffer += await stream.receive_some(65536)
            head, _, buffer = buffer.partition(b"\r\n\r\n")
            assert b" 101 " in head.split(b"\r\n")[0], head
        first = True
        while True:
            # Parse every complete frame in the buffer (server frames are never masked).
            while len(buffer) >= 2:
                opcode, size = buffer[0] & 0x0F, buffer[1] & 0x7F
                offset = 2
                if size == 126:
                    if len(buffer) < 4:
                        break
                    size, offset = int.from_bytes(buffer[2:4], "big"), 4
                elif size == 127:
                    if len(buffer) < 10:
                        break
                    size, offset = int.from_bytes(buffer[2:10], "big"), 10
                if len(buffer) < offset + size:
                    break
                payload, buffer = buffer[offset : offset + size], buffer[offset + size :]
                if opcode == 8:
                    self.closed_code = int.from_bytes(payload[:2], "big") if payload else 1005
                    await stream.aclose()
                    return
                if opcode == 1:
                    if first:
                        first = False
                        self.hello.set()
                    else:
                        self.frames.append((time.perf_counter(), payload))
            data = await stream.receive_some(65536)
            if not data:
                return
            buffer += data


async def stalled_display(host: str, port: int, token: str, hold: trio.Event) -> None:
    """Connects, then never reads again: its socket buffers fill, the server must not care."""
    stream = await trio.open_tcp_stream(host, port)
    key = "dGhlIHNhbXBsZSBub25jZQ=="
    await stream.send_all(
        (
            f"GET /d/{token}/ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await hold.wait()
    await stream.aclose()


async def ctp_pusher(
    host: str,
    port: int,
    session: int,
    rate: float,
    seconds: float,
    per_passing: int,
    sent: dict[tuple[int, str], float],
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
    count = 0
    async with trio.open_nursery() as nursery:
        nursery.start_soon(answer_pings)
        began = trio.current_time()
        total = int(rate * seconds)
        for index in range(total):
            await trio.sleep_until(began + index / rate)
            tag = str(index // per_passing + 1)
            when = START + timedelta(
                seconds=index // per_passing * 0.5, milliseconds=index % per_passing * 10
            )
            stamp = when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 10000:02d}"
            await send(f"CT01_33~{index + 1}~FINISH~{tag}~{stamp}~1~12000C~1\r\n".encode())
            if index % per_passing == 0:
                sent[(session, tag)] = time.perf_counter()
            count += 1
        nursery.cancel_scope.cancel()
    await stream.aclose()
    return count


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def run_clients(cfg: dict[str, Any]) -> dict[str, Any]:
    host, port = cfg["web"].rsplit(":", 1)
    tokens = cfg["tokens"]
    count = cfg["hold"] or cfg["displays"]
    displays = [RawDisplay(i % len(tokens)) for i in range(count)]
    connected = trio.Semaphore(64)  # Hypercorn's accept backlog is 100
    hold = trio.Event()
    sent: dict[tuple[int, str], float] = {}
    async with trio.open_nursery() as nursery:
        began = time.perf_counter()
        for display in displays:
            nursery.start_soon(display.run, host, int(port), tokens[display.session], connected)
        for _ in range(cfg["stall"]):
            nursery.start_soon(stalled_display, host, int(port), tokens[0], hold)
        with trio.fail_after(300):
            for display in displays:
                await display.hello.wait()
        connect_seconds = time.perf_counter() - began
        if cfg["hold"]:
            await trio.sleep(3)  # let the server settle; the parent samples its RSS meanwhile
            nursery.cancel_scope.cancel()
            return {"held": count, "connect_seconds": round(connect_seconds, 1)}
        collector = (cfg["collector"][0], cfg["collector"][1])
        per_session = cfg["rate"] / len(tokens)
        load_began = time.perf_counter()
        cpu_began = time.process_time()
        async with trio.open_nursery() as pushers:
            for k in range(len(tokens)):
                pushers.start_soon(
                    ctp_pusher,
                    *collector,
                    k,
                    per_session,
                    cfg["seconds"],
                    cfg["reads_per_passing"],
                    sent,
                )
        load_seconds = time.perf_counter() - load_began
        client_cpu_share = (time.process_time() - cpu_began) / load_seconds
        await trio.sleep(2.0)  # the tail
        hold.set()
        nursery.cancel_scope.cancel()
    latencies: list[float] = []
    per_client_p99: list[float] = []
    frames = 0
    resyncs = 0
    for display in displays:
        mine = []
        for arrived, payload in display.frames:
            message = json.loads(payload)
            if message.get("type") != "passings":
                continue
            frames += 1
            for event in message["events"]:
                sent_at = sent.get((display.session, event["tag"]))
                if sent_at is not None:
                    mine.append((arrived - sent_at) * 1000)
        latencies.extend(mine)
        per_client_p99.append(percentile(mine, 99))
        resyncs += display.closed_code == 4000
    expected = len(sent) * (count // len(tokens))
    return {
        "displays": count,
        "sessions": len(tokens),
        "stalled_clients": cfg["stall"],
        "reads_per_second": round(cfg["rate"] * cfg["seconds"] / load_seconds),
        "passings_sent": len(sent),
        "deliveries_expected": expected,
        "deliveries": len(latencies),
        "frames": frames,
        "frames_per_second": round(frames / load_seconds),
        "latency_ms_p50": round(percentile(latencies, 50), 2),
        "latency_ms_p99": round(percentile(latencies, 99), 2),
        "latency_ms_max": round(max(latencies, default=float("nan")), 2),
        "worst_client_p99_ms": round(max(per_client_p99, default=float("nan")), 2),
        "median_client_p99_ms": round(statistics.median(per_client_p99), 2)
        if per_client_p99
        else None,
        "resyncs": resyncs,
        "client_cpu_share": round(client_cpu_share, 2),
        "connect_seconds": round(connect_seconds, 1),
    }


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
    parser.add_argument("--hold", type=int, default=0, help="only connect this many; report RSS")
    parser.add_argument("--client", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        print(json.dumps(trio.run(run_clients, json.loads(args.client))))
        return
    import logging

    logging.basicConfig(level=logging.WARNING)
    report = trio.run(run_server, args)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
