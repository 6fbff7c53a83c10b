"""A PostgreSQL of the test's own, for tests that stop and start it (never the shared one)."""

from __future__ import annotations

from pathlib import Path

from p88.db.embedded import EmbeddedPostgres


class OwnPostgres:
    def __init__(self, root: Path) -> None:
        self.server = EmbeddedPostgres(root)
        self.dsn = self.server.start()
        self.server.started_here = True

    def stop(self) -> None:
        self.server.stop()

    def start(self) -> None:
        self.server.start()
        self.server.started_here = True
