"""Live counters, the registry of open collector connections and the socket-to-commit latency
of recent reads, read by /status, /metrics and the benchmarks."""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from p88.ops_state import OpsState


class LatencyWindow:
    """The last `size` samples in milliseconds; quantiles over that window."""

    def __init__(self, size: int = 20_000) -> None:
        self._samples: deque[float] = deque(maxlen=size)

    def add_many(self, samples_ms: Iterable[float]) -> None:
        self._samples.extend(samples_ms)

    def quantile(self, q: float) -> float | None:
        if not self._samples:
            return None
        ordered = sorted(self._samples)
        index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
        return ordered[index]

    def reset(self) -> None:
        self._samples.clear()

    def __len__(self) -> int:
        return len(self._samples)


@dataclass(slots=True)
class ConnectionInfo:
    """One open CTP01 connection as /status shows it."""

    peer: str
    connected_at: float = field(default_factory=time.time)
    program: str = ""
    program_version: str = ""
    partner: str = ""
    event: str = ""
    connection_id: str = ""
    locations: dict[str, int] = field(default_factory=dict)  # point -> last sequence received
    reads: int = 0
    last_read_at: float | None = None

    def as_json(self, now: float) -> dict[str, object]:
        return {
            "peer": self.peer,
            "client": f"{self.program} {self.program_version}".strip(),
            "partner": self.partner,
            "event": self.event,
            "connection_id": self.connection_id,
            "connected_seconds": round(now - self.connected_at, 1),
            "locations": [
                {"name": name, "last_sequence": seq} for name, seq in sorted(self.locations.items())
            ],
            "reads": self.reads,
            "last_read_age_seconds": (
                None if self.last_read_at is None else round(now - self.last_read_at, 2)
            ),
        }


@dataclass(slots=True)
class Stats:
    started_at: float = field(default_factory=time.time)
    reads_received: int = 0
    reads_stored: int = 0
    duplicates_dropped: int = 0
    gun_times_stored: int = 0
    malformed_lines: int = 0
    overlong_lines: int = 0
    wrong_protocol_connections: int = 0
    auth_failures: int = 0  # wrong secrets, checked
    auth_throttled: int = 0  # tries refused unchecked while their address or user backs off
    connections_total: int = 0
    ingest_backlog: int = 0  # reads handed to ingest and not yet committed or journaled
    journal_backlog: int = 0  # reads in the journal, waiting for PostgreSQL
    database_up: bool = True
    collector_listening: bool = False
    connections: dict[int, ConnectionInfo] = field(default_factory=dict)
    # Socket read -> commit, for reads written straight through (not journal replays).
    ingest_latency_ms: LatencyWindow = field(default_factory=LatencyWindow)
    ops: OpsState = field(default_factory=OpsState)  # what housekeeping last did
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def open_connection(self, peer: str) -> tuple[int, ConnectionInfo]:
        key = next(self._ids)
        info = ConnectionInfo(peer=peer)
        self.connections[key] = info
        self.connections_total += 1
        return key, info

    def close_connection(self, key: int) -> None:
        self.connections.pop(key, None)
