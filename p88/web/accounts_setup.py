"""Registers the accounts side of the web app: auth hooks, then its blueprints."""

from __future__ import annotations

from typing import Any

from p88.web.auth import install_auth


def register_accounts(app: Any) -> None:
    from p88.web.views import (
        account,
        admin_billing,
        admin_keys,
        admin_users,
        dashboard,
        links,
        platform,
        platform_plans,
        signin,
    )

    install_auth(app)
    for module in (
        signin,
        dashboard,
        account,
        links,
        admin_users,
        admin_keys,
        admin_billing,
        platform,
        platform_plans,
    ):
        app.register_blueprint(module.bp)
