"""The web app factory: Quart-Trio on Hypercorn, Jinja2 views, JSON API, websockets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quart import render_template
from quart_trio import QuartTrio

import p88
from p88.config import Config
from p88.db.pool import Pool
from p88.hub import Hub
from p88.stats import Stats
from p88.status.app import StatusSources, database_answers, status_document


@dataclass(slots=True)
class WebServices:
    """Everything the views share; kept on the app, never in module globals."""

    config: Config
    pool: Pool
    hub: Hub
    stats: Stats


def services_of(app: Any) -> WebServices:
    services: WebServices = app.extensions["p88"]
    return services


def create_app(services: WebServices) -> QuartTrio:
    app = QuartTrio(__name__)
    app.extensions["p88"] = services
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024

    @app.context_processor
    async def common_context() -> dict[str, Any]:
        return {"version": p88.__version__}

    @app.get("/")
    async def landing() -> str:
        sources = StatusSources(services.stats, services.pool, services.hub)
        database_ok = await database_answers(services.pool) is None
        return await render_template("landing.html", status=status_document(sources, database_ok))

    return app
