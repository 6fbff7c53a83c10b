"""A CTP01 client that replays races into p88 the way ChronoTrack middleware does.

One `PointFeed` is one simulated SimpleClient instance: one TCP connection that greets, obeys
the server's requests (formats, authentication, connection id, new locations, push or pull),
answers its commands and streams the feed's observations. It reconnects by itself when the
server goes away and resumes wherever the server's `start~<loc>~<seq>` tells it to, exactly
what p88 must cope with from real middleware.

Decisions the server side can rely on:
- The connection id is sha1("<client id>\\0<feed name>\\0<stream source>") in hex, so the same
  feed and session present the same id on every reconnect, and two copies of one session
  taken off different folders (START1/5071909 and FINISH1/5071909) present different ids.
- The simulator sends nothing but its greeting until the server has sent hello + requests;
  with authentication it sends `authorize` next and waits for `ack~authorize`; with
  newlocations=true it announces its location once the connection id was asked for (or at
  once without connection-id) and then waits for `start`. No data flows without `start` /
  `getdata`.
- A stream is done once its last line was written and the connection then stayed up for
  `linger` seconds (answering pings). If the server closes or resets the connection before
  that, even after the last line, the simulator cannot know the tail was stored: it
  reconnects (same connection id) and follows the server's `start`; `start~<loc>~<last+1>`
  ends the stream after one more linger, a lower sequence resends from there.
- `disconnect_after` drops each stream's connection once, with a TCP reset, right after that
  many reads; the simulator reconnects at once.
- `rewind` replays the whole stream once more on the same connection after its end; the end
  may also be reached by a `start` at last + 1 (a server that already has everything).
- `start` without a sequence replays from the first observation; `start~loc~seq` resumes at
  the first observation whose sequence is >= seq; seq beyond last + 1 is refused with
  `err~start~invalid start sequence number requested`.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import struct
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from enum import Enum

import trio

from p88.tcp import protocol
from p88.tcp.protocol import ClientParser, Command, Request, ServerHello, ServerProtocolError
from p88.tcp.race_sources import Kind, PointFeed, Stream
from p88.tcp.wallclock import format_local, format_normal, format_unix

Progress = Callable[[int], None]
"""Called with the number of reads just written (an increment, not a total)."""

Notice = Callable[[str, str], None]
"""Called with (feed name, problem) on every failed attempt that will be retried."""

NEWLOCATION_TAG = "newlocation"
TIME_FORMATS = ("normal", "iso", "unix", "msecs")
_RECEIVE_BYTES = 65536


@dataclass(frozen=True, slots=True)
class SimOptions:
    """How the simulated middleware behaves; the defaults replay as fast as possible."""

    program: str = "SimpleClient"
    version: str = "0.6.0"
    client_id: str = "p88-simulate"  # seeds the connection ids (see module docstring)
    user: str = ""
    password: str = ""
    speed: float = 0.0  # real-time gaps ÷ speed; 0 = as fast as possible
    rate: float | None = None  # steady lines/s per connection (guns included); beats speed
    time_format: str | None = None  # force a time format whatever the server asks (old client)
    tag_format: str | None = None  # force a tag format, e.g. CT01_13 (misconfigured client)
    disconnect_after: int | None = None  # drop the socket once after this many reads per stream
    rewind: bool = False  # after the last line, replay the whole stream once more
    retry_seconds: float = 1.0  # SimpleClient waits 10 s
    max_retries: int | None = 30  # consecutive failed attempts before giving up; None = never
    deadline: float | None = None  # seconds for a whole feed; None = no limit
    linger: float = 1.0
    connect_timeout: float = 10.0
    handshake_timeout: float = 10.0  # SimpleClient gives up on a silent server after ~10 s
    batch_lines: int = 2000  # lines per write when not paced


@dataclass(slots=True)
class FeedResult:
    """What one simulated middleware instance did."""

    feed: str
    sent_reads: int = 0  # read lines written, duplicates (resume, rewind) included
    reconnects: int = 0  # connections opened after the first one of each stream
    last_sequence: dict[str, int] = field(default_factory=dict)  # last sequence per location
    auth_error: str | None = None  # the server's err~authorize message
    error: str | None = None  # why the feed gave up (unreachable server, deadline), if it did
    # Seconds from the feed's start to its last write (linger and give-up excluded).
    send_seconds: float = field(default=0.0, compare=False)
    started_at: float = field(default=0.0, compare=False, repr=False)  # trio clock

    @property
    def ok(self) -> bool:
        return self.auth_error is None and self.error is None


@dataclass(slots=True)
class SimReport:
    """The totals of one run_simulation."""

    feeds: list[FeedResult]
    elapsed: float

    @property
    def sent_reads(self) -> int:
        return sum(result.sent_reads for result in self.feeds)

    @property
    def reconnects(self) -> int:
        return sum(result.reconnects for result in self.feeds)

    @property
    def send_seconds(self) -> float:
        """Until the last line of the slowest feed was written (no linger)."""
        return max((result.send_seconds for result in self.feeds), default=0.0)

    @property
    def reads_per_second(self) -> float:
        """Write throughput: reads over send_seconds."""
        seconds = self.send_seconds
        return self.sent_reads / seconds if seconds > 0 else 0.0

    @property
    def problems(self) -> list[str]:
        """One line per feed that was refused or gave up."""
        return [
            f"{result.feed}: {result.auth_error or result.error}"
            for result in self.feeds
            if not result.ok
        ]


# ------------------------------------------------------------------ pure helpers
def connection_id(client_id: str, feed_name: str, stream_source: str) -> str:
    """40 hex chars, stable per (client id, feed, stream) so a reconnect presents the same id."""
    key = f"{client_id}\0{feed_name}\0{stream_source}".encode()
    return hashlib.sha1(key).hexdigest()  # noqa: S324 - an identifier, not a secret


def authorization_secret(method: str, password: str, seed: str) -> str:
    """The `<string>` of `authorize~<user>~<string>` for a CTP01 authentication method."""
    key, message = password.encode(), seed.encode()
    if method == "plaintext":
        return password
    if method == "hmac-sha1":
        return hmac.new(key, message, hashlib.sha1).hexdigest()
    if method == "hmac-md5":
        return hmac.new(key, message, hashlib.md5).hexdigest()
    # The protocol fixes these weak hashes; the simulator has to speak them.
    if method == "seed-sha1":
        return hashlib.sha1(message + key).hexdigest()  # noqa: S324
    if method == "seed-md5":
        return hashlib.md5(message + key).hexdigest()  # noqa: S324
    raise ValueError(f"unsupported authentication method {method!r}")


def format_time(moment: datetime, time_format: str, day_midnight: datetime) -> str:
    """A wall-clock time in a CTP01 time format; `normal` counts hours from the stream's day."""
    if time_format == "iso":
        return format_local(moment)
    if time_format == "unix":
        return format_unix(moment)
    if time_format == "msecs":
        # Undocumented in practice; milliseconds since the stream's midnight is one reading.
        return str((moment - day_midnight) // timedelta(milliseconds=1))
    return format_normal(moment - day_midnight)


@dataclass(slots=True)
class SessionConfig:
    """The server's requests, with the CTP01 defaults for any it did not send."""

    stream_mode: str = "pull"
    guntimes: bool = False
    newlocations: bool = False
    connection_id: bool = False
    pushmode_ack: bool = False
    time_format: str = "normal"
    tag_format: str = "CT01_33"
    authentication: str = "none"
    seed: str = ""


def session_config(requests: Sequence[Request], opts: SimOptions) -> SessionConfig:
    """Apply the server's requests, then the options that simulate disobedient middleware."""
    config = SessionConfig()
    for request in requests:
        _apply_request(config, request.key.strip().lower(), request.value.strip())
    if opts.time_format is not None:
        config.time_format = opts.time_format
    if opts.tag_format is not None:
        config.tag_format = opts.tag_format
    return config


def _apply_request(config: SessionConfig, key: str, value: str) -> None:
    flag = value.lower() == "true"
    if key == "stream-mode":
        config.stream_mode = value.lower()
    elif key == "guntimes":
        config.guntimes = flag
    elif key == "newlocations":
        config.newlocations = flag
    elif key == "connection-id":
        config.connection_id = flag
    elif key == "pushmode-ack":
        config.pushmode_ack = flag
    elif key == "time-format" and value.lower() in TIME_FORMATS:
        config.time_format = value.lower()
    elif key == "tagevent-format":
        config.tag_format = value
    elif key == "authentication":
        config.authentication = value.lower()
    elif key == "authentication-seed":
        config.seed = value
    # `location=single|multi` changes nothing for a one-location client; unknown keys neither.


# ------------------------------------------------------------------ encoded streams
@dataclass(frozen=True, slots=True)
class _Encoded:
    """A stream's lines in one format: encoded once, reused by every reconnect and rewind."""

    lines: tuple[bytes, ...]  # b"" for gun lines the server did not ask for
    read_prefix: tuple[int, ...]  # read_prefix[i] = reads among observations[:i]
    sequences: tuple[int, ...]


def encode_stream(stream: Stream, time_format: str, tag_format: str, guntimes: bool) -> _Encoded:
    midnight = datetime.combine(stream.day, time())
    lines = []
    prefix = [0]
    for obs in stream.observations:
        wanted = obs.kind is Kind.READ or guntimes
        stamp = format_time(obs.time, time_format, midnight)
        line = protocol.tag_line(
            obs.sequence,
            stream.location,
            obs.tag,
            stamp,
            obs.lap,
            obs.reader_id,
            obs.gator,
            fmt=tag_format,
        )
        lines.append(line if wanted else b"")
        prefix.append(prefix[-1] + (1 if obs.is_read else 0))
    sequences = tuple(obs.sequence for obs in stream.observations)
    return _Encoded(tuple(lines), tuple(prefix), sequences)


def usable_tag_format(fmt: str) -> str:
    """The requested tag format if the encoder knows it, else CT01_33 (what SimpleClient does)."""
    try:
        protocol.tag_line(0, "L", "T", "0", 0, "0", 0, fmt=fmt)
    except ValueError:
        return "CT01_33"
    return fmt


class LineCache:
    """Encoded streams, per stream object and format. One per feed by default; a caller that
    measures the server (bench/ingest.py) shares one and fills it with `prepare` first, so the
    simulator's own formatting stays out of the measured time (real middleware runs elsewhere).
    """

    def __init__(self) -> None:
        # Keyed by id(stream): two streams may share a source name. The stream is kept in the
        # value so its id cannot be reused while the entry lives.
        self._cache: dict[tuple[int, str, str, bool], tuple[Stream, _Encoded]] = {}

    def get(self, stream: Stream, config: SessionConfig) -> _Encoded:
        tag_format = usable_tag_format(config.tag_format)
        return self._get(stream, config.time_format, tag_format, config.guntimes)

    def _get(self, stream: Stream, time_format: str, tag_format: str, guntimes: bool) -> _Encoded:
        key = (id(stream), time_format, tag_format, guntimes)
        if key not in self._cache:
            self._cache[key] = (stream, encode_stream(stream, time_format, tag_format, guntimes))
        return self._cache[key][1]

    def prepare(
        self,
        feeds: Sequence[PointFeed],
        time_format: str = "iso",
        tag_format: str = "CT01_33",
        guntimes: bool = True,
    ) -> None:
        """Encode every stream of `feeds` now, in the format the server will ask for (the
        defaults are what p88 requests)."""
        for feed in feeds:
            for stream in feed.streams:
                self._get(stream, time_format, usable_tag_format(tag_format), guntimes)


# ------------------------------------------------------------------ one TCP session
class _Outcome(Enum):
    FINISHED = "finished"  # everything sent, lingered
    CLOSED = "closed"  # the server closed or the link broke before the end
    DROPPED = "dropped"  # we dropped the link on purpose (disconnect_after)
    REFUSED = "refused"  # err~authorize
    NO_HANDSHAKE = "no handshake"  # no (valid) hello + requests in time


@dataclass(slots=True)
class _StreamState:
    """Where a stream stands; it survives reconnects (a new session picks it up)."""

    stream: Stream
    connection_id: str
    rewind_pending: bool
    cursor: int = 0  # index of the next observation to write
    sent_reads: int = 0
    dropped_once: bool = False
    finished: bool = False  # the end was reached in the current session

    @property
    def all_written(self) -> bool:
        return self.cursor >= len(self.stream.observations)


class _Session:
    """One connection: handshake, then a reader answering commands and a pusher writing data."""

    def __init__(
        self,
        sock: trio.SocketStream,
        state: _StreamState,
        opts: SimOptions,
        result: FeedResult,
        cache: LineCache,
        progress: Progress | None,
    ) -> None:
        self._sock = sock
        self._state = state
        self._opts = opts
        self._result = result
        self._cache = cache
        self._progress = progress
        self._parser = ClientParser()
        self._early: list[Command] = []  # commands that came in with the requests
        self._send_lock = trio.StrictFIFOLock()
        self._scope = trio.CancelScope()
        self._outcome: _Outcome | None = None
        self._changed = trio.Event()
        self._authorized = trio.Event()
        self._id_answered = trio.Event()
        self._pushing = False
        self._generation = 0  # bumped by every reposition, so a stale batch cannot move on
        self._pace_origin: tuple[float, int] | None = None
        self.made_progress = False
        self.detail = ""
        self._config = SessionConfig()
        self._encoded = _Encoded((), (0,), ())

    # -------------------------------------------------------------- life cycle
    async def run(self) -> _Outcome:
        self._state.finished = False  # each session must reach (or confirm) the end itself
        with self._scope:
            await self._send(protocol.client_greeting(self._opts.program, self._opts.version))
            requests = await self._handshake()
            self._config = session_config(requests, self._opts)
            self._encoded = self._cache.get(self._state.stream, self._config)
            await self._authorize()
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._reader)
                nursery.start_soon(self._opening)
                nursery.start_soon(self._pusher)
                nursery.start_soon(self._linger)
        return self._outcome or _Outcome.CLOSED

    def _finish(self, outcome: _Outcome, detail: str = "") -> None:
        if self._outcome is None:
            self._outcome, self.detail = outcome, detail
        self._scope.cancel()

    async def _send(self, data: bytes) -> None:
        async with self._send_lock:
            try:
                await self._sock.send_all(data)
            except (trio.BrokenResourceError, trio.ClosedResourceError) as error:
                self._finish(_Outcome.CLOSED, f"connection lost while writing: {error}")
                await trio.sleep_forever()  # cancelled at once: the session is over

    async def _receive(self) -> list[protocol.ServerEvent]:
        try:
            data = await self._sock.receive_some(_RECEIVE_BYTES)
        except (trio.BrokenResourceError, trio.ClosedResourceError) as error:
            data, detail = b"", f"connection lost: {error}"
        else:
            detail = "server closed the connection"
        if not data:
            # Even after the last line: a server that died may not have stored the tail, so
            # the stream reconnects and lets the server's `start` confirm where it stands.
            self._finish(_Outcome.CLOSED, detail)
            await trio.sleep_forever()
        try:
            return self._parser.feed(data)
        except ServerProtocolError as error:
            self._finish(_Outcome.CLOSED, f"server spoke no CTP01: {error}")
            await trio.sleep_forever()
            raise  # unreachable; keeps type checkers content

    async def _handshake(self) -> list[Request]:
        """Hello and its N requests; a server that stays silent is given up on like SimpleClient."""
        hello: ServerHello | None = None
        requests: list[Request] = []
        with trio.move_on_after(self._opts.handshake_timeout):
            while hello is None or len(requests) < hello.request_count:
                for event in await self._receive():
                    if isinstance(event, ServerHello):
                        hello = event
                    elif isinstance(event, Request):
                        requests.append(event)
                    else:
                        self._early.append(event)
            return requests
        self._finish(_Outcome.NO_HANDSHAKE, "no server hello within the handshake timeout")
        await trio.sleep_forever()
        raise AssertionError("unreachable")

    async def _authorize(self) -> None:
        """`authorize~<user>~<string>` right after the requests, if the server asked for it."""
        config = self._config
        if config.authentication == "none":
            self._authorized.set()
            return
        try:
            secret = authorization_secret(config.authentication, self._opts.password, config.seed)
        except ValueError as error:
            self._finish(_Outcome.REFUSED, f"cannot authenticate: {error}")
            await trio.sleep_forever()
        await self._send(protocol.authorize(self._opts.user, secret))

    async def _opening(self) -> None:
        """Once authorized, announce the location (the server answers with `start`)."""
        await self._authorized.wait()
        if not self._config.newlocations:
            return
        if self._config.connection_id:
            await self._id_answered.wait()  # CTP01: newlocation waits for getconnectionid
        line = protocol.tag_line(
            0,
            self._state.stream.location,
            NEWLOCATION_TAG,
            "00:00:00.00",
            0,
            "0",
            0,
            fmt=usable_tag_format(self._config.tag_format),
        )
        await self._send(line)

    # -------------------------------------------------------------- commands
    async def _reader(self) -> None:
        for command in self._early:
            await self._on_command(command)
        while True:
            for event in await self._receive():
                if isinstance(event, Command):
                    await self._on_command(event)
                # A stray hello or request line after the handshake is ignored.

    async def _on_command(self, command: Command) -> None:
        name, args = command.name.strip().lower(), command.args
        stream = self._state.stream
        if name == "ping":
            await self._send(protocol.ack("ping"))
        elif name == "getconnectionid":
            await self._send(protocol.ack("getconnectionid", self._state.connection_id))
            self._id_answered.set()
        elif name == "geteventinfo":
            await self._send(protocol.ack("geteventinfo", stream.event, "0", ""))
        elif name == "getlocations":
            await self._send(protocol.ack("getlocations", stream.location))
        elif name == "start":
            await self._on_start(args)
        elif name == "stop":
            await self._on_stop(args)
        elif name == "getdata":
            await self._on_getdata(args)
        elif name in ("ack", "err"):
            self._on_reply(name, args)  # answers to our authorize; never answered back
        else:
            await self._send(protocol.client_error("", "unknown command"))

    def _on_reply(self, name: str, args: tuple[str, ...]) -> None:
        if not args or args[0].lower() != "authorize":
            return
        if name == "ack":
            self._authorized.set()
        else:
            message = "~".join(args[1:]) or "authorization refused"
            self._finish(_Outcome.REFUSED, message)

    def _location_ok(self, args: tuple[str, ...]) -> bool:
        return not args or not args[0] or args[0] == self._state.stream.location

    def _index_for(self, seq_text: str) -> int | None:
        """Index of the first observation with sequence >= seq; None if seq is unusable."""
        try:
            seq = int(seq_text)
        except ValueError:
            return None
        last = self._encoded.sequences[-1] if self._encoded.sequences else 0
        if seq < 0 or seq > last + 1:
            return None
        return bisect_left(self._encoded.sequences, seq)

    async def _on_start(self, args: tuple[str, ...]) -> None:
        if not self._location_ok(args):
            await self._send(protocol.client_error("start", "invalid location requested"))
            return
        index = 0
        if len(args) > 1 and args[1]:
            found = self._index_for(args[1])
            if found is None:
                message = "invalid start sequence number requested"
                await self._send(protocol.client_error("start", message))
                return
            index = found
        if self._config.pushmode_ack:
            await self._send(protocol.ack("start", self._state.stream.location))
        self._reposition(index)
        self._pushing = True
        self._advance(index)  # a resume at the very end finishes (or rewinds) at once
        self._notify()

    async def _on_stop(self, args: tuple[str, ...]) -> None:
        if not self._location_ok(args):
            await self._send(protocol.client_error("stop", "invalid location requested"))
            return
        self._pushing = False
        if self._config.pushmode_ack:
            await self._send(protocol.ack("stop", self._state.stream.location))
        self._notify()

    async def _on_getdata(self, args: tuple[str, ...]) -> None:
        """Pull mode: `ack~getdata~<n>` and n lines, from the cursor or the given sequence."""
        try:
            wanted = int(args[0]) if args else 0
        except ValueError:
            wanted = -1
        if wanted < 0:
            await self._send(protocol.client_error("getdata", "invalid count requested"))
            return
        if not self._location_ok(args[1:]):
            await self._send(protocol.client_error("getdata", "invalid location requested"))
            return
        if len(args) > 2 and args[2]:
            found = self._index_for(args[2])
            if found is None:
                message = "invalid start sequence number requested"
                await self._send(protocol.client_error("getdata", message))
                return
            self._reposition(found)
        start, lines = self._state.cursor, self._encoded.lines
        end = start
        picked: list[bytes] = []
        while end < len(lines) and len(picked) < wanted:
            if lines[end]:
                picked.append(lines[end])
            end += 1
        await self._send(protocol.ack("getdata", str(len(picked))) + b"".join(picked))
        self._account(start, end)
        self._advance(end)

    # -------------------------------------------------------------- data
    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    def _pending_data(self) -> bool:
        return self._state.cursor < len(self._encoded.lines)

    def _reposition(self, index: int) -> None:
        self._state.cursor = index
        self._generation += 1
        self._pace_origin = None

    def _advance(self, end: int) -> None:
        """Move past written lines; at the end rewind once (if asked) or mark the stream done."""
        self._state.cursor = end
        if self._pending_data():
            return
        if self._state.rewind_pending:
            self._state.rewind_pending = False
            self._reposition(0)  # SimpleClient's Rewind: the whole session again
        else:
            self._state.finished = True
        self._notify()

    def _account(self, start: int, end: int) -> None:
        if end <= start:
            return
        reads = self._encoded.read_prefix[end] - self._encoded.read_prefix[start]
        self._state.sent_reads += reads
        self._result.sent_reads += reads
        stream = self._state.stream
        self._result.last_sequence[stream.location] = self._encoded.sequences[end - 1]
        self._result.send_seconds = trio.current_time() - self._result.started_at
        self.made_progress = True
        if self._progress is not None and reads:
            self._progress(reads)

    async def _wait_until(self, ready: Callable[[], bool]) -> None:
        while not ready():
            await self._changed.wait()

    async def _pusher(self) -> None:
        while True:
            await self._wait_until(lambda: self._pushing and self._pending_data())
            generation, start = self._generation, self._state.cursor
            end = self._drop_limit(start, await self._paced_end(start))
            if generation != self._generation or not self._pushing:
                continue  # repositioned or stopped while waiting for the pace
            await self._send(b"".join(self._encoded.lines[start:end]))
            self._account(start, end)
            if generation == self._generation:
                self._advance(end)
            if self._drop_due():
                self._finish(_Outcome.DROPPED, "dropped on purpose (disconnect_after)")
                return

    async def _paced_end(self, start: int) -> int:
        """End index of the next write; sleeps until its first line is due when paced."""
        total = len(self._encoded.lines)
        limit = min(total, start + max(1, self._opts.batch_lines))
        if not self._opts.rate and self._opts.speed <= 0:
            return limit  # as fast as possible: big writes, no per-line await
        if self._pace_origin is None:
            self._pace_origin = (trio.current_time(), start)
        await trio.sleep_until(self._due(start))
        now = trio.current_time()
        end = start + 1
        while end < limit and self._due(end) <= now:
            end += 1
        return end

    def _due(self, index: int) -> float:
        assert self._pace_origin is not None
        origin_time, origin_index = self._pace_origin
        if self._opts.rate:
            return origin_time + (index - origin_index) / self._opts.rate
        observations = self._state.stream.observations
        gap = observations[index].time - observations[origin_index].time
        return origin_time + gap.total_seconds() / self._opts.speed

    def _drop_limit(self, start: int, end: int) -> int:
        """Cut the write right after the read that reaches disconnect_after."""
        if self._opts.disconnect_after is None or self._state.dropped_once:
            return end
        remaining = self._opts.disconnect_after - self._state.sent_reads
        target = self._encoded.read_prefix[start] + max(0, remaining)
        return max(start + 1, min(end, bisect_left(self._encoded.read_prefix, target)))

    def _drop_due(self) -> bool:
        after = self._opts.disconnect_after
        if after is None or self._state.dropped_once or self._state.sent_reads < after:
            return False
        self._state.dropped_once = True
        return True

    async def _linger(self) -> None:
        """Once all is written, keep answering pings so the server can store the tail."""
        while True:
            await self._wait_until(lambda: self._state.finished and not self._pending_data())
            await trio.sleep(self._opts.linger)
            if self._state.finished and not self._pending_data():
                self._finish(_Outcome.FINISHED)
                return


