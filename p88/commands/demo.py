"""`p88 demo`: the whole product in one command on a bare machine.

Starts `p88 serve` on the embedded PostgreSQL (in its own data folder), creates a demo timing
company with an operator, a field of runners, a template and three displays (finish call-out,
announcer, leaderboard), replays a synthetic race through the CTP01 simulator, and prints the
display links and the sign-in details. Runs until Ctrl-C.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import click
import trio

from p88.config import Config, ConfigError, config_from_mapping
from p88.db.pool import Pool

log = logging.getLogger(__name__)

PARTNER = "demo"
EMAIL = "demo@example.com"
COLLECTOR_USER = "demo-mat"
POINTS = ("START", "5K", "FINISH")
FIRST_ARRIVAL_WAIT = 15.0  # seconds from the gun to the first runner on any mat


@dataclass(frozen=True, slots=True)
class DemoLinks:
    finish: str
    announcer: str
    leaderboard: str
    password: str
    collector_secret: str


def demo_config(data_dir: Path, web: str, collector: str, status: str) -> Config:
    try:
        return config_from_mapping(
            {
                "database": {"data_dir": str(data_dir)},
                "collector": {"bind": collector, "authentication": "plaintext"},
                "status": {"bind": status},
                "web": {"bind": web},
            }
        )
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


async def set_up(
    pool: Pool, web_url: str, runners: int, waves: int, day: date, tz: str
) -> DemoLinks:
    """Idempotent: a second `p88 demo` on the same folder reuses the company, resets the
    password (it is printed again) and adds fresh displays."""
    from p88.db.accounts import create_user, set_membership, set_password, user_by_email
    from p88.db.partners import create_partner, partner_by_slug, set_collector_credential
    from p88.db.templates import create_template
    from p88.db.tenancy import tenant_transaction
    from p88.demo import seed_race_display
    from p88.displays.options import DisplayOptions
    from p88.layouts.presets import sample_document

    password = secrets.token_urlsafe(12)
    collector_secret = secrets.token_urlsafe(12)
    async with pool.acquire() as conn:
        partner = await partner_by_slug(conn, PARTNER)
        if partner is None:
            partner = await create_partner(conn, PARTNER, "Demo Timing Co.")
        user = await user_by_email(conn, EMAIL)
        if user is None:
            user = await create_user(conn, EMAIL, "Demo Operator", password)
        else:
            await set_password(conn, user.id, password)
        await set_membership(conn, user.id, partner.id, "owner")
        await set_collector_credential(
            conn, partner, COLLECTOR_USER, collector_secret, keep_plain=False
        )
    event = f"Demo 10K {day.isoformat()}"
    document = sample_document("finish")
    for element in document["elements"]:
        if element.get("id") == "event":  # the preset's headline names a made-up race
            element["options"]["text"] = "Demo 10K"
    async with tenant_transaction(pool, partner.id) as conn:
        template_id = await create_template(conn, partner.id, "Finish call-out", document, EMAIL)
    common: dict[str, Any] = {
        "event": event,
        "day": day,
        "timezone": tz,
        "runners": runners,
        "waves": waves,
    }
    burst = DisplayOptions(min_on_screen_ms=2000, group_window_ms=1200, max_queue=24)
    finish = await seed_race_display(
        pool, partner.id, name="Finish TV", template_id=template_id, options=burst, **common
    )
    announcer = await seed_race_display(
        pool, partner.id, name="Announcer (5K mat)", locations=("5K",), mode="announcer", **common
    )
    board = await seed_race_display(
        pool, partner.id, name="Leaderboard", mode="leaderboard", locations=("FINISH",), **common
    )
    return DemoLinks(
        finish=f"{web_url}/d/{finish.token}",
        announcer=f"{web_url}/d/{announcer.token}",
        leaderboard=f"{web_url}/d/{board.token}",
        password=password,
        collector_secret=collector_secret,
    )


@click.command("demo")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("p88-demo"),
    show_default=True,
    help="Where the demo's embedded PostgreSQL keeps its data.",
)
@click.option("--web", "web_bind", default="127.0.0.1:5001", show_default=True)
@click.option("--collector", "collector_bind", default="127.0.0.1:61611", show_default=True)
@click.option("--status", "status_bind", default="127.0.0.1:61612", show_default=True)
@click.option("--runners", type=click.IntRange(1, 20_000), default=300, show_default=True)
@click.option("--waves", type=click.IntRange(1, 10), default=3, show_default=True)
@click.option(
    "--speed",
    type=click.FloatRange(min=0.1),
    default=30.0,
    show_default=True,
    help="Race time per real time (30: the 10K's finish takes about four minutes).",
)
def demo_command(
    data_dir: Path,
    web_bind: str,
    collector_bind: str,
    status_bind: str,
    runners: int,
    waves: int,
    speed: float,
) -> None:
    """Start p88 with a demo company and a simulated race; print the display links."""
    from p88 import logredact
    from p88.app import Running, serve
    from p88.tcp.race_sources import synthetic_race
    from p88.tcp.simulator import SimOptions

    config = demo_config(data_dir, web_bind, collector_bind, status_bind)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logredact.install(logging.getLogger().handlers, ["hypercorn.error", "hypercorn.access"])
    day = date.today()

    async def on_ready(running: Running) -> None:
        links = await set_up(
            running.database.pool, running.web_url, runners, waves, day, config.event.timezone
        )
        host, port = running.collector
        click.echo(_banner(running.web_url, links, host, port, runners, speed))
        feeds = synthetic_race(runners, list(POINTS), waves, 1, f"Demo 10K {day.isoformat()}", day)
        options = SimOptions(
            client_id="p88-demo",
            user=COLLECTOR_USER,
            password=links.collector_secret,
            speed=speed,
            linger=3600.0,
            retry_seconds=1.0,
            max_retries=None,
        )
        # The race runs beside the server; serve() keeps going until Ctrl-C.
        trio.lowlevel.spawn_system_task(_race, host, port, feeds, options)

    try:
        trio.run(lambda: serve(config, on_ready=on_ready))
    except OSError as exc:
        raise click.ClickException(
            f"could not start: {exc.strerror or exc}; another p88 may be using the ports: "
            "choose others with --web, --collector and --status"
        ) from exc


def _banner(web_url: str, links: Any, host: str, port: int, runners: int, speed: float) -> str:
    return (
        f"\np88 demo is running.\n\n"
        f"  Sign in:        {web_url}/login\n"
        f"    email         {EMAIL}\n"
        f"    password      {links.password}\n\n"
        f"  Finish TV       {links.finish}?kiosk=1\n"
        f"  Announcer       {links.announcer}\n"
        f"  Leaderboard     {links.leaderboard}\n\n"
        f"  Collector       {host}:{port} (CTP01, user {COLLECTOR_USER}, "
        f"password {links.collector_secret})\n\n"
        f"A {runners}-runner 10K ({', '.join(POINTS)}) is being replayed at {speed:g}x; "
        "finishers appear on the displays as they cross.\nPress Ctrl-C to stop.\n"
    )


async def _race(host: str, port: int, feeds: list[Any], options: Any) -> None:
    """Each point starts when the race reaches it (the simulator paces a feed from its own
    first read), so the gun fires before anyone arrives; the quiet minutes before the first
    runner reaches a mat are cut to at most FIRST_ARRIVAL_WAIT."""
    from p88.tcp.simulator import run_feed

    origin = min(f.streams[0].observations[0].time for f in feeds if f.streams)

    async def point(feed: Any) -> None:
        delay = (feed.streams[0].observations[0].time - origin).total_seconds()
        await trio.sleep(min(delay / options.speed, FIRST_ARRIVAL_WAIT))
        await run_feed(host, port, feed, options)

    try:
        async with trio.open_nursery() as nursery:
            for feed in feeds:
                if feed.streams:
                    nursery.start_soon(point, feed)
    except Exception:
        log.exception("the simulated race stopped; the server keeps running")
        return
    click.echo("the simulated race is over; press Ctrl-C to stop.")
