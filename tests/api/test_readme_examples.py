"""README.md's section on the data API stays true: every curl command in it is run against a
seeded server (its method, headers, body and address, with the shell variables filled in) and
must answer the status the OpenAPI document gives for success, or the problem shown after it;
the websocat command opens the push stream; every /api/v1 path the section names is a route."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import trio

from p88.web.services import services_of
from tests.api.support import api, make_key, seed_event
from tests.api.test_api_contract import app_and_document
from tests.system.wsclient import WsClient
from tests.web.support import WebHarness, create_partner_with_user

README = Path(__file__).resolve().parents[2] / "README.md"
TITLE = "## The data API (and replacing PostgREST)"
EVENT = "Lake 10K"
BASE = "https://timing.example.com"
# Routes of the results branch, named in the README before they are merged: checked like the
# others as soon as the OpenAPI document has them.
NOT_IN_THE_DOCUMENT = {"/api/v1/openapi.json"}


@dataclass(slots=True)
class Example:
    command: str
    shows: dict[str, Any] | None = None  # the JSON block that follows it: its answer


@dataclass(slots=True)
class Call:
    method: str = "GET"
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None


def section() -> str:
    text = README.read_text()
    start = text.index(TITLE)
    end = text.find("\n## ", start + len(TITLE))
    return text[start:end]


def examples(text: str) -> list[Example]:
    """Each shell command of the section's ```sh blocks (continued lines joined), with the
    JSON block right after its block attached to the block's last command."""
    found: list[Example] = []
    for kind, code in re.findall(r"```(\w+)\n(.*?)```", text, re.S):
        if kind == "json" and found:
            found[-1].shows = json.loads(code)
        elif kind == "sh":
            joined = code.replace("\\\n", " ")
            found += [Example(line.strip()) for line in joined.splitlines() if line.strip()]
    return found


def filled(command: str, values: dict[str, str]) -> list[str]:
    words = shlex.split(re.sub(r"\$(\w+)", lambda m: values[m.group(1)], command))
    return words[: words.index(">>")] if ">>" in words else words


def curl_call(words: list[str]) -> Call:
    assert words[0] == "curl", words
    call, rest = Call(), iter(words[1:])
    for word in rest:
        if word == "-s":
            continue
        if word == "-X":
            call.method = next(rest)
        elif word == "-H":
            name, _, value = next(rest).partition(": ")
            call.headers[name] = value
        elif word == "-d":
            call.body = next(rest)
            call.method = "POST" if call.method == "GET" else call.method
        else:
            assert word.startswith(BASE), f"unexpected curl argument {word!r}"
            call.url = word[len(BASE) :]
    return call


def template_of(path: str, templates: set[str]) -> str | None:
    """The documented path template `path` is an address of, if any."""
    parts = path.rstrip("/").split("/")
    for template in sorted(templates, key=lambda t: t.count("{")):  # literal segments first
        pattern = template.split("/")
        if len(pattern) == len(parts) and all(
            p == q or p.startswith("{") for p, q in zip(pattern, parts, strict=True)
        ):
            return template
    return None


def success_status(document: dict[str, Any], method: str, url: str) -> int:
    path = urlsplit(url).path
    template = template_of(path, set(document["paths"]))
    assert template is not None, f"{method} {path} is not in the OpenAPI document"
    responses = document["paths"][template][method.lower()]["responses"]
    return min(int(code) for code in responses if code.startswith("2"))


async def world(web: WebHarness) -> dict[str, str]:
    owner = await create_partner_with_user(web.pool, "city", "owner")
    ids = await seed_event(web.pool, owner.partner_id, EVENT, reads=30)
    key = await make_key(web.pool, owner.partner_id)
    return {
        "P88": BASE,
        "P88_KEY": key,
        "SESSION": str(ids["session_id"]),
        "LAST_ID": "0",
        "CURSOR": "0",
    }


async def run_curl(web: WebHarness, document: dict[str, Any], example: Example, words: list[str]):
    call = curl_call(words)
    key = call.headers.pop("Authorization").removeprefix("Bearer ")
    body = None if call.body is None else call.body.encode()
    response = await api(web, call.method, call.url, key, headers=call.headers, data=body)
    answer = await response.get_data(as_text=True)
    if example.shows is not None:
        assert json.loads(answer) == example.shows, answer
        assert response.status_code == example.shows["status"]
    else:
        expected = success_status(document, call.method, call.url)
        assert response.status_code == expected, (example.command, answer)
    if call.url == "/api/v1/ask":  # a question the README shows must be understood
        assert json.loads(answer)["outcome"] == "answered", answer


async def open_stream(web: WebHarness, words: list[str]) -> dict[str, Any]:
    """The websocat command's stream, on the harness's push port: its first message."""
    flag, header, address = words[1:]
    assert flag == "-H" and address.startswith(BASE.replace("https", "wss"))
    name, _, value = header.partition(": ")
    target = urlsplit(address)
    async with trio.open_nursery() as nursery:
        await nursery.start(services_of(web.app).streams.run, web.pool, web.hub)
        stream = await WsClient.connect(
            web.push_url, f"{target.path}?{target.query}", headers={name: value}
        )
        hello = await stream.message()
        nursery.cancel_scope.cancel()
    return hello


async def test_every_curl_and_websocat_example_works(web) -> None:
    _, document = app_and_document()
    values = await world(web)
    commands = examples(section())
    assert len(commands) >= 12, commands
    ran = set()
    for example in commands:
        words = filled(example.command, values)
        if words[0] == "websocat":
            hello = await open_stream(web, words)
            assert hello["type"] == "hello" and hello["session"]["event"] == EVENT
        else:
            await run_curl(web, document, example, words)
        ran.add(words[0])
    assert ran == {"curl", "websocat"}


def test_every_path_the_section_names_is_a_route() -> None:
    _, document = app_and_document()
    templates = set(document["paths"]) | NOT_IN_THE_DOCUMENT
    named = set(re.findall(r"/api/v1/[\w{}/.$<>-]*", section()))
    assert len(named) >= 10, named
    for path in named:
        path = re.sub(r"\$\w+", "{x}", path).rstrip(".")
        if "<resource>" in path:
            continue  # the table's "any resource"
        assert template_of(path, templates) is not None, f"README names {path}: no such route"
