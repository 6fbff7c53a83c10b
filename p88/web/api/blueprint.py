"""The data API's blueprint: every `/api/v1/...` route, behind the API key check.

Resource modules add their routes to `api`; p88.web.api.install registers it once.
"""

from __future__ import annotations

from quart import Blueprint, request

from p88.web.api.access import add_rate_limit_headers, authenticate_request

api = Blueprint("api", __name__, url_prefix="/api")
# No key: the document, the guide, and published results (their token opens them, as /r/<token>).
PUBLIC_ENDPOINTS = frozenset(
    {"api.openapi", "api.guide", "api.public_results_list", "api.public_runner_result"}
)


@api.before_request
async def _authenticate() -> None:
    if request.endpoint not in PUBLIC_ENDPOINTS:
        await authenticate_request()


api.after_request(add_rate_limit_headers)
