"""One simulated middleware connection: the handshake, then a reader answering the server's
commands and a pusher writing the stream's lines (p88.tcp.simulator runs them)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable

import trio

from p88.tcp import protocol
from p88.tcp.protocol import ClientParser, Command, Request, ServerHello, ServerProtocolError
from p88.tcp.sim_lines import (
    Encoded,
    LineCache,
    SessionConfig,
    authorization_secret,
    session_config,
    usable_tag_format,
)
from p88.tcp.sim_options import FeedResult, Outcome, SimOptions, StreamState

Progress = Callable[[int], None]
"""Called with the number of reads just written (an increment, not a total)."""

NEWLOCATION_TAG = "newlocation"
_RECEIVE_BYTES = 65536


class Session:
    """One connection: handshake, then a reader answering commands and a pusher writing data."""

    def __init__(
        self,
        sock: trio.SocketStream,
        state: StreamState,
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
        self._outcome: Outcome | None = None
        self._changed = trio.Event()
        self._authorized = trio.Event()
        self._id_answered = trio.Event()
        self._pushing = False
        self._generation = 0  # bumped by every reposition, so a stale batch cannot move on
        self._pace_origin: tuple[float, int] | None = None
        self.made_progress = False
        self.detail = ""
        self._config = SessionConfig()
        self._encoded = Encoded((), (0,), ())

    # -------------------------------------------------------------- life cycle
    async def run(self) -> Outcome:
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
        return self._outcome or Outcome.CLOSED

    def _finish(self, outcome: Outcome, detail: str = "") -> None:
        if self._outcome is None:
            self._outcome, self.detail = outcome, detail
        self._scope.cancel()

    async def _send(self, data: bytes) -> None:
        async with self._send_lock:
            try:
                await self._sock.send_all(data)
            except (trio.BrokenResourceError, trio.ClosedResourceError) as error:
                self._finish(Outcome.CLOSED, f"connection lost while writing: {error}")
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
            self._finish(Outcome.CLOSED, detail)
            await trio.sleep_forever()
        try:
            return self._parser.feed(data)
        except ServerProtocolError as error:
            self._finish(Outcome.CLOSED, f"server spoke no CTP01: {error}")
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
        self._finish(Outcome.NO_HANDSHAKE, "no server hello within the handshake timeout")
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
            self._finish(Outcome.REFUSED, f"cannot authenticate: {error}")
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
            self._finish(Outcome.REFUSED, message)

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
                self._finish(Outcome.DROPPED, "dropped on purpose (disconnect_after)")
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
                self._finish(Outcome.FINISHED)
                return
