"""What the web app's views share, kept on the app (never in module globals), and how a view
reaches it. Its own module so views and the app factory both import it without a cycle."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from quart import Quart, current_app

from p88.api_streams import OrderedStreams
from p88.ask.service import AskService
from p88.config import Config
from p88.db.pool import Pool
from p88.displays.guard import FailureGuard
from p88.hub import Hub
from p88.live.results import ResultsService
from p88.stats import Stats
from p88.web.published import PublicResults


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class WebServices:
    config: Config
    pool: Pool
    hub: Hub
    stats: Stats
    results: ResultsService | None = None  # None only in tests that need no results
    ask: AskService | None = None  # None only in tests that need no questions
    # Display links guessed wrong, per address: shared by the display pages and their sockets.
    display_guard: FailureGuard = field(default_factory=FailureGuard)
    # Public results pages (/r/<token>): publications, rendered pages, live feeds.
    public_results: PublicResults = field(default_factory=PublicResults)
    # What time it is for the data API's key expiry and daily limits (tests move it).
    clock: Callable[[], datetime] = utc_now
    # The data API's push streams (their task is started beside the hub's by p88.app).
    streams: OrderedStreams = field(default_factory=OrderedStreams)


def services_of(app: Quart) -> WebServices:
    services: WebServices = app.extensions["p88"]
    return services


def services() -> WebServices:
    """The services of the app handling this request or websocket."""
    return services_of(current_app)
