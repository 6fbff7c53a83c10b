"""The collector's conversation with a middleware client, over real sockets, into PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import trio

from p88.db.pool import connect, open_bridge
from tests.conftest import make_config
from tests.system.serving import LineClient, running_server, wait_for

HELLO_REQUESTS = [
    "stream-mode=push",
    "location=multi",
    "guntimes=true",
    "newlocations=true",
    "connection-id=true",
    "pushmode-ack=true",
    "time-format=iso",
    "tagevent-format=CT01_33",
]
CONNECTION_ID = "b617318655057264e28bc0b6fb378c8ef146be00"


async def handshake(client: LineClient, locations: str = "FINISH") -> list[str]:
    """Greet, read the hello, answer the three questions; return the start lines."""
    await client.send("SimpleClient~0.6.0~CTP01")
    hello = await client.line()
    assert hello.startswith("p88~") and hello.endswith("~8")
    assert await client.lines(8) == HELLO_REQUESTS
    assert await client.line() == "getconnectionid"
    await client.send(f"ack~getconnectionid~{CONNECTION_ID}")
    assert await client.line() == "geteventinfo"
    await client.send("ack~geteventinfo~21ROTM~0~")
    assert await client.line() == "getlocations"
    await client.send(f"ack~getlocations~{locations}" if locations else "ack~getlocations")
    return await client.lines(len(locations.split("~"))) if locations else []


async def fetch(dsn: str, query: str, *args: object) -> list:  # type: ignore[type-arg]
    """Rows from the test's database, through a bridge and connection of the test's own."""
    async with open_bridge(), connect(dsn) as conn:
        return list(await conn.fetch(query, *args))


async def test_server_sends_nothing_before_the_greeting(dsn: str, tmp_path: Path) -> None:
    async with running_server(make_config(dsn, tmp_path)) as running:
        client = await LineClient.connect(running.collector)
        with trio.move_on_after(0.5):
            data = await client.stream.receive_some(100)
            raise AssertionError(f"server spoke first: {data!r}")
        await client.aclose()


async def test_reads_are_stored_under_partner_session_and_location(
    dsn: str, tmp_path: Path
) -> None:
    async with running_server(make_config(dsn, tmp_path)) as running:
        client = await LineClient.connect(running.collector)
        assert await handshake(client) == ["start~FINISH"]
        await client.send(
            "CT01_33~1~FINISH~guntime~2021-05-08T08:00:55.16~0~I11A9D~0",
            "CT01_33~2~FINISH~9511~2021-05-08T08:04:28.64~1~12000C~8",
            "CT01_33~3~FINISH~9511~2021-05-08T08:04:28.64~1~12000C~8",  # a repeat: one read
            "CT01_13,4,FINISH,M12,2021-05-08T08:04:29.01,1,12000C,2",
        )
        await wait_for(
            lambda: running.stats.reads_stored == 2 and running.stats.gun_times_stored == 1
        )
        assert running.stats.duplicates_dropped == 1
        await client.aclose()
    rows = await fetch(
        dsn,
        "SELECT p.slug, s.event_name, s.day::text, l.name, r.tag, r.local_time::text, r.lap,"
        " r.reader_id, r.gator, r.sequence, r.connection_id"
        " FROM timing_reads r JOIN timing_sessions s ON s.id = r.session_id"
        " JOIN timing_locations l ON l.id = r.location_id JOIN partners p ON p.id = r.partner_id"
        " ORDER BY r.sequence",
    )
    guns = await fetch(dsn, "SELECT local_time::text FROM gun_times")
    resume = await fetch(dsn, "SELECT location, last_sequence FROM collector_resume")
    assert [tuple(r) for r in rows] == [
        (
            "default",
            "21ROTM",
            "2021-05-08",
            "FINISH",
            "9511",
            "2021-05-08 08:04:28.64",
            1,
            "12000C",
            8,
            2,
            CONNECTION_ID,
        ),
        (
            "default",
            "21ROTM",
            "2021-05-08",
            "FINISH",
            "M12",
            "2021-05-08 08:04:29.01",
            1,
            "12000C",
            2,
            4,
            CONNECTION_ID,
        ),
    ]
    assert [g[0] for g in guns] == ["2021-05-08 08:00:55.16"]
    assert [tuple(r) for r in resume] == [("FINISH", 4)]


async def test_reconnect_resumes_from_the_last_stored_sequence(dsn: str, tmp_path: Path) -> None:
    async with running_server(make_config(dsn, tmp_path)) as running:
        client = await LineClient.connect(running.collector)
        await handshake(client)
        await client.send(
            *(
                f"CT01_33~{n}~FINISH~{100 + n}~2021-05-08T08:04:{n:02d}.00~1~12000C~8"
                for n in range(1, 11)
            )
        )
        await wait_for(lambda: running.stats.reads_stored == 10)
        await client.aclose()

        again = await LineClient.connect(running.collector)
        assert await handshake(again, "FINISH~START") == ["start~FINISH~11", "start~START"]
        await again.aclose()


async def test_new_location_is_started_with_its_resume_point(dsn: str, tmp_path: Path) -> None:
    async with running_server(make_config(dsn, tmp_path)) as running:
        client = await LineClient.connect(running.collector)
        assert await handshake(client, "") == []
        await client.send("CT01_33~1~ANNOUNCER~newlocation~00:00:00.00~0~0~0")
        assert await client.line() == "start~ANNOUNCER"
        await client.send("CT01_33~2~ANNOUNCER~77~2021-05-08T09:00:00.00~1~12000C~8")
        await wait_for(lambda: running.stats.reads_stored == 1)
        await client.aclose()


async def test_client_ping_is_answered(dsn: str, tmp_path: Path) -> None:
    async with running_server(make_config(dsn, tmp_path)) as running:
        client = await LineClient.connect(running.collector)
        await handshake(client)
        await client.send("ping")
        assert await client.line() == "ack~ping"
        await client.aclose()
