"""`p88 serve` as a real child process, for signal and crash tests."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path
from typing import BinaryIO

import trio

from tests.system.http import http_get


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServeProcess:
    def __init__(self, dsn: str, root: Path) -> None:
        self.root = root
        self.collector_port, self.status_port, self.web_port = free_port(), free_port(), free_port()
        self.config = root / "p88.toml"
        self.config.write_text(
            f'[database]\ndsn = "{dsn}"\ndata_dir = "{root / "data"}"\n'
            f'[collector]\nbind = "127.0.0.1:{self.collector_port}"\n'
            f'[status]\nbind = "127.0.0.1:{self.status_port}"\n'
            f'[web]\nbind = "127.0.0.1:{self.web_port}"\n'
        )
        self.process: subprocess.Popen[bytes] | None = None
        self._log_handle: BinaryIO | None = None
        self.runs = 0

    @property
    def log(self) -> Path:
        return self.root / f"serve-{self.runs}.log"

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    @property
    def collector(self) -> tuple[str, int]:
        return ("127.0.0.1", self.collector_port)

    @property
    def status_url(self) -> str:
        return f"http://127.0.0.1:{self.status_port}"

    async def start(self) -> None:
        self.runs += 1
        if self._log_handle is not None:
            self._log_handle.close()  # the log of the previous run, which has ended
        self._log_handle = open(self.log, "wb")  # the child writes to it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "p88", "serve", "--config", str(self.config)],
            stdout=self._log_handle,
            stderr=subprocess.STDOUT,
            cwd=self.root,
        )
        with trio.fail_after(60):
            while True:
                if self.process.poll() is not None:
                    raise RuntimeError(f"p88 serve exited: {self.log.read_text()}")
                try:
                    status, _, _ = await http_get(self.status_url + "/health", timeout=2)
                    if status == 200:
                        return
                except OSError:
                    pass
                await trio.sleep(0.1)

    async def wait(self, timeout: float) -> int:
        assert self.process is not None
        with trio.fail_after(timeout):
            while (code := self.process.poll()) is None:
                await trio.sleep(0.05)
        return code

    def stop(self) -> None:
        """SIGTERM (a graceful shutdown) and wait for the exit."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(60)
        if self.process is not None:
            self._log_handle.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
