"""The push stream `/api/v1/stream` in the OpenAPI document: written by hand (it is a websocket
p88 serves itself, p88.web.push.api_stream), with the models of its messages."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from p88.web.api.models import LOCAL_TIME, Read

KINDS = ("passings", "reads")


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StreamParticipant(_Message):
    bib: str
    name: str
    first: str
    last: str
    gender: str | None
    age_group: str
    city: str
    state: str
    country: str
    team: str
    vip: bool
    message: str
    pronunciation: str


class StreamPlaces(_Message):
    overall: int | None
    gender: int | None
    age_group: int | None


class StreamProvisional(_Message):
    overall: bool
    gender: bool
    age_group: bool


class StreamResult(_Message):
    """The runner's result, on the passing that is their finish (docs/RESULTS.md)."""

    course: str
    status: str = Field(description="finished, running, dnf, dns or dq")
    rank_by: Literal["chip", "gun"]
    ranking_ms: int | None = Field(description="The time the course ranks by")
    place: StreamPlaces
    provisional: StreamProvisional = Field(description="true: someone could still beat it")
    of: int = Field(description="Runners placed on the course so far")


class StreamPassing(_Message):
    """A passing, exactly as display screens receive it (docs/DISPLAYS.md)."""

    id: int = Field(description="The id of the read that made the passing")
    loc: str = Field(description="Timing point")
    tag: str
    lap: int
    t: str = Field(description=LOCAL_TIME)
    gun_ms: int | None = Field(description="Since the runner's wave gun")
    chip_ms: int | None = Field(description="Since the runner's own start crossing")
    p: StreamParticipant | None = Field(description="null: a tag no participant has")
    r: StreamResult | None = Field(None, description="Only on the runner's finish")


class StreamSession(_Message):
    id: int
    event: str
    name: str
    day: str
    status: str


class StreamHello(_Message):
    """The first message."""

    type: Literal["hello"]
    session: StreamSession
    kinds: list[str]
    cursor: int = Field(description="Everything up to this id was sent (or came before since)")


class StreamBatch(_Message):
    """New passings and/or reads (the kinds asked for), ids in increasing order."""

    type: Literal["batch"]
    cursor: int = Field(description="Resume point: reconnect with since=<cursor>")
    passings: list[StreamPassing] | None = None
    reads: list[Read] | None = None


class StreamHeartbeat(_Message):
    type: Literal["heartbeat"]


STREAM_MODELS = (StreamHello, StreamBatch, StreamHeartbeat)

DESCRIPTION = """A websocket (GET with `Upgrade: websocket`) that pushes a session's new
passings and/or reads as they are stored, in id order, for programs (scoreboards, broadcast
graphics, results sites). The key needs the `stream` scope and goes in the handshake's
`Authorization: Bearer <key>` header; a refused handshake is answered with the HTTP status and a
JSON `error` before any upgrade.

Messages (JSON text frames): `StreamHello` first, then `StreamBatch` whenever something new is
stored, and `StreamHeartbeat` every 10 s when quiet. Each batch carries `cursor`: every passing
and read of the asked kinds with an id up to it has been sent. To resume after a disconnect,
reconnect with `since=<last cursor>`: you receive everything after it, each item once, nothing
missed (the stream sends an id only when no read with a lower id can still be stored).
Close codes: 4000 fell behind (reconnect at once with since), 1001 server stopping, 1011 server
error (reconnect with backoff)."""


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "description": description, "schema": schema}


def _problem(text: str) -> dict[str, Any]:
    schema = {"type": "object", "properties": {"error": {"type": "string"}}}
    return {"description": text, "content": {"application/json": {"schema": schema}}}


def stream_path(security: str) -> dict[str, Any]:
    return {
        "get": {
            "operationId": "get_stream",
            "summary": "Push stream of passings and reads (websocket)",
            "description": DESCRIPTION,
            "tags": ["stream"],
            "security": [{security: ["stream"]}],
            "parameters": [
                _query("session", "The timing session to follow", {"type": "integer"}),
                _query(
                    "event",
                    "Or: the event, whose latest session is followed",
                    {"type": "string"},
                ),
                _query(
                    "kinds",
                    "Comma-separated: passings (default), reads",
                    {"type": "string", "pattern": "^(passings|reads)(,(passings|reads))*$"},
                ),
                _query(
                    "since",
                    "Resume after this cursor (the last one received)",
                    {"type": "integer", "minimum": 0},
                ),
            ],
            "responses": {
                "101": {
                    "description": "Switching to the websocket: StreamHello, then StreamBatch "
                    "and StreamHeartbeat messages (see components)",
                },
                "400": _problem("A parameter is wrong"),
                "401": _problem("No API key, or an unknown, revoked or expired one"),
                "403": _problem("The key lacks the stream scope, or may not see the event"),
                "404": _problem("No such session among what the key may read"),
                "429": _problem("The plan's daily request limit is reached"),
            },
        }
    }
