"""The web port's front door against whatever a client may send: random and malformed request
lines, headers, websocket upgrades, frames, early closes and resets. A failure in one connection
must end that connection only: a witness display socket stays connected throughout and receives
every passing the collector stores meanwhile, and nothing is logged at ERROR.

Hypothesis drives the connections from a worker thread with blocking sockets, while the server,
a paced CTP01 replay and the witness run in the test's Trio loop.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p88.app import Running
from p88.db.pool import connect, open_bridge
from p88.tcp.race_sources import synthetic_race
from p88.tcp.simulator import SimOptions, run_simulation
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_display_push import DAY, make_partner, seed
from tests.system.wsclient import WsClient, http_get_page

CONNECTIONS = 10_000
KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
ISSUE_REQUEST = (
    b"GET /login HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: " + KEY + b"\r\nSec-WebSocket-Version: 13\r\n\r\nx"
)
TOKEN = b"{token}"  # replaced by the witness display's own token
TARGETS = [
    b"/",
    b"/login",
    b"/login?next=/x%0d%0aX-Injected:%201",
    b"/d/" + TOKEN + b"/ws",
    b"/d/" + TOKEN + b"/ws?after=" + b"9" * 30,
    b"/d/" + TOKEN,
    b"/d/" + b"A" * 43 + b"/ws",
    b"/d/x/ws",
    b"/sessions/1/live",
    b"/templates/preview/sessions/1/ws",
    b"/templates/preview/sessions/99999999999999999999/ws",
    b"/static/p88.css",
    b"/participants?q=%00",
    b"*",
    b"http://h/login",
    b"/" + b"a" * 9000,
    b"/\xff\xfe%",
]
METHODS = [b"GET", b"GET", b"GET", b"POST", b"HEAD", b"PUT", b"OPTIONS", b"PRI", b"get", b""]
VERSIONS = [b"HTTP/1.1", b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2.0", b"HTTP/1.1 x", b""]
KNOWN_HEADERS = [
    (b"Host", b"h"),
    (b"Upgrade", b"websocket"),
    (b"Upgrade", b"WebSocket, h2c"),
    (b"Connection", b"Upgrade"),
    (b"Connection", b"keep-alive, Upgrade"),
    (b"Connection", b"close"),
    (b"Sec-WebSocket-Key", KEY),
    (b"Sec-WebSocket-Key", b"short"),
    (b"Sec-WebSocket-Version", b"13"),
    (b"Sec-WebSocket-Version", b"8"),
    (b"Content-Length", b"0"),
    (b"Content-Length", b"5"),
    (b"Content-Length", b"-1"),
    (b"Content-Length", b"99999999999999999999"),
    (b"Transfer-Encoding", b"chunked"),
    (b"Origin", b"http://evil.example"),
    (b"Cookie", b"p88_session=" + b"x" * 300),
    (b"Expect", b"100-continue"),
    (b"X-Forwarded-For", b"1.2.3.4"),
]
UPGRADE_HEADERS = [
    (b"Host", b"h"),
    (b"Upgrade", b"websocket"),
    (b"Connection", b"Upgrade"),
    (b"Sec-WebSocket-Key", KEY),
    (b"Sec-WebSocket-Version", b"13"),
]


def ws_frame(fin: bool, opcode: int, masked: bool, payload: bytes, claimed: int | None) -> bytes:
    """A websocket frame as a client might send it, its length field possibly lying."""
    size = len(payload) if claimed is None else claimed
    first = (0x80 if fin else 0) | opcode
    mask_bit = 0x80 if masked else 0
    if size < 126:
        head = struct.pack("!BB", first, mask_bit | size)
    elif size < 1 << 16:
        head = struct.pack("!BBH", first, mask_bit | 126, size)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, min(size, (1 << 63) - 1))
    if masked:
        key = b"\x01\x02\x03\x04"
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        head += key
    return head + payload


frames = st.builds(
    ws_frame,
    fin=st.booleans(),
    opcode=st.sampled_from([0x0, 0x1, 0x2, 0x8, 0x9, 0xA, 0x3, 0xF]),
    masked=st.booleans(),
    payload=st.binary(max_size=200),
    claimed=st.none() | st.integers(min_value=0, max_value=1 << 40),
)
headers = st.lists(
    st.sampled_from(KNOWN_HEADERS)
    | st.tuples(st.binary(min_size=0, max_size=12), st.binary(max_size=40)),
    max_size=8,
)


@st.composite
def http_request(draw: Any) -> bytes:
    method, target = draw(st.sampled_from(METHODS)), draw(st.sampled_from(TARGETS))
    line = b" ".join([method, target, draw(st.sampled_from(VERSIONS))])
    end = draw(st.sampled_from([b"\r\n", b"\r\n", b"\n"]))
    head = line + end + b"".join(name + b": " + value + end for name, value in draw(headers))
    if draw(st.booleans()):
        head += end
    body = st.sampled_from([b"", b"x", b"hello", b"0\r\n\r\n"]) | st.binary(max_size=64)
    return head + draw(body)


@st.composite
def websocket_session(draw: Any) -> bytes:
    target = draw(st.sampled_from([t for t in TARGETS if t.startswith(b"/")]))
    chosen = draw(st.lists(st.sampled_from(UPGRADE_HEADERS), max_size=5, unique=True))
    if draw(st.booleans()):
        chosen = UPGRADE_HEADERS
    lines = b"".join(name + b": " + value + b"\r\n" for name, value in chosen)
    head = b"GET " + target + b" HTTP/1.1\r\n" + lines
    return head + b"\r\n" + b"".join(draw(st.lists(frames, max_size=4)))


@st.composite
def conversations(draw: Any) -> tuple[str, list[bytes], str]:
    """Which port, the bytes in the pieces they are sent in, and how the client leaves."""
    data = draw(
        st.one_of(
            http_request(), websocket_session(), st.binary(max_size=2000), st.just(ISSUE_REQUEST)
        )
    )
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=4)))
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    port = draw(st.sampled_from(["web"] * 9 + ["status"]))
    return port, [p for p in pieces if p], draw(st.sampled_from(["close", "reset", "half", "read"]))


def talk(address: tuple[str, int], pieces: list[bytes], ending: str, token: bytes) -> None:
    """One connection as the fuzz drew it. Connecting must always work: the port stays open."""
    sock = socket.create_connection(address, timeout=5)
    try:
        sock.settimeout(0.01)
        for piece in pieces:
            sock.sendall(piece.replace(TOKEN, token))
        if ending == "read":
            sock.recv(65536)
        elif ending == "half":
            sock.shutdown(socket.SHUT_WR)
            sock.recv(65536)
        elif ending == "reset":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass  # the server closed first, or nothing came back in time: both are fine
    finally:
        sock.close()


def fuzz(web: tuple[str, int], status: tuple[str, int], token: bytes) -> int:
    """Runs the generated connections; returns how many were made."""
    made = 0

    @settings(
        max_examples=CONNECTIONS,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(conversations())
    def one_connection(conversation: tuple[str, list[bytes], str]) -> None:
        nonlocal made
        port, pieces, ending = conversation
        talk(web if port == "web" else status, pieces, ending, token)
        made += 1

    one_connection()
    return made


class ErrorRecords(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self._lock_records = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock_records:
            self.records.append(record)


@contextmanager
def capture_errors() -> Iterator[ErrorRecords]:
    handler = ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def address(url: str) -> tuple[str, int]:
    host, port = url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)
    return host, int(port)


async def stored_finishers(dsn: str, session_id: int) -> int:
    async with open_bridge(), connect(dsn) as conn:
        count: int = await conn.fetchval(
            "SELECT count(DISTINCT r.tag) FROM timing_reads r"
            " JOIN timing_locations l ON l.id = r.location_id"
            " WHERE r.session_id = $1 AND l.name = 'FINISH' AND lower(r.tag) <> 'guntime'",
            session_id,
        )
    return count


async def pace_a_race(running: Running, done: trio.Event) -> None:
    """Finish reads at a steady pace until the fuzz is over (a race far longer than that)."""
    feeds = synthetic_race(20_000, ["FINISH"], 1, 7, "RIVER RUN", DAY)
    opts = SimOptions(user="alpha-mat", password="pw-alpha", client_id="fuzz", rate=150)
    with trio.CancelScope() as scope:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(run_simulation, *running.collector, feeds, opts)
            await done.wait()
            scope.cancel()


async def test_no_connection_can_take_the_web_port_or_its_screens_down(
    dsn: str, tmp_path: Path
) -> None:
    alpha = await make_partner(dsn, "alpha")
    demo = await seed(dsn, alpha, "RIVER RUN", "A-")
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    with capture_errors() as errors:
        async with running_server(config) as running:
            witness = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
            assert (await witness.message())["type"] == "hello"
            seen: set[str] = set()
            done = trio.Event()

            async def watch() -> None:
                while True:
                    message = await witness.message(seconds=60)  # WsClosed fails the test
                    assert message["type"] == "passings"
                    seen.update(event["tag"] for event in message["events"])

            started = time.monotonic()
            async with trio.open_nursery() as nursery:
                nursery.start_soon(watch)
                nursery.start_soon(pace_a_race, running, done)
                made = await trio.to_thread.run_sync(
                    fuzz, address(running.web_url), address(running.status_url), demo.token.encode()
                )
                done.set()
                want = await stored_finishers(dsn, demo.session_id)
                with trio.fail_after(30):
                    while len(seen) < want:
                        await trio.sleep(0.05)
                nursery.cancel_scope.cancel()
            elapsed = time.monotonic() - started
            assert made >= CONNECTIONS
            assert want > 100, f"the replay stored only {want} finishers in {elapsed:.0f} s"
            assert len(seen) == want  # every passing stored meanwhile reached the witness
            status, _ = await http_get_page(f"{running.status_url}/health")
            assert status == 200
            status, body = await http_get_page(f"{running.web_url}/login")
            assert status == 200 and b"<form" in body
    assert [r.getMessage() for r in errors.records] == []
