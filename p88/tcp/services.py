"""What every collector connection shares, and the small pieces connections use to end and log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import trio

from p88.config import CollectorConfig
from p88.db.pool import Pool
from p88.ingest.resume import ResumeTracker
from p88.ingest.shards import Ingest
from p88.stats import Stats
from p88.tcp.auth import CollectorCredentials
from p88.tcp.throttle import AuthThrottle, BackoffPolicy

log = logging.getLogger(__name__)

throttle_clock: Callable[[], float] = time.monotonic
"""The credential throttle's clock (seconds); a test may set a clock of its own."""


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
    auth_throttle: AuthThrottle = field(init=False)
    throttled_log: RateLimitedLog = field(init=False)  # one line per 10 s, however many tries

    def __post_init__(self) -> None:
        config = self.config
        self.connection_slots = trio.Semaphore(config.max_connections)
        self.credentials = CollectorCredentials(self.pool)
        policy = BackoffPolicy(
            free_failures=config.auth_free_failures,
            first_backoff=config.auth_backoff,
            max_backoff=config.auth_backoff_max,
            forget_after=max(900.0, 4 * config.auth_backoff_max),
        )
        self.auth_throttle = AuthThrottle(policy, throttle_clock)
        self.throttled_log = RateLimitedLog(log)


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
