"""The Idempotency-Key header of the data API's writes: the same key with the same request
gets the first answer again; with another request, a 422."""

from __future__ import annotations

import hashlib
import re

from quart import Response, request

from p88.db.api_idempotency import Remembered, claim
from p88.db.pool import Connection
from p88.web.api.access import caller
from p88.web.api.problems import ApiProblem
from p88.web.services import services

HEADER = "Idempotency-Key"
_SHAPE = re.compile(r"^[\x21-\x7e]{1,200}$")


def idempotency_key(*, required: bool) -> str | None:
    value = request.headers.get(HEADER)
    if value is None:
        if required:
            raise ApiProblem(
                400,
                "bad-parameter",
                f"Send an {HEADER} header (any unique text up to 200 characters, such as a "
                "UUID): a retry with the same key then gets the same answer instead of doing "
                "the write twice.",
                errors=[{"parameter": HEADER, "detail": "missing"}],
            )
        return None
    if not _SHAPE.match(value):
        raise ApiProblem(
            400,
            "bad-parameter",
            f"{HEADER} is 1 to 200 visible ASCII characters without spaces.",
            errors=[{"parameter": HEADER, "detail": "malformed"}],
        )
    return value


async def fingerprint() -> bytes:
    """What makes two requests the same: method, path, query and body."""
    body = await request.get_data(cache=True, as_text=False, parse_form_data=False)
    assert isinstance(body, bytes)
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.full_path.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.digest()


async def claim_key(conn: Connection, key: str) -> Remembered | None:
    """Inside the write's transaction: None to go ahead, or the first answer to repeat."""
    who = caller()
    seen = await fingerprint()
    found = await claim(conn, who.partner_id, who.key_id, key, seen, services().clock())
    if found is not None and found.request_hash != seen:
        raise ApiProblem(
            422,
            "idempotency-key-reused",
            f"This {HEADER} was used for a different request in the last 24 hours. Use a new "
            "key for a new request; repeat a request exactly to get its first answer.",
        )
    return found


def replayed(found: Remembered) -> Response:
    response = Response(found.body, status=found.status, content_type="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response
