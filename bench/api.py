"""Data API benchmark: mirroring reads with `since` (NDJSON and CSV streams), and the push
stream's latency with many programs connected.

    python bench/api.py                          # both, the defaults below
    python bench/api.py --mirror-reads 1000000 --no-stream
    python bench/api.py --no-mirror --clients 1000 --sessions 1 --rate 500 --seconds 20

Mirror: `--mirror-reads` reads are stored first (SQL, one session, 10 points), then one client
process asks `GET /api/v1/reads?format=ndjson&since=0` (then CSV) and reads the streamed answer
to its end over a raw socket; rows/s = rows / (last byte - request sent). Target: 50,000 rows/s.

Stream: `--clients` websockets to `/api/v1/stream?session=<id>&kinds=passings`, spread over
`--sessions` sessions, in one client process (raw sockets, epoll); the CTP01 load is
bench/fanout.py's (one paced middleware connection per session, a new runner every
`--reads-per-passing` reads, so passings/s = rate / reads-per-passing). Latency: from the moment
the last byte of a runner's first read was written to the collector to the moment the frame
carrying that passing was read by a client (time.perf_counter, one clock for every process).
Target: 100 passings/s to 1,000 clients, p99 <= 100 ms. State the load beside every figure.

A session's results through the API (30,000 runners): bench/api_results.py.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import trio

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import fanout  # noqa: E402  (bench/fanout.py: the CTP01 load, frame parsing, percentiles)

SEED_READS = """
WITH s AS (
    INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name)
    VALUES ($1, 'MIRROR', '2021-05-08', 'UTC', 'Mirror') RETURNING id
), l AS (
    INSERT INTO timing_locations (partner_id, session_id, name)
    SELECT $1, s.id, 'P' || n FROM s, generate_series(0, 9) n RETURNING id, session_id, name
)
INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap, reader_id,
                          gator, sequence, connection_id, received_at)
SELECT $1, l.session_id, l.id, (n % 30000)::text,
       timestamp '2021-05-08 08:00' + n * interval '10 milliseconds', 1, '12000C', 1, n, 'bench',
       now()
