"""The web app factory: Quart-Trio on Hypercorn, Jinja2 views, JSON API, websockets."""

from __future__ import annotations

from typing import Any

from quart_trio import QuartTrio

import p88
from p88.web.api import install_api
from p88.web.auth import install_auth
from p88.web.forwarded import ForwardedMiddleware
from p88.web.input_guard import install_input_guard
from p88.web.services import WebServices
from p88.web.views import (
    account,
    admin_billing,
    admin_keys,
    admin_users,
    ask,
    builder_preview,
    dashboard,
    display_public,
    displays,
    first_run,
    layouts,
    links,
    participants,
    platform,
    platform_plans,
    platform_unassigned,
    results_corrections,
    results_public,
    results_publish,
    results_setup,
    results_table,
    sessions,
    signin,
)

BLUEPRINTS = (
    # Accounts: sign-in, the company's people, keys and billing, the platform.
    signin.bp,
    first_run.bp,  # /setup/<token>
    dashboard.bp,
    account.bp,
    links.bp,
    admin_users.bp,
    admin_keys.bp,
    admin_billing.bp,
    platform.bp,
    platform_plans.bp,
    platform_unassigned.bp,  # reads of middleware that did not authenticate
    layouts.blueprint,
    builder_preview.bp,  # the builder's live-session preview
    display_public.bp,  # public /d/<token>
    displays.bp,  # operator pages
    sessions.bp,  # timing sessions
    participants.bp,  # runners
    results_table.bp,  # a session's results, exports and award lists
    results_setup.bp,  # courses, points, waves, age groups
    results_corrections.bp,  # the timer's audited, undoable corrections
    results_public.bp,  # public /r/<token>
    results_publish.bp,  # /sessions/<id>/results/publish
    ask.bp,  # questions in plain words
)


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

    install_input_guard(app)  # first: its int converter and NUL check precede everything
    install_auth(app)  # auth hooks next: every blueprint sees the signed-in user
    install_api(app)  # /api/v1: API keys instead of the session, problem+json errors
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app
