"""The CTP01 listener: one task per middleware connection, speaking p88.tcp.protocol over trio.

Each connection: wait for the client's greeting (send nothing before it), answer with the
recommended requests, authenticate if configured, ask for the connection id, event and
locations, then `start` every location from its resume point. Tag lines are stamped with
partner, session and location and handed to ingest through a bounded channel.
"""

from __future__ import annotations

import logging
import secrets
import socket
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import repeat
from zoneinfo import ZoneInfo

import trio

import p88
from p88.config import CollectorConfig
from p88.db.pool import DATABASE_DOWN_ERRORS, Pool
from p88.ingest.resume import ResumeTracker
from p88.ingest.shards import Ingest
from p88.reads import SessionKey, StampedRead, stamped_read_of_fields
from p88.stats import ConnectionInfo, Stats
from p88.tcp import protocol as ctp
from p88.tcp.auth import CHALLENGE_METHODS, Authenticated, CollectorCredentials, new_seed
from p88.tcp.wallclock import parse_wall_time, to_local_datetime

log = logging.getLogger(__name__)

SERVER_NAME = "p88"
GREETING_TIMEOUT = 15.0  # the client greets at once; a silent socket is not middleware
HANDSHAKE_TIMEOUT = 10.0  # per answer; clients give up after about 10 s themselves
RECEIVE_SIZE = 65536
UNNAMED_EVENT = "unnamed event"
MAX_EARLY_READS = 50_000


@dataclass(slots=True)
class CollectorServices:
    """What every connection handler shares."""

    config: CollectorConfig
    timezone: str
    pool: Pool
    stats: Stats
    ingest: Ingest
    resume: ResumeTracker
    connection_slots: trio.Semaphore = field(init=False)
    credentials: CollectorCredentials = field(init=False)

    def __post_init__(self) -> None:
        self.connection_slots = trio.Semaphore(self.config.max_connections)
        self.credentials = CollectorCredentials(self.pool)


class CloseConnection(Exception):
    """End this connection, logging `reason`."""


