"""The OpenAPI 3.1 document of /api/v1, generated from the routes by quart-schema.

Views declare what they answer with `documented(...)`; the document adds what every data API
operation shares (the API key and its scope, the problem answers, a list's filters, page and
formats) and, by hand, the push stream, which is a websocket p88 serves outside Quart
(p88.web.push.api_stream) and so has no Quart route for quart-schema to see.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from pydantic import BaseModel
from quart import Quart
from quart_schema import Info, QuartSchema
from quart_schema.openapi import OpenAPIProvider
from quart_schema.validation import QUART_SCHEMA_REQUEST_ATTRIBUTE, DataSource
from quart_schema.validation import QUART_SCHEMA_RESPONSE_ATTRIBUTE as RESPONSES
from werkzeug.routing import Rule

from p88.db.api_query import BOOL, DATE, INT, LOCAL_TIME, TIME, Listing
from p88.web.api.access import SCOPE_ATTRIBUTE
from p88.web.api.models import Problem
from p88.web.api.params import DEFAULT_LIMIT, FORMATS, MAX_LIMIT
from p88.web.api.stream_doc import STREAM_MODELS, stream_path

F = TypeVar("F", bound=Callable[..., Any])

LISTING_ATTRIBUTE = "p88_api_listing"
WRITE_ATTRIBUTE = "p88_api_write"
SEARCH_ATTRIBUTE = "p88_api_search"
ALSO_ATTRIBUTE = "p88_api_also"
PUBLIC_ATTRIBUTE = "p88_api_public"
BODY_ATTRIBUTE = "p88_api_body"  # a body that is no write (Ask): its problems and formats
PREFIX = "/api/v1/"
SECURITY = "apiKey"

_KIND_HINTS = {
    INT: "a whole number",
    BOOL: "true or false",
    DATE: "a day, 2026-05-08",
    TIME: "an instant with zone, 2026-05-08T09:00:00Z",
    LOCAL_TIME: "an event-local time, 2026-05-08T09:00:00.25",
}

PROBLEM_TEXT = {
    "400": "A parameter or the body is wrong; `detail` says what to change",
    "401": "No API key, or an unknown, revoked or expired one",
    "403": "The key lacks the scope this needs",
    "404": "No such thing among what the key may read",
    "409": "The request conflicts with the data (`detail` says how)",
    "413": "The body is too large",
    "415": "The body is not JSON",
    "422": "The body's values cannot be taken (`errors` lists them)",
    "429": "The plan's daily request limit is reached (see Retry-After); without a key, too "
    "many unknown links from this address",
    "500": "p88 failed; try again",
    "503": "Not available just now (`detail` says why, such as results being prepared); "
    "try again (see Retry-After)",
}
READ_PROBLEMS = ("400", "401", "403", "404", "429", "500")
PUBLIC_PROBLEMS = ("400", "404", "429", "500", "503")  # no key: nothing to refuse it for
WRITE_PROBLEMS = (*READ_PROBLEMS, "409", "413", "415", "422")


def documented(model: type[BaseModel], status: int = 200) -> Callable[[F], F]:
    """Declare a view's successful answer (for the document only; views write their own)."""

    def decorate(view: F) -> F:
        schemas = getattr(view, RESPONSES, {})
        schemas[status] = (model, None)
        setattr(view, RESPONSES, schemas)
        return view

    return decorate


def lists(listing: Listing) -> Callable[[F], F]:
    """The view answers a list: its filters, page parameters and formats go in the document."""

    def decorate(view: F) -> F:
        setattr(view, LISTING_ATTRIBUTE, listing)
        return view

    return decorate


def writes(
    body: type[BaseModel] | None = None, *, idempotency: str = "optional"
) -> Callable[[F], F]:
    """The view writes: it takes a JSON body of this shape (or none) and an Idempotency-Key
    header ("required" or "optional")."""

    def decorate(view: F) -> F:
        if body is not None:
            setattr(view, QUART_SCHEMA_REQUEST_ATTRIBUTE, (body, DataSource.JSON))
        setattr(view, WRITE_ATTRIBUTE, idempotency)
        return view

    return decorate


