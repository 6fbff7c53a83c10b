"""Isolation of the results pages (setup, corrections, table, exports, awards): partner A gets a
404 for every route with partner B's session or correction ids, B's setup, corrections and
results are untouched, and B's engine is never even built for A's requests."""

from __future__ import annotations

import json

import pytest

from tests.web.results_seed import SETUP_FORM, seed_three_waves
from tests.web.support import create_partner_with_user, post_form, signed_in_client

COVERED_RULES: set[str] = {
    "/sessions/<int:session_id>/results",
    "/sessions/<int:session_id>/results/export",
    "/sessions/<int:session_id>/results/awards",
    "/sessions/<int:session_id>/results/setup",
    "/sessions/<int:session_id>/results/corrections",
    "/sessions/<int:session_id>/results/corrections/<int:correction_id>/undo",
}

GET_ROUTES = [
    "/sessions/{s}/results",
    "/sessions/{s}/results?course=10K&gender=F",
    "/sessions/{s}/results/export?format=csv",
    "/sessions/{s}/results/export?format=json&course=10K",
    "/sessions/{s}/results/awards",
    "/sessions/{s}/results/awards?format=csv",
    "/sessions/{s}/results/setup",
    "/sessions/{s}/results/corrections",
    "/sessions/{s}/results/corrections?bib=1",
]
POST_ROUTES = [
    ("/sessions/{s}/results/setup", SETUP_FORM),
    ("/sessions/{s}/results/setup", {**SETUP_FORM, "action": "add-course"}),
    ("/sessions/{s}/results/setup", {"course-0-name": "", "action": "save"}),  # invalid too
    ("/sessions/{s}/results/corrections", {"kind": "status", "bib": "1", "status": "dq",
                                           "reason": "stolen"}),
    ("/sessions/{s}/results/corrections", {"kind": "move_gun", "wave": "1", "time": "07:00"}),
    ("/sessions/{s}/results/corrections/{c}/undo", {}),  # B's session, B's correction
    ("/sessions/{mine}/results/corrections/{c}/undo", {}),  # A's session, B's correction
]  # fmt: skip


@pytest.fixture
async def two_partners(web):
    alpha = await create_partner_with_user(web.pool, "alpha", role="owner")
    bravo = await create_partner_with_user(web.pool, "bravo", role="owner")
    mine = await seed_three_waves(web.pool, alpha.partner_id, "ALPHA RACE")
    theirs = await seed_three_waves(web.pool, bravo.partner_id, "BRAVO RACE")
    async with web.pool.acquire() as conn:
        for partner, race in ((alpha, mine), (bravo, theirs)):
            await conn.execute(
                "INSERT INTO results_setups (session_id, partner_id, document) VALUES ($1, $2, $3)",
                race.session_id,
                partner.partner_id,
                json.dumps({"courses": [{"name": "10K", "finish": "FINISH"}]}),
            )
        correction = await conn.fetchval(
            "INSERT INTO results_corrections (partner_id, session_id, kind, bib, payload, reason)"
            ' VALUES ($1, $2, \'status\', \'1\', \'{"status": "dnf", "reason": "hurt"}\','
            " 'hurt') RETURNING id",
            bravo.partner_id,
            theirs.session_id,
        )
    client = await signed_in_client(web.app, alpha)
    ids = {"s": theirs.session_id, "c": correction, "mine": mine.session_id}
    return web, client, ids


async def _bravo_unchanged(web, ids) -> None:
    async with web.pool.acquire() as conn:
        document = await conn.fetchval(
            "SELECT document::text FROM results_setups WHERE session_id = $1", ids["s"]
        )
        corrections = await conn.fetch(
            "SELECT id, undone_at FROM results_corrections WHERE session_id = $1", ids["s"]
        )
        mine = await conn.fetchval(
            "SELECT count(*) FROM results_corrections WHERE session_id = $1", ids["mine"]
        )
    assert json.loads(document) == {"courses": [{"name": "10K", "finish": "FINISH"}]}
    assert [(c["id"], c["undone_at"]) for c in corrections] == [(ids["c"], None)]
    assert mine == 0
    assert web.results.loaded(ids["s"]) is None  # A's requests never built B's results


@pytest.mark.parametrize("route", GET_ROUTES)
async def test_results_pages_of_another_partners_session_are_404(two_partners, route) -> None:
    web, client, ids = two_partners
    response = await client.get(route.format(**ids))
    body = await response.get_data(as_text=True)
    assert response.status_code == 404, f"{route}: {response.status_code}"
    assert "BRAVO" not in body
    await _bravo_unchanged(web, ids)


@pytest.mark.parametrize(("route", "form"), POST_ROUTES)
async def test_results_changes_to_another_partners_session_are_404(
    two_partners, route, form
) -> None:
    web, client, ids = two_partners
    response = await post_form(client, route.format(**ids), form)
    assert response.status_code == 404, f"{route}: {response.status_code}"
    await _bravo_unchanged(web, ids)


async def test_a_partners_own_results_pages_answer(two_partners) -> None:
    """The same routes with A's own session work: the 404s above are about the owner."""
    web, client, ids = two_partners
    for route in GET_ROUTES:
        response = await client.get(route.format(s=ids["mine"]))
        assert response.status_code == 200, route
    await _bravo_unchanged(web, ids)