# ------------------------------------------------------------------ feeds
def _abort(sock: trio.SocketStream) -> None:
    """Make the coming close a reset (RST), as when middleware crashes or a cable is pulled."""
    try:
        sock.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass  # already dead: a plain close is just as abrupt


async def _connect(host: str, port: int, opts: SimOptions) -> trio.SocketStream:
    with trio.fail_after(opts.connect_timeout):
        return await trio.open_tcp_stream(host, port)


class _GiveUp(Exception):
    """The stream cannot go on: refused, or the server stayed away too long."""


async def _run_stream(
    host: str,
    port: int,
    state: _StreamState,
    opts: SimOptions,
    result: FeedResult,
    cache: LineCache,
    progress: Progress | None,
    notice: Notice | None,
) -> None:
    """Sessions until the stream is done; reconnects after drops, closes and refusals to connect."""
    failures, connections = 0, 0
    while True:
        try:
            sock = await _connect(host, port, opts)
        except (OSError, trio.TooSlowError) as error:
            reason = f"could not connect to {host}:{port}: {error or 'connection timed out'}"
            if connections and state.all_written:
                reason = f"all lines were written, but the server left before confirming; {reason}"
            failures = await _after_failure(failures, reason, opts, result.feed, notice)
            continue
        connections += 1
        if connections > 1:
            result.reconnects += 1
        session = _Session(sock, state, opts, result, cache, progress)
        try:
            outcome = await session.run()
            if outcome is _Outcome.DROPPED:
                _abort(sock)
        finally:
            with trio.CancelScope(shield=True):
                await sock.aclose()
        if outcome is _Outcome.FINISHED:
            return
        if outcome is _Outcome.REFUSED:
            result.auth_error = session.detail
            raise _GiveUp(session.detail)
        if outcome is _Outcome.DROPPED:
            continue  # reconnect at once, as middleware does after a network blip
        failures = 0 if session.made_progress else failures
        reason = f"{host}:{port}: {session.detail}"
        if state.all_written:
            reason = f"the server closed before confirming the last lines ({reason})"
        failures = await _after_failure(failures, reason, opts, result.feed, notice)