def searches(parameter: str) -> Callable[[F], F]:
    """The list also takes `parameter`: a bib or words of a name."""

    def decorate(view: F) -> F:
        setattr(view, SEARCH_ATTRIBUTE, parameter)
        return view

    return decorate


def takes(body: type[BaseModel], *, csv: bool = False) -> Callable[[F], F]:
    """The view reads a JSON body of this shape without writing anything (no Idempotency-Key);
    with `csv` its answer may also be CSV (format=csv or Accept: text/csv)."""

    def decorate(view: F) -> F:
        setattr(view, QUART_SCHEMA_REQUEST_ATTRIBUTE, (body, DataSource.JSON))
        setattr(view, BODY_ATTRIBUTE, csv)
        return view

    return decorate


def also_answers(*codes: str) -> Callable[[F], F]:
    """Problems the view answers besides its kind's usual ones (such as 409)."""

    def decorate(view: F) -> F:
        setattr(view, ALSO_ATTRIBUTE, codes)
        return view

    return decorate


def public(view: F) -> F:
    """The operation needs no key (it is also in blueprint.PUBLIC_ENDPOINTS)."""
    setattr(view, PUBLIC_ATTRIBUTE, True)
    return view


def _search_parameter(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": "A bib, or words of a name (any case), as the public results search",
        "schema": {"type": "string", "maxLength": 100},
    }


def _body_only(operation: dict[str, Any], csv: bool) -> tuple[str, ...]:
    """A `takes` operation: its format parameter and CSV answer; its problem codes."""
    if csv:
        operation["parameters"].append(
            {
                "name": "format",
                "in": "query",
                "description": "json (default) or csv; or send an Accept header",
                "schema": {"type": "string", "enum": ["json", "csv"]},
            }
        )
        ok = operation["responses"].get(200)
        if ok is not None:
            ok["content"]["text/csv"] = {"schema": {"type": "string"}}
    return (*WRITE_PROBLEMS, "503")


def _filter_parameters(listing: Listing) -> list[dict[str, Any]]:
    found = []
    for column in listing.columns:
        if column.name not in listing.filterable:
            continue
        operators = ", ".join(column.operators)
        hint = _KIND_HINTS.get(column.kind, "text; like takes * or % as wildcards")
        found.append(
            {
                "name": column.name,
                "in": "query",
                "required": False,
                "description": f"Filter: `{column.name}=<operator>.<value>`, operators "
                f"{operators}; value: {hint}; in: `in.(a,b,c)`",
                "schema": {"type": "string", "pattern": f"^({'|'.join(column.operators)})\\."},
            }
        )
    return found


def _page_parameters(listing: Listing) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = [
        {
            "name": "limit",
            "in": "query",
            "description": f"Rows per page, 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT}). "
            "With format csv or ndjson and no limit, every row is streamed in one answer.",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
        },
        {
            "name": "next",
            "in": "query",
            "description": "Opaque token from the previous page's `next` link",
            "schema": {"type": "string"},
        },
        {
            "name": "format",
            "in": "query",
            "description": "json (default), csv or ndjson; or send an Accept header",
            "schema": {"type": "string", "enum": list(FORMATS)},
        },
    ]
    if listing.key_column.kind == INT:
        found.append(
            {
                "name": "since",
                "in": "query",
                "description": "Only rows whose id is above this (mirroring: the last id you hold)",
                "schema": {"type": "integer", "minimum": 0},
            }
        )
    return found


