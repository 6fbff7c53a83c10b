"""The web server dies of a bug while the collector works: the supervisor logs it and restarts
it on the same port, and the collector's connection goes on storing reads throughout.

The failure is real: the web app's ASGI lifespan task (where Quart runs what lives as long as
the app) raises while the port serves, which ends the web server's task, as a crashing
background task of the app would. It is injected through `serve(web_app=...)`, the factory the
supervisor calls at every (re)start: the first app fails once told to, the next is the plain
app."""

from __future__ import annotations

from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
import trio

from p88.web.app import create_app
from p88.web.services import WebServices
from tests.conftest import make_config
from tests.system.serving import LineClient, running_server, wait_for
from tests.system.test_collector_session import handshake
from tests.system.wsclient import http_get_page


class FailingOnce:
    """Builds the web app; the first one's lifespan task raises once `crash` is set."""

    def __init__(self) -> None:
        self.built = 0
        self.crash = trio.Event()

    def __call__(self, services: WebServices) -> Any:
        self.built += 1
        app: Any = create_app(services)  # an ASGI app
        if self.built > 1:
            return app

        async def crashing(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "lifespan":
                await app(scope, receive, send)
                return
            async with trio.open_nursery() as nursery:
                nursery.start_soon(app, scope, receive, send)
                await self.crash.wait()
                raise RuntimeError("injected: the web app's lifespan task crashed")

        return crashing


def read(sequence: int) -> str:
    return f"CT01_33~{sequence}~FINISH~{sequence}~2021-05-08T09:00:{sequence % 60:02d}.00~1~A~8"


async def login_page(web_url: str) -> int:
    try:
        status, _ = await http_get_page(web_url + "/login", seconds=5)
    except OSError:
        return 0  # the port is closed while the web server restarts
    return status


@pytest.mark.expect_log_errors(r"p88\.app: the web server failed; restarting it")
async def test_a_crashed_web_server_is_restarted_and_the_collector_goes_on(
    dsn: str, tmp_path: Path
) -> None:
    factory = FailingOnce()
    async with running_server(make_config(dsn, tmp_path), web_app=factory) as running:
        assert await login_page(running.web_url) == 200
        client = await LineClient.connect(running.collector)
        await handshake(client)
        await client.send(*(read(n) for n in range(1, 11)))
        await wait_for(lambda: running.stats.reads_stored == 10)

        factory.crash.set()
        await wait_for(lambda: factory.built == 2)  # the supervisor built a new app
        # Reads sent while the web server is down or coming back are stored all the same.
        await client.send(*(read(n) for n in range(11, 21)))
        await wait_for(lambda: running.stats.reads_stored == 20)
        with trio.fail_after(20):
            while await login_page(running.web_url) != 200:  # same URL, served again
                await trio.sleep(0.1)
        await client.send(*(read(n) for n in range(21, 31)))
        await wait_for(lambda: running.stats.reads_stored == 30)
        assert len(running.stats.connections) == 1  # the collector's connection never dropped
        await client.aclose()
