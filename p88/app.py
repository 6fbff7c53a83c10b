"""serve(): the composition root. One process: collector, ingest, hub, status, web.

Nesting order: database server -> asyncio bridge -> pool -> nursery. Every service is started
with `nursery.start` so it reports what it bound. Shutdown drains in order: the collector stops
accepting and its connections end, ingest stores (or journals) all it holds, the web servers
finish through their shutdown trigger, then the pool and the database close.
"""

from __future__ import annotations

import gc
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import trio
from hypercorn.config import Config as HypercornConfig

from p88.ask.service import open_ask_service
from p88.config import Config, HostPort
from p88.db.database import Database, open_database
from p88.hub import Hub
from p88.ingest.journal import Journal
from p88.ingest.resume import ResumeTracker
from p88.ingest.shards import Ingest
from p88.live.results import ResultsService
from p88.ops.housekeeping import Housekeeping
from p88.stats import Stats
from p88.status.app import StatusSources, make_status_app
from p88.tcp.server import CollectorServices, serve_collector
from p88.web.app import create_app
from p88.web.fast_pages import FastPages
from p88.web.front import serve_port
from p88.web.push import ROUTES, PushServer
from p88.web.services import WebServices

log = logging.getLogger(__name__)

WEB_RESTART_DELAY = 1.0
SHUTDOWN_GRACE = 30.0  # seconds the services get to drain before they are cancelled


@dataclass(frozen=True, slots=True)
class Running:
    """What a started server bound, for tests (port 0) and for the start-up banner."""

    collector: tuple[str, int]
    status_url: str
    web_url: str
    database: Database
    stats: Stats
    hub: Hub
    shutdown: Callable[[], None]


def _hypercorn_config(bind: HostPort, config: Config | None = None) -> HypercornConfig:
    hc = HypercornConfig()
    hc.bind = [str(bind)]
    hc.accesslog = None
    hc.errorlog = logging.getLogger("hypercorn.error")  # type: ignore[assignment]
    hc.graceful_timeout = 3.0
    hc.keep_alive_timeout = 30.0
    if config is not None and config.web.certfile:
        hc.certfile = config.web.certfile
        hc.keyfile = config.web.keyfile
    return hc


