"""Bad input never kills the listener or another connection (issue: collector, point 4)."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from p88.app import Running
from tests.conftest import make_config
from tests.system.serving import LineClient, running_server
from tests.system.test_collector_session import handshake, wait_for


class Witness:
    """A well-behaved middleware connection that must keep streaming through it all."""

    def __init__(self, running: Running, client: LineClient) -> None:
        self.running = running
        self.client = client
        self.sequence = 0

    async def stream(self, count: int = 5) -> None:
        before = self.running.stats.reads_stored
        lines = []
        for _ in range(count):
            self.sequence += 1
            seconds = self.sequence % 60
            minutes = self.sequence // 60
            lines.append(
                f"CT01_33~{self.sequence}~FINISH~{self.sequence}~2021-05-08T09:{minutes:02d}:"
                f"{seconds:02d}.00~1~12000C~8"
            )
        await self.client.send(*lines)
        await wait_for(lambda: self.running.stats.reads_stored >= before + count)


async def start_witness(running: Running) -> Witness:
    client = await LineClient.connect(running.collector)
    await handshake(client)
    witness = Witness(running, client)
    await witness.stream()
    return witness


WRONG_PROTOCOLS = {
    "controller": b"TO~1~9511~160~18~1620458668.64~12000C~8~-63~1~P~192\r\n",
    "chuckscore": b"@Store@FINISH@9511@08:04:28.64\r\nGetInfo\r\n",
    "http": b"GET /status HTTP/1.1\r\nHost: example\r\n\r\n",
    "tls": bytes.fromhex("16030100a5010000a10303") + bytes(range(64)),
    "binary": bytes([0, 159, 146, 150, 1, 2, 3, 255, 254]) * 20 + b"\n",
}


@pytest.mark.parametrize("kind", sorted(WRONG_PROTOCOLS))
async def test_wrong_protocol_is_closed_and_others_stream_on(
    kind: str, dsn: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with running_server(make_config(dsn, tmp_path)) as running:
        witness = await start_witness(running)
        intruder = await LineClient.connect(running.collector)
        await intruder.stream.send_all(WRONG_PROTOCOLS[kind])
        assert await intruder.closed()
        assert running.stats.wrong_protocol_connections == 1
        await witness.stream()
    messages = [r.getMessage() for r in caplog.records if "not CTP01" in r.getMessage()]
    assert len(messages) == 1 and f"({kind})" in messages[0]


async def test_garbage_and_malformed_lines_are_counted_and_the_connection_goes_on(
    dsn: str, tmp_path: Path
) -> None:
    async with running_server(make_config(dsn, tmp_path)) as running:
        witness = await start_witness(running)
        await witness.client.stream.send_all(
            b"\x00\xff\xfe garbage \x01\r\n"
            b"CT01_33~notanumber~FINISH~1~2021-05-08T08:00:00.00~1~A~1\r\n"
            b"CT01_33~5~FINISH~1~not-a-time~1~A~1\r\n"
            b"CT01_33~6~FINISH~1\r\n"
            b"\r\n\n"
        )
        await witness.stream()
        assert running.stats.malformed_lines == 4
        assert len(running.stats.connections) == 1


async def test_overlong_lines_are_dropped_and_the_connection_goes_on(
    dsn: str, tmp_path: Path
) -> None:
    async with running_server(make_config(dsn, tmp_path)) as running:
        witness = await start_witness(running)
        # 5 MB without a line end, sent in pieces: the server must not buffer it all.
        for _ in range(50):
            await witness.client.stream.send_all(b"x" * 100_000)
        await witness.client.stream.send_all(b"\r\n")
        await witness.stream()
        assert running.stats.overlong_lines == 1


async def test_cp1252_point_names_are_stored_and_started_in_cp1252(
    dsn: str, tmp_path: Path
) -> None:
    async with running_server(make_config(dsn, tmp_path)) as running:
        client = await LineClient.connect(running.collector)
        await handshake(client, "")
        await client.send(
            "CT01_33~1~Zieleinlauf Süd~newlocation~00:00:00.00~0~0~0", encoding="cp1252"
        )
        with trio.fail_after(5):
            while b"\n" not in client.buffer:
                client.buffer += await client.stream.receive_some(1000)
        assert client.buffer == "start~Zieleinlauf Süd\r\n".encode("cp1252")
        client.buffer = b""
        await client.send(
            "CT01_33~2~Zieleinlauf Süd~42~2021-05-08T09:00:00.00~1~A~1", encoding="cp1252"
        )
        await wait_for(lambda: running.stats.reads_stored == 1)
        assert running.stats.malformed_lines == 0


async def test_hundreds_of_idle_sockets_do_not_starve_a_streaming_client(
    dsn: str, tmp_path: Path
) -> None:
    async with running_server(make_config(dsn, tmp_path)) as running:
        idle = [await trio.open_tcp_stream(*running.collector) for _ in range(300)]
        half_greeted = []
        for _ in range(50):
            stream = await trio.open_tcp_stream(*running.collector)
            await stream.send_all(b"SimpleClient~0.6.0~CT")  # a greeting that never ends
            half_greeted.append(stream)
        witness = await start_witness(running)
        await witness.stream(200)
        assert len(running.stats.connections) == 351
        for stream in idle + half_greeted:
            await stream.aclose()


async def test_a_silent_link_is_pinged_then_closed(dsn: str, tmp_path: Path) -> None:
    config = make_config(dsn, tmp_path, collector={"ping_interval": 0.2, "idle_timeout": 0.7})
    async with running_server(config) as running:
        client = await LineClient.connect(running.collector)
        await handshake(client)
        assert await client.line() == "ping"
        # Answering keeps the link open; silence then closes it.
        await client.send("ack~ping")
        assert await client.line() == "ping"
        assert await client.closed(timeout=5)
        await wait_for(lambda: not running.stats.connections)


async def test_a_socket_that_never_greets_is_closed(dsn: str, tmp_path: Path, monkeypatch) -> None:
    from p88.tcp import connection

    monkeypatch.setattr(connection, "GREETING_TIMEOUT", 0.3)
    async with running_server(make_config(dsn, tmp_path)) as running:
        client = await LineClient.connect(running.collector)
        assert await client.closed()
        await wait_for(lambda: not running.stats.connections)
