"""Helpers for the data API's tests: keys with chosen scopes, requests that carry them.

key = await make_key(web.pool, partner_id, scopes=("read",), event=None, expires_at=None)
response = await api(web, "GET", "/api/v1/reads", key)
rows = (await response.get_json())["data"]
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from p88.db.api_keys import SCOPES, create_key

ALL_SCOPES = SCOPES


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
    if json is not None:
        kwargs["json"] = json
    return await client.open(path, method=method, headers=sent, **kwargs)


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


# A session of `event` with START and FINISH and `reads` reads alternating between them.
SEED_SESSION = """
WITH s AS (
    INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name)
    VALUES ($1, $2, $3, 'UTC', $2) RETURNING id, partner_id
), l AS (
    INSERT INTO timing_locations (partner_id, session_id, name)
    SELECT partner_id, id, point FROM s, unnest(ARRAY['START', 'FINISH']) AS point
    RETURNING id, session_id, partner_id, name
), r AS (
    INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap,
                              reader_id, gator, sequence, connection_id, received_at)
    SELECT l.partner_id, l.session_id, l.id, (n % 50 + 1)::text,
           $3::date + time '09:00' + n * interval '1 second', 1, 'A', 1, n, 'c', now()
    FROM generate_series(1, $4) n
    JOIN l ON l.name = CASE WHEN n % 2 = 0 THEN 'FINISH' ELSE 'START' END
    RETURNING id
)
SELECT (SELECT id FROM s), (SELECT count(*) FROM r)
"""


async def seed_event(
    pool: Any, partner_id: int, event: str, *, reads: int = 10, runners: int = 5
) -> dict[str, int]:
    """A session of `event` with `reads` reads, `runners` participants and one display;
    their ids."""
    from datetime import date

    from p88.db.tenancy import tenant_transaction
    from p88.displays.store import create_display
    from p88.participants.model import ParticipantFields
    from p88.participants.queries import upsert_participants

    async with tenant_transaction(pool, partner_id) as conn:
        seeded = await conn.fetchrow(SEED_SESSION, partner_id, event, date(2026, 5, 8), reads)
        assert seeded is not None
        session_id, _ = seeded
        people = [
            ParticipantFields(str(n), str(n), f"First{n}", f"Last{n}")
            for n in range(1, runners + 1)
        ]
        await upsert_participants(conn, partner_id, event, people)
        participant_id = await conn.fetchval(
            "SELECT min(id) FROM participants WHERE partner_id = $1 AND event_name = $2",
            partner_id,
            event,
        )
        display, _ = await create_display(
            conn, partner_id, name=f"{event} finish", session_id=session_id, locations=("FINISH",)
        )
    return {"session_id": session_id, "participant_id": participant_id, "display_id": display.id}


async def seed_results(pool: Any, partner_id: int, ids: dict[str, Any]) -> dict[str, Any]:
    """The seeded session's results published (`token`) and one correction in it (a DNF for
    bib 5, `correction_id`); `bib` is a runner of it. The setup saved is the one p88 suggests
    from the point names START and FINISH."""
    import secrets

    from p88.db import results as results_db
    from p88.db.tenancy import tenant_transaction
    from p88.results.suggest import suggested_document

    token = secrets.token_urlsafe(16)
    session_id = ids["session_id"]
    async with tenant_transaction(pool, partner_id) as conn:
        document = suggested_document(["START", "FINISH"])
        assert document is not None
        await results_db.save_setup(conn, partner_id, session_id, document, None)
        await results_db.publish(conn, partner_id, session_id, True, token)
        payload = ("status", "5", {"status": "dnf", "reason": "seeded"})
        correction_id = await results_db.add_correction(
            conn, partner_id, session_id, payload, None, "seeded", None
        )
    return {**ids, "token": token, "bib": "1", "correction_id": correction_id}
