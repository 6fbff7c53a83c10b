"""Errors of the data API as RFC 9457 problem documents (`application/problem+json`).

Every answer of /api/ that is not a success is one: the API's own refusals
(p88.web.api.problems) and those made before any API code runs (a NUL in the request,
p88.web.input_guard). `type` points at the section of the /api page that explains the problem
and what to change.
"""

from __future__ import annotations

import json
from typing import Any

from quart import Response

PROBLEM_JSON = "application/problem+json"
DOCS = "/api#problem-"


def problem_response(status: int, kind: str, title: str, detail: str, **extra: Any) -> Response:
    """A problem document: `kind` names the problem (a section of /api), `title` is the same
    for every occurrence of it, `detail` says what went wrong this time and what to change."""
    document = {"type": DOCS + kind, "title": title, "status": status, "detail": detail, **extra}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, content_type=PROBLEM_JSON)


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")
