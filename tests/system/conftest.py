"""Fixtures for whole-server tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.system.own_postgres import OwnPostgres


@pytest.fixture
def own_postgres(tmp_path: Path) -> Iterator[OwnPostgres]:
    """A PostgreSQL of the test's own, which the test may stop and start."""
    pg = OwnPostgres(tmp_path / "pg")
    yield pg
    pg.stop()
