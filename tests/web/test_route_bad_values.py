"""Every route, walked with values PostgreSQL cannot take: a NUL character anywhere a person can
put one (address, query, form, JSON, cookie) is a 400 that names where it is, and an id beyond
bigint in the address is a 404. Neither may ever be a 500.

The walk requests each rule as a signed-in owner who is also the platform admin, so every guard
lets the request through to the view (an anonymous request would stop at the sign-in redirect
and prove nothing).
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from werkzeug.routing import Rule

from tests.web.support import (
    TestAccount,
    create_partner_with_user,
    csrf_token_of,
    post_form,
    post_json,
    signed_in_client,
)

BEYOND_BIGINT = str(2**63)
HUGE = "9" * 5000  # also past Python's int-from-text limit (4300 digits)
HTTP_METHODS = ("GET", "POST", "PUT", "DELETE")
SIGNS_OUT = {"/logout", "/account/sign-out-everywhere"}  # the walk signs in again after these


def http_rules(app: Any) -> list[tuple[Rule, str]]:
    rules: list[tuple[Rule, str]] = []
    for rule in app.url_map.iter_rules():
        if rule.websocket or rule.endpoint == "static":
            continue
        rules.extend((rule, method) for method in HTTP_METHODS if method in (rule.methods or ()))
    return sorted(rules, key=lambda pair: (pair[0].rule, pair[1]))


def url_of(rule: Rule, value_of: dict[str, str]) -> str:
    """The rule's path with each <converter:name> replaced by value_of[converter or 'default']."""

    def replace(match: re.Match[str]) -> str:
        converter = match.group(1) or "default"
        return value_of.get(converter, value_of["default"])

    return re.sub(r"<(?:(\w+):)?\w+>", replace, rule.rule)


def int_args(rule: Rule) -> bool:
    return ":" in rule.rule and "<int:" in rule.rule


async def send(client: Any, method: str, url: str, form: dict[str, str] | None = None) -> Any:
    if method == "GET":
        return await client.get(url)
    if method == "POST":
        return await post_form(client, url, form or {})
    return await post_json(client, url, form or {}, method=method)


async def owner_and_platform_admin(web: Any) -> TestAccount:
    owner = await create_partner_with_user(web.pool, "alpha", "owner")
    async with web.pool.acquire() as conn:
        await conn.execute("UPDATE users SET is_platform_admin = true WHERE id = $1", owner.user_id)
    return owner


async def status_and_body(response: Any) -> tuple[int, str]:
    """The status and the text a person reads: HTML unescaped, or a JSON answer's error (the
    data API's problem+json: its detail)."""
    if response.is_json:
        document = await response.get_json(force=True)
        return response.status_code, str(document.get("error") or document.get("detail"))
    return response.status_code, html.unescape(await response.get_data(as_text=True))


async def test_ids_beyond_bigint_in_the_address_are_404_on_every_route(web) -> None:
    client = await signed_in_client(web.app, await owner_and_platform_admin(web))
    wrong = []
    for rule, method in http_rules(web.app):
        if not rule.arguments:
            continue
        for number in (BEYOND_BIGINT, HUGE):
            url = url_of(rule, {"default": number})
            status, body = await status_and_body(await send(client, method, url))
            # A string id the view parses itself may answer 404 or send elsewhere; never 500.
            expected_404 = int_args(rule)
            if status >= 500 or (expected_404 and status != 404):
                wrong.append(f"{method} {rule.rule} with {number[:25]}: {status} {body[:200]}")
    assert not wrong, "\n".join(wrong)


