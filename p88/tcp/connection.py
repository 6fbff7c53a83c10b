"""One middleware connection's conversation, speaking p88.tcp.protocol over trio.

Wait for the client's greeting (send nothing before it), answer with the recommended requests,
authenticate if configured, ask for the connection id, event and locations, then `start`
every location from its resume point. Reads are stamped (p88.tcp.stamping) and handed to
ingest through a bounded channel, a socket read's worth at a time.
"""

from __future__ import annotations

import logging
import math
import secrets
import time
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import NoReturn

import trio

import p88
from p88.db.pool import DATABASE_DOWN_ERRORS
from p88.reads import StampedRead
from p88.stats import ConnectionInfo
from p88.tcp import protocol as ctp
from p88.tcp.auth import CHALLENGE_METHODS, Authenticated, new_seed
from p88.tcp.services import CloseConnection, CollectorServices, RateLimitedLog
from p88.tcp.stamping import ConnectionReads
from p88.tcp.throttle import Backoff

log = logging.getLogger(__name__)

SERVER_NAME = "p88"
GREETING_TIMEOUT = 15.0  # the client greets at once; a silent socket is not middleware
RECEIVE_SIZE = 65536
UNNAMED_EVENT = "unnamed event"


class CollectorConnection:
    def __init__(
        self,
        services: CollectorServices,
        stream: trio.SocketStream,
        info: ConnectionInfo,
        peer_address: str,
    ) -> None:
        self.s = services
        self.stream = stream
        self.info = info
        self.peer_address = peer_address  # the peer's host, which credential guessing backs off
        # This connection's clone of its ingest shard's channel, taken once its connection id
        # is known (before that it sends nothing to ingest).
        self.ingest: trio.MemorySendChannel[list[StampedRead]] | None = None
        self.parser = ctp.ServerParser()
        self.send_lock = trio.Lock()
        self.last_received = trio.current_time()
        self.bad_lines = RateLimitedLog(log)
        self.reads = ConnectionReads(services.timezone, info.locations, self._read_dropped)
        self.partner: Authenticated | None = None
        self.connection_id = ""
        self.resume_points: dict[str, int] = {}
        self.started: set[str] = set()
        self.pending_locations: list[str] = []
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
            timeout = GREETING_TIMEOUT if self.waiting_for == "greeting" else float("inf")
            with trio.move_on_after(timeout) as scope:
                data = await self.stream.receive_some(RECEIVE_SIZE)
            if scope.cancelled_caught:
                raise CloseConnection(f"no CTP01 greeting within {GREETING_TIMEOUT:.0f} s")
            if not data:
                return
            self.last_received = trio.current_time()
            self.reads.received_at = datetime.now(UTC)
            for event in self.parser.feed(data):
                await self._on_event(event)
            if batch := self.reads.take_batch():
                # Counted per chunk, not per read: every line stamped goes into the batch.
                self.s.stats.reads_received += len(batch)
                self.info.reads += len(batch)
                self.info.last_read_at = time.time()
                await self._hand_to_ingest(batch)

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

    def _read_dropped(self, why: str) -> None:
        self.s.stats.malformed_lines += 1
        self.bad_lines.warning("%s: read dropped: %s", self.info.peer, why)

    # ---------------------------------------------------------------- conversation
    async def _on_event(self, event: ctp.Event) -> None:
        match event:
            case ctp.PlainReads():
                self.reads.add_run(event)
            case ctp.TagRead() | ctp.GunTime():
                self.reads.add_line(event)
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
        throttle = self.s.auth_throttle
        attempt = throttle.begin((f"address {self.peer_address}", f"user {auth.user!r}"))
        if isinstance(attempt, Backoff):
            await self._refuse_unchecked(auth.user, attempt)
        try:
            partner = await self._who(
                self.s.credentials.authenticate(
                    self.s.config.authentication, auth.user, auth.secret, self.seed
                )
            )
        except BaseException:
            throttle.abandoned(attempt)  # nothing was checked: the try does not count
            raise
        if partner is None:
            self.s.stats.auth_failures += 1
            if backoff := throttle.backoff(attempt):
                log.warning(
                    "%s: wrong secret for collector user %r; %s has failed %d times in a row, "
                    "so its next try waits %.0f s (doubling with each further failure)",
                    self.info.peer,
                    auth.user,
                    backoff.key,
                    backoff.failures,
                    backoff.retry_in,
                )
            await self.send(ctp.command("err", "authorize", "unknown user or wrong password"))
            raise CloseConnection(f"authentication failed for collector user {auth.user!r}")
        throttle.succeeded(attempt)
        self.partner = partner
        await self.send(ctp.command("ack", "authorize"))
        await self._authenticated()

    async def _refuse_unchecked(self, user: str, refused: Backoff) -> NoReturn:
        self.s.stats.auth_throttled += 1
        wait = math.ceil(refused.retry_in)
        self.s.throttled_log.warning(
            "%s: collector authorization as user %r refused without checking the secret: "
            "%s failed %d times in a row; it may try again in %d s",
            self.info.peer,
            user,
            refused.key,
            refused.failures,
            wait,
        )
        await self.send(
            ctp.command("err", "authorize", f"too many failed attempts; try again in {wait} s")
        )
        raise CloseConnection(f"authorization as {user!r} refused while {refused.key} backs off")

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
        assert self.partner is not None
        self.info.event = event.strip() or UNNAMED_EVENT
        self.reads.start(self.partner.partner_id, self.connection_id, self.info.event)
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
