"""What every collector connection shares, and the small pieces connections use to end and log."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import trio

from p88.config import CollectorConfig
from p88.db.pool import Pool
from p88.ingest.resume import ResumeTracker
from p88.ingest.shards import Ingest
from p88.stats import Stats
from p88.tcp.auth import CollectorCredentials


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

    def __init__(self, log: logging.Logger, interval: float = 10.0) -> None:
        self.log = log
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
        self.log.warning(message + suffix, *args)