FROM generate_series(1, $2) n JOIN l ON l.name = 'P' || (n % 10)
"""


# ---------------------------------------------------------------------------------- server side
async def prepare(pool: Any, args: argparse.Namespace) -> dict[str, Any]:
    """The mirror's reads, the stream's sessions (with participants) and a key for both."""
    from p88.db.api_keys import create_key
    from p88.db.partners import partner_by_slug

    async with pool.acquire() as conn:
        partner = await partner_by_slug(conn, "default")
        assert partner is not None
        _, key = await create_key(conn, partner.id, "bench", None, scopes=("read", "stream"))
        began = time.perf_counter()
        if args.mirror_reads:
            await conn.execute(SEED_READS, partner.id, args.mirror_reads)
            # Autovacuum analyzes a table this grown within a minute; the run starts at once.
            await conn.execute("ANALYZE timing_reads, timing_sessions, timing_locations")
        seeded = time.perf_counter() - began
    sessions: list[int] = []
    if args.clients:
        tags = int(args.rate * (args.seconds + 5) / args.reads_per_passing / args.sessions) + 100
        await fanout.set_up(pool, args.sessions, tags, 0)
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT id FROM timing_sessions WHERE event_name LIKE 'BENCH-%'"
                " ORDER BY split_part(event_name, '-', 2)::int"
            )
        sessions = [row["id"] for row in rows]
    return {"key": key, "sessions": sessions, "seed_seconds": round(seeded, 1)}


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
        state["running"] = running
        state.update(await prepare(running.database.pool, args))
        ready.set()

    report: dict[str, Any] = {}
    async with trio.open_nursery() as nursery:
        nursery.start_soon(
            lambda: serve(config, handle_signals=False, on_ready=on_ready)  # type: ignore[arg-type]
        )
        await ready.wait()
        running = state["running"]
        cfg = {
            **vars(args),
            "web": running.web_url.split("://", 1)[1],
            "collector": list(running.collector),
            "key": state["key"],
            "sessions_ids": state["sessions"],
            "out": str(data_dir / "clients.json"),
            "aligned": False,
        }
        if args.mirror_reads:
            report["mirror"] = await child("--mirror-client", cfg)
            report["mirror"]["seed_seconds"] = state["seed_seconds"]
        if args.clients:
            report["stream"] = await drive_stream(cfg)
        running.shutdown()
    shutil.rmtree(data_dir, ignore_errors=True)
    return report


async def child(flag: str, cfg: dict[str, Any]) -> dict[str, Any]:
    done = await trio.run_process(
        [sys.executable, __file__, flag, json.dumps(cfg)], capture_stdout=True, check=True
    )
    result: dict[str, Any] = json.loads(done.stdout.decode())
    return result


async def drive_stream(cfg: dict[str, Any]) -> dict[str, Any]:
    clients = await trio.lowlevel.open_process(
        [sys.executable, __file__, "--stream-clients", json.dumps(cfg)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert clients.stdin is not None and clients.stdout is not None
    said = b""
    while b"\n" not in said:
        chunk = await clients.stdout.receive_some(4096)
        assert chunk, "the clients process ended before connecting every client"
        said += chunk
    load = await child_load(cfg)
    await trio.sleep(2.0)  # the tail
    await clients.stdin.send_all(b"stop\n")
    await clients.wait()
    assert clients.returncode == 0, "the clients process failed"
    recorded = json.loads(await trio.Path(cfg["out"]).read_text())
    return summarise(cfg, recorded, load, float(said.split()[1]))


async def child_load(cfg: dict[str, Any]) -> dict[str, Any]:
    done = await trio.run_process(
        [sys.executable, str(HERE / "fanout.py"), "--load", json.dumps(cfg)],
        capture_stdout=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.decode())
    return result


def summarise(
    cfg: dict[str, Any], recorded: dict[str, Any], load: dict[str, Any], connect: float
) -> dict[str, Any]:
    sent = {(session, tag): at for session, tag, at in load["sent"]}
    latencies, per_client = [], []
    for client in recorded["clients"]:
        mine = [
            (arrived - sent[(client["session"], tag)]) * 1000
            for arrived, tags in client["frames"]
            for tag in tags
            if (client["session"], tag) in sent
        ]
        latencies += mine
        per_client.append(fanout.percentile(mine, 99))
    per_session: dict[int, int] = {}
    for session, _ in sent:
        per_session[session] = per_session.get(session, 0) + 1
    expected = sum(per_session.get(c["session"], 0) for c in recorded["clients"])
    seconds = load["seconds"]
    return {
        "clients": len(recorded["clients"]),
        "sessions": cfg["sessions"],
        "connect_seconds": round(connect, 1),
        "reads_per_second": round(cfg["rate"] * cfg["seconds"] / seconds),
        "passings_per_second": round(len(sent) / seconds),
        "deliveries_expected": expected,
        "deliveries": len(latencies),
        "latency_ms_p50": round(fanout.percentile(latencies, 50), 2),
        "latency_ms_p99": round(fanout.percentile(latencies, 99), 2),
        "latency_ms_max": round(max(latencies, default=float("nan")), 2),
        "worst_client_p99_ms": round(max(per_client, default=float("nan")), 2),
        "resyncs": sum(client["close"] == 4000 for client in recorded["clients"]),
        "clients_cpu_share": recorded["cpu_share"],
    }


# ---------------------------------------------------------------------------------- mirror client
def dechunk(data: bytes, state: dict[str, Any]) -> bytes:
    """The body bytes in `data` (HTTP/1.1 chunked), keeping what is incomplete in `state`."""
    buffer, out = state["buffer"] + data, bytearray()
    while True:
        if state["left"] == 0:
            line, sep, rest = buffer.partition(b"\r\n")
            if not sep:
                break
            if line == b"":
                buffer = rest  # the CRLF after a chunk
                continue
            state["left"] = int(line.split(b";")[0], 16)
            buffer = rest
            if state["left"] == 0:
                state["done"] = True
                break
        take = buffer[: state["left"]]
        out += take
        buffer = buffer[len(take) :]
        state["left"] -= len(take)
        if state["left"]:
            break
    state["buffer"] = buffer
    return bytes(out)


def mirror_once(cfg: dict[str, Any], format_: str) -> dict[str, Any]:
    host, port = cfg["web"].rsplit(":", 1)
    sock = socket.create_connection((host, int(port)))
    request = (
        f"GET /api/v1/reads?format={format_}&since=0 HTTP/1.1\r\nHost: {cfg['web']}\r\n"
        f"Authorization: Bearer {cfg['key']}\r\nConnection: close\r\n\r\n"
    ).encode()
    cpu, began = time.process_time(), time.perf_counter()
    sock.sendall(request)
    head, state, lines, size, first = b"", {"buffer": b"", "left": 0, "done": False}, 0, 0, None
    in_body = False
    while not state["done"]:
        data = sock.recv(1 << 20)
        if not data:
            break
        first = first or time.perf_counter()
        if not in_body:
            head += data
            if b"\r\n\r\n" not in head:
                continue
            head, _, data = head.partition(b"\r\n\r\n")
            assert b" 200 " in head.split(b"\r\n")[0], head
            in_body = True
        body = dechunk(data, state)
        lines += body.count(b"\n")
        size += len(body)
    ended = time.perf_counter()
    sock.close()
    rows = lines - (1 if format_ == "csv" else 0)
    return {
        "format": format_,
        "rows": rows,
        "megabytes": round(size / 1e6, 1),
        "seconds": round(ended - began, 2),
        "rows_per_second": round(rows / (ended - began)),
        "first_byte_ms": round(((first or ended) - began) * 1000, 1),
        "client_cpu_share": round((time.process_time() - cpu) / (ended - began), 2),
    }


def run_mirror_client(cfg: dict[str, Any]) -> None:
    results = [mirror_once(cfg, format_) for format_ in ("ndjson", "csv")]
    assert all(r["rows"] == cfg["mirror_reads"] for r in results), results
    print(json.dumps({"reads": cfg["mirror_reads"], "runs": results}))


# ---------------------------------------------------------------------------------- stream clients
def handshake(session: int, cfg: dict[str, Any]) -> bytes:
    return (
        f"GET /api/v1/stream?session={session}&kinds=passings HTTP/1.1\r\nHost: {cfg['web']}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        f"Authorization: Bearer {cfg['key']}\r\n\r\n"
    ).encode()


def connect_all(
    cfg: dict[str, Any], poll: select.epoll
) -> dict[int, tuple[socket.socket, int, bytes]]:
    host, port = cfg["web"].rsplit(":", 1)
    sessions, clients = cfg["sessions_ids"], {}
    for wave in range(0, cfg["clients"], 100):  # the listen backlog is 100
        waiting = set()
        for index in range(wave, min(cfg["clients"], wave + 100)):
            sock = socket.create_connection((host, int(port)))
            sock.sendall(handshake(sessions[index % len(sessions)], cfg))
            sock.setblocking(False)
            clients[sock.fileno()] = (sock, index % len(sessions), b"")
            poll.register(sock.fileno(), select.EPOLLIN)
            waiting.add(sock.fileno())
        while waiting:  # until each has its 101 and its hello
            for fd, _ in poll.poll(30):
                sock, session, buffer = clients[fd]
                buffer += os.read(fd, 1 << 16)
                clients[fd] = (sock, session, buffer)
                head, sep, rest = buffer.partition(b"\r\n\r\n")
                if sep:
                    assert b" 101 " in head.split(b"\r\n")[0], head
                    if fanout.frames_in(rest)[0]:
                        waiting.discard(fd)
    for fd, (sock, session, buffer) in clients.items():
        clients[fd] = (sock, session, fanout.frames_in(buffer.partition(b"\r\n\r\n")[2])[1])
    return clients


def run_stream_clients(cfg: dict[str, Any]) -> None:
    poll = select.epoll()
    began = time.perf_counter()
    clients = connect_all(cfg, poll)
    print(f"ready {time.perf_counter() - began:.2f}", flush=True)
    stdin = sys.stdin.fileno()
    poll.register(stdin, select.EPOLLIN)
    chunks: dict[int, list[tuple[float, bytes]]] = {fd: [] for fd in clients}
    cpu_began, wall_began, running = time.process_time(), time.perf_counter(), True
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
    recorded = []
    for fd, received in chunks.items():
        _, session, buffer = clients[fd]
        frames, close = [], None
        for arrived, data in received:
            found, buffer = fanout.frames_in(buffer + data)
            for opcode, payload in found:
                if opcode == 8:
                    close = int.from_bytes(payload[:2], "big") if payload else 1005
                elif opcode == 1:
                    message = json.loads(payload)
                    if message.get("type") == "batch":
                        frames.append((arrived, [p["tag"] for p in message["passings"]]))
        recorded.append({"session": session, "frames": frames, "close": close})
    Path(cfg["out"]).write_text(json.dumps({"clients": recorded, "cpu_share": round(cpu_share, 3)}))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--mirror-reads", type=int, default=500_000)
    parser.add_argument("--no-mirror", action="store_true")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--no-stream", action="store_true")
    parser.add_argument("--sessions", type=int, default=1)
    parser.add_argument("--rate", type=float, default=500.0, help="reads per second, all sessions")
    parser.add_argument("--reads-per-passing", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--mirror-client", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--stream-clients", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mirror_client:
        run_mirror_client(json.loads(args.mirror_client))
        return
    if args.stream_clients:
        run_stream_clients(json.loads(args.stream_clients))
        return
    args.mirror_reads = 0 if args.no_mirror else args.mirror_reads
    args.clients = 0 if args.no_stream else args.clients
    import logging

    logging.basicConfig(level=logging.WARNING)
    print(json.dumps(trio.run(run_server, args), indent=2))


if __name__ == "__main__":
    main()
