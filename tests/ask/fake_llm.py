"""A fake LLM server for the tests (the only fake Ask's tests use): real HTTP/1.1 over a real
socket (h11), speaking Ollama's /api/chat or OpenAI's /v1/chat/completions wire format, and
answering each request with the next scripted behaviour: a reply, a delay, an HTTP error,
a body that is not JSON, or a dropped connection."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import h11
import trio


@dataclass(frozen=True, slots=True)
class Say:
    """Answer with this content (the model's text), as the backend's JSON."""

    content: str
    delay: float = 0.0


@dataclass(frozen=True, slots=True)
class Status:
    code: int
    body: bytes = b'{"error": "model not loaded"}'


@dataclass(frozen=True, slots=True)
class Raw:
    """A 200 whose body is exactly this (not the backend's JSON)."""

    body: bytes


@dataclass(frozen=True, slots=True)
class Hang:
    """Never answer."""


@dataclass(frozen=True, slots=True)
class Drop:
    """Close the connection without answering."""


def sql_reply(sql: str | None, explanation: str = "as asked") -> str:
    return json.dumps({"sql": sql, "explanation": explanation})


@dataclass(slots=True)
class FakeLlm:
    backend: str  # ollama | openai
    script: list[Any] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    url: str = ""

    def body(self, content: str) -> bytes:
        if self.backend == "ollama":
            return json.dumps({
                "model": "llama3.1:8b", "created_at": "2026-12-04T12:00:00Z",
                "message": {"role": "assistant", "content": content},
                "done_reason": "stop", "done": True, "total_duration": 1000,
            }).encode()  # fmt: skip
        return json.dumps({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1764849600,
            "model": "llama3.1:8b",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                         "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 40, "total_tokens": 940},
        }).encode()  # fmt: skip

    async def handle(self, stream: trio.SocketStream) -> None:
        conn = h11.Connection(h11.SERVER)
        body = b""
        target = ""
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                data = await stream.receive_some(65536)
                if not data:
                    return
                conn.receive_data(data)
            elif isinstance(event, h11.Request):
                target = event.target.decode()
                self.headers.append({k.decode(): v.decode() for k, v in event.headers})
            elif isinstance(event, h11.Data):
                body += bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                break
        self.paths.append(target)
        self.requests.append(json.loads(body))
        step = self.script.pop(0) if self.script else Status(500, b'{"error": "no script"}')
        await self._answer(stream, conn, step)

    async def _answer(self, stream: trio.SocketStream, conn: h11.Connection, step: Any) -> None:
        if isinstance(step, Drop):
            await stream.aclose()
            return
        if isinstance(step, Hang):
            await trio.sleep_forever()
        code, payload = 200, b""
        if isinstance(step, Say):
            await trio.sleep(step.delay)
            payload = self.body(step.content)
        elif isinstance(step, Status):
            code, payload = step.code, step.body
        elif isinstance(step, Raw):
            payload = step.body
        headers = [("content-type", "application/json"), ("content-length", str(len(payload)))]
        out = conn.send(h11.Response(status_code=code, headers=headers))
        out += conn.send(h11.Data(data=payload)) + conn.send(h11.EndOfMessage())
        await stream.send_all(out)
        await stream.aclose()


@asynccontextmanager
async def fake_llm(backend: str, *script: Any) -> AsyncIterator[FakeLlm]:
    fake = FakeLlm(backend, list(script))
    async with trio.open_nursery() as nursery:
        listeners = await nursery.start(
            partial(trio.serve_tcp, _guarded(fake), 0, host="127.0.0.1")
        )
        host, port = listeners[0].socket.getsockname()[:2]
        fake.url = f"http://{host}:{port}"
        try:
            yield fake
        finally:
            nursery.cancel_scope.cancel()


def _guarded(fake: FakeLlm) -> Any:
    async def handler(stream: trio.SocketStream) -> None:
        try:
            await fake.handle(stream)
        except (trio.BrokenResourceError, trio.ClosedResourceError, h11.RemoteProtocolError):
            pass  # the client gave up (its timeout): nothing to answer

    return handler


async def closed_port_url() -> str:
    """The address of a port nothing listens on (a server that is down)."""
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    for listener in listeners:
        await listener.aclose()
    return f"http://127.0.0.1:{port}"
