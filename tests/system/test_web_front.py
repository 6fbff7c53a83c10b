"""The web port's front door (p88.web.front): websockets go to p88's own websocket server
(p88.web.push), everything else to Hypercorn; one connection's failure ends that one only."""

from __future__ import annotations

import ssl
from pathlib import Path

import trio
import trustme
from wsproto import ConnectionType, WSConnection
from wsproto.events import Request

from p88.app import Running
from p88.config import Config
from p88.db.migrate import migrate
from p88.db.pool import connect, open_bridge
from p88.demo import DemoDisplay
from p88.live.socket_outbox import SocketOutbox
from tests.conftest import make_config
from tests.system.own_postgres import OwnPostgres
from tests.system.serving import running_server
from tests.system.test_display_push import RUNNERS, make_partner, replay, seed
from tests.system.test_front_door_fuzz import ISSUE_REQUEST
from tests.system.wsclient import WsClient, WsClosed, http_get_page


async def one_display(dsn: str, tmp_path: Path) -> tuple[Config, DemoDisplay]:
    """A partner with one display of a seeded race, and the config of a server for it."""
    alpha = await make_partner(dsn, "alpha")
    demo = await seed(dsn, alpha, "RIVER RUN", "A-")
    return make_config(dsn, tmp_path, collector={"authentication": "plaintext"}), demo


def screens(running: Running) -> list[object]:
    return [screen for feed in running.hub._feeds.values() for screen in feed.subscribers]


async def raw_request(web_url: str, parts: list[bytes], pause: float = 0.0) -> bytes:
    """Send a request in pieces (with a pause between), return what the server answers first."""
    host, port = web_url.split("://", 1)[1].rsplit(":", 1)
    stream = await trio.open_tcp_stream(host, int(port))
    async with stream:
        for part in parts:
            await stream.send_all(part)
            await trio.sleep(pause)
        with trio.fail_after(10):
            answer = b""
            while b"\r\n\r\n" not in answer:
                more = await stream.receive_some(65536)
                if not more:
                    break  # closed
                answer += more
        return answer


async def test_a_display_socket_is_served_directly_and_gets_its_passings(
    dsn: str, tmp_path: Path
) -> None:
    config, demo = await one_display(dsn, tmp_path)
    async with running_server(config) as running:
        page = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        hello = await page.message()
        assert hello["type"] == "hello" and hello["display"]["id"] == demo.display.id
        assert [type(s) for s in screens(running)] == [SocketOutbox]
        # Other pages keep working beside it (they go to Hypercorn).
        status, body = await http_get_page(f"{running.web_url}/d/{demo.token}")
        assert status == 200 and b"<html" in body.lower()
        await replay(running, "alpha", "RIVER RUN", 1)
        events: list[dict[str, object]] = []
        while len(events) < RUNNERS:
            message = await page.message(seconds=20)
            assert message["type"] == "passings"
            events.extend(message["events"])
        assert len(events) == RUNNERS  # one per runner: no duplicate frame, nothing lost
        await page.aclose()
        with trio.fail_after(10):
            while screens(running):  # the page left: the hub forgets the screen
                await trio.sleep(0.05)


async def test_an_upgrade_that_arrives_in_pieces_is_still_served_by_p88(
    dsn: str, tmp_path: Path
) -> None:
    config, demo = await one_display(dsn, tmp_path)
    async with running_server(config) as running:
        host_port = running.web_url.split("://", 1)[1]
        ws = WSConnection(ConnectionType.CLIENT)
        request = ws.send(Request(host=host_port, target=f"/d/{demo.token}/ws"))
        # The request arrives in pieces: the front door waits for the whole head.
        pieces = [request[:7], request[7:40], request[40:]]
        answer = await raw_request(running.web_url, pieces, pause=0.2)
        assert answer.startswith(b"HTTP/1.1 101")
        with trio.fail_after(10):
            while not screens(running):
                await trio.sleep(0.05)
        assert [type(s) for s in screens(running)] == [SocketOutbox]


