"""Secret URL tokens never reach a log line: requests on token URLs that crash are logged by
`p88 serve`'s handler with the token replaced."""

from __future__ import annotations

import io
import logging
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trio

from p88.commands.common import setup_logging
from p88.db.pool import connect, open_bridge
from p88.logredact import REDACTED, RedactTokens, redact
from tests.conftest import make_config
from tests.system.serving import running_server

BROKEN = ("displays", "account_tokens", "invitations")  # renamed: token lookups then fail


@pytest.fixture
def serve_log() -> Iterator[io.StringIO]:
    """What `p88 serve` writes to stderr, into a buffer; the logging set-up undone after."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    hypercorn = [logging.getLogger(n) for n in ("hypercorn.error", "hypercorn.access")]
    filters = [list(logger.filters) for logger in hypercorn]
    buffer = io.StringIO()
    handler = setup_logging(False, stream=buffer)
    yield buffer
    root.removeHandler(handler)
    root.setLevel(level)
    for kept in handlers:
        kept.filters = [f for f in kept.filters if not isinstance(f, RedactTokens)]
    for logger, kept_filters in zip(hypercorn, filters, strict=True):
        logger.filters = kept_filters


async def status_of(web_url: str, path: str) -> int:
    host, port = web_url.split("://", 1)[1].rsplit(":", 1)
    with trio.fail_after(10):
        stream = await trio.open_tcp_stream(host, int(port))
        async with stream:
            await stream.send_all(
                f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
            )
            answer = b""
            while b"\r\n" not in answer and (data := await stream.receive_some(65536)):
                answer += data
    return int(answer.split()[1])


@pytest.mark.expect_log_errors(r"p88.web.app: Exception on request GET /(d|reset|invite|setup)/")
async def test_errors_on_token_urls_are_logged_without_the_token(
    dsn: str, tmp_path: Path, serve_log: io.StringIO
) -> None:
    tokens = [secrets.token_urlsafe(24) for _ in range(6)]
    paths = [
        f"/d/{tokens[0]}",
        f"/d/{tokens[1]}/images/5?key={tokens[2]}",
        f"/reset/{tokens[3]}",
        f"/invite/{tokens[4]}",
        f"/setup/{tokens[5]}",
    ]
    async with running_server(make_config(dsn, tmp_path)) as running:
        async with open_bridge(), connect(dsn) as conn:
            for table in BROKEN:
                await conn.execute(f"ALTER TABLE {table} RENAME TO {table}_gone")
        for path in paths:
            assert await status_of(running.web_url, path) == 500, path
    written = serve_log.getvalue()
    assert written.count("Exception on request GET /") == len(paths), written[-3000:]
    for token in tokens:
        assert token not in written, f"a token reached the log:\n{written[-3000:]}"
    assert "Traceback" in written and REDACTED in written


def test_redact_keeps_the_rest_of_the_line() -> None:
    line = "GET /d/abc_-123/images/5?kiosk=1 500"
    assert redact(line) == "GET /d/[redacted]/images/5?kiosk=1 500"
    assert redact("/reset/t0k 'x'") == "/reset/[redacted] 'x'"
    assert redact("GET /r/Res_ults-Link/bib/12 200") == "GET /r/[redacted]/bib/12 200"
    assert redact("/sessions/3?token=s3cret&x=1") == "/sessions/3?token=[redacted]&x=1"
    for untouched in ("p88/web/views/display_public.py", "/data/x", "/sessions/3/d"):
        assert redact(untouched) == untouched


def test_the_filter_redacts_args_and_exceptions() -> None:
    args = ("/invite/Tok3nOne",)
    record = logging.LogRecord("p88", logging.ERROR, __file__, 1, "on %s", args, None)
    try:
        raise ValueError("bad link /setup/Tok3nTwo")
    except ValueError:
        record.exc_info = sys.exc_info()
    assert RedactTokens().filter(record)
    text = logging.Formatter().format(record)
    assert "Tok3n" not in text, text
    assert text.startswith(f"on /invite/{REDACTED}\n") and f"/setup/{REDACTED}" in text
