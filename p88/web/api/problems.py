"""The data API's refusals as RFC 9457 problem documents, and the handlers that turn every
error under /api/ into one (an unknown address, a wrong method, a body too large, a crash).

Views raise `ApiProblem`; nothing under /api/ answers an HTML error page.
"""

from __future__ import annotations

from typing import Any

from quart import Quart, Response, has_request_context, request
from werkzeug.exceptions import HTTPException

from p88.web.api.params import BadParameter
from p88.web.problem import is_api_path, problem_response

TITLES = {
    "bad-parameter": "A query parameter cannot be used",
    "bad-body": "The request body cannot be read",
    "invalid-body": "The request body has values p88 cannot take",
    "unauthorized": "No valid API key",
    "forbidden": "The key may not do this",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "body-too-large": "The request body is too large",
    "unsupported-media-type": "Send JSON",
    "too-many-requests": "Daily request limit reached",
    "too-many-wrong-links": "Too many unknown results links from this address",
    "conflict": "Conflict",
    "no-results": "The session's results are not set up",
    "idempotency-key-reused": "Idempotency-Key used for another request",
    "server-error": "p88 failed to answer",
    "unavailable": "Try again shortly",
    "nul-character": "A value contains a NUL character",
    "not-answered": "The question was not answered, so there is no table",
}


class ApiProblem(Exception):
    """Raised by API code: becomes a problem+json answer (`kind` is a key of TITLES)."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status, self.kind, self.detail = status, kind, detail
        self.headers = headers or {}
        self.extra = extra

    def response(self) -> Response:
        response = problem_response(
            self.status, self.kind, TITLES[self.kind], self.detail, **self.extra
        )
        response.headers.update(self.headers)
        return response


def not_found(what: str) -> ApiProblem:
    return ApiProblem(404, "not-found", f"No {what} with this id among the data this key may read.")


def bad_parameter(error: BadParameter) -> ApiProblem:
    return ApiProblem(
        400,
        "bad-parameter",
        error.detail,
        errors=[{"parameter": error.parameter, "detail": error.detail}],
    )


def _from_http(error: HTTPException) -> Response:
    status = error.code or 500
    if status == 404:
        detail = (
            f"{request.path} is not an address of the data API (or its id does not exist). "
            "The operations are listed in /api/v1/openapi.json."
        )
        return ApiProblem(404, "not-found", detail).response()
    if status == 405:
        allowed = ", ".join(sorted(error.valid_methods or ()))  # type: ignore[attr-defined]
        detail = f"{request.method} is not accepted here; use {allowed or 'another method'}."
        return ApiProblem(405, "method-not-allowed", detail, headers={"Allow": allowed}).response()
    if status == 413:
        detail = "The body is larger than p88 accepts; send fewer rows per request."
        return ApiProblem(413, "body-too-large", detail).response()
    if status < 500:
        detail = error.description or "The request could not be understood."
        return ApiProblem(status, "bad-body", detail).response()
    return ApiProblem(
        500,
        "server-error",
        "p88 failed while answering; the error is in its log. Try again, and tell the "
        "operator of this p88 install if it happens again.",
    ).response()


async def _http_error(error: HTTPException) -> Response | HTTPException:
    # Websockets raise HTTP errors too (a 404 before the handshake): no request there.
    if has_request_context() and is_api_path(request.path):
        return _from_http(error)
    return error  # every other page keeps its own error pages


async def _api_problem(problem: ApiProblem) -> Response:
    return problem.response()


def install_problem_handlers(app: Quart) -> None:
    app.register_error_handler(ApiProblem, _api_problem)
    app.register_error_handler(HTTPException, _http_error)
