"""collector.max_connections: one connection more than allowed is closed at once, unanswered,
with a warning naming the limit; those already open keep storing reads, and a freed slot takes
the next connection."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import trio

from tests.conftest import make_config
from tests.system.serving import LineClient, running_server, wait_for
from tests.system.test_collector_session import handshake

LIMIT = 2


def read(point: str, sequence: int) -> str:
    return f"CT01_33~{sequence}~{point}~{sequence}~2021-05-08T09:00:{sequence:02d}.00~1~A~8"


async def everything_until_closed(client: LineClient) -> bytes:
    """What the server sends before it closes the connection (a reset counts as closed)."""
    data = b""
    with trio.fail_after(10):
        while True:
            try:
                chunk = await client.stream.receive_some(65536)
            except trio.BrokenResourceError:
                return data
            if not chunk:
                return data
            data += chunk


async def test_one_connection_over_the_limit_is_refused_and_the_others_go_on(
    dsn: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="p88.tcp.server")
    config = make_config(dsn, tmp_path, collector={"max_connections": LIMIT})
    async with running_server(config) as running:
        open_ones = []
        for point in ("START", "FINISH"):
            client = await LineClient.connect(running.collector)
            assert await handshake(client, point) == [f"start~{point}"]
            open_ones.append(client)

        extra = await LineClient.connect(running.collector)
        assert await everything_until_closed(extra) == b""  # not even a greeting back
        assert any(
            f"refused: {LIMIT} connections open" in r.getMessage() for r in caplog.records
        )

        for n, client in enumerate(open_ones, start=1):
            await client.send(read("START" if n == 1 else "FINISH", n))
        await wait_for(lambda: running.stats.reads_stored == 2)

        # A slot freed is taken by the next connection.
        await open_ones[0].aclose()
        await wait_for(lambda: len(running.stats.connections) == 1)
        again = await LineClient.connect(running.collector)
        [resume] = await handshake(again, "START")
        assert resume.startswith("start~START")
        await again.send(read("START", 3))
        await wait_for(lambda: running.stats.reads_stored == 3)
        await again.aclose()
        await open_ones[1].aclose()
