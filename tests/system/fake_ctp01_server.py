"""A test double of the p88 CTP01 server, and the wire text it expects, for the simulator's
tests. Deliberately naive: it reads raw lines and checks them against text built here, not
with p88's own encoder, so the simulator's wire output is checked independently."""

from __future__ import annotations

import calendar
import hashlib
import hmac
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import partial

import trio

from p88.tcp.controller_files import RawRead
from p88.tcp.protocol import server_hello
from p88.tcp.race_sources import (
    Kind,
    PointFeed,
    Stream,
    build_stream,
    synthetic_race,
)
from p88.tcp.simulator import (
    FeedResult,
    SimOptions,
    run_feed,
)

SEED = "c0ffee-seed"
PASSWORD = "s3cret"
RECOMMENDED = [
    ("stream-mode", "push"),
    ("location", "multi"),
    ("guntimes", "true"),
    ("newlocations", "true"),
    ("connection-id", "true"),
    ("pushmode-ack", "true"),
    ("time-format", "iso"),
    ("tagevent-format", "CT01_33"),
]
AUTH = [("authentication", "hmac-sha1"), ("authentication-seed", SEED)]
FAST = SimOptions(linger=0.1, retry_seconds=0.05, max_retries=40, user="acme", password=PASSWORD)


# ------------------------------------------------------------------ expected wire text
def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 10_000:02d}"


def normal(moment: datetime, day: date) -> str:
    hundredths = (moment - datetime.combine(day, time())) // timedelta(milliseconds=10)
    seconds, cc = divmod(hundredths, 100)
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{cc:02d}"


def unix(moment: datetime) -> str:
    return f"{calendar.timegm(moment.timetuple())}.{moment.microsecond // 10_000:02d}"


def expected_lines(
    stream: Stream, time_format: str = "iso", guntimes: bool = True, fmt: str = "CT01_33"
) -> list[str]:
    separator = "~" if fmt == "CT01_33" else ","
    lines = []
    for obs in stream.observations:
        if obs.kind is Kind.GUNTIME and not guntimes:
            continue
        if time_format == "iso":
            stamp = iso(obs.time)
        elif time_format == "unix":
            stamp = unix(obs.time)
        else:
            stamp = normal(obs.time, stream.day)
        fields = [fmt, obs.sequence, stream.location, obs.tag, stamp, obs.lap, obs.reader_id]
        lines.append(separator.join(map(str, [*fields, obs.gator])))
    return lines


def small_feed(runners: int = 25) -> PointFeed:
    """START of a small synthetic race: two gun starts and a few reads per runner."""
    return synthetic_race(runners, ["START"], 2, 5, "DEMO", date(2024, 6, 1))[0]


def two_event_feed() -> PointFeed:
    """Like START1 of 21ROTM: an older session of another event, then this event's session."""
    t = datetime(2024, 6, 1, 9)
    old = build_stream(
        "OLDRACE",
        "FINISH",
        "P/old",
        [RawRead("7", t - timedelta(days=3), "12000C", 1), RawRead("8", t, "12000C", 2)],
        [],
        "C1",
    )
    new = build_stream(
        "NEWRACE",
        "FINISH",
        "P/new",
        [RawRead(str(n), t + timedelta(seconds=n), "120044", 4) for n in range(1, 6)],
        [t],
        "C1",
    )
    return PointFeed("P", (old, new))


