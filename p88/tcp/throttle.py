"""Back-off for collector credential guessing, per peer address and per user name. Pure: the
caller passes the clock.

Every wrong secret costs an argon2 check (tens of milliseconds of CPU) and is a guess. After
`free_failures` failures in a row for a key, the next try must wait `first_backoff` seconds,
doubling with each further failure up to `max_backoff`; a try that comes sooner is refused
without any check. A success clears its keys; a key quiet for `forget_after` starts afresh.
A try counts as a failure from the moment it begins, so many connections at once cannot each
get a check; it is given back when the check could not run at all.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BackoffPolicy:
    free_failures: int = 5
    first_backoff: float = 1.0
    max_backoff: float = 60.0
    forget_after: float = 900.0

    def wait_after(self, failures: int) -> float:
        """Seconds a key with `failures` failures in a row must wait before its next try."""
        if failures < self.free_failures:
            return 0.0
        return min(self.max_backoff, self.first_backoff * 2.0 ** (failures - self.free_failures))


@dataclass(frozen=True, slots=True)
class _Failures:
    count: int
    last: float  # when the last of them began


@dataclass(frozen=True, slots=True)
class Attempt:
    """A try under way: its keys and what they held before it began (to give it back)."""

    keys: tuple[str, ...]
    before: tuple[_Failures | None, ...]


@dataclass(frozen=True, slots=True)
class Backoff:
    """A key backing off: after how many failures in a row, and for how long still."""

    key: str
    failures: int
    retry_in: float


class AuthThrottle:
    """Failures in a row per key (e.g. "address 10.0.0.7", "user 'mat-b'"); at most
    `max_keys` remembered, the least recently failed forgotten first."""

    def __init__(
        self, policy: BackoffPolicy, clock: Callable[[], float], *, max_keys: int = 10_000
    ) -> None:
        self.policy = policy
        self.clock = clock
        self.max_keys = max_keys
        self._failures: OrderedDict[str, _Failures] = OrderedDict()

    def begin(self, keys: Sequence[str]) -> Attempt | Backoff:
        """The longest back-off among `keys` (the first key on a tie): the try is refused.
        Else the try, counted as a failure until it succeeds."""
        now = self.clock()
        current = tuple(self._current(key, now) for key in keys)
        if refusal := self._longest_backoff(keys, current, now):
            return refusal
        for key, record in zip(keys, current, strict=True):
            self._set(key, _Failures((record.count if record else 0) + 1, now))
        return Attempt(tuple(keys), current)

    def backoff(self, attempt: Attempt) -> Backoff | None:
        """After a failed try: the back-off its keys are now in, if any."""
        current = tuple(self._failures.get(key) for key in attempt.keys)
        return self._longest_backoff(attempt.keys, current, self.clock())

    def succeeded(self, attempt: Attempt) -> None:
        for key in attempt.keys:
            self._failures.pop(key, None)

    def abandoned(self, attempt: Attempt) -> None:
        """The check could not run (e.g. the database is down): the try does not count."""
        for key, before in zip(attempt.keys, attempt.before, strict=True):
            if before is None:
                self._failures.pop(key, None)
            else:
                self._set(key, before)

    def _longest_backoff(
        self, keys: Sequence[str], records: Sequence[_Failures | None], now: float
    ) -> Backoff | None:
        longest: Backoff | None = None
        for key, record in zip(keys, records, strict=True):
            if record is None:
                continue
            wait = record.last + self.policy.wait_after(record.count) - now
            if wait > 0 and (longest is None or wait > longest.retry_in):
                longest = Backoff(key, record.count, wait)
        return longest

    def _current(self, key: str, now: float) -> _Failures | None:
        record = self._failures.get(key)
        if record is not None and now - record.last >= self.policy.forget_after:
            del self._failures[key]
            return None
        return record

    def _set(self, key: str, record: _Failures) -> None:
        self._failures[key] = record
        self._failures.move_to_end(key)
        while len(self._failures) > self.max_keys:
            self._failures.popitem(last=False)
