"""`/api`: the data API's guide for people (curl examples, conventions, every problem type),
and `/api/v1/openapi.json`, the machine-readable document. Both public: they describe the API,
no company's data."""

from __future__ import annotations

import json

from quart import Response, current_app, render_template, request

from p88.web.api.blueprint import api
from p88.web.api.openapi import api_document
from p88.web.api.params import DEFAULT_LIMIT, MAX_LIMIT
from p88.web.api.problems import TITLES
from p88.web.services import services


@api.get("")
async def guide() -> str:
    base = services().config.web.public_url.rstrip("/") or request.host_url.rstrip("/")
    return await render_template(
        "api/guide.html",
        base=base,
        problems=TITLES,
        max_limit=MAX_LIMIT,
        default_limit=DEFAULT_LIMIT,
    )


@api.get("/v1/openapi.json")
async def openapi() -> Response:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    document = json.dumps(api_document(app), separators=(",", ":"))
    response = Response(document, content_type="application/json")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
