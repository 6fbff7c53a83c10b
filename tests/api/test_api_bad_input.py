"""Bad input to every data API operation is a 4xx problem+json that says what to change, never
a 500: unknown filter fields and operators, malformed `next` tokens, oversize limits, wrong
types, NUL bytes, huge ids, huge bodies, bodies that are not JSON or not of the right shape."""

from __future__ import annotations

from typing import Any

from p88.web.api.params import encode_next
from tests.api.support import api, make_key, problem, seed_event, seed_results
from tests.api.test_api_contract import app_and_document
from tests.web.support import create_partner_with_user


async def world(web: Any) -> tuple[str, dict[str, Any]]:
    owner = await create_partner_with_user(web.pool, "alpha", "owner")
    ids = await seed_event(web.pool, owner.partner_id, "BAD INPUT RUN")
    ids = await seed_results(web.pool, owner.partner_id, ids)
    return await make_key(web.pool, owner.partner_id), ids


def list_paths() -> list[str]:
    _, document = app_and_document()
    return [
        path
        for path, ops in document["paths"].items()
        if "get" in ops and any(p["name"] == "limit" for p in ops["get"].get("parameters", []))
    ]


def every_operation(ids: dict[str, Any]) -> list[tuple[str, str]]:
    _, document = app_and_document()
    return [
        (method.upper(), path.format(**ids))
        for path, ops in document["paths"].items()
        if path != "/api/v1/stream"
        for method in ops
    ]


async def expect(response: Any, status: int, *words: str) -> dict[str, Any]:
    document = await problem(response)
    assert response.status_code == status, document
    for word in words:
        assert word in document["detail"], document["detail"]
    return document


async def test_list_parameters_that_cannot_be_used(web) -> None:
    key, ids = await world(web)
    paths = [path.format(**ids) for path in list_paths()]
    assert "/api/v1/reads" in paths and len(paths) == 7
    for path in paths:
        await expect(await api(web, "GET", f"{path}?colour=eq.red", key), 400, "filter by one of")
        column = "name" if path.endswith(("events", "results")) else "id"
        await expect(await api(web, "GET", f"{path}?{column}=eqq.1", key), 400, "operator among")
        await expect(await api(web, "GET", f"{path}?next=%%%", key), 400, "not a token")
        await expect(await api(web, "GET", f"{path}?next=eyJ2IjoxfQ", key), 400, "not a token")
        await expect(await api(web, "GET", f"{path}?limit=5000", key), 400, "1 to 1000")
        await expect(await api(web, "GET", f"{path}?limit=-3", key), 400, "1 to 1000")
        await expect(await api(web, "GET", f"{path}?format=xlsx", key), 400, "format")
    await expect(await api(web, "GET", "/api/v1/reads?id=gt.abc", key), 400, "whole number")
    await expect(await api(web, "GET", "/api/v1/reads?time=gt.yesterday", key), 400, "local time")
    await expect(await api(web, "GET", "/api/v1/sessions?day=eq.2026-13-01", key), 400, "a date")
    await expect(await api(web, "GET", "/api/v1/events?live=eq.maybe", key), 400, "true or false")


async def test_results_list_parameters_that_cannot_be_used(web) -> None:
    key, ids = await world(web)
    for path in (f"/api/v1/sessions/{ids['session_id']}/results",
                 f"/api/v1/public/{ids['token']}/results"):  # fmt: skip
        for query, says in (
            (f"next={encode_next(42)}", "not a token"),
            (f"next={encode_next('[1,2]')}", "not a token"),
            (f"next={encode_next('[0,0,1,0,[0,1]]')}", "not a token"),
            (f"next={encode_next('{}')}", "not a token"),
            ("q=a&q=b", "one name or bib"),
            (f"q={'x' * 101}", "100 characters"),
            ("status=in.nope", "in.(a,b,c)"),
            ("status=eq", "operator among"),
            ("place_overall=eq.1", "filter by one of"),
            ("since=3", "no numeric id"),
        ):
            await expect(await api(web, "GET", f"{path}?{query}", key), 400, says)
        await expect(await api(web, "GET", f"{path}/{'9' * 5000}", key), 404)
    await expect(await api(web, "GET", "/api/v1/public/short/results", None), 404, "published")
    await expect(await api(web, "GET", f"/api/v1/public/{'x' * 5000}/results/1", None), 404)


