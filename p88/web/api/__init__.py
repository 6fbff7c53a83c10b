"""The data API, `/api/v1` on the web port: JSON (or CSV/NDJSON) for the company's own
software, authenticated by API keys (Admin -> API keys), described by the OpenAPI document at
`/api/v1/openapi.json`, with a guide for people at `/api`."""

from __future__ import annotations

from quart import Quart

from p88.web.api import (
    ask,
    corrections,
    displays,
    guide,
    participants,
    public_results,
    reads,
    results,
    sessions,
)
from p88.web.api.blueprint import api
from p88.web.api.problems import install_problem_handlers

RESOURCE_MODULES = (
    sessions,
    reads,
    participants,
    results,
    corrections,
    public_results,
    displays,
    ask,
    guide,
)


def install_api(app: Quart) -> None:
    """Register the data API's routes and its problem+json error handling."""
    install_problem_handlers(app)
    app.register_blueprint(api)


__all__ = ["RESOURCE_MODULES", "install_api"]