# ------------------------------------------------------------------ the test double
class LineConn:
    """One accepted connection: raw CR LF lines in, raw text out."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.buffer = b""

    async def line(self) -> str | None:
        """The next line, or None when the client closed (or reset) the connection."""
        while b"\r\n" not in self.buffer:
            try:
                data = await self.stream.receive_some(65536)
            except trio.BrokenResourceError:
                data = b""
            if not data:
                return None
            self.buffer += data
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line.decode()

    async def send(self, *lines: str) -> None:
        await self.stream.send_all("".join(f"{line}\r\n" for line in lines).encode())

    async def quiet_for(self, seconds: float) -> bool:
        """True if the client sent nothing for `seconds`."""
        with trio.move_on_after(seconds):
            data = await self.stream.receive_some(65536)
            self.buffer += data
            return False
        return True


@dataclass
class Session:
    """What the double saw on one connection."""

    greeting: str | None = None
    quiet_before_hello: bool = False
    authorize: str | None = None
    connection_id: str | None = None
    newlocation: str | None = None
    event_info: str | None = None
    answers: list[str] = field(default_factory=list)
    start: str | None = None
    start_ack: str | None = None
    tag_lines: list[str] = field(default_factory=list)
    others: list[str] = field(default_factory=list)


@dataclass
class FakeP88:
    """Greets, asks, authenticates, resumes per connection id and collects tag lines."""

    requests: list[tuple[str, str]] = field(default_factory=lambda: RECOMMENDED + AUTH)
    extra_commands: list[str] = field(default_factory=list)
    close_first_after: int | None = None  # the server hangs up on connection 1 after n lines
    pull: bool = False
    sessions: list[Session] = field(default_factory=list)
    stored: dict[tuple[str, str], int] = field(default_factory=dict)

    def asks(self, key: str) -> str | None:
        return dict(self.requests).get(key)

    async def handle(self, stream: trio.SocketStream) -> None:
        session = Session()
        self.sessions.append(session)
        conn = LineConn(stream)
        try:
            await self._converse(conn, session, len(self.sessions))
        finally:
            await stream.aclose()

    async def _converse(self, conn: LineConn, session: Session, number: int) -> None:
        session.greeting = await conn.line()
        session.quiet_before_hello = await conn.quiet_for(0.1)
        await conn.stream.send_all(server_hello("fake-p88", "1.0", self.requests))
        if self.asks("authentication") and not await self._authenticate(conn, session):
            return
        if self.asks("connection-id") == "true":
            await conn.send("getconnectionid")
            session.connection_id = (await conn.line() or "").removeprefix("ack~getconnectionid~")
        if self.asks("newlocations") == "true":
            session.newlocation = await conn.line()
        await conn.send("geteventinfo")
        session.event_info = await conn.line()
        for command in self.extra_commands:
            await conn.send(command)
            session.answers.append(await conn.line() or "")
        await conn.send("getlocations")
        location = (await conn.line() or "").split("~")[2]
        if self.pull:
            await self._pull(conn, session, location)
        elif not await self._push(conn, session, location, number):
            return
        while (line := await conn.line()) is not None:
            self._take(session, location, line)

    async def _authenticate(self, conn: LineConn, session: Session) -> bool:
        session.authorize = await conn.line()
        secret = hmac.new(PASSWORD.encode(), SEED.encode(), hashlib.sha1).hexdigest()
        if session.authorize != f"authorize~acme~{secret}":
            await conn.send("err~authorize~wrong user or password")
            return False
        await conn.send("ack~authorize")
        return True

    async def _push(self, conn: LineConn, session: Session, location: str, number: int) -> bool:
        """Start the client; False if the server then hung up on it."""
        last = self.stored.get((session.connection_id or "", location))
        session.start = f"start~{location}~{last + 1}" if last else f"start~{location}"
        await conn.send(session.start)
        if self.asks("pushmode-ack") == "true":
            session.start_ack = await conn.line()
        if number == 1 and self.close_first_after is not None:
            while len(session.tag_lines) < self.close_first_after:
                self._take(session, location, await conn.line() or "")
            await conn.stream.aclose()  # the server goes away mid-replay
            return False
        return True

    async def _pull(self, conn: LineConn, session: Session, location: str) -> None:
        while True:
            await conn.send(f"getdata~4~{location}")
            answer = await conn.line() or ""
            count = int(answer.split("~")[2])
            for _ in range(count):
                self._take(session, location, await conn.line() or "")
            if count == 0:
                return

    def _take(self, session: Session, location: str, line: str) -> None:
        if not line.startswith("CT01_"):
            session.others.append(line)
            return
        session.tag_lines.append(line)
        sequence = int(line.replace(",", "~").split("~")[1])
        self.stored[(session.connection_id or "", location)] = sequence

    @property
    def tag_lines(self) -> list[str]:
        return [line for session in self.sessions for line in session.tag_lines]


async def serve(nursery: trio.Nursery, server: FakeP88, port: int = 0) -> int:
    listeners = await nursery.start(partial(trio.serve_tcp, server.handle, port, host="127.0.0.1"))
    return int(listeners[0].socket.getsockname()[1])


async def replay(
    server: FakeP88, feed: PointFeed, opts: SimOptions = FAST, **changes: object
) -> FeedResult:
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            port = await serve(nursery, server)
            result = await run_feed("127.0.0.1", port, feed, replace(opts, **changes))  # type: ignore[arg-type]
            nursery.cancel_scope.cancel()
    return result
