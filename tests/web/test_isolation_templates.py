"""Isolation, area `templates`: partner A asks for every template route with partner B's ids.

Every read, change and delete of B's templates and images is a 404 (never a 403, which would
reveal that the id exists), and B's rows are unchanged afterwards.
"""

from __future__ import annotations

import json

from p88.db import templates as db
from p88.db.tenancy import tenant_transaction
from p88.layouts import export_bytes, sample_document
from tests.web.isolation import assert_404, two_partners
from tests.web.support import (
    create_partner_with_user,
    csrf_token_of,
    post_form,
    post_json,
    signed_in_client,
)
from tests.web.test_templates_pages import _file, png_bytes

COVERED_RULES: set[str] = {
    "/templates",  # GET list (B's names absent), POST create (no id to aim at B)
    "/templates/import",  # POST: B's image ids in the file are dropped
    "/templates/schema.json",  # GET: the same for everyone, no partner data
    "/templates/<int:template_id>/builder",
    "/templates/<int:template_id>/document",  # GET and PUT
    "/templates/<int:template_id>/export",
    "/templates/<int:template_id>/duplicate",
    "/templates/<int:template_id>/delete",
    "/templates/images",  # GET list (B's images absent), POST upload (A's own row)
    "/templates/images/<int:image_id>",
}


async def seed_templates(web, bravo) -> tuple[int, int]:
    async with tenant_transaction(web.pool, bravo.partner_id) as conn:
        image = await db.add_image(conn, bravo.partner_id, "secret.png", "image/png", png_bytes())
        document = sample_document("finish")
        document["canvas"]["backgroundImage"] = image.id
        template_id = await db.create_template(
            conn, bravo.partner_id, "Bravo secret screen", document, bravo.email
        )
    return template_id, image.id


async def test_partner_a_gets_404_for_every_route_with_partner_b_ids(web) -> None:
    pair = await two_partners(web)
    bravo = pair.b
    b_template, b_image = await seed_templates(web, bravo)
    client = await signed_in_client(web.app, pair.a)

    for url in (
        f"/templates/{b_template}/builder",
        f"/templates/{b_template}/document",
        f"/templates/{b_template}/export",
        f"/templates/images/{b_image}",
    ):
        await assert_404(client, "GET", url)
        assert "Bravo secret" not in await (await client.get(url)).get_data(as_text=True)
    await assert_404(
        client,
        "PUT",
        f"/templates/{b_template}/document",
        {"name": "pwned", "document": sample_document("blank")},
    )
    await assert_404(client, "POST", f"/templates/{b_template}/duplicate")
    await assert_404(client, "POST", f"/templates/{b_template}/delete")
    schema = await (await client.get("/templates/schema.json")).get_data(as_text=True)
    assert "Bravo" not in schema

    # A's own template may not point at B's image, directly or through an import.
    own = await post_form(client, "/templates", {"name": "Mine", "preset": "blank"})
    own_id = int(own.headers["Location"].split("/")[2])
    stealing = sample_document("blank")
    stealing["canvas"]["backgroundImage"] = b_image
    put_own = await post_json(
        client, f"/templates/{own_id}/document", {"document": stealing}, method="PUT"
    )
    assert put_own.status_code == 422
    token = await csrf_token_of(client)
    imported = await client.post(
        "/templates/import",
        form={"csrf_token": token},
        files={"file": _file(export_bytes("Imported", stealing), "t.json")},
    )
    assert imported.status_code == 302
    new_id = int(imported.headers["Location"].split("/")[2].split("?")[0])
    answer = await (await client.get(f"/templates/{new_id}/document")).get_json()
    assert answer["document"]["canvas"]["backgroundImage"] is None

    # A's lists show A's things only.
    listing = await (await client.get("/templates")).get_data(as_text=True)
    assert "Bravo secret screen" not in listing and "Mine" in listing
    images = await (await client.get("/templates/images")).get_json()
    assert images["images"] == []

    # B's rows are untouched.
    async with tenant_transaction(web.pool, bravo.partner_id) as conn:
        stored = await db.get_template(conn, bravo.partner_id, b_template)
        assert stored is not None
        assert stored.name == "Bravo secret screen"
        assert stored.document["canvas"]["backgroundImage"] == b_image
        assert len(await db.list_templates(conn, bravo.partner_id)) == 1
        assert await db.get_image(conn, bravo.partner_id, b_image) is not None


async def test_same_image_bytes_uploaded_by_two_partners_are_two_rows(web) -> None:
    bravo = await create_partner_with_user(web.pool, "bravo", role="owner")
    _template, b_image = await seed_templates(web, bravo)
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    client = await signed_in_client(web.app, alpha)
    token = await csrf_token_of(client)
    response = await client.post(
        "/templates/images",
        files={"file": _file(png_bytes(), "mine.png")},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 201
    mine = json.loads(await response.get_data(as_text=True))
    assert mine["id"] != b_image and mine["name"] == "mine.png"
