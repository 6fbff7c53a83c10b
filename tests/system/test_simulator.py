"""The CTP01 simulator against a test double of the p88 server, over real sockets.

The double is deliberately naive: it reads raw lines and checks them against text built here,
not with p88's own encoder, so the simulator's wire output is checked independently.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
import trio

from p88.tcp.controller_files import RawRead
from p88.tcp.race_sources import (
    PointFeed,
    build_stream,
    synthetic_race,
)
from p88.tcp.simulator import (
    FeedResult,
    connection_id,
    run_feed,
    run_simulation,
)
from tests.system.fake_ctp01_server import (
    AUTH,
    FAST,
    PASSWORD,
    RECOMMENDED,
    SEED,
    FakeP88,
    expected_lines,
    replay,
    serve,
    small_feed,
    two_event_feed,
)


# ------------------------------------------------------------------ tests
async def test_greets_first_authenticates_and_sends_exactly_the_stream() -> None:
    feed = small_feed()
    [stream] = feed.streams
    server = FakeP88()
    result = await replay(server, feed)

    [session] = server.sessions
    assert session.greeting == "SimpleClient~0.6.0~CTP01"
    assert session.quiet_before_hello  # nothing but the greeting until the server answered
    assert stream.source == "synthetic/DEMO/2024-06-01/25x2/seed5/START"
    assert session.connection_id == connection_id("p88-simulate", "START", stream.source)
    assert session.newlocation == "CT01_33~0~START~newlocation~00:00:00.00~0~0~0"
    assert session.event_info == "ack~geteventinfo~DEMO~0~"
    assert session.start_ack == "ack~start~START"
    assert session.tag_lines == expected_lines(stream)
    assert session.others == []
    assert result == FeedResult("START", stream.read_count, 0, {"START": stream.last_sequence})


async def test_wrong_password_stops_and_reports_the_message() -> None:
    server = FakeP88()
    result = await replay(server, small_feed(), password="wrong")
    assert result.auth_error == "wrong user or password"
    assert result.sent_reads == 0
    assert len(server.sessions) == 1  # refused is final: no retry


@pytest.mark.parametrize(
    ("method", "secret"),
    [
        ("plaintext", PASSWORD),
        ("hmac-md5", hmac.new(PASSWORD.encode(), SEED.encode(), hashlib.md5).hexdigest()),
        ("seed-sha1", hashlib.sha1((SEED + PASSWORD).encode()).hexdigest()),
        ("seed-md5", hashlib.md5((SEED + PASSWORD).encode()).hexdigest()),
    ],
)
async def test_other_authentication_methods(method: str, secret: str) -> None:
    server = FakeP88(requests=[*RECOMMENDED, ("authentication", method), *AUTH[1:]])
    result = await replay(server, small_feed(3), max_retries=0)
    assert server.sessions[0].authorize == f"authorize~acme~{secret}"
    assert result.auth_error == "wrong user or password"


async def test_resumes_from_the_servers_start_after_a_drop() -> None:
    feed = small_feed()
    [stream] = feed.streams
    server = FakeP88()
    result = await replay(server, feed, disconnect_after=17)

    first, second = server.sessions
    assert first.connection_id == second.connection_id
    assert sum(not line.split("~")[3] == "guntime" for line in first.tag_lines) <= 17
    resume_at = int(first.tag_lines[-1].split("~")[1]) + 1
    assert second.start == f"start~START~{resume_at}"
    assert first.tag_lines + second.tag_lines == expected_lines(stream)
    assert result.reconnects == 1
    assert result.sent_reads >= stream.read_count


async def test_rewind_replays_the_whole_stream_on_the_same_connection() -> None:
    feed = small_feed(10)
    [stream] = feed.streams
    server = FakeP88()
    result = await replay(server, feed, rewind=True)
    [session] = server.sessions
    assert session.tag_lines == expected_lines(stream) * 2
    assert result.sent_reads == 2 * stream.read_count


async def test_answers_ping_and_refuses_what_it_does_not_know() -> None:
    commands = ["ping", "launchrocket", "start~NOWHERE", "start~START~99999", "stop~START", "ping"]
    server = FakeP88(extra_commands=commands)
    feed = small_feed(3)
    await replay(server, feed)
    assert server.sessions[0].answers == [
        "ack~ping",
        "err~~unknown command",
        "err~start~invalid location requested",
        "err~start~invalid start sequence number requested",
        "ack~stop~START",
        "ack~ping",
    ]
    assert server.tag_lines == expected_lines(feed.streams[0])  # nothing flowed before start


@pytest.mark.parametrize("time_format", ["normal", "unix"])
async def test_honours_the_requested_time_format(time_format: str) -> None:
    feed = small_feed(5)
    requests = [(k, time_format if k == "time-format" else v) for k, v in RECOMMENDED]
    server = FakeP88(requests=requests)
    await replay(server, feed)
    assert server.tag_lines == expected_lines(feed.streams[0], time_format)


async def test_normal_time_counts_hours_past_midnight() -> None:
    day = datetime(2024, 6, 1, 23, 59, 59, 500000)
    stream = build_stream(
        "E",
        "L",
        "x",
        [RawRead("1", day, "A", 1), RawRead("2", day + timedelta(hours=1), "A", 1)],
        [],
        "C",
    )
    requests = [(k, "normal" if k == "time-format" else v) for k, v in RECOMMENDED]
    server = FakeP88(requests=requests)
    await replay(server, PointFeed("L", (stream,)))
    times = [line.split("~")[4] for line in server.tag_lines]
    assert times == ["23:59:59.50", "24:59:59.50"]


async def test_forced_formats_simulate_disobedient_middleware() -> None:
    feed = small_feed(5)
    server = FakeP88()
    await replay(server, feed, time_format="unix", tag_format="CT01_13")
    assert server.tag_lines == expected_lines(feed.streams[0], "unix", fmt="CT01_13")


async def test_defaults_without_requests_are_pull_and_no_guntimes() -> None:
    feed = small_feed(5)
    server = FakeP88(requests=[], pull=True)
    result = await replay(server, feed)
    [session] = server.sessions
    assert session.connection_id is None and session.newlocation is None
    assert session.tag_lines == expected_lines(feed.streams[0], "normal", guntimes=False)
    assert result.sent_reads == feed.streams[0].read_count


async def test_guntimes_only_when_asked() -> None:
    feed = small_feed(5)
    requests = [(k, "false" if k == "guntimes" else v) for k, v in RECOMMENDED]
    server = FakeP88(requests=requests)
    await replay(server, feed)
    assert server.tag_lines == expected_lines(feed.streams[0], guntimes=False)
    assert not any("guntime" in line for line in server.tag_lines)


async def test_reconnects_and_resumes_when_the_server_hangs_up() -> None:
    feed = small_feed()
    [stream] = feed.streams
    server = FakeP88(close_first_after=30)
    result = await replay(server, feed)
    assert len(server.sessions) >= 2
    assert result.reconnects == len(server.sessions) - 1
    # Lines in flight when the server hung up are lost; the resume covers them again.
    assert sorted(set(server.tag_lines), key=server.tag_lines.index) == expected_lines(stream)
    assert server.sessions[-1].start is not None and server.sessions[-1].start.count("~") == 2


async def test_waits_for_a_server_that_is_not_up_yet() -> None:
    feed = small_feed(5)
    with socket.socket() as probe:  # a free port nobody listens on yet
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = FakeP88()
    result_box: list[FeedResult] = []
    done = trio.Event()

    async def client() -> None:
        result_box.append(await run_feed("127.0.0.1", port, feed, FAST))
        done.set()

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(client)
            await trio.sleep(0.3)  # several refused attempts
            await serve(nursery, server, port)
            await done.wait()
            nursery.cancel_scope.cancel()
    assert result_box[0].ok
    assert server.tag_lines == expected_lines(feed.streams[0])


async def test_gives_up_on_an_unreachable_server() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with trio.fail_after(5):
        result = await run_feed("127.0.0.1", port, small_feed(2), replace(FAST, max_retries=2))
    assert result.error is not None and f"could not connect to 127.0.0.1:{port}" in result.error


async def test_streams_of_one_feed_go_one_session_each() -> None:
    feed = two_event_feed()
    server = FakeP88()
    result = await replay(server, feed)
    old, new = server.sessions
    assert (old.event_info, new.event_info) == (
        "ack~geteventinfo~OLDRACE~0~",
        "ack~geteventinfo~NEWRACE~0~",
    )
    assert old.connection_id != new.connection_id
    assert old.tag_lines == expected_lines(feed.streams[0])
    assert new.tag_lines == expected_lines(feed.streams[1])
    assert result.sent_reads == 7 and result.reconnects == 0


async def test_paced_replay_follows_the_clock() -> None:
    t = datetime(2024, 6, 1, 9)
    reads = [RawRead(str(n), t + timedelta(seconds=n), "A", 1) for n in range(5)]
    feed = PointFeed("L", (build_stream("E", "L", "x", reads, [], "C"),))
    server = FakeP88()
    started = trio.current_time()
    await replay(server, feed, speed=10.0)  # 4 s of race in 0.4 s
    elapsed = trio.current_time() - started
    assert len(server.tag_lines) == 5
    assert 0.4 <= elapsed < 2.0


async def test_run_simulation_totals_all_feeds() -> None:
    feeds = synthetic_race(40, ["START", "5K", "FINISH"], 2, 9, "DEMO", date(2024, 6, 1))
    server = FakeP88()
    progress: list[int] = []
    add: Callable[[int], None] = progress.append
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            port = await serve(nursery, server)
            report = await run_simulation("127.0.0.1", port, feeds, FAST, add)
            nursery.cancel_scope.cancel()
    total = sum(feed.read_count for feed in feeds)
    assert report.sent_reads == sum(progress) == total
    assert report.problems == [] and report.reconnects == 0
    assert sorted(server.tag_lines) == sorted(
        line for feed in feeds for line in expected_lines(feed.streams[0])
    )
