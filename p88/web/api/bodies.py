"""Reading a data API request's JSON body: its media type, its size, its syntax, then its
shape (a pydantic model). Each failure is a problem that says what to change."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from quart import request

from p88.web.api.problems import ApiProblem

M = TypeVar("M", bound=BaseModel)

MAX_BODY = 8 * 1024 * 1024  # bytes; bulk upserts send at most 10,000 rows


def pointer(location: tuple[int | str, ...]) -> str:
    """A pydantic error location as a JSON pointer (RFC 6901) into the body."""
    parts = (str(p).replace("~", "~0").replace("/", "~1") for p in location)
    return "/" + "/".join(parts)


async def json_body(model: type[M]) -> M:
    if request.mimetype != "application/json":
        raise ApiProblem(
            415,
            "unsupported-media-type",
            "Send the body as JSON with the header Content-Type: application/json.",
        )
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiProblem(
            413,
            "body-too-large",
            f"The body is larger than {MAX_BODY // (1024 * 1024)} MB; send fewer rows per request.",
        )
    raw = await request.get_data(cache=True, as_text=False, parse_form_data=False)
    assert isinstance(raw, bytes)
    if len(raw) > MAX_BODY:
        raise ApiProblem(413, "body-too-large", "The body is too large; send fewer rows.")
    try:
        document: Any = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiProblem(400, "bad-body", f"The body is not valid JSON: {exc}.") from None
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        errors = [{"pointer": pointer(e["loc"]), "detail": e["msg"]} for e in exc.errors()[:100]]
        first = errors[0] if errors else {"pointer": "/", "detail": "invalid"}
        raise ApiProblem(
            422,
            "invalid-body",
            f"The body does not have the expected shape: {first['pointer']}: "
            f"{first['detail']} (see the operation's request body in /api/v1/openapi.json).",
            errors=errors,
        ) from None
