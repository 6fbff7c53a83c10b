"""`p88 demo` as a new user runs it: one command, its own embedded PostgreSQL, a simulated race,
and display links that show runners crossing."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import trio

from tests.system.wsclient import WsClient, http_get_page


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_p88_demo_prints_links_that_show_the_race(tmp_path: Path) -> None:
    web, collector, status = free_port(), free_port(), free_port()
    command = [
        str(Path(sys.executable).with_name("p88")), "demo", "--data-dir", str(tmp_path / "demo"),
        "--web", f"127.0.0.1:{web}", "--collector", f"127.0.0.1:{collector}",
        "--status", f"127.0.0.1:{status}", "--runners", "40", "--speed", "200",
    ]  # fmt: skip
    process = await trio.lowlevel.open_process(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env={**os.environ}
    )
    assert process.stdout is not None
    output = b""
    try:
        with trio.fail_after(120):
            while b"Press Ctrl-C" not in output:
                chunk = await process.stdout.receive_some(65536)
                assert chunk, f"p88 demo ended early: {output.decode()}"
                output += chunk
        text = output.decode()
        assert re.search(r"email\s+demo@example\.com", text)
        assert re.search(r"password\s+\S{12,}", text)
        finish = re.search(r"Finish TV\s+(http://\S+)\?kiosk=1", text)
        assert finish is not None, text
        url = finish.group(1)
        status_code, body = await http_get_page(url)
        assert status_code == 200 and b"Finish TV" in body
        page = await WsClient.connect(f"http://127.0.0.1:{web}", url.split(str(web), 1)[1] + "/ws")
        hello = await page.message()
        assert hello["display"]["name"] == "Finish TV" and hello["template"] is not None
        events = list(hello["events"])
        with trio.fail_after(90):
            while not events:
                message = await page.message(seconds=90)
                if message["type"] == "passings":  # a template's screen gets standings too
                    events.extend(message["events"])
        runner = events[0]
        assert runner["loc"] == "FINISH" and runner["p"]["name"] and runner["gun_ms"] > 0
        await page.aclose()
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGINT)
            # serve() lets every service drain for up to 30 s after Ctrl-C.
            with trio.move_on_after(60):
                await process.wait()
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
