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
import socket
import struct
from collections.abc import Callable, Sequence

import trio

from p88.tcp.race_sources import PointFeed
from p88.tcp.sim_lines import LineCache
from p88.tcp.sim_options import FeedResult, Outcome, SimOptions, SimReport, StreamState
from p88.tcp.sim_session import Progress, Session

Notice = Callable[[str, str], None]
"""Called with (feed name, problem) on every failed attempt that will be retried."""

__all__ = [
    "FeedResult",
    "LineCache",
    "Notice",
    "Progress",
    "SimOptions",
    "SimReport",
    "connection_id",
    "run_feed",
    "run_simulation",
]


def connection_id(client_id: str, feed_name: str, stream_source: str) -> str:
    """40 hex chars, stable per (client id, feed, stream) so a reconnect presents the same id."""
    key = f"{client_id}\0{feed_name}\0{stream_source}".encode()
    return hashlib.sha1(key).hexdigest()  # noqa: S324 - an identifier, not a secret


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
    state: StreamState,
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
        session = Session(sock, state, opts, result, cache, progress)
        try:
            outcome = await session.run()
            if outcome is Outcome.DROPPED:
                _abort(sock)
        finally:
            with trio.CancelScope(shield=True):
                await sock.aclose()
        if outcome is Outcome.FINISHED:
            return
        if outcome is Outcome.REFUSED:
            result.auth_error = session.detail
            raise _GiveUp(session.detail)
        if outcome is Outcome.DROPPED:
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
            state = StreamState(
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