async def _serve_http(
    app: Any,
    hc: HypercornConfig,
    shutdown: trio.Event,
    *,
    push: PushServer | None = None,
    pages: FastPages | None = None,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve `app` (and `push`'s websockets, and `pages` from their cache) through p88's front
    door until `shutdown` is set; report the first URL it bound."""
    async with trio.open_nursery() as nursery:
        urls = await nursery.start(partial(serve_port, app, hc, shutdown, push=push, pages=pages))
        task_status.started(urls[0])


async def _supervise_web(
    make_app: Callable[[], Any],
    hc: HypercornConfig,
    shutdown: trio.Event,
    push: PushServer,
    pages: FastPages | None = None,
    *,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run the web server; if it dies of a bug, log and restart it so the collector goes on."""
    first = True
    while not shutdown.is_set():
        try:
            async with trio.open_nursery() as nursery:
                serving = partial(_serve_http, make_app(), hc, shutdown, push=push, pages=pages)
                url = await nursery.start(serving)
                if first:
                    task_status.started(url)
                    first = False
                    # Later restarts bind the port that was actually bound (port 0 in tests).
                    hc.bind = [url.split("://", 1)[1]]
        except Exception:
            if first:
                raise
            log.exception("the web server failed; restarting it in %.0f s", WEB_RESTART_DELAY)
            await trio.sleep(WEB_RESTART_DELAY)


def _tune_garbage_collector() -> None:
    """Keep the cycle collector's pauses off the hot paths: full passes walked every connected
    screen, and young ones, at CPython's thresholds, took a share of a replay's CPU (figures in
    bench/RESULTS.md, "Display fan-out" and ingest session 8). What start-up built is frozen
    out of its sight; the young generation is collected every 100,000 allocations."""
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)


async def _watch_signals(shutdown: trio.Event) -> None:
    """First SIGINT/SIGTERM: graceful shutdown. A second one: stop at once."""
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async for signum in signals:
            if shutdown.is_set():
                log.warning("second %s: stopping now", signal.Signals(signum).name)
                os._exit(1)
            log.info("%s: shutting down (again to stop at once)", signal.Signals(signum).name)
            shutdown.set()


WebAppFactory = Callable[[WebServices], Any]


async def serve(
    config: Config,
    *,
    apply_migrations: bool = True,
    handle_signals: bool = True,
    task_status: trio.TaskStatus[Running] = trio.TASK_STATUS_IGNORED,
    on_ready: Callable[[Running], Awaitable[None]] | None = None,
    web_app: WebAppFactory = create_app,
) -> None:
    """`web_app` builds the web app, at start and at each restart (a test passes one whose app
    fails once, to see the supervisor restart it)."""
    shutdown = trio.Event()
    async with open_database(config, apply_migrations=apply_migrations) as database:
        # Signal watching and the caller's on_ready work live outside the service nursery:
        # they never end by themselves, so they are cancelled once the services have drained.
        async with trio.open_nursery() as extras:
            if handle_signals:
                extras.start_soon(_watch_signals, shutdown)
            await _run_services(
                config, database, shutdown, extras, task_status, on_ready, web_app
            )
            extras.cancel_scope.cancel()
    log.info("stopped")


async def _run_collector(
    services: CollectorServices,
    scope: trio.CancelScope,
    *,
    task_status: trio.TaskStatus[tuple[str, int]] = trio.TASK_STATUS_IGNORED,
) -> None:
    with scope:  # cancelled first at shutdown: the collector stops accepting and flushes
        await serve_collector(services, task_status=task_status)


async def _start_ports(
    nursery: trio.Nursery, web: WebServices, shutdown: trio.Event, web_app: WebAppFactory
) -> tuple[str, str]:
    """The status port (no websockets: p88 refuses every upgrade there) and the supervised web
    port (with the public results' feeds and the pages its front door serves); their URLs."""
    config = web.config
    status_app = make_status_app(StatusSources(web.stats, web.pool, web.hub))
    status_url: str = await nursery.start(
        partial(
            _serve_http,
            status_app,
            _hypercorn_config(config.status.bind),
            shutdown,
            push=PushServer(None, ()),
        )
    )
    await nursery.start(web.public_results.feeds.run)
    web_hc = _hypercorn_config(config.web.bind, config)
    trusted, keep_alive = config.web.trusted_networks, web_hc.keep_alive_timeout
    fast_pages = FastPages(web.public_results, web.results, trusted, keep_alive)
    web_url: str = await nursery.start(
        _supervise_web,
        lambda: web_app(web),
        web_hc,
        shutdown,
        PushServer(web, ROUTES),
        fast_pages,
    )
    return status_url, web_url


async def _run_services(
    config: Config,
    database: Database,
    shutdown: trio.Event,
    extras: trio.Nursery,
    task_status: trio.TaskStatus[Running],
    on_ready: Callable[[Running], Awaitable[None]] | None,
    web_app: WebAppFactory,
) -> None:
    stats, hub, resume = Stats(), Hub(), ResumeTracker()
    journal = await trio.to_thread.run_sync(Journal, config.database.data_dir / "journal")
    resume.note_points(journal.resume_points)
    ingest = Ingest(
        database.pool,
        journal,
        hub,
        stats,
        resume,
        shards=config.collector.ingest_writers,
        batch_size=config.collector.batch_size,
        batch_wait=config.collector.batch_wait,
    )
    # The ask pool opens before the services and closes after them (p88.ask.service).
    ask_service = open_ask_service(config, database.dsn, database.pool)
    async with ask_service as ask, trio.open_nursery() as nursery:
        await nursery.start(ingest.run)
        results = ResultsService(database.pool)
        await nursery.start(results.run)
        hub.results = results
        await nursery.start(hub.run, database.pool)
        housekeeping = Housekeeping(config, database.dsn, database.pool, stats)
        await nursery.start(housekeeping.run, shutdown)
        services = CollectorServices(
            config.collector, config.event.timezone, database.pool, stats, ingest, resume
        )
        collector_scope = trio.CancelScope()
        collector = await nursery.start(partial(_run_collector, services, collector_scope))
        web_services = WebServices(config, database.pool, hub, stats, results, ask)
        await nursery.start(web_services.streams.run, database.pool, hub)
        status_url, web_url = await _start_ports(nursery, web_services, shutdown, web_app)
        running = Running(collector, status_url, web_url, database, stats, hub, shutdown.set)
        task_status.started(running)
        _tune_garbage_collector()
        if on_ready is not None:
            extras.start_soon(on_ready, running)
        await shutdown.wait()
        log.info("shutting down: closing the collector")
        collector_scope.cancel()
        # Ingest ends once every connection's channel clone and the originals are closed,
        # after it has stored or journaled all that they sent.
        await ingest.close_inputs()
        hub.close()  # display sockets close with 1001; pages resume on the next start
        web_services.public_results.feeds.close()
        web_services.streams.close()
        results.close()
        nursery.cancel_scope.deadline = trio.current_time() + SHUTDOWN_GRACE
