"""The Ask page in headless Debian chromium against the whole server over the demo race set:
a question typed in, the answer's table, bar chart and SQL on the page, the CSV downloaded,
a suggested question asked with one click. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import trio

from p88.db.pool import open_bridge, open_pool
from tests.browser.chromium import requires_chromium
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.web.support import add_user

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
QUESTION = "How many finishers per course at the Shamrock Marathon 2025?"


@requires_chromium
async def test_ask_a_question_in_the_browser(demo_dsn, tmp_path) -> None:
    pytest.importorskip("playwright")
    async with open_bridge(), open_pool(demo_dsn, max_size=1) as pool:
        viewer = await add_user(pool, "big-river", "viewer")
    async with running_server(make_config(demo_dsn, tmp_path)) as running:
        args = [running.web_url, viewer.email, viewer.password, QUESTION]
        done = await trio.run_process(
            [sys.executable, "-m", "tests.browser.ask_driver", *args],
            capture_stdout=True,
            capture_stderr=True,
            check=False,
            cwd=str(ROOT),
        )
    output = done.stdout.decode()
    assert done.returncode == 0, f"the browser run failed: {output}\n{done.stderr.decode()}"
    seen = json.loads(output.strip().splitlines()[-1])
    assert seen["errors"] == []
    assert seen["suggestions"] > 5
    assert seen["header"] == ["course", "runners"]
    assert [row[0] for row in seen["rows"]] == ["8K", "Half Marathon", "Marathon"]
    assert seen["chart_kind"] == "bar" and seen["bars"] == 3
    assert seen["sql"].startswith("SELECT course,") and "GROUP BY course" in seen["sql"]
    assert "Shamrock Marathon 2025" in seen["understood"]
    assert seen["csv_name"].startswith("p88-answer-") and seen["csv_name"].endswith(".csv")
    lines = seen["csv"].splitlines()
    assert lines[0] == "course,runners" and len(lines) == 4
    assert lines[1:] == [",".join(row) for row in seen["rows"]]
    assert seen["suggestion_outcome"] == "answered", seen["suggestion"]
    assert seen["history"] == 2
