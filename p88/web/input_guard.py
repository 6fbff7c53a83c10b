"""Values PostgreSQL cannot take are refused before any view sees them.

PostgreSQL text cannot hold a NUL character (0x00): a NUL in any value a view passes on ends in
a driver error, a 500. Rather than check in every view, each request's address, query, form
(names, values, uploaded file names), JSON body, cookies and headers are checked once, and a
NUL anywhere is a 400 that says where it is and what to do.

Ids in the address are bigint in the database: the `int` URL converter registered here only
matches numbers that fit, so a larger one is a 404 like any unknown id (not an OverflowError).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from quart import has_websocket_context, jsonify, render_template, request, websocket
from werkzeug.routing import IntegerConverter, Map

from p88.web.forms import MAX_ID
from p88.web.problem import is_api_path, problem_response

NUL = "\x00"
# A JSON escape \u0000 that is not itself escaped (an even number of backslashes before it).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def digits_not_above(limit: int) -> str:
    """A regex matching exactly the decimal numbers 0..limit (leading zeros only below limit's
    length). The path must not match at all: a number refused later, by to_python, makes
    werkzeug answer 405 when the rule has a twin with another method."""
    text = str(limit)
    parts = [f"[0-9]{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - i - 1
            parts.append(text[:i] + f"[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    parts.append(text)
    return "(?:" + "|".join(parts) + ")"


class BigintConverter(IntegerConverter):
    """`<int:...>` for database ids: numbers PostgreSQL's bigint holds, in ASCII digits
    (werkzeug's own matches any length, and Unicode digits)."""

    regex = digits_not_above(MAX_ID)

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None) -> None:
        super().__init__(map, fixed_digits, min, MAX_ID)  # a larger value fails to_python


def _named(kind: str, name: str) -> str:
    if NUL in name:
        return f"A {kind} name"
    return f'The {kind} "{name}"'


def _in_pairs(kind: str, pairs: Iterable[tuple[str, str]]) -> str | None:
    for name, value in pairs:
        if NUL in name or NUL in value:
            return _named(kind, name)
    return None


async def _in_body() -> str | None:
    if request.mimetype in _FORM_TYPES:
        form = await request.form
        found = _in_pairs("form field", form.items(multi=True))
        if found:
            return found
        for field, upload in (await request.files).items(multi=True):
            if NUL in field:
                return "A form field name"
            if NUL in (upload.filename or ""):
                return f'The name of the file sent as "{field}"'
    if request.is_json:
        raw = await request.get_data(cache=True, as_text=False, parse_form_data=False)
        if b"\x00" in raw or _JSON_NUL.search(raw):
            return "The JSON you sent"
    return None


async def where_nul_is() -> str | None:
    """Where the current request carries a NUL, in words for the person, or None."""
    source = websocket if has_websocket_context() else request
    if NUL in source.path:
        return "The address (URL)"
    found = (
        _in_pairs("address parameter", source.args.items(multi=True))
        or _in_pairs("cookie", source.cookies.items(multi=True))
        or _in_pairs("request header", source.headers.items())
    )
    if found or has_websocket_context():
        return found
    return await _in_body()


def _wants_json() -> bool:
    if has_websocket_context() or request.is_json or request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


async def refuse_nul() -> Any:
    """Before each request and websocket: a NUL anywhere is a 400 naming where."""
    where = await where_nul_is()
    if where is None:
        return None
    cookie = "cookie" in where
    advice = (
        "Clear this site's cookies and sign in again." if cookie else "Remove it and try again."
    )
    message = (
        f"{where} contains a NUL character (a zero byte, often pasted from another program), "
        f"which p88 cannot store. {advice}"
    )
    if not has_websocket_context() and is_api_path(request.path):
        return problem_response(400, "nul-character", "A value contains a NUL character", message)
    if _wants_json():
        response = jsonify({"error": message})
        response.status_code = 400
        return response
    return await render_template("bad_input.html", message=message), 400


def install_input_guard(app: Any) -> None:
    """Call before any blueprint is registered (their rules take the converter at that time)
    and before the auth hooks (which look the session cookie up in the database)."""
    app.url_map.converters["int"] = BigintConverter
    app.before_request(refuse_nul)
    app.before_websocket(refuse_nul)
