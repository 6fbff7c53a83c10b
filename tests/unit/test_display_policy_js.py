"""Runs the display's JavaScript unit tests (tests/js/*.test.mjs) with Node's own test runner."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_display_burst_policy_javascript() -> None:
    node = shutil.which("node")
    if node is None:
        # .ci/run installs Node: in CI a missing node is a broken install, never a skip.
        assert not os.environ.get("CI"), "node is missing: .ci/run should have installed it"
        pytest.skip("node is not installed (bash .ci/run installs it)")
    tests = sorted(str(p) for p in (ROOT / "tests" / "js").glob("*.test.mjs"))
    result = subprocess.run(
        [node, "--test", *tests], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# fail 0" in result.stdout
