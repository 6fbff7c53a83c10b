"""The collector's credential throttle (p88.tcp.throttle), on a clock the test moves."""

from __future__ import annotations

import pytest

from p88.tcp.throttle import Attempt, AuthThrottle, Backoff, BackoffPolicy

ADDRESS, USER = "address 10.0.0.7", "user 'mat'"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def throttle(clock: Clock, **policy: float) -> AuthThrottle:
    settings = {"free_failures": 2, "first_backoff": 1.0, "max_backoff": 8.0, **policy}
    return AuthThrottle(BackoffPolicy(**settings), clock)  # type: ignore[arg-type]


def fail(t: AuthThrottle, *keys: str) -> Attempt:
    attempt = t.begin(keys or (ADDRESS, USER))
    assert isinstance(attempt, Attempt), attempt
    return attempt  # a wrong secret: the try stays counted


def test_free_failures_then_a_back_off_that_doubles_up_to_the_cap() -> None:
    clock = Clock()
    t = throttle(clock)
    assert t.backoff(fail(t)) is None
    assert t.backoff(fail(t)) == Backoff(ADDRESS, 2, 1.0)  # the second in a row backs off
    waits = []
    for _ in range(5):
        refused = t.begin((ADDRESS, USER))
        assert isinstance(refused, Backoff) and refused.failures >= 2
        waits.append(refused.retry_in)
        clock.now += refused.retry_in
        fail(t)
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0]


def test_a_refused_try_is_not_a_failure_and_the_right_secret_works_after_the_back_off() -> None:
    clock = Clock()
    t = throttle(clock)
    fail(t)
    fail(t)
    for _ in range(8):  # hammering while it backs off changes nothing
        clock.now += 0.0625
        assert isinstance(t.begin((ADDRESS, USER)), Backoff)
    clock.now += 0.5
    attempt = t.begin((ADDRESS, USER))
    assert isinstance(attempt, Attempt)
    t.succeeded(attempt)
    fail(t)  # a success cleared both keys: failures are free again
    assert isinstance(t.begin((ADDRESS, USER)), Attempt)


def test_addresses_and_user_names_back_off_apart() -> None:
    clock = Clock()
    t = throttle(clock)
    fail(t, "address 10.0.0.7", "user 'a'")
    fail(t, "address 10.0.0.7", "user 'b'")
    # The address backs off, whichever user it tries next.
    refused = t.begin(("address 10.0.0.7", "user 'c'"))
    assert isinstance(refused, Backoff) and refused.key == "address 10.0.0.7"
    assert isinstance(t.begin(("address 10.0.0.8", "user 'c'")), Attempt)
    # One user guessed from many addresses backs off too.
    fail(t, "address 10.0.0.9", "user 'd'")
    fail(t, "address 10.0.0.10", "user 'd'")
    refused = t.begin(("address 10.0.0.11", "user 'd'"))
    assert isinstance(refused, Backoff) and refused.key == "user 'd'"


def test_tries_at_once_count_from_their_start() -> None:
    """Many connections sending a secret at the same moment get no more checks than one
    after the other."""
    t = throttle(Clock())
    under_way = [t.begin((ADDRESS, USER)) for _ in range(5)]
    assert [type(a) for a in under_way] == [Attempt, Attempt, Backoff, Backoff, Backoff]


def test_a_try_whose_check_could_not_run_is_given_back() -> None:
    t = throttle(Clock())
    fail(t)
    t.abandoned(fail(t))  # the database was down: nothing was checked
    assert isinstance(t.begin((ADDRESS, USER)), Attempt)
    t.abandoned(t.begin(("address 10.0.0.8", "user 'x'")))  # keys seen only by that try
    assert isinstance(t.begin(("address 10.0.0.8", "user 'x'")), Attempt)


def test_failures_long_ago_are_forgotten_and_memory_stays_bounded() -> None:
    clock = Clock()
    t = AuthThrottle(BackoffPolicy(1, 1.0, 8.0, forget_after=60.0), clock, max_keys=3)
    fail(t)
    clock.now += 60.0
    assert isinstance(t.begin((ADDRESS, USER)), Attempt)
    for n in range(10):
        fail(t, f"address 10.0.1.{n}")
    assert len(t._failures) == 3  # the most recent three
    assert isinstance(t.begin(("address 10.0.1.0",)), Attempt)
    assert isinstance(t.begin(("address 10.0.1.9",)), Backoff)


@pytest.mark.parametrize("free", [0, 1, 5])
def test_no_back_off_before_the_free_failures_are_used(free: int) -> None:
    policy = BackoffPolicy(free, 2.0, 30.0)
    assert [policy.wait_after(n) for n in range(free)] == [0.0] * free
    assert policy.wait_after(free) == 2.0 and policy.wait_after(free + 10) == 30.0
