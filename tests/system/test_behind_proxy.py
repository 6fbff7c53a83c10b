"""The whole server behind a TLS proxy on this machine: over a real socket, p88 believes the
forwarded scheme from a trusted proxy (Secure cookies, HSTS) and from nobody else."""

from __future__ import annotations

from pathlib import Path

import trio

from tests.conftest import make_config
from tests.system.serving import running_server


async def head_of(web_url: str, extra: str) -> str:
    host, port = web_url.split("://", 1)[1].rsplit(":", 1)
    request = f"GET /login HTTP/1.1\r\nHost: timing.example\r\n{extra}Connection: close\r\n\r\n"
    with trio.fail_after(10):
        stream = await trio.open_tcp_stream(host, int(port))
        async with stream:
            await stream.send_all(request.encode())
            answer = b""
            while b"\r\n\r\n" not in answer and (data := await stream.receive_some(65536)):
                answer += data
    return answer.partition(b"\r\n\r\n")[0].decode("latin-1").lower()


async def test_a_trusted_proxy_gets_secure_cookies_and_hsts(dsn: str, tmp_path: Path) -> None:
    forwarded = "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n"
    config = make_config(dsn, tmp_path, web={"trusted_proxies": ["127.0.0.1"]})
    async with running_server(config) as running:
        head = await head_of(running.web_url, forwarded)
        assert "strict-transport-security: max-age=31536000" in head
        assert "set-cookie: p88_csrf=" in head and "; secure" in head
        plain = await head_of(running.web_url, "")
        assert "strict-transport-security" not in plain and "; secure" not in plain
    config = make_config(dsn, tmp_path / "other", web={"trusted_proxies": ["10.0.0.0/8"]})
    async with running_server(config) as running:
        head = await head_of(running.web_url, forwarded)
        assert "strict-transport-security" not in head and "; secure" not in head
