"""What the web app's views share, kept on the app (never in module globals), and how a view
reaches it. Its own module so views and the app factory both import it without a cycle."""

from __future__ import annotations

from dataclasses import dataclass, field

from quart import Quart, current_app

from p88.ask.service import AskService
from p88.config import Config
from p88.db.pool import Pool
from p88.displays.guard import FailureGuard
from p88.hub import Hub
from p88.live.results import ResultsService
from p88.stats import Stats


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


def services_of(app: Quart) -> WebServices:
    services: WebServices = app.extensions["p88"]
    return services


def services() -> WebServices:
    """The services of the app handling this request or websocket."""
    return services_of(current_app)
