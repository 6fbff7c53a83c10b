"""Makes guessing display tokens useless: after `limit` unknown tokens from one address within
`window` seconds, that address gets 429 for every display URL until the window passes.

In memory, per process: a guesser would need ~2^191 tries on average, so the limit is there to
keep the logs and the database quiet, not to carry the security.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import trio

MAX_ADDRESSES = 10_000  # bounded memory under a spray from many addresses


@dataclass(slots=True)
class FailureGuard:
    limit: int = 20
    window: float = 60.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)

    def _recent(self, address: str, now: float) -> deque[float]:
        times = self._failures.get(address)
        if times is None:
            return deque()
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            del self._failures[address]
        return times

    def blocked(self, address: str) -> bool:
        return len(self._recent(address, trio.current_time())) >= self.limit

    def fail(self, address: str) -> None:
        now = trio.current_time()
        times = self._recent(address, now)
        if not times:
            if len(self._failures) >= MAX_ADDRESSES:
                self._failures.pop(next(iter(self._failures)))
            self._failures[address] = times
        times.append(now)
