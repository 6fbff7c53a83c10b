"""Helpers for the data API's tests: keys with chosen scopes, requests that carry them.

key = await make_key(web.pool, partner_id, scopes=("read",), event=None, expires_at=None)
response = await api(web, "GET", "/api/v1/reads", key)
rows = (await response.get_json())["data"]
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from p88.db.api_keys import SCOPES, create_key

ALL_SCOPES = tuple(s for s in SCOPES if s != "write:results")


async def make_key(
    pool: Any,
    partner_id: int,
    *,
    scopes: tuple[str, ...] = ALL_SCOPES,
    event: str | None = None,
    expires_at: datetime | None = None,
    name: str = "test key",
) -> str:
    async with pool.acquire() as conn:
        _, key = await create_key(
            conn, partner_id, name, None, scopes=scopes, event_name=event, expires_at=expires_at
        )
    return key


async def api(
    web: Any,
    method: str,
    path: str,
    key: str | None,
    *,
    json: Any = None,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    """One request to the data API with `key` as its Bearer token (None: no Authorization)."""
    sent = dict(headers or {})
    if key is not None:
        sent["Authorization"] = f"Bearer {key}"
    client = web.app.test_client()
    return await client.open(path, method=method, json=json, headers=sent, **kwargs)


async def problem(response: Any) -> dict[str, Any]:
    """The problem document of an error answer (checks its media type)."""
    assert response.content_type == "application/problem+json", (
        response.status_code,
        await response.get_data(as_text=True),
    )
    document: dict[str, Any] = await response.get_json(force=True)
    assert document["status"] == response.status_code
    assert document["type"].startswith("/api#problem-") and document["detail"]
    return document
