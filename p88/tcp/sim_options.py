"""What the simulated middleware is told to do, where each stream stands, and what it reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from p88.tcp.race_sources import Stream


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


class Outcome(Enum):
    FINISHED = "finished"  # everything sent, lingered
    CLOSED = "closed"  # the server closed or the link broke before the end
    DROPPED = "dropped"  # we dropped the link on purpose (disconnect_after)
    REFUSED = "refused"  # err~authorize
    NO_HANDSHAKE = "no handshake"  # no (valid) hello + requests in time


@dataclass(slots=True)
class StreamState:
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
