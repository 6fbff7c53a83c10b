"""Shared set-up for the isolation suite (tests/web/test_isolation_<area>.py).

Each isolation module defines `COVERED_RULES: set[str]`: the Quart URL rules (exactly as in
`app.url_map`, e.g. "/displays/<int:display_id>/revoke") it requests as partner A with partner
B's ids, expecting 404 (every method of the rule). tests/web/test_route_coverage.py fails for
any rule that is neither covered by some module nor listed in its PUBLIC_RULES.

    from tests.web.isolation import two_partners, assert_404

    COVERED_RULES = {"/displays/<int:display_id>", ...}

    async def test_displays_of_b_are_404_for_a(web):
        pair = await two_partners(web)             # a, b: TestAccount (owners); b_ids: dict
        client = await signed_in_client(web.app, pair.a)
        display_id = ...  # create one for B (pair.b.partner_id) with your own query module
        await assert_404(client, "GET", f"/displays/{display_id}")
        await assert_404(client, "POST", f"/displays/{display_id}", {"name": "stolen"})
        ... then check B's row is unchanged.

`two_partners` seeds, for each partner: an owner (TestAccount), a second member (viewer), a
collector credential, an API key, a pending invitation, a timing session with one location
and one read. Their ids are in `pair.a_ids` / `pair.b_ids` (keys below in SEEDED_KEYS).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from p88.db.accounts import create_user, set_membership
from p88.db.api_keys import create_key
from p88.db.invitations import create_invitation
from p88.db.login_sessions import create_session
from p88.db.partners import Partner, set_collector_credential
from tests.web.support import TestAccount, create_partner_with_user, post_form, post_json

SEEDED_KEYS = (
    "member_user_id",  # a viewer of that partner
    "member_login_session_id",  # a live sign-in of that viewer
    "credential_id",
    "api_key_id",
    "invitation_id",
    "timing_session_id",
    "location_id",
    "read_id",
)

SEED_READS = """
WITH s AS (
    INSERT INTO timing_sessions (partner_id, event_name, day, timezone, name)
    VALUES ($1, $2, '2026-05-08', 'UTC', $2) RETURNING id, partner_id
), l AS (
    INSERT INTO timing_locations (partner_id, session_id, name)
    SELECT partner_id, id, 'FINISH' FROM s RETURNING id, session_id, partner_id
), r AS (
    INSERT INTO timing_reads (partner_id, session_id, location_id, tag, local_time, lap,
                              reader_id, gator, sequence, connection_id, received_at)
    SELECT partner_id, session_id, id, '1001', '2026-05-08 09:00:00', 1, 'A', 1, 1, 'c', now()
    FROM l RETURNING id, session_id, location_id
)
SELECT session_id, location_id, id FROM r
"""


@dataclass(frozen=True, slots=True)
class Pair:
    a: TestAccount
    b: TestAccount
    a_ids: dict[str, int]
    b_ids: dict[str, int]


async def seed_partner(pool: Any, account: TestAccount) -> dict[str, int]:
    slug = account.partner_slug
    ids: dict[str, int] = {}
    async with pool.acquire() as conn:
        viewer = await create_user(conn, f"viewer@{slug}.example", f"Viewer {slug}", "x" * 12)
        await set_membership(conn, viewer.id, account.partner_id, "viewer")
        ids["member_user_id"] = viewer.id
        await create_session(conn, viewer.id, account.partner_id, "10.0.0.9", f"agent-{slug}")
        ids["member_login_session_id"] = await conn.fetchval(
            "SELECT id FROM login_sessions WHERE user_id = $1", viewer.id
        )
        partner = Partner(account.partner_id, slug, slug)
        await set_collector_credential(conn, partner, f"mat-{slug}", "s3cret", keep_plain=False)
        ids["credential_id"] = await conn.fetchval(
            "SELECT id FROM collector_credentials WHERE username = $1", f"mat-{slug}"
        )
        ids["api_key_id"], _ = await create_key(
            conn, account.partner_id, f"key-{slug}", account.user_id
        )
        await create_invitation(
            conn, account.partner_id, f"invitee@{slug}.example", "operator", account.user_id
        )
        ids["invitation_id"] = await conn.fetchval(
            "SELECT id FROM invitations WHERE partner_id = $1", account.partner_id
        )
        row = await conn.fetchrow(SEED_READS, account.partner_id, f"RACE-{slug.upper()}")
        ids["timing_session_id"], ids["location_id"], ids["read_id"] = row[0], row[1], row[2]
    return ids


async def two_partners(web: Any) -> Pair:
    a = await create_partner_with_user(web.pool, "alpha", "owner")
    b = await create_partner_with_user(web.pool, "bravo", "owner")
    return Pair(a, b, await seed_partner(web.pool, a), await seed_partner(web.pool, b))


async def assert_404(
    client: Any, method: str, url: str, data: dict[str, Any] | None = None
) -> None:
    if method == "GET":
        response = await client.get(url)
    elif method == "POST":
        response = await post_form(client, url, data or {})
    else:  # PUT, PATCH, DELETE: as fetch() sends them
        response = await post_json(client, url, data or {}, method=method)
    body = await response.get_data(as_text=True)
    assert response.status_code == 404, f"{method} {url}: {response.status_code}\n{body[:500]}"
