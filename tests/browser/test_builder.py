"""The template builder in headless Debian chromium against the whole server.

Drag an element from the palette onto the canvas and move it with the mouse, edit properties in
the side panel, undo and redo (buttons and keyboard), move with the arrow keys, save, reload and
see the change persisted in the page and in the database. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import trio

from p88.db.pool import open_bridge, open_pool
from p88.db.templates import create_template, get_template
from p88.db.tenancy import tenant_transaction
from p88.layouts import sample_document, validate_document
from tests.browser.builder_driver import NEW_ID
from tests.browser.chromium import requires_chromium
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.web.support import create_partner_with_user

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]


@requires_chromium
async def test_build_a_template_in_the_browser(dsn, tmp_path) -> None:
    pytest.importorskip("playwright")
    # The server's pool lives in the server's own asyncio bridge; the test uses its own.
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        account = await create_partner_with_user(pool, "alpha", role="operator")
        async with tenant_transaction(pool, account.partner_id) as conn:
            template_id = await create_template(
                conn, account.partner_id, "Finish line", sample_document("finish"), None
            )
            others = [
                f"{kind}:"
                + str(
                    await create_template(
                        conn, account.partner_id, kind, sample_document(kind), None
                    )
                )
                for kind in ("portrait", "led", "results")
            ]
    async with running_server(make_config(dsn, tmp_path)) as running:
        # Playwright's sync API needs a plain asyncio loop; trio-asyncio owns the loop policy
        # in this process, so the browser is driven from a child process.
        args = [running.web_url, account.email, account.password, str(template_id), *others]
        done = await trio.run_process(
            [sys.executable, "-m", "tests.browser.builder_driver", *args],
            capture_stdout=True,
            check=False,
            cwd=str(ROOT),
        )
        assert done.returncode == 0, "the browser run failed (see its output above)"
        seen = json.loads(done.stdout.decode().strip().splitlines()[-1])
    assert seen["errors"] == []
    async with open_bridge(), open_pool(dsn, max_size=1) as pool:
        async with tenant_transaction(pool, account.partner_id) as conn:
            stored = await get_template(conn, account.partner_id, template_id)
    assert stored is not None
    assert validate_document(stored.document) == []
    added = [e for e in stored.document["elements"] if e["id"] == NEW_ID]
    assert len(added) == 1
    assert added[0]["type"] == "custom_text"
    assert added[0]["options"]["text"] == "Welcome, runners!"
    assert added[0]["style"]["fontSize"] == 90
    assert added[0]["style"]["color"] == "#ffd166"
    assert added[0]["x"] == seen["final_x"]
    assert stored.updated_by == account.email