async def test_a_nul_anywhere_is_a_400_naming_where_on_every_route(web) -> None:
    account = await owner_and_platform_admin(web)
    client = await signed_in_client(web.app, account)
    wrong = []
    for rule, method in http_rules(web.app):
        plain = url_of(rule, {"default": "1"})
        attempts: list[tuple[str, dict[str, str] | None, str]] = [
            (f"{plain}?q=%00", None, '"q"'),
            (f"{plain}?x=1&%00=1", None, "parameter"),
        ]
        if rule.arguments:
            attempts.append((url_of(rule, {"default": "1\x00"}), None, "address"))
        if method != "GET":  # a form for POST, JSON for PUT and DELETE (as fetch() sends them)
            attempts.append((plain, {"name": "a\x00b"}, '"name"' if method == "POST" else "JSON"))
        for url, form, named in attempts:
            status, body = await status_and_body(await send(client, method, url, form))
            if status != 400 or named not in body or "NUL" not in body:
                wrong.append(f"{method} {url!r} {form}: {status} {body[:300]}")
            if rule.rule in SIGNS_OUT:
                client = await signed_in_client(web.app, account)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    ("url", "form", "field"),
    [
        ("/participants?q=%00", None, "q"),
        ("/participants?event=%00", None, "event"),
        ("/login", {"email": "a@b.example\x00", "password": "x"}, "email"),
        ("/login", {"email": "a@b.example", "password": "pass\x00word"}, "password"),
        ("/admin/api-keys", {"name": "key\x00"}, "name"),
        ("/admin/collectors", {"username": "mat\x00"}, "username"),
        ("/sessions/1/rename", {"name": "Race\x00"}, "name"),
        ("/account/profile", {"name": "Ann\x00"}, "name"),
    ],
)
async def test_the_reported_forms_answer_400_and_change_nothing(web, url, form, field) -> None:
    client = await signed_in_client(web.app, await owner_and_platform_admin(web))
    async with web.pool.acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM audit_log")
    response = await (client.get(url) if form is None else post_form(client, url, form))
    status, body = await status_and_body(response)
    assert status == 400, body[:500]
    assert f'"{field}"' in body, body[:800]
    assert "Remove it" in body
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM audit_log") == before


async def test_a_nul_in_a_json_body_is_a_400_in_json(web) -> None:
    client = await signed_in_client(web.app, await owner_and_platform_admin(web))
    response = await post_json(
        client, "/templates/1/document", {"name": "x\x00", "elements": []}, method="PUT"
    )
    assert response.status_code == 400
    payload = await response.get_json()
    assert "NUL" in payload["error"] and "JSON" in payload["error"]
    # The text "\\u0000" (an escaped backslash, then u0000) is not a NUL and passes the check.
    escaped = await client.put(
        "/templates/1/document",
        data='{"name": "\\\\u0000"}',
        headers={"Content-Type": "application/json", "X-CSRF-Token": await csrf_token_of(client)},
    )
    assert escaped.status_code != 400 or "NUL" not in await escaped.get_data(as_text=True)


async def test_a_nul_in_a_cookie_is_a_400_not_a_500(web) -> None:
    client = web.app.test_client()
    response = await client.get("/", headers={"Cookie": 'p88_session="ab\\000cd"'})
    status, body = await status_and_body(response)
    assert status == 400, body[:500]
    assert "cookie" in body and "p88_session" in body


async def test_websockets_refuse_nul_and_huge_ids_without_a_500(web) -> None:
    client = await signed_in_client(web.app, await owner_and_platform_admin(web))
    for path, expected in (
        (f"/sessions/{BEYOND_BIGINT}/live", 404),
        (f"/templates/preview/sessions/{HUGE}/ws", 404),
        ("/d/ab\x00cd/ws", 400),
        ("/d/abcd/ws?after=%00", 400),
    ):
        assert await websocket_refusal(client, path) == expected, path[:60]


async def websocket_refusal(client: Any, path: str) -> int:
    from quart.testing import WebsocketResponseError

    statuses = []
    try:
        async with client.websocket(path) as socket:
            await socket.receive()
    except* WebsocketResponseError as refused:  # raised inside the test client's nursery
        statuses = [error.response.status_code for error in refused.exceptions]  # type: ignore[attr-defined]
    assert statuses, f"{path[:60]}: the websocket was accepted"
    return int(statuses[0])
