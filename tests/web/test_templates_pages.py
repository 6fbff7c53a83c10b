"""Template pages and the builder's JSON API through the real app and database."""

from __future__ import annotations

import io
import json
import struct
import zlib

from p88.layouts import sample_document
from tests.web.support import (
    create_partner_with_user,
    csrf_token_of,
    post_form,
    post_json,
    signed_in_client,
)


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real (tiny) PNG file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


async def create(client, name: str = "Finish", preset: str = "finish") -> int:
    response = await post_form(client, "/templates", {"name": name, "preset": preset})
    assert response.status_code == 302, await response.get_data(as_text=True)
    location = response.headers["Location"]
    assert location.endswith("/builder")
    return int(location.split("/")[2])


async def upload(client, data: bytes, filename: str = "logo.png"):
    token = await csrf_token_of(client)
    return await client.post(
        "/templates/images",
        files={"file": _file(data, filename)},
        headers={"X-CSRF-Token": token},
    )


def _file(data: bytes, filename: str):
    from werkzeug.datastructures import FileStorage

    return FileStorage(io.BytesIO(data), filename=filename, content_type="application/octet-stream")


async def test_create_list_open_builder_and_read_document(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    client = await signed_in_client(web.app, alpha)
    template_id = await create(client, "Finish line")
    page = await (await client.get("/templates")).get_data(as_text=True)
    assert "Finish line" in page and "1920&times;1080" in page
    builder = await client.get(f"/templates/{template_id}/builder")
    html = await builder.get_data(as_text=True)
    assert builder.status_code == 200
    assert f'data-template-id="{template_id}"' in html and 'data-can-edit="1"' in html
    assert "<script>" not in html
    answer = await (await client.get(f"/templates/{template_id}/document")).get_json()
    assert answer["name"] == "Finish line"
    assert answer["document"] == sample_document("finish")
    assert answer["can_edit"] is True


async def test_put_document_saves_valid_and_rejects_invalid_with_paths(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    client = await signed_in_client(web.app, alpha)
    template_id = await create(client)
    document = sample_document("led")
    document["elements"][0]["x"] = 40
    saved = await post_json(
        client,
        f"/templates/{template_id}/document",
        {"name": "LED wall", "document": document},
        method="PUT",
    )
    assert saved.status_code == 200, await saved.get_data(as_text=True)
    answer = await (await client.get(f"/templates/{template_id}/document")).get_json()
    assert answer["name"] == "LED wall"
    assert answer["document"]["elements"][0]["x"] == 40
    assert answer["updated_by"] == alpha.email

    saved_document = json.loads(json.dumps(document))
    document["elements"][1]["style"]["color"] = "javascript:alert(1)"
    document["elements"][2]["onclick"] = "x"
    bad = await post_json(
        client, f"/templates/{template_id}/document", {"document": document}, method="PUT"
    )
    assert bad.status_code == 422
    errors = (await bad.get_json())["errors"]
    paths = {e["path"] for e in errors}
    assert paths == {"$.elements[1].style.color", "$.elements[2].onclick"}
    unchanged = await (await client.get(f"/templates/{template_id}/document")).get_json()
    assert unchanged["document"] == saved_document


async def test_put_without_csrf_header_is_refused(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    client = await signed_in_client(web.app, alpha)
    template_id = await create(client)
    response = await client.put(
        f"/templates/{template_id}/document", json={"document": sample_document("blank")}
    )
    assert response.status_code == 400
    answer = await (await client.get(f"/templates/{template_id}/document")).get_json()
    assert answer["document"] == sample_document("finish")


async def test_put_rejects_bodies_that_are_not_a_document(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    client = await signed_in_client(web.app, alpha)
    template_id = await create(client)
    token = await csrf_token_of(client)
    url = f"/templates/{template_id}/document"
    headers = {"X-CSRF-Token": token, "Content-Type": "application/json"}
    for body, status in (
        (b"[" * 50_000, 400),
        (b"not json", 400),
        (b'{"name": "x"}', 400),
        (b'{"document": {"version": 1}, "name": ""}', 422),
        (b" " * (600 * 1024), 413),
    ):
        response = await client.put(url, data=body, headers=headers)
        assert response.status_code == status, body[:20]
        assert (await response.get_json())["error"]
    missing = await post_json(
        client, "/templates/999999/document", {"document": sample_document("blank")}, method="PUT"
    )
    assert missing.status_code == 404


async def test_viewer_may_look_but_not_change(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    operator = await signed_in_client(web.app, alpha)
    template_id = await create(operator)
    viewer_account = await create_partner_with_user(web.pool, "alpha", role="viewer")
    viewer = await signed_in_client(web.app, viewer_account)
    assert (await viewer.get("/templates")).status_code == 200
    page = await (await viewer.get(f"/templates/{template_id}/builder")).get_data(as_text=True)
    assert 'data-can-edit="0"' in page
    assert (await viewer.get(f"/templates/{template_id}/export")).status_code == 200
    put = await post_json(
        viewer,
        f"/templates/{template_id}/document",
        {"document": sample_document("blank")},
        method="PUT",
    )
    assert put.status_code == 403
    assert (await post_form(viewer, "/templates", {"preset": "blank"})).status_code == 403
    delete = await post_form(viewer, f"/templates/{template_id}/delete")
    assert delete.status_code == 403
    assert (await upload(viewer, png_bytes())).status_code == 403


async def test_duplicate_and_delete(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    client = await signed_in_client(web.app, alpha)
    template_id = await create(client, "Main screen", "portrait")
    response = await post_form(client, f"/templates/{template_id}/duplicate")
    assert response.status_code == 302
    copy_id = int(response.headers["Location"].split("/")[2])
    assert copy_id != template_id
    copy = await (await client.get(f"/templates/{copy_id}/document")).get_json()
    assert copy["name"] == "Main screen (copy)"
    assert copy["document"] == sample_document("portrait")
    deleted = await post_form(client, f"/templates/{template_id}/delete")
    assert deleted.status_code == 302
    assert (await client.get(f"/templates/{template_id}/document")).status_code == 404
    assert (await client.get(f"/templates/{copy_id}/document")).status_code == 200
    assert (await post_form(client, f"/templates/{template_id}/delete")).status_code == 404


async def test_export_then_import_round_trip(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    client = await signed_in_client(web.app, alpha)
    template_id = await create(client, "Results wall", "results")
    exported = await client.get(f"/templates/{template_id}/export")
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"].startswith("attachment;")
    raw = await exported.get_data()
    payload = json.loads(raw)
    assert payload["format"] == "p88-template" and payload["version"] == 1

    token = await csrf_token_of(client)
    imported = await client.post(
        "/templates/import",
        form={"csrf_token": token},
        files={"file": _file(raw, "results.p88.json")},
    )
    assert imported.status_code == 302, await imported.get_data(as_text=True)
    new_id = int(imported.headers["Location"].split("/")[2])
    answer = await (await client.get(f"/templates/{new_id}/document")).get_json()
    assert answer["name"] == "Results wall"
    assert answer["document"] == payload["document"]


async def test_import_reports_bad_files_with_paths(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    client = await signed_in_client(web.app, alpha)
    token = await csrf_token_of(client)
    document = sample_document("finish")
    document["elements"][3]["type"] = "html"
    for content, expected in (
        (b"<html>not json</html>", "is not JSON"),
        (
            json.dumps({"format": "p88-template", "version": 1, "document": document}).encode(),
            "$.document.elements[3].type",
        ),
    ):
        response = await client.post(
            "/templates/import",
            form={"csrf_token": token},
            files={"file": _file(content, "t.json")},
        )
        assert response.status_code == 422
        assert expected in await response.get_data(as_text=True)
    listing = await (await client.get("/templates")).get_data(as_text=True)
    assert "No templates yet" in listing


async def test_image_upload_checks_type_and_size_and_serves_safely(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    client = await signed_in_client(web.app, alpha)
    good = await upload(client, png_bytes(), "../../logos/sponsor.png")
    assert good.status_code == 201, await good.get_data(as_text=True)
    info = await good.get_json()
    assert info["content_type"] == "image/png" and info["name"] == "sponsor.png"
    served = await client.get(f"/templates/images/{info['id']}")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert await served.get_data() == png_bytes()

    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    refused = await upload(client, svg, "logo.png")
    assert refused.status_code == 415
    assert "SVG" in (await refused.get_json())["error"]
    html = await upload(client, b"<html><script>alert(1)</script></html>", "x.jpg")
    assert html.status_code == 415
    big = await upload(client, png_bytes() + b"\x00" * (5 * 1024 * 1024), "big.png")
    assert big.status_code == 413
    listing = await (await client.get("/templates/images")).get_json()
    assert [i["id"] for i in listing["images"]] == [info["id"]]

    # A document may use the uploaded image, never an id that does not exist.
    template_id = await create(client)
    document = sample_document("blank")
    document["canvas"]["backgroundImage"] = info["id"]
    ok = await post_json(
        client, f"/templates/{template_id}/document", {"document": document}, method="PUT"
    )
    assert ok.status_code == 200
    document["canvas"]["backgroundImage"] = info["id"] + 1000
    missing = await post_json(
        client, f"/templates/{template_id}/document", {"document": document}, method="PUT"
    )
    assert missing.status_code == 422
    assert (await missing.get_json())["errors"][0]["path"] == "$.canvas.backgroundImage"


async def test_schema_endpoint_feeds_the_builder(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="viewer")
    client = await signed_in_client(web.app, alpha)
    answer = await (await client.get("/templates/schema.json")).get_json()
    schema = answer["schema"]
    assert {"athlete_name", "time", "leaderboard", "last_n_list", "clock"} <= set(schema["types"])
    assert {(p["width"], p["height"]) for p in schema["presets"]} >= {(1920, 1080), (1080, 1920)}
    assert answer["sample"]["athlete"]["bib"]


async def test_anonymous_is_sent_to_sign_in(web) -> None:
    client = web.app.test_client()
    response = await client.get("/templates")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
