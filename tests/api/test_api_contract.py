"""The OpenAPI document: a valid OpenAPI 3.1 document that lists every /api/v1 route, and a
contract every operation keeps (each is called and its answer checked against its schema)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from jsonschema.exceptions import ValidationError
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate

from p88.config import config_from_mapping
from p88.hub import Hub
from p88.stats import Stats
from p88.web.api.openapi import api_document
from p88.web.app import create_app
from p88.web.push import ROUTES
from p88.web.services import WebServices
from tests.api.support import api, make_key, seed_event, seed_results
from tests.web.support import create_partner_with_user

HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def app_and_document() -> tuple[Any, dict[str, Any]]:
    app = create_app(WebServices(config_from_mapping({}, env={}), None, Hub(), Stats()))  # type: ignore[arg-type]
    return app, api_document(app)


def documented_operations() -> set[tuple[str, str]]:
    """(method, path) of every documented HTTP operation (the websocket aside)."""
    _, document = app_and_document()
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        if path != "/api/v1/stream"
        for method in operations
    }


def checker(document: dict[str, Any], schema: dict[str, Any]) -> OAS31Validator:
    """A validator for `schema` whose $refs resolve in the document's components."""
    return OAS31Validator({**schema, "components": document["components"]})


def test_the_document_is_valid_openapi_3_1() -> None:
    _, document = app_and_document()
    validate(document)
    assert document["openapi"].startswith("3.1")


def test_every_data_api_route_is_documented() -> None:
    app, document = app_and_document()
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            routes |= {(m, path) for m in (rule.methods or ()) if m in HTTP_METHODS}
    assert routes == documented_operations()
    sockets = {r.rule for r in ROUTES if r.rule.startswith("/api/")}
    assert sockets == {p for p in document["paths"] if p == "/api/v1/stream"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/api/v1/public/"):
                assert operation["security"] == [], (method, path)  # no key needed
            else:
                scopes = operation["security"][0]["apiKey"]
                assert len(scopes) == 1, (method, path)
            assert operation["summary"], (method, path)


async def test_the_document_is_served_without_a_key(web) -> None:
    response = await web.app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    served = await response.get_json()
    validate(served)
    assert set(served["paths"]) >= {"/api/v1/reads", "/api/v1/stream"}
    guide = await (await web.app.test_client().get("/api")).get_data(as_text=True)
    for kind in ("not-found", "bad-parameter", "too-many-requests", "nul-character"):
        assert f'id="problem-{kind}"' in guide


def call_of(path: str, ids: dict[str, Any], event: str) -> tuple[str, Any]:
    url = path.format(**ids)
    bodies = {
        "/api/v1/participants": {"event": event, "bib": "777", "first_name": "Ada"},
        "/api/v1/participants/{participant_id}": {"city": "Lyon", "age": 41},
        "/api/v1/participants/upsert": {
            "event": event,
            "rows": [{"bib": "778", "gender": "F"}, {"bib": "779", "age": "old"}],
        },
        "/api/v1/sessions/{session_id}/corrections": {
            "kind": "status",
            "bib": "2",
            "status": "dnf",
            "reason": "contract",
        },
        "/api/v1/ask": {"question": f"Show me all participants in the {event}"},
    }
    return url, bodies.get(path)


async def check_answer(
    document: dict[str, Any], operation: dict[str, Any], response: Any, where: str
) -> None:
    status = str(response.status_code)
    assert status in operation["responses"], f"{where}: undocumented status {status}"
    media = response.mimetype
    content = operation["responses"][status].get("content", {})
    assert media in content, f"{where}: {media} is not documented for {status}"
    body = await response.get_data(as_text=True)
    schema = content[media]["schema"]
    if media in ("application/json", "application/problem+json"):
        try:
            checker(document, schema).validate(json.loads(body))
        except ValidationError as error:
            pytest.fail(f"{where}: {error.message} at {list(error.absolute_path)}")


async def test_every_operation_answers_as_its_schema_says(web) -> None:
    _, document = app_and_document()
    owner = await create_partner_with_user(web.pool, "alpha", "owner")
    ids = await seed_event(web.pool, owner.partner_id, "CONTRACT RUN", reads=30)
    ids = await seed_results(web.pool, owner.partner_id, ids)
    key = await make_key(web.pool, owner.partner_id)
    called = set()
    for path, operations in document["paths"].items():
        if path == "/api/v1/stream":
            continue  # a websocket: its messages are checked in tests/api/test_stream.py
        for method, operation in operations.items():
            url, body = call_of(path, ids, "CONTRACT RUN")
            headers = {"Idempotency-Key": f"contract:{path}"} if method == "post" else {}
            response = await api(web, method.upper(), url, key, json=body, headers=headers)
            assert response.status_code < 300, (url, await response.get_data(as_text=True))
            await check_answer(document, operation, response, f"{method} {url}")
            bad = await api(web, method.upper(), url, "p88_unknown", json=body)
            await check_answer(document, operation, bad, f"{method} {url} (no key)")
            called.add((method.upper(), path))
    assert called == documented_operations()


async def test_list_rows_in_ndjson_and_csv_are_the_json_rows(web) -> None:
    _, document = app_and_document()
    owner = await create_partner_with_user(web.pool, "alpha", "owner")
    ids = await seed_event(web.pool, owner.partner_id, "CONTRACT RUN", reads=30)
    ids = await seed_results(web.pool, owner.partner_id, ids)
    key = await make_key(web.pool, owner.partner_id)
    for path in ("/api/v1/events", "/api/v1/sessions", "/api/v1/reads", "/api/v1/participants",
                 "/api/v1/displays", "/api/v1/sessions/{session_id}/results",
                 "/api/v1/public/{token}/results"):  # fmt: skip
        schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
        url = path.format(**ids)
        page = await (await api(web, "GET", url, key)).get_json()
        checker(document, schema["schema"]).validate(page)
        assert page["data"], path
        lines = await (await api(web, "GET", f"{url}?format=ndjson", key)).get_data(as_text=True)
        assert [json.loads(line) for line in lines.splitlines()] == page["data"]
        text = await (await api(web, "GET", f"{url}?format=csv", key)).get_data(as_text=True)
        header, *rows = text.splitlines()
        assert header.split(",") == list(page["data"][0]) and len(rows) == len(page["data"])
