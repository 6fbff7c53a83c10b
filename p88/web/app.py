"""The web app factory: Quart-Trio on Hypercorn, Jinja2 views, JSON API, websockets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from quart_trio import QuartTrio

import p88
from p88.config import Config
from p88.db.pool import Pool
from p88.hub import Hub
from p88.stats import Stats
from p88.web.forwarded import ForwardedMiddleware


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
    trusted = services.config.web.trusted_networks
    if trusted:  # the client's address and scheme as the proxy in front saw them
        app.asgi_app = ForwardedMiddleware(app.asgi_app, trusted)  # type: ignore[method-assign,assignment]
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024

    @app.context_processor
    async def common_context() -> dict[str, Any]:
        return {"version": p88.__version__}

    from p88.web.input_guard import install_input_guard

    install_input_guard(app)  # first: its int converter and NUL check must precede everything

    from p88.web.accounts_setup import register_accounts  # views import services_of from here

    register_accounts(app)  # auth hooks first: every later blueprint sees the signed-in user

    from p88.web.views import layouts  # imported here: the views import services_of from here

    app.register_blueprint(layouts.blueprint)

    from p88.web.views import builder_preview  # the builder's live-session preview

    app.register_blueprint(builder_preview.bp)

    from p88.web.views import display_public, displays  # public /d/<token> and operator pages

    app.register_blueprint(display_public.bp)
    app.register_blueprint(displays.bp)

    from p88.web.views import participants, sessions, sessions_live  # timing sessions, runners

    for blueprint in (sessions.bp, sessions_live.bp, participants.bp):
        app.register_blueprint(blueprint)
    return app
