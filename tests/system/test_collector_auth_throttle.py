"""Guessing collector secrets over a real socket: after a few wrong secrets from one address,
tries are refused without checking them (not even the right one) and the log says why; once
the back-off has passed, the right secret works again. The throttle's clock is the test's."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from p88.db.partners import create_partner, set_collector_credential
from p88.db.pool import connect, open_bridge
from p88.tcp import services
from tests.conftest import make_config
from tests.system.serving import LineClient, running_server

SECRET = "correct-horse-battery-staple"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def authorize(address: tuple[str, int], user: str, secret: str) -> tuple[LineClient, str]:
    """Greet, answer the authentication request; the client and the server's answer."""
    client = await LineClient.connect(address)
    await client.send("SimpleClient~0.6.0~CTP01")
    hello = await client.line()
    await client.lines(int(hello.rsplit("~", 1)[1]))
    await client.send(f"authorize~{user}~{secret}")
    return client, await client.line()


async def test_wrong_secrets_back_off_and_the_right_one_works_after_the_back_off(
    dsn: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    monkeypatch.setattr(services, "throttle_clock", clock)
    collector = {
        "authentication": "plaintext",
        "auth_free_failures": 2,
        "auth_backoff": 30.0,
        "auth_backoff_max": 60.0,
    }
    async with open_bridge(), connect(dsn) as conn:
        partner = await create_partner(conn, "club", "Club")
        await set_collector_credential(conn, partner, "mat", SECRET, keep_plain=False)
    caplog.set_level(logging.INFO)
    async with running_server(make_config(dsn, tmp_path, collector=collector)) as running:
        for guess in ("guess-1", "guess-2"):
            client, answer = await authorize(running.collector, "mat", guess)
            assert answer == "err~authorize~unknown user or wrong password"
            assert await client.closed()
        assert running.stats.auth_failures == 2

        # Backing off: tries are refused unchecked, so even the right secret gets nowhere.
        clock.now += 29.0
        for secret in ("guess-3", SECRET):
            client, answer = await authorize(running.collector, "mat", secret)
            assert answer == "err~authorize~too many failed attempts; try again in 1 s"
            assert await client.closed()
        assert (running.stats.auth_failures, running.stats.auth_throttled) == (2, 2)
        refusals = [r.getMessage() for r in caplog.records if "without checking" in r.getMessage()]
        assert refusals and "user 'mat'" in refusals[0]
        assert "address 127.0.0.1 failed 2 times in a row; it may try again in 1 s" in refusals[0]
        assert any(
            "address 127.0.0.1 has failed 2 times in a row, so its next try waits 30 s"
            in r.getMessage()
            for r in caplog.records
        )

        clock.now += 1.0  # the back-off is over
        client, answer = await authorize(running.collector, "mat", SECRET)
        assert answer == "ack~authorize"
        assert await client.line() == "getconnectionid"
        await client.aclose()
        # The success cleared the failures: a wrong secret is checked again, not refused.
        client, answer = await authorize(running.collector, "mat", "guess-4")
        assert answer == "err~authorize~unknown user or wrong password"
        await client.aclose()
        assert (running.stats.auth_failures, running.stats.auth_throttled) == (3, 2)
