"""Collector credentials made on the admin pages map connections to their partner; a credential
revoked there is refused on the next connection. Real sockets, real database, real web app."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import make_config
from tests.system.serving import LineClient, running_server, wait_for
from tests.system.test_collector_session import CONNECTION_ID, fetch
from tests.web.support import create_partner_with_user, post_form, signed_in_client, web_app

SECRET = re.compile(r'<span class="secret" data-secret>([^<]+)</span>')


async def connect_as(address: tuple[str, int], user: str, secret: str) -> tuple[LineClient, str]:
    """Greet, answer the authentication request; return the client and the server's answer."""
    client = await LineClient.connect(address)
    await client.send("SimpleClient~0.6.0~CTP01")
    hello = await client.line()
    count = int(hello.rsplit("~", 1)[1])
    await client.lines(count)
    await client.send(f"authorize~{user}~{secret}")
    return client, await client.line()


async def finish_handshake(client: LineClient, event: str) -> None:
    assert await client.line() == "getconnectionid"
    await client.send(f"ack~getconnectionid~{CONNECTION_ID}")
    assert await client.line() == "geteventinfo"
    await client.send(f"ack~geteventinfo~{event}~0~")
    assert await client.line() == "getlocations"
    await client.send("ack~getlocations~FINISH")
    assert await client.line() == "start~FINISH"


async def test_credentials_from_the_admin_page_route_reads_and_revocation_refuses(
    dsn: str, tmp_path: Path
) -> None:
    config = make_config(dsn, tmp_path, collector={"authentication": "plaintext"})
    # The server's pool belongs to its own task's asyncio bridge, so the web app here gets a
    # bridge and pool of the test's own, on the same database.
    async with running_server(config) as running, web_app(dsn, tmp_path / "web") as web:
        pool, app = web.pool, web.app
        a = await create_partner_with_user(pool, "alpha", "admin")
        b = await create_partner_with_user(pool, "bravo", "admin")
        secrets = {}
        for account, name in ((a, "mat-a"), (b, "mat-b")):
            client = await signed_in_client(app, account)
            page = await post_form(client, "/admin/collectors", {"username": name})
            found = SECRET.search(await page.get_data(as_text=True))
            assert found, "the new secret is shown once on the page"
            secrets[name] = (client, found.group(1))

        collector, answer = await connect_as(running.collector, "mat-b", secrets["mat-b"][1])
        assert answer == "ack~authorize"
        await finish_handshake(collector, "BRAVO-RACE")
        await collector.send("CT01_33~1~FINISH~4242~2026-05-08T09:00:00.00~1~12000C~8")
        await wait_for(lambda: running.stats.reads_stored == 1)
        await collector.aclose()

        wrong, answer = await connect_as(running.collector, "mat-b", secrets["mat-a"][1])
        assert answer.startswith("err~authorize")
        await wrong.aclose()

        b_admin = secrets["mat-b"][0]
        cred_id = await pool.fetchval(
            "SELECT id FROM collector_credentials WHERE username = 'mat-b'"
        )
        response = await post_form(b_admin, f"/admin/collectors/{cred_id}/revoke", {})
        assert response.status_code == 302
        refused, answer = await connect_as(running.collector, "mat-b", secrets["mat-b"][1])
        assert answer.startswith("err~authorize")
        assert await refused.closed()
        still, answer = await connect_as(running.collector, "mat-a", secrets["mat-a"][1])
        assert answer == "ack~authorize"
        await still.aclose()
    rows = await fetch(
        dsn,
        "SELECT p.slug, s.event_name, r.tag FROM timing_reads r "
        "JOIN partners p ON p.id = r.partner_id JOIN timing_sessions s ON s.id = r.session_id",
    )
    assert [tuple(r) for r in rows] == [("bravo", "BRAVO-RACE", "4242")]
