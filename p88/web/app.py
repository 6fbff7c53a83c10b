"""The web app factory: Quart-Trio on Hypercorn, Jinja2 views, JSON API, websockets."""

from __future__ import annotations

from typing import Any

from quart_trio import QuartTrio

import p88
from p88.web.auth import install_auth
from p88.web.services import WebServices
from p88.web.views import (
    account,
    admin_billing,
    admin_keys,
    admin_users,
    builder_preview,
    dashboard,
    display_public,
    displays,
    layouts,
    links,
    participants,
    platform,
    platform_plans,
    sessions,
    signin,
)

BLUEPRINTS = (
    # Accounts: sign-in, the company's people, keys and billing, the platform.
    signin.bp,
    dashboard.bp,
    account.bp,
    links.bp,
    admin_users.bp,
    admin_keys.bp,
    admin_billing.bp,
    platform.bp,
    platform_plans.bp,
    layouts.blueprint,
    builder_preview.bp,  # the builder's live-session preview
    display_public.bp,  # public /d/<token>
    displays.bp,  # operator pages
    sessions.bp,  # timing sessions
    participants.bp,  # runners
)


def create_app(services: WebServices) -> QuartTrio:
    app = QuartTrio(__name__)
    app.extensions["p88"] = services
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024

    @app.context_processor
    async def common_context() -> dict[str, Any]:
        return {"version": p88.__version__}

    install_auth(app)  # auth hooks first: every blueprint sees the signed-in user
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app