async def _after_failure(
    failures: int, reason: str, opts: SimOptions, feed: str, notice: Notice | None
) -> int:
    """Count a failed attempt; give up after max_retries, else wait retry_seconds."""
    failures += 1
    if opts.max_retries is not None and failures > opts.max_retries:
        raise _GiveUp(reason)
    if notice is not None:
        notice(feed, reason)
    await trio.sleep(opts.retry_seconds)
    return failures


async def run_feed(
    host: str,
    port: int,
    feed: PointFeed,
    opts: SimOptions,
    progress: Progress | None = None,
    notice: Notice | None = None,
    lines: LineCache | None = None,
) -> FeedResult:
    """One middleware instance: its streams one after another, one connection session each.
    `lines`: already encoded streams (see LineCache.prepare); by default encoded on demand."""
    result = FeedResult(feed.name, started_at=trio.current_time())
    cache = lines if lines is not None else LineCache()
    with trio.move_on_after(opts.deadline if opts.deadline is not None else float("inf")) as scope:
        for stream in feed.streams:
            state = _StreamState(
                stream,
                connection_id(opts.client_id, feed.name, stream.source),
                rewind_pending=opts.rewind,
            )
            try:
                await _run_stream(host, port, state, opts, result, cache, progress, notice)
            except _GiveUp as reason:
                result.error = None if result.auth_error else str(reason)
                break
    if scope.cancelled_caught:
        result.error = f"deadline of {opts.deadline:g} s passed before the feed was sent"
    return result


async def run_simulation(
    host: str,
    port: int,
    feeds: Sequence[PointFeed],
    opts: SimOptions,
    progress: Progress | None = None,
    notice: Notice | None = None,
    lines: LineCache | None = None,
) -> SimReport:
    """All feeds at once, one connection each, like one middleware instance per point.
    `lines`: already encoded streams, shared by all feeds (see LineCache.prepare)."""
    results: list[FeedResult | None] = [None] * len(feeds)
    started = trio.current_time()

    async def one(index: int, feed: PointFeed) -> None:
        results[index] = await run_feed(host, port, feed, opts, progress, notice, lines)

    async with trio.open_nursery() as nursery:
        for index, feed in enumerate(feeds):
            nursery.start_soon(one, index, feed)
    done = [result for result in results if result is not None]
    return SimReport(done, trio.current_time() - started)
