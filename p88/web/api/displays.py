"""`/api/v1/displays` and `/api/v1/displays/<id>/rotate`: the company's display links, and a
new link for one (the old one stops at once, its screens are closed).

A rotation needs an Idempotency-Key: a retry gets the same new link instead of a third one.
The link is never stored (only its hash, as for every display): it is derived from the
caller's API key, a random salt kept with the Idempotency-Key and the display, so only the
same key retrying the same request can see it again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

from quart import Response, request

from p88.db.api_displays import DISPLAYS, display_of_key, display_token_hash
from p88.db.api_idempotency import Remembered, settle
from p88.db.api_keys import READ, WRITE_DISPLAYS
from p88.displays import store
from p88.displays.tokens import TOKEN_BYTES, token_hash
from p88.web.api.access import api_tenant, bearer_key, caller, needs
from p88.web.api.blueprint import api
from p88.web.api.idempotency import claim_key, idempotency_key
from p88.web.api.models import DisplaysPage, RotatedDisplay
from p88.web.api.openapi import documented, lists, writes
from p88.web.api.output import fixed_args, list_answer, utc_text
from p88.web.api.problems import ApiProblem, not_found
from p88.web.api.requests import list_request
from p88.web.services import services
from p88.web.views.displays import REPLACED, display_url


@api.get("/v1/displays")
@needs(READ)
@lists(DISPLAYS)
@documented(DisplaysPage)
async def list_displays() -> Response:
    """Displays: each screen link's session, points, mode and state."""
    return await list_answer(DISPLAYS, list_request(DISPLAYS), fixed_args(services().clock()))


def derived_token(api_key: str, salt: bytes, display_id: int, idempotency: str) -> str:
    message = b"p88-display-rotation-v1" + salt + display_id.to_bytes(8, "big")
    message += idempotency.encode()
    digest = hmac.new(api_key.encode(), message, hashlib.sha256).digest()[:TOKEN_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _answer(document: dict[str, object], token: str, status: int = 200) -> Response:
    body = {**document, "url": display_url(token), "token": token}
    return Response(json.dumps(body), status=status, content_type="application/json")


async def _replay(found: Remembered, api_key: str, display_id: int, key: str) -> Response:
    assert found.salt is not None, "a rotation keeps its salt"
    token = derived_token(api_key, found.salt, display_id, key)
    async with api_tenant() as conn:
        current = await display_token_hash(conn, caller().partner_id, display_id)
    if current != token_hash(token):
        raise ApiProblem(
            409,
            "conflict",
            "The display was rotated again (or deleted) after the rotation this "
            "Idempotency-Key made, so its link no longer works. Rotate with a new key.",
        )
    response = _answer(json.loads(found.body), token, found.status)
    response.headers["Idempotent-Replayed"] = "true"
    return response


@api.post("/v1/displays/<int:display_id>/rotate")
@needs(WRITE_DISPLAYS)
@writes(idempotency="required")
@documented(RotatedDisplay)
async def rotate_display(display_id: int) -> Response:
    """A new link for a display; the old one stops working and its screens are closed."""
    api_key = bearer_key(request.headers.get("Authorization", ""))
    assert api_key is not None, "authenticated by this header"
    who = caller()
    async with api_tenant() as conn:
        if not await display_of_key(conn, who.partner_id, who.event_name, display_id):
            raise not_found("display")
        key = idempotency_key(required=True)
        assert key is not None
        found = await claim_key(conn, key)
        if found is None:
            salt = secrets.token_bytes(16)
            token = derived_token(api_key, salt, display_id, key)
            display = await store.get_display(conn, who.partner_id, display_id)
            assert display is not None
            await store.rotate_token(conn, display, token)
            rotated = await store.get_display(conn, who.partner_id, display_id)
            assert rotated is not None and rotated.rotated_at is not None
            document = {"id": display_id, "rotated_at": utc_text(rotated.rotated_at)}
            await settle(conn, who.key_id, key, 200, json.dumps(document), salt)
    if found is not None:
        return await _replay(found, api_key, display_id, key)
    services().hub.close_display(display_id, *REPLACED)
    return _answer(document, token)
