"""The README's first run, through the real `p88` command: `p88 serve` on an empty database
prints a setup link that works; `p88 partner add --owner`, `p88 user add`, `p88 admin create`
and `p88 user reset-password` print links that open the right pages."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import trio
from click.testing import CliRunner

from p88.cli import main
from p88.db.pool import connect, open_bridge

LINK = re.compile(r"(http://[\w.:]+)(/(?:setup|reset|invite)/[A-Za-z0-9_-]+)")


async def get_page(url: str) -> tuple[int, bytes]:
    """GET over a raw socket, reading exactly Content-Length bytes (the server keeps the
    connection open for reuse, so reading to EOF would wait forever)."""
    host_port, _, path = url.removeprefix("http://").partition("/")
    host, port = host_port.rsplit(":", 1)
    with trio.fail_after(10):
        async with await trio.open_tcp_stream(host, int(port)) as stream:
            await stream.send_all(f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\n\r\n".encode())
            raw = b""
            while b"\r\n\r\n" not in raw:
                raw += await stream.receive_some(65536)
            head, _, body = raw.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))
            while len(body) < length:
                body += await stream.receive_some(65536)
    return int(head.split()[1]), body


async def platform_admin(dsn: str, email: str) -> bool:
    async with open_bridge(), connect(dsn) as conn:
        return bool(
            await conn.fetchval("SELECT is_platform_admin FROM users WHERE email = $1", email)
        )


def write_config(tmp_path: Path, dsn: str) -> Path:
    path = tmp_path / "p88.toml"
    path.write_text(
        f'[database]\ndsn = "{dsn}"\ndata_dir = "{tmp_path / "data"}"\n'
        '[collector]\nbind = "127.0.0.1:0"\n[status]\nbind = "127.0.0.1:0"\n'
        '[web]\nbind = "127.0.0.1:0"\n',
        encoding="utf-8",
    )
    return path


async def test_serve_prints_a_working_setup_link(dsn, tmp_path) -> None:
    config = write_config(tmp_path, dsn)
    process = await trio.lowlevel.open_process(
        [
            sys.executable,
            "-c",
            "from p88.cli import main; main()",
            "serve",
            "--config",
            str(config),
        ],
        stderr=subprocess.PIPE,
        # As on a server or in a container: platformdirs warned on import without it.
        env={name: value for name, value in os.environ.items() if name != "XDG_RUNTIME_DIR"},
    )
    output = b""
    try:
        with trio.fail_after(60):
            # The whole line: a chunk may end in the middle of the token.
            while not re.search(LINK.pattern + r"\s*\n", output.decode(errors="replace")):
                chunk = await process.stderr.receive_some(4096)
                assert chunk, f"p88 serve ended without a setup link:\n{output.decode()}"
                output += chunk
        base, path = LINK.search(output.decode()).groups()
        assert "No administrator yet" in output.decode()
        assert "Warning" not in output.decode()  # nothing an operator should not have to read
        status, body = await get_page(base + path)
        assert status == 200 and b"Welcome to p88" in body
    finally:
        process.send_signal(signal.SIGINT)
        with trio.move_on_after(30):
            await process.wait()
        if process.returncode is None:
            process.kill()


def test_shell_commands_print_one_time_links(dsn, tmp_path) -> None:
    config = str(write_config(tmp_path, dsn))
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(main, [*args, "--config", config], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    out = run(
        "partner", "add", "fast-timing", "--name", "Fast Timing", "--owner", "Boss@Fast.example"
    )
    assert "partner fast-timing created" in out and LINK.search(out).group(2).startswith("/invite/")
    out = run("user", "add", "op@fast.example", "--partner", "fast-timing", "--role", "operator")
    assert "op@fast.example is operator of fast-timing" in out
    assert LINK.search(out).group(2).startswith("/reset/")
    out = run("admin", "create", "root@example.com")
    assert LINK.search(out).group(2).startswith("/reset/")
    assert not trio.run(platform_admin, dsn, "op@fast.example")
    out = run("admin", "create", "Op@Fast.example")  # an existing account becomes one too
    assert "platform admin op@fast.example" in out
    assert trio.run(platform_admin, dsn, "op@fast.example")
    out = run("user", "reset-password", "op@fast.example")
    assert LINK.search(out).group(2).startswith("/reset/")
    failed = runner.invoke(
        main, ["user", "reset-password", "ghost@example.com", "--config", config]
    )
    assert failed.exit_code != 0 and "no account for ghost@example.com" in failed.output
    failed = runner.invoke(
        main, ["user", "add", "x@y.example", "--partner", "nope", "--config", config]
    )
    assert failed.exit_code != 0 and "no partner 'nope'" in failed.output
    failed = runner.invoke(main, ["partner", "add", "fast-timing", "--config", config])
    assert failed.exit_code != 0 and "already exists" in failed.output