async def test_nul_bytes_anywhere_are_400_naming_where(web) -> None:
    key, ids = await world(web)
    for method, url in every_operation(ids):
        sep = "&" if "?" in url else "?"
        response = await api(web, method, f"{url}{sep}q=%00", key, json={})
        await expect(response, 400, "NUL", '"q"')
        response = await api(web, method, url, key, headers={"X-Note": "a\x00b"})
        await expect(response, 400, "NUL", "header")
    for method, url in every_operation(ids):
        if method in ("POST", "PATCH"):
            response = await api(web, method, url, key, json={"event": "x\x00", "bib": "1"})
            await expect(response, 400, "NUL", "JSON")


CORRECTION = {"kind": "status", "bib": "1", "status": "dnf", "reason": "fell"}


async def test_ids_of_the_wrong_kind_or_size_are_404(web) -> None:
    key, ids = await world(web)
    for method, template in (
        ("GET", "/api/v1/sessions/{}"),
        ("GET", "/api/v1/sessions/{}/points"),
        ("GET", "/api/v1/participants/{}"),
        ("POST", "/api/v1/displays/{}/rotate"),
        ("GET", "/api/v1/sessions/{}/results"),
        ("GET", "/api/v1/sessions/{}/results/1"),
        ("GET", "/api/v1/sessions/{}/corrections"),
        ("POST", "/api/v1/sessions/{}/corrections"),
        ("DELETE", "/api/v1/sessions/{}/corrections/1"),
        ("DELETE", f"/api/v1/sessions/{ids['session_id']}/corrections/{{}}"),
    ):
        for bad in ("abc", "-1", str(2**63), "9" * 5000, "1.5", "999999"):
            body = CORRECTION if method == "POST" and "corrections" in template else None
            response = await api(web, method, template.format(bad), key, json=body)
            await expect(response, 404)
    await expect(await api(web, "DELETE", "/api/v1/reads", key), 405, "GET")
    await expect(await api(web, "GET", "/api/v2/reads", key), 404, "openapi.json")


async def test_bodies_that_are_not_the_right_json_are_refused(web) -> None:
    key, ids = await world(web)
    writes = [(m, u) for m, u in every_operation(ids) if m in ("POST", "PATCH")]
    writes = [(m, u) for m, u in writes if not u.endswith("/rotate")]  # takes no body
    assert len(writes) == 5  # participants (create, bulk, PATCH), corrections, and Ask's question
    for method, url in writes:
        form = await api(web, method, url, key, form={"bib": "1"})
        await expect(form, 415, "Content-Type: application/json")
        broken = await api(
            web, method, url, key, data=b"{not json", headers={"Content-Type": "application/json"}
        )
        await expect(broken, 400, "not valid JSON")
        shaped = await api(web, method, url, key, json=["a", "list"])
        document = await expect(shaped, 422)
        assert document["errors"][0]["pointer"].startswith("/")
        huge = b'{"event": "' + b"x" * (9 * 1024 * 1024) + b'"}'
        too_big = await api(
            web, method, url, key, data=huge, headers={"Content-Type": "application/json"}
        )
        await expect(too_big, 413, "fewer rows")
    beyond_app_limit = b"[" + b"0," * (9 * 1024 * 1024) + b"0]"
    response = await api(
        web,
        "POST",
        "/api/v1/participants/upsert",
        key,
        data=beyond_app_limit,
        headers={"Content-Type": "application/json"},
    )
    await expect(response, 413)


async def test_wrong_values_in_a_body_are_422_and_store_nothing(web) -> None:
    key, ids = await world(web)
    cases = [
        ({"event": "BAD INPUT RUN", "bib": "50", "age": "old"}, "age"),
        ({"event": "BAD INPUT RUN", "bib": "51", "gender": "Q"}, "gender"),
        ({"event": "BAD INPUT RUN", "bib": "52", "colour": "red"}, "unknown field"),
        ({"event": "BAD INPUT RUN", "bib": "53", "city": ["a"]}, "city must be"),
        ({"event": "BAD INPUT RUN", "bib": "54", "date_of_birth": "2999-01-01"}, "future"),
        ({"event": "", "bib": "55"}, "/event"),
        ({"bib": "56"}, "/event"),
    ]
    for body, says in cases:
        response = await api(web, "POST", "/api/v1/participants", key, json=body)
        document = await expect(response, 422)
        assert says in document["detail"] + str(document.get("errors")), document
    url = f"/api/v1/participants/{ids['participant_id']}"
    await expect(await api(web, "PATCH", url, key, json={"event": "OTHER"}), 422, "event")
    await expect(await api(web, "PATCH", url, key, json={"vip": "perhaps"}), 422, "VIP")
    async with web.pool.acquire() as conn:
        stored = await conn.fetchval("SELECT count(*) FROM participants WHERE bib::int >= 50")
    assert stored == 0
