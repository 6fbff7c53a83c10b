"""Every route of the app is either proven isolated or declared public, with a reason.

Isolation modules are tests/web/test_isolation_<area>.py; each defines COVERED_RULES (see
tests/web/isolation.py). A new route fails this test until a module covers it or it is added to
PUBLIC_RULES below with the reason it needs no partner check.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import cast

from p88.config import config_from_mapping
from p88.db.pool import Pool
from p88.hub import Hub
from p88.stats import Stats
from p88.web.app import create_app
from p88.web.push import ROUTES
from p88.web.services import WebServices

PUBLIC_RULES: dict[str, str] = {
    "/static/<path:filename>": "CSS/JS/images shipped with p88; no partner data",
    "/login": "the sign-in form; answers the same for known and unknown emails",
    "/logout": "ends only the caller's own session (by its cookie)",
    "/setup/<token>": "first-run link: the token is the credential; unknown/used tokens are 404",
    "/reset/<token>": "password reset link: the token is the credential; bad tokens are 404",
    "/invite/<token>": "invitation link: the token is the credential; bad tokens are 404",
    "/account/profile": "changes only the signed-in person's own name; takes no id",
    "/account/password": "changes only the signed-in person's own password; takes no id",
    "/account/sign-out-everywhere": "ends only the signed-in person's own sessions; takes no id",
    "/d/<token>": "public display page: the unguessable display token is the credential",
    "/d/<token>/ws": "public display websocket: the display token is the credential",
    "/api": "the data API's guide for people: curl examples and problem types, no data",
    "/api/v1/openapi.json": "the data API's OpenAPI document: describes routes, holds no data",
}

HERE = Path(__file__).parent


def isolation_modules() -> list[str]:
    return sorted(f"tests.web.{p.stem}" for p in HERE.glob("test_isolation_*.py"))


def covered_rules() -> dict[str, str]:
    covered: dict[str, str] = {}
    for name in isolation_modules():
        module = importlib.import_module(name)
        rules = getattr(module, "COVERED_RULES", None)
        assert isinstance(rules, set | frozenset | list | tuple), (
            f"{name} must define COVERED_RULES: set[str] (see tests/web/isolation.py)"
        )
        for rule in rules:
            covered[rule] = name
    return covered


def app_rules() -> set[str]:
    no_pool = cast(Pool, None)  # the app is built for its routes only, never served
    app = create_app(WebServices(config_from_mapping({}, env={}), no_pool, Hub(), Stats()))
    pages = {rule.rule for rule in app.url_map.iter_rules()}
    return pages | {route.rule for route in ROUTES}  # the websockets p88 serves itself


def test_the_accounts_isolation_module_is_found() -> None:
    assert "tests.web.test_isolation_accounts" in isolation_modules()


def test_every_route_is_covered_by_an_isolation_test_or_public() -> None:
    covered = covered_rules()
    missing = sorted(r for r in app_rules() if r not in covered and r not in PUBLIC_RULES)
    assert not missing, (
        "routes without an isolation test (add them to COVERED_RULES in a "
        "tests/web/test_isolation_<area>.py that requests them as partner A with partner B's "
        "ids, or to PUBLIC_RULES with a reason):\n  " + "\n  ".join(missing)
    )


def test_no_stale_entries() -> None:
    rules = app_rules()
    stale = sorted((set(covered_rules()) | set(PUBLIC_RULES)) - rules)
    assert not stale, "these listed rules no longer exist in the app: " + ", ".join(stale)


def test_public_rules_say_why() -> None:
    for rule, reason in PUBLIC_RULES.items():
        assert len(reason) > 20, rule
