"""p88's own websocket server and the push routes it serves (see p88.web.push.server)."""

from __future__ import annotations

import re

from p88.web.push.api_stream import serve_api_stream
from p88.web.push.display import serve_display
from p88.web.push.preview import serve_preview
from p88.web.push.results_public import serve_results_public
from p88.web.push.server import PushServer, Route
from p88.web.push.session_live import serve_session_live

_ID = r"(?P<session_id>[1-9][0-9]{0,17})"  # within PostgreSQL's bigint

ROUTES = (
    Route(
        "display",
        "/d/<token>/ws",
        re.compile(r"/d/(?P<token>[A-Za-z0-9_-]{1,100})/ws"),
        serve_display,
    ),
    Route(
        "public results",
        "/r/<token>/ws",
        re.compile(r"/r/(?P<token>[A-Za-z0-9_-]{1,100})/ws"),
        serve_results_public,
    ),
    Route(
        "session live",
        "/sessions/<int:session_id>/live",
        re.compile(rf"/sessions/{_ID}/live"),
        serve_session_live,
    ),
    Route(
        "builder preview",
        "/templates/preview/sessions/<int:session_id>/ws",
        re.compile(rf"/templates/preview/sessions/{_ID}/ws"),
        serve_preview,
    ),
    Route("data API stream", "/api/v1/stream", re.compile(r"/api/v1/stream"), serve_api_stream),
)

__all__ = ["ROUTES", "PushServer", "Route"]