class RateLimitedLog:
    """At most one log line per `interval` seconds, with the count of what was held back."""

    def __init__(self, interval: float = 10.0) -> None:
        self.interval = interval
        self._last = -interval
        self._held = 0

    def warning(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._last < self.interval:
            self._held += 1
            return
        suffix = f" (+{self._held} similar)" if self._held else ""
        self._held = 0
        self._last = now
        log.warning(message + suffix, *args)


class CollectorConnection:
    def __init__(
        self,
        services: CollectorServices,
        stream: trio.SocketStream,
        info: ConnectionInfo,
    ) -> None:
        self.s = services
        self.stream = stream
        self.info = info
        # This connection's clone of its ingest shard's channel, taken once its connection id
        # is known (before that it sends nothing to ingest).
        self.ingest: trio.MemorySendChannel[list[StampedRead]] | None = None
        self.parser = ctp.ServerParser()
        self.send_lock = trio.Lock()
        self.last_received = trio.current_time()
        self.bad_lines = RateLimitedLog()
        self.partner: Authenticated | None = None
        self.connection_id = ""
        self.event = ""
        self.session: SessionKey | None = None
        self.resume_points: dict[str, int] = {}
        self.started: set[str] = set()
        self.point_names: dict[str, str] = {}
        self.pending_locations: list[str] = []
        self.early: list[ctp.TagRead | ctp.GunTime] = []
        self.batch: list[StampedRead] = []
        self.received_at = datetime.now(UTC)  # when the current chunk came off the socket
        self.streaming = False
        self.seed = new_seed()
        self.waiting_for: str | None = "greeting"
        self.close_reason = "client closed the connection"

    # ---------------------------------------------------------------- plumbing
    async def send(self, data: bytes) -> None:
        async with self.send_lock:
            await self.stream.send_all(data)

    async def run(self) -> None:
        try:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(self._keepalive)
                await self._read_loop()
                nursery.cancel_scope.cancel()
        except* CloseConnection as group:
            self.close_reason = str(group.exceptions[0])
            if "not CTP01" in self.close_reason:
                log.warning("%s: %s", self.info.peer, self.close_reason)
        except* (trio.BrokenResourceError, trio.ClosedResourceError, OSError) as group:
            self.close_reason = f"connection lost ({group.exceptions[0].__class__.__name__})"

    async def _read_loop(self) -> None:
        while True:
            timeout = GREETING_TIMEOUT if self.waiting_for == "greeting" else None
            with trio.move_on_after(timeout if timeout else float("inf")) as scope:
                data = await self.stream.receive_some(RECEIVE_SIZE)
            if scope.cancelled_caught:
                raise CloseConnection(f"no CTP01 greeting within {GREETING_TIMEOUT:.0f} s")
            if not data:
                return
            self.last_received = trio.current_time()
            self.received_at = datetime.now(UTC)
            await self._on_events(self.parser.feed(data))
            if self.batch:
                batch, self.batch = self.batch, []
                # Counted per chunk, not per read: every line stamped goes into the batch.
                self.s.stats.reads_received += len(batch)
                self.info.reads += len(batch)
                self.info.last_read_at = time.time()
                await self._hand_to_ingest(batch)

    async def _on_events(self, events: list[ctp.Event]) -> None:
        """Handle one chunk's events in order. The hot path, a plain read with a date once the
        session is known, is stamped right here: what _on_tag_line does for it, minus the
        calls, checks and conversions that cannot apply."""
        session = self.session
        append = self.batch.append
        names = self.point_names
        for event in events:
            if type(event) is ctp.PlainReads and session is not None:
                self._stamp_plain_reads(event, session)
            elif (
                type(event) is ctp.TagRead and session is not None and type(event.when) is datetime
            ):
                location = names.setdefault(event.location, event.location)
                append(
                    StampedRead(
                        session,
                        self.connection_id,
                        location,
                        event.sequence,
                        event.tag,
                        event.when,  # a date and time: already the local datetime
                        event.lap,
                        event.reader_id,
                        event.gator,
                        self.received_at,
                        False,
                    )
                )
                self.info.locations[location] = event.sequence
            elif type(event) is ctp.TagRead:
                self._on_tag_line(event)
                session = self.session
            elif type(event) is ctp.PlainReads:
                for line in event.tag_reads():  # before the session is known: one by one
                    self._on_tag_line(line)
                session = self.session
            else:
                await self._on_event(event)
                session = self.session

    def _stamp_plain_reads(self, reads: ctp.PlainReads, session: SessionKey) -> None:
        """What _on_tag_line does for each read of the run, in C loops over its columns: an
        ISO time is already the local datetime, and the session is known."""
        count = len(reads)
        # One string object per point name, as in _on_tag_line.
        names = self.point_names
        locations = list(map(names.setdefault, reads.locations, reads.locations))
        fields = zip(
            repeat(session, count),
            repeat(self.connection_id, count),
            locations,
            reads.sequences,
            reads.tags,
            reads.whens,
            reads.laps,
            reads.reader_ids,
            reads.gators,
            repeat(self.received_at, count),
            repeat(False, count),
            reads.times,
            strict=True,
        )
        self.batch.extend(map(stamped_read_of_fields, fields))
        self.info.locations.update(zip(locations, reads.sequences, strict=True))

    async def _hand_to_ingest(self, batch: list[StampedRead]) -> None:
        if self.ingest is None:
            self.ingest = self.s.ingest.channel_for(self.connection_id).clone()
        self.s.stats.ingest_backlog += len(batch)
        # Blocks while ingest is full: this connection then stops reading its socket, and TCP
        # flow control slows the middleware. Nothing is dropped.
        await self.ingest.send(batch)

    async def _keepalive(self) -> None:
        """Ping every ping_interval; close a link silent for idle_timeout (half-open sockets)."""
        config = self.s.config
        while True:
            await trio.sleep(config.ping_interval)
            silent = trio.current_time() - self.last_received
            if silent >= config.idle_timeout:
                raise CloseConnection(f"nothing received for {silent:.0f} s")
            if self.waiting_for != "greeting":
                await self.send(ctp.command("ping"))

    # ---------------------------------------------------------------- conversation
    async def _on_event(self, event: ctp.Event) -> None:
        match event:
            case ctp.TagRead() | ctp.GunTime():
                self._on_tag_line(event)
            case ctp.Greeting():
                await self._on_greeting(event)
            case ctp.Authorize():
                await self._on_authorize(event)
            case ctp.Ack():
                await self._on_ack(event)
            case ctp.ClientError():
                await self._on_client_error(event)
            case ctp.NewLocation():
                await self._on_new_location(event.location)
            case ctp.ClientPing():
                await self.send(ctp.command("ack", "ping"))
            case ctp.Malformed():
                self.s.stats.malformed_lines += 1
                self.bad_lines.warning(
                    "%s: malformed line dropped (%s): %.80r",
                    self.info.peer,
                    event.reason,
                    event.line,
                )
            case ctp.Overlong():
                self.s.stats.malformed_lines += 1
                self.s.stats.overlong_lines += 1
                self.bad_lines.warning(
                    "%s: line of %d bytes dropped (longer than %d)",
                    self.info.peer,
                    event.length,
                    ctp.MAX_LINE_BYTES,
                )
            case ctp.WrongProtocol():
                self.s.stats.wrong_protocol_connections += 1
                raise CloseConnection(f"not CTP01 ({event.kind}): {event.hint}")

    async def _on_greeting(self, greeting: ctp.Greeting) -> None:
        if self.waiting_for != "greeting":
            return  # a repeated greeting changes nothing
        self.info.program, self.info.program_version = greeting.program, greeting.version
        method = self.s.config.authentication
        seed = self.seed if method in CHALLENGE_METHODS else None
        requests = ctp.recommended_requests(method, seed)
        await self.send(ctp.server_hello(SERVER_NAME, p88.__version__, requests))
        if method == "none":
            self.partner = await self._who(
                self.s.credentials.anonymous(self.s.config.anonymous_partner)
            )
            if self.partner is None:
                raise CloseConnection(
                    f"anonymous connections belong to partner "
                    f"{self.s.config.anonymous_partner!r}, which does not exist"
                )
            await self._authenticated()
        else:
            self.waiting_for = "authorize"

    async def _on_authorize(self, auth: ctp.Authorize) -> None:
        if self.waiting_for != "authorize":
            return
        method = self.s.config.authentication
        partner = await self._who(
            self.s.credentials.authenticate(method, auth.user, auth.secret, self.seed)
        )
        if partner is None:
            self.s.stats.auth_failures += 1
            await self.send(ctp.command("err", "authorize", "unknown user or wrong password"))
            raise CloseConnection(f"authentication failed for collector user {auth.user!r}")
        self.partner = partner
        await self.send(ctp.command("ack", "authorize"))
        await self._authenticated()

    async def _who(self, lookup: Awaitable[Authenticated | None]) -> Authenticated | None:
        try:
            return await lookup
        except DATABASE_DOWN_ERRORS as exc:
            raise CloseConnection(
                "PostgreSQL is unreachable and this connection's partner was never seen "
                "before; the client retries by itself"
            ) from exc

    async def _authenticated(self) -> None:
        assert self.partner is not None
        self.info.partner = self.partner.partner_slug
        self.waiting_for = "getconnectionid"
        await self.send(ctp.command("getconnectionid"))

    async def _on_ack(self, ack: ctp.Ack) -> None:
        if ack.command != self.waiting_for:
            return  # ack~start, ack~ping and friends need nothing more
        if ack.command == "getconnectionid":
            await self._got_connection_id(ack.args[0] if ack.args else "")
        elif ack.command == "geteventinfo":
            await self._got_event(ack.args[0] if ack.args else "")
        elif ack.command == "getlocations":
            await self._got_locations([loc for loc in ack.args if loc])

    async def _on_client_error(self, error: ctp.ClientError) -> None:
        log.info("%s: client refused %r: %s", self.info.peer, error.command, error.message)
        if error.command == self.waiting_for == "getconnectionid":
            await self._got_connection_id("")  # SimpleClient before 0.4.0 has no connection id
        elif error.command == self.waiting_for == "geteventinfo":
            await self._got_event("")
        elif error.command == self.waiting_for == "getlocations":
            await self._got_locations([])

    async def _got_connection_id(self, connection_id: str) -> None:
        assert self.partner is not None
        if connection_id:
            self.connection_id = connection_id
            self.resume_points = await self._lookup_resume(connection_id)
        else:
            # Without an id there is nothing to resume from; dedup absorbs the replay.
            self.connection_id = "anonymous-" + secrets.token_hex(16)
        self.info.connection_id = self.connection_id
        self.waiting_for = "geteventinfo"
        await self.send(ctp.command("geteventinfo"))

    async def _lookup_resume(self, connection_id: str) -> dict[str, int]:
        assert self.partner is not None
        try:
            return await self.s.resume.lookup(self.s.pool, self.partner.partner_id, connection_id)
        except DATABASE_DOWN_ERRORS:
            return {}

    async def _got_event(self, event: str) -> None:
        self.event = event.strip() or UNNAMED_EVENT
        self.info.event = self.event
        early, self.early = self.early, []
        for line in early:
            self._on_tag_line(line)
        self.waiting_for = "getlocations"
        await self.send(ctp.command("getlocations"))

    async def _got_locations(self, locations: list[str]) -> None:
        self.waiting_for = None
        self.streaming = True
        for location in [*locations, *self.pending_locations]:
            await self._start(location)
        self.pending_locations.clear()

    async def _on_new_location(self, location: str) -> None:
        if not self.streaming:
            self.pending_locations.append(location)
            return
        await self._start(location)

    async def _start(self, location: str) -> None:
        if location in self.started:
            return
        self.started.add(location)
        last = self.resume_points.get(location)
        args = (location,) if last is None else (location, str(last + 1))
        if last is not None:
            log.info("%s: resuming %s from sequence %d", self.info.peer, location, last + 1)
        # A cp1252 point name goes back in cp1252, or SimpleClient will not know it.
        await self.send(ctp.command("start", *args, encoding=self.parser.encoding))

    # ---------------------------------------------------------------- data
    def _on_tag_line(self, line: ctp.TagRead | ctp.GunTime) -> None:
        if self.partner is None or not self.event:
            # Data before the handshake ends (clients that stream unasked) is held, bounded,
            # and stamped once partner and event are known.
            if len(self.early) < MAX_EARLY_READS:
                self.early.append(line)
            else:
                self.s.stats.malformed_lines += 1
            return
        try:
            when = line.when if line.when is not None else parse_wall_time(line.time)
        except ValueError as exc:
            self.s.stats.malformed_lines += 1
            self.bad_lines.warning("%s: bad time %r dropped: %s", self.info.peer, line.time, exc)
            return
        session = self._session_for(when)
        local_time = to_local_datetime(when, session.day)
        if isinstance(line, ctp.GunTime):
            tag, lap, gator, is_gun = "", 0, 0, True
        else:
            tag, lap, gator, is_gun = line.tag, line.lap, line.gator, False
        # One string object per point name: ingest recognises a run of one point's passings by
        # identity instead of hashing every one, and memory holds each name once.
        location = self.point_names.setdefault(line.location, line.location)
        # Positional arguments (StampedRead's field order): this runs once per read.
        self.batch.append(
            StampedRead(
                session,
                self.connection_id,
                location,
                line.sequence,
                tag,
                local_time,
                lap,
                line.reader_id,
                gator,
                self.received_at,
                is_gun,
            )
        )
        self.info.locations[location] = line.sequence

    def _session_for(self, when: datetime | timedelta) -> SessionKey:
        """The session is fixed by the first line: its date when the time carries one (iso,
        unix), else today's date in the event's time zone. It stays fixed for the connection,
        so a race that runs past midnight remains one session."""
        if self.session is None:
            assert self.partner is not None
            if isinstance(when, datetime):
                day = when.date()
            else:
                day = datetime.now(ZoneInfo(self.s.timezone)).date()
            self.session = SessionKey(self.partner.partner_id, self.event, day, self.s.timezone)
        return self.session


def _enable_keepalive(stream: trio.SocketStream) -> None:
    stream.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for option, value in (("TCP_KEEPIDLE", 30), ("TCP_KEEPINTVL", 10), ("TCP_KEEPCNT", 3)):
        if hasattr(socket, option):
            stream.setsockopt(socket.IPPROTO_TCP, getattr(socket, option), value)
    stream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def _peer_name(stream: trio.SocketStream) -> str:
    try:
        host, port = stream.socket.getpeername()[:2]
    except OSError:
        return "unknown peer"
    return f"{host}:{port}"


async def handle_connection(services: CollectorServices, stream: trio.SocketStream) -> None:
    """Serve one connection; whatever happens inside stays inside."""
    peer = _peer_name(stream)
    if services.connection_slots.value == 0:
        log.warning("%s refused: %d connections open", peer, services.config.max_connections)
        await stream.aclose()
        return
    async with services.connection_slots, stream:
        key, info = services.stats.open_connection(peer)
        connection = CollectorConnection(services, stream, info)
        try:
            _enable_keepalive(stream)
            log.info("%s connected", peer)
            try:
                await connection.run()
            finally:
                if connection.ingest is not None:
                    await connection.ingest.aclose()
            if "not CTP01" not in connection.close_reason:  # that one was logged, with its hint
                log.info("%s closed: %s (%d reads)", peer, connection.close_reason, info.reads)
        except Exception:
            log.exception("%s: connection handler failed; closing this connection only", peer)
        finally:
            services.stats.close_connection(key)


async def serve_collector(
    services: CollectorServices,
    *,
    task_status: trio.TaskStatus[tuple[str, int]] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Listen on [collector] bind until cancelled; report the bound address to the starter."""
    bind = services.config.bind
    listeners: list[trio.SocketListener] = await trio.open_tcp_listeners(bind.port, host=bind.host)
    address = listeners[0].socket.getsockname()
    services.stats.collector_listening = True
    try:
        async with trio.open_nursery() as nursery:
            task_status.started((address[0], address[1]))
            log.info("collector listening on %s:%d", address[0], address[1])
            await trio.serve_listeners(
                partial(handle_connection, services),
                listeners,
                handler_nursery=nursery,
            )
    finally:
        services.stats.collector_listening = False
