"""Public results pages on the real server: the first request of a page is Quart's (it renders
and keeps the page), the next ones are answered by the front door from the cache
(p88.web.fast_pages) with the same bytes, ETag and security headers. On one keep-alive
connection, hits, 304s and everything else mix without a byte lost: a plain GET that is not a
hit is lent to Hypercorn for that one request, anything unusual (a body, garbage) goes to
Hypercorn with the connection."""

from __future__ import annotations

import gzip
from pathlib import Path

import trio

from p88.db.migrate import migrate
from p88.db.pool import connect, open_bridge, open_pool
from p88.web.published.publications import RECHECK_SECONDS
from tests.conftest import make_config
from tests.system.own_postgres import OwnPostgres
from tests.system.serving import running_server
from tests.system.wsclient import http_get_page, open_stream
from tests.web.public_results_seed import publish, seed_race
from tests.web.support import create_partner_with_user

TOKEN = "fast-pages-results-link"


class Connection:
    """One keep-alive HTTP/1.1 connection, read response by response."""

    def __init__(self, stream: trio.abc.Stream, host: str) -> None:
        self.stream, self.host, self.buffer = stream, host, b""

    async def send(self, *requests: bytes) -> None:
        await self.stream.send_all(b"".join(requests))

    def get(self, path: str, *headers: str) -> bytes:
        extra = "".join(f"{h}\r\n" for h in headers)
        return f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n{extra}\r\n".encode()

    async def response(self) -> tuple[int, dict[str, str], bytes]:
        with trio.fail_after(10):
            while b"\r\n\r\n" not in self.buffer:
                data = await self.stream.receive_some(65536)
                assert data, f"the connection closed; had {self.buffer[:200]!r}"
                self.buffer += data
            head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            status = int(lines[0].split()[1])
            length = int(headers.get("content-length", "0")) if status != 304 else 0
            while len(self.buffer) < length:
                self.buffer += await self.stream.receive_some(65536)
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        return status, headers, body


async def test_cached_pages_come_from_the_front_door_and_everything_else_from_quart(
    dsn: str, tmp_path: Path
) -> None:
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        account = await create_partner_with_user(pool, "alpha", "operator")
        race = await seed_race(pool, account.partner_id)
        await publish(pool, race, TOKEN)
    async with running_server(make_config(dsn, tmp_path)) as running:
        host = running.web_url.split("://", 1)[1]
        conn = Connection(await open_stream(running.web_url), host)
        page = f"/r/{TOKEN}?gender=F"
        await conn.send(conn.get(page))
        status, rendered, body = await conn.response()
        assert status == 200 and rendered["server"].startswith("hypercorn")
        assert b'data-bib="2"' in body

        # The same page again, twice, pipelined: both from the cache, same bytes.
        await conn.send(conn.get(page), conn.get(page))
        for _ in range(2):
            status, cached, again = await conn.response()
            assert status == 200 and "server" not in cached and again == body
            assert cached["etag"] == rendered["etag"] and cached["cache-control"] == "no-cache"
            for name in ("content-security-policy", "x-content-type-options", "referrer-policy"):
                assert cached[name] == rendered[name], name
            assert cached["content-type"] == "text/html; charset=utf-8" and cached["date"]

        # Revalidation from the cache, then a page nobody asked for yet (Quart's), then a 404.
        await conn.send(
            conn.get(page, f"If-None-Match: {rendered['etag']}"),
            conn.get(f"/r/{TOKEN}/bib/1"),
            conn.get(f"/r/{TOKEN}/bib/nobody"),
        )
        status, headers, empty = await conn.response()
        assert status == 304 and empty == b"" and "server" not in headers
        status, headers, runner = await conn.response()
        assert status == 200 and headers["server"].startswith("hypercorn") and b"Bea" not in runner
        status, _, _ = await conn.response()
        assert status == 404
        # Those were lent to Hypercorn one request each: the connection came back.
        await conn.send(conn.get("/static/results/public.css"), conn.get(page))
        status, headers, css = await conn.response()
        assert status == 200 and headers["server"].startswith("hypercorn") and b".r-row" in css
        status, headers, again = await conn.response()
        assert status == 200 and "server" not in headers and again == body

        # Gzipped for those who take it: its own ETag, the same page.
        await conn.send(conn.get(page, "Accept-Encoding: gzip, br"))
        status, zipped, packed = await conn.response()
        assert status == 200 and zipped["content-encoding"] == "gzip" and "server" not in zipped
        assert gzip.decompress(packed) == body and zipped["vary"] == "Accept-Encoding"
        assert zipped["etag"] != rendered["etag"]
        await conn.send(conn.get(page, "Accept-Encoding: gzip", f"If-None-Match: {zipped['etag']}"))
        status, headers, _ = await conn.response()
        assert status == 304 and "content-encoding" not in headers

        # A byte at a time, two requests: the same answers.
        for byte in conn.get(page) + conn.get(page, f"If-None-Match: {rendered['etag']}"):
            await conn.send(bytes([byte]))
        assert (await conn.response())[2] == body
        assert (await conn.response())[0] == 304

        # A request the cache leaves to Hypercorn (a body) gets Hypercorn's answer.
        second = Connection(await open_stream(running.web_url), host)
        await second.send(conn.get(page, "Content-Length: 3") + b"abc", second.get(page))
        status, headers, _ = await second.response()
        assert status == 200 and headers["server"].startswith("hypercorn")
        status, headers, _ = await second.response()  # Hypercorn keeps the connection now
        assert status == 200 and headers["server"].startswith("hypercorn")

        # Garbage after a hit: Hypercorn says 400, and the server goes on.
        third = Connection(await open_stream(running.web_url), host)
        await third.send(third.get(page), b"GET /r/x HTTP/1.1\r\nBad Header\r\n\r\n")
        assert (await third.response())[0] == 200
        assert (await third.response())[0] == 400
        fourth = Connection(await open_stream(running.web_url), host)
        await fourth.send(fourth.get(page, "Connection: close"))
        status, headers, _ = await fourth.response()
        assert status == 200 and headers["connection"] == "close" and "server" not in headers
        with trio.fail_after(5):
            assert await fourth.stream.receive_some(1) == b""  # closed as asked


async def test_results_stay_up_while_the_database_is_away(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    """The engine holds the results: pages already published are served (kept or rendered
    anew) with the database stopped; a page that needs the database says to come back."""
    async with open_bridge(), connect(own_postgres.dsn) as conn:
        await migrate(conn)  # a server of the test's own starts empty
    async with open_bridge(), open_pool(own_postgres.dsn, max_size=1) as pool:
        account = await create_partner_with_user(pool, "alpha", "operator")
        race = await seed_race(pool, account.partner_id)
        await publish(pool, race, TOKEN)
    async with running_server(make_config(own_postgres.dsn, tmp_path / "p88")) as running:
        status, body = await http_get_page(f"{running.web_url}/r/{TOKEN}")
        assert status == 200 and b"Bea Fast" in body
        own_postgres.stop()
        try:
            await trio.sleep(RECHECK_SECONDS + 0.5)  # the publication is due a recheck
            status, body = await http_get_page(f"{running.web_url}/r/{TOKEN}/bib/3")
            assert status == 200 and b"Carl Steady" in body  # never rendered before
            status, body = await http_get_page(f"{running.web_url}/r/another-link-entirely")
            assert status == 503 and b"being prepared" in body
        finally:
            own_postgres.start()