class ApiDocument(OpenAPIProvider):
    """quart-schema's generator, limited to /api/v1 and completed with what routes share."""

    def generate_rules(self) -> Iterable[Rule]:
        for rule in super().generate_rules():
            if rule.rule.startswith(PREFIX) and rule.endpoint != "api.openapi":
                yield rule

    def build_paths(self, rule: Rule) -> tuple[dict[str, Any], dict[str, Any]]:
        paths, components = super().build_paths(rule)
        view = self._app.view_functions[rule.endpoint]
        for operations in paths.values():
            for method, operation in list(operations.items()):
                operations[method] = self._complete(copy.deepcopy(operation), view)
        return paths, components

    def _complete(self, operation: dict[str, Any], view: Any) -> dict[str, Any]:
        scope = getattr(view, SCOPE_ATTRIBUTE, None)
        if scope is not None:
            operation["security"] = [{SECURITY: [scope]}]
        is_public = getattr(view, PUBLIC_ATTRIBUTE, False)
        if is_public:
            operation["security"] = []
        listing: Listing | None = getattr(view, LISTING_ATTRIBUTE, None)
        if listing is not None:
            operation["parameters"] += _page_parameters(listing) + _filter_parameters(listing)
            search = getattr(view, SEARCH_ATTRIBUTE, None)
            if search is not None:
                operation["parameters"].append(_search_parameter(search))
            ok = operation["responses"].get(200)
            if ok is not None:
                text = {"schema": {"type": "string"}}
                ok["content"]["text/csv"] = text
                ok["content"]["application/x-ndjson"] = text
                ok["headers"] = {
                    "ETag": {"schema": {"type": "string"}},
                    "Link": {
                        "description": 'CSV/NDJSON pages: `<next page>; rel="next"`',
                        "schema": {"type": "string"},
                    },
                }
            operation["responses"]["304"] = {"description": "Not modified (If-None-Match)"}
        idempotency = getattr(view, WRITE_ATTRIBUTE, None)
        if idempotency is not None:
            operation["parameters"].append(
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": idempotency == "required",
                    "description": "Any unique text (such as a UUID): a retry with the same "
                    "key gets the first answer instead of writing twice",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
                }
            )
        codes: tuple[str, ...] = READ_PROBLEMS if idempotency is None else WRITE_PROBLEMS
        body_only: bool | None = getattr(view, BODY_ATTRIBUTE, None)
        if body_only is not None:
            codes = _body_only(operation, body_only)
        if is_public:
            codes = PUBLIC_PROBLEMS
        for code in (*codes, *getattr(view, ALSO_ATTRIBUTE, ())):
            operation["responses"][code] = {
                "description": PROBLEM_TEXT[code],
                "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                },
            }
        operation["responses"] = {str(k): v for k, v in operation["responses"].items()}
        return operation

    def schema(self) -> dict[str, Any]:
        document = super().schema()
        schemas = document["components"]["schemas"]
        for model in (Problem, *STREAM_MODELS):
            self._add_model(schemas, model)
        document["paths"] = dict(document["paths"])
        document["paths"][f"{PREFIX}stream"] = stream_path(SECURITY)
        return document

    def _add_model(self, schemas: dict[str, Any], model: type[BaseModel]) -> None:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema


def api_document(app: Quart) -> dict[str, Any]:
    """The document, built once per app (routes do not change after start)."""
    cached: dict[str, Any] | None = app.extensions.get("p88_openapi")
    if cached is None:
        app.config.setdefault("QUART_SCHEMA_CONVERSION_PREFERENCE", "pydantic")
        app.config.setdefault("QUART_SCHEMA_CONVERT_CASING", False)
        app.config.setdefault("QUART_SCHEMA_PYDANTIC_DUMP_OPTIONS", {})
        settings = QuartSchema(
            openapi_path=None,
            info=Info(
                title="p88 data API",
                version="1",
                description="Events, timing sessions and points, reads, participants, "
                "results and corrections, and displays of one timing company, for its own "
                "software; published results without a key. A guide with examples is at /api.",
            ),
            security_schemes={SECURITY: {"type": "http", "scheme": "bearer"}},
        )
        cached = ApiDocument(app, settings).schema()
        cached["components"]["securitySchemes"][SECURITY]["description"] = (
            "An API key made on Admin -> API keys, sent as `Authorization: Bearer <key>`. "
            "Its scopes: read, write:participants, write:results, write:displays, stream."
        )
        app.extensions["p88_openapi"] = cached
    return cached
