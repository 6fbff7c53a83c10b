"""A minimal HTTP/1.1 GET over a real socket, so tests depend on no HTTP client library."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import trio


async def http_get(url: str, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(url)
    with trio.fail_after(timeout):
        stream = await trio.open_tcp_stream(parts.hostname or "127.0.0.1", parts.port or 80)
        async with stream:
            path = parts.path or "/"
            await stream.send_all(
                f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nConnection: close\r\n\r\n".encode()
            )
            raw = b""
            while data := await stream.receive_some(65536):
                raw += data
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding") == "chunked":
        body = _unchunk(body)
    return int(status_line.split()[1]), headers, body


def _unchunk(body: bytes) -> bytes:
    out = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        body = rest[size + 2 :]
    return out


async def get_json(url: str) -> tuple[int, Any]:
    status, _, body = await http_get(url)
    return status, json.loads(body)