async def test_a_plain_get_of_a_display_socket_gets_a_clear_400(dsn: str, tmp_path: Path) -> None:
    config, demo = await one_display(dsn, tmp_path)
    async with running_server(config) as running:
        status, body = await http_get_page(f"{running.web_url}/d/{demo.token}/ws")
        assert status == 400
        assert b"Open the page that uses it in a browser" in body
        assert screens(running) == []


async def test_unknown_and_revoked_links_are_refused_on_the_direct_path(
    dsn: str, tmp_path: Path
) -> None:
    config, demo = await one_display(dsn, tmp_path)
    async with running_server(config) as running:
        unknown = await WsClient.connect(running.web_url, "/d/" + "x" * 32 + "/ws")
        assert await unknown.close_code() == 4404
        page = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        assert (await page.message())["type"] == "hello"
        running.hub.close_display(demo.display.id, 4410, "revoked")
        assert await page.close_code() == 4410


async def test_shutdown_tells_direct_screens_to_come_back(dsn: str, tmp_path: Path) -> None:
    config, demo = await one_display(dsn, tmp_path)
    async with running_server(config) as running:
        page = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        assert (await page.message())["type"] == "hello"
        running.shutdown()
        assert await page.close_code() == 1001


async def test_a_screen_opening_while_the_database_is_down_is_told_to_retry(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    async with open_bridge(), connect(own_postgres.dsn) as conn:
        await migrate(conn)  # a server of the test's own starts empty
    config, demo = await one_display(own_postgres.dsn, tmp_path)
    async with running_server(config) as running:
        own_postgres.stop()
        try:
            page = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
            assert await page.close_code() == 1011  # the page retries with backoff
            assert screens(running) == []
        finally:
            own_postgres.start()
        # Back up: the same link works again.
        with trio.fail_after(30):
            while True:
                page = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
                try:
                    if (await page.message())["type"] == "hello":
                        break
                except WsClosed:
                    await trio.sleep(0.5)


async def test_the_malformed_upgrade_ends_its_own_connection_only(dsn: str, tmp_path: Path) -> None:
    """The hardening issue's request (an upgrade with one extra byte after its head) once
    restarted the web server and, sent to the status port, ended the whole process."""
    config, demo = await one_display(dsn, tmp_path)
    async with running_server(config) as running:
        page = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws")
        assert (await page.message())["type"] == "hello"
        for url in (running.web_url, running.status_url) * 3:
            answer = await raw_request(url, [ISSUE_REQUEST])
            assert answer.startswith(b"HTTP/1.1 4")
        await replay(running, "alpha", "RIVER RUN", 1)
        events: list[dict[str, object]] = []
        while len(events) < RUNNERS:  # the screen stayed connected and gets every passing
            message = await page.message(seconds=20)
            events.extend(message["events"])
        status, _ = await http_get_page(f"{running.status_url}/health")
        assert status == 200


async def test_tls_serves_pages_and_display_sockets_through_the_front_door(
    dsn: str, tmp_path: Path
) -> None:
    authority = trustme.CA()
    served = authority.issue_cert("127.0.0.1")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    served.private_key_pem.write_to_path(str(key))
    served.cert_chain_pems[0].write_to_path(str(cert))
    client_tls = ssl.create_default_context()
    authority.configure_trust(client_tls)
    alpha = await make_partner(dsn, "alpha")
    demo = await seed(dsn, alpha, "RIVER RUN", "A-")
    config = make_config(
        dsn,
        tmp_path,
        collector={"authentication": "plaintext"},
        web={"certfile": str(cert), "keyfile": str(key)},
    )
    async with running_server(config) as running:
        assert running.web_url.startswith("https://")
        status, body = await http_get_page(f"{running.web_url}/d/{demo.token}", tls=client_tls)
        assert status == 200 and b"<html" in body.lower()
        page = await WsClient.connect(running.web_url, f"/d/{demo.token}/ws", tls=client_tls)
        assert (await page.message())["type"] == "hello"
        await replay(running, "alpha", "RIVER RUN", 1)
        events: list[dict[str, object]] = []
        while len(events) < RUNNERS:
            events.extend((await page.message(seconds=20))["events"])
        assert len(events) == RUNNERS
