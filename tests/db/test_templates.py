"""Template and image queries against a real PostgreSQL, with row-level security behind them."""

from __future__ import annotations

import asyncpg
import pytest

from p88.db import templates as db
from p88.db.database import open_database
from p88.db.partners import create_partner
from p88.db.tenancy import tenant_transaction
from p88.layouts import sample_document
from tests.conftest import make_config

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def test_create_get_update_rename_delete(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as database:
        async with database.pool.acquire() as conn:
            alpha = await create_partner(conn, "alpha", "Alpha Timing")
        pool = database.pool
        async with tenant_transaction(pool, alpha.id) as conn:
            template_id = await db.create_template(
                conn, alpha.id, "Finish", sample_document("finish"), "ann@alpha"
            )
            found = await db.get_template(conn, alpha.id, template_id)
            assert found is not None and found.document == sample_document("finish")
            [summary] = await db.list_templates(conn, alpha.id)
            assert (summary.name, summary.width, summary.height) == ("Finish", 1920, 1080)
            assert summary.elements == len(sample_document("finish")["elements"])

            led = sample_document("led")
            updated = await db.update_template(conn, alpha.id, template_id, led, "bob@alpha")
            assert updated is not None and updated >= found.updated_at
            assert await db.rename_template(conn, alpha.id, template_id, "LED", "bob@alpha")
            again = await db.get_template(conn, alpha.id, template_id)
            assert again is not None
            assert (again.name, again.document, again.updated_by) == ("LED", led, "bob@alpha")

            assert await db.update_template(conn, alpha.id, template_id + 99, led, None) is None
            assert await db.delete_template(conn, alpha.id, template_id)
            assert not await db.delete_template(conn, alpha.id, template_id)
            assert await db.get_template(conn, alpha.id, template_id) is None


async def test_partners_never_see_or_touch_each_others_templates(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as database:
        async with database.pool.acquire() as conn:
            alpha = await create_partner(conn, "alpha", "Alpha Timing")
            bravo = await create_partner(conn, "bravo", "Bravo Timing")
        pool = database.pool
        async with tenant_transaction(pool, bravo.id) as conn:
            b_template = await db.create_template(
                conn, bravo.id, "Bravo", sample_document("blank"), None
            )
            b_image = await db.add_image(conn, bravo.id, "b.png", "image/png", PNG)
        async with tenant_transaction(pool, alpha.id) as conn:
            await db.create_template(conn, alpha.id, "Alpha", sample_document("blank"), None)
            # The application's own filter...
            assert await db.get_template(conn, alpha.id, b_template) is None
            assert await db.get_image(conn, alpha.id, b_image.id) is None
            assert not await db.delete_template(conn, alpha.id, b_template)
            assert await db.existing_image_ids(conn, alpha.id, [b_image.id]) == set()
            # ...and row-level security behind it, even for queries that forget the filter or
            # pass the other partner's id.
            names = {r["name"] for r in await conn.fetch("SELECT name FROM templates")}
            assert names == {"Alpha"}
            assert await conn.fetchval("SELECT count(*) FROM template_images") == 0
            assert await db.get_template(conn, bravo.id, b_template) is None
            status = await conn.execute("UPDATE templates SET name = 'stolen'")
            assert status == "UPDATE 1"  # only its own row
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            async with tenant_transaction(pool, alpha.id) as conn:
                await db.create_template(conn, bravo.id, "Planted", sample_document("blank"), None)
        async with tenant_transaction(pool, bravo.id) as conn:
            found = await db.get_template(conn, bravo.id, b_template)
            assert found is not None and found.name == "Bravo"


async def test_images_are_stored_once_per_partner_and_read_back(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as database:
        async with database.pool.acquire() as conn:
            alpha = await create_partner(conn, "alpha", "Alpha Timing")
        async with tenant_transaction(database.pool, alpha.id) as conn:
            first = await db.add_image(conn, alpha.id, "logo.png", "image/png", PNG)
            second = await db.add_image(conn, alpha.id, "logo-again.png", "image/png", PNG)
            assert second.id == first.id and second.name == "logo.png"
            other = await db.add_image(conn, alpha.id, "other.png", "image/png", PNG + b"\x01")
            assert [i.id for i in await db.list_images(conn, alpha.id)] == [other.id, first.id]
            stored = await db.get_image(conn, alpha.id, first.id)
            assert stored is not None
            assert (stored.content_type, stored.data) == ("image/png", PNG)
            assert len(stored.sha256) == 64 and first.size == len(PNG)
            assert await db.existing_image_ids(conn, alpha.id, [first.id, 999_999]) == {first.id}
            assert await db.delete_image(conn, alpha.id, other.id)
