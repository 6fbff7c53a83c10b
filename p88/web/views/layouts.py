"""Template pages: the list (create, duplicate, delete, export, import) and the builder's JSON API.

Viewers may look (list, builder read-only, export); operators change things. Every query runs in
`tenant_transaction` and filters by the current partner; another partner's template is a 404.
"""

from __future__ import annotations

import json
from typing import Any

from quart import (
    Blueprint,
    Response,
    jsonify,
    redirect,
    render_template,
    request,
)
from quart.typing import ResponseReturnValue

from p88.db import templates as db
from p88.db.accounts import role_rank
from p88.db.pool import Connection
from p88.layouts import (
    PRESETS,
    ImportRejected,
    LayoutError,
    export_bytes,
    image_references,
    parse_import,
    sample_data,
    sample_document,
    schema_for_builder,
    validate_document,
)
from p88.layouts.images import MAX_IMAGE_BYTES, ImageRejected, check_image, clean_image_name
from p88.layouts.transfer import MAX_IMPORT_BYTES, clean_name
from p88.web.auth import current_partner, current_user, require_role
from p88.web.tenant import tenant

blueprint = Blueprint("layouts", __name__)

MAX_DOCUMENT_BYTES = MAX_IMPORT_BYTES


def _can_edit() -> bool:
    return role_rank(current_partner().role) >= role_rank("operator")


def _json_error(message: str, status: int, **extra: Any) -> Response:
    response = jsonify({"error": message, **extra})
    response.status_code = status
    return response


async def _missing_images(
    conn: Connection, partner_id: int, document: dict[str, Any]
) -> list[LayoutError]:
    refs = image_references(document)
    existing = await db.existing_image_ids(conn, partner_id, (i for _, i in refs))
    return [
        LayoutError(path, f"image {image_id} does not exist: upload it and pick it again")
        for path, image_id in refs
        if image_id not in existing
    ]


def _drop_images(document: dict[str, Any], missing: list[LayoutError]) -> None:
    """Unset image references that do not exist here (an import from another install)."""
    paths = {e.path for e in missing}
    if "$.canvas.backgroundImage" in paths:
        document["canvas"]["backgroundImage"] = None
    for i, element in enumerate(document["elements"]):
        if f"$.elements[{i}].options.image" in paths:
            element["options"]["image"] = None


async def _list_page(
    *, errors: list[LayoutError] | None = None, status: int = 200
) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        items = await db.list_templates(conn, partner.id)
    presets = [(key, label) for key, (label, _) in PRESETS.items()]
    body = await render_template(
        "builder/list.html",
        templates=items,
        presets=presets,
        can_edit=_can_edit(),
        errors=errors or [],
        notice=request.args.get("notice", "")[:200],
    )
    return body, status


async def _own_template(template_id: int) -> db.Template | None:
    """The current partner's template (another partner's is None, as if it did not exist)."""
    async with tenant() as conn:
        return await db.get_template(conn, current_partner().id, template_id)


async def _missing_page() -> ResponseReturnValue:
    return await render_template("builder/missing.html"), 404


@blueprint.get("/templates")
@require_role("viewer")
async def list_templates() -> ResponseReturnValue:
    return await _list_page()


@blueprint.post("/templates")
@require_role("operator")
async def create_template() -> ResponseReturnValue:
    form = await request.form
    preset = form.get("preset", "finish")
    if preset not in PRESETS:
        return await _list_page(
            errors=[LayoutError("preset", f"no preset {preset[:40]!r}; pick one from the list")],
            status=400,
        )
    name = clean_name(form.get("name"), PRESETS[preset][0])
    partner = current_partner()
    async with tenant() as conn:
        new_id = await db.create_template(
            conn, partner.id, name, sample_document(preset), current_user().email
        )
    return redirect(f"/templates/{new_id}/builder")


@blueprint.post("/templates/<int:template_id>/duplicate")
@require_role("operator")
async def duplicate_template(template_id: int) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        found = await db.get_template(conn, partner.id, template_id)
        if found is None:
            return await _missing_page()
        name = clean_name(f"{found.name} (copy)", "Copy")
        new_id = await db.create_template(
            conn, partner.id, name, found.document, current_user().email
        )
    return redirect(f"/templates/{new_id}/builder")


@blueprint.post("/templates/<int:template_id>/delete")
@require_role("operator")
async def delete_template(template_id: int) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        found = await db.get_template(conn, partner.id, template_id)
        if found is None or not await db.delete_template(conn, partner.id, template_id):
            return await _missing_page()
    return redirect("/templates?notice=" + f"Deleted {found.name}"[:150])


@blueprint.get("/templates/<int:template_id>/export")
@require_role("viewer")
async def export_template(template_id: int) -> ResponseReturnValue:
    found = await _own_template(template_id)
    if found is None:
        return await _missing_page()
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in found.name)[:60] or "template"
    response = Response(export_bytes(found.name, found.document), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}.p88.json"'
    return response


@blueprint.post("/templates/import")
@require_role("operator")
async def import_template() -> ResponseReturnValue:
    upload = (await request.files).get("file")
    if upload is None or not upload.filename:
        return await _list_page(
            errors=[LayoutError("file", "choose a template file (.json) to import")], status=400
        )
    raw = upload.read(MAX_IMPORT_BYTES + 1)
    try:
        imported = parse_import(raw, fallback_name=clean_name(upload.filename, "Imported"))
    except ImportRejected as exc:
        return await _list_page(errors=exc.errors, status=422)
    partner = current_partner()
    async with tenant() as conn:
        missing = await _missing_images(conn, partner.id, imported.document)
        _drop_images(imported.document, missing)
        new_id = await db.create_template(
            conn, partner.id, imported.name, imported.document, current_user().email
        )
    note = f"?notice={len(missing)}+image(s)+were+not+found;+pick+them+again" if missing else ""
    return redirect(f"/templates/{new_id}/builder{note}")


@blueprint.get("/templates/<int:template_id>/builder")
@require_role("viewer")
async def builder(template_id: int) -> ResponseReturnValue:
    found = await _own_template(template_id)
    if found is None:
        return await _missing_page()
    return await render_template(
        "builder/builder.html",
        template=found,
        can_edit=_can_edit(),
        notice=request.args.get("notice", "")[:200],
    )


@blueprint.get("/templates/schema.json")
@require_role("viewer")
async def schema() -> ResponseReturnValue:
    # json.dumps keeps the schema's order (palette, field order); jsonify would sort the keys.
    body = json.dumps({"schema": schema_for_builder(), "sample": sample_data()})
    return Response(body, mimetype="application/json")


@blueprint.get("/templates/<int:template_id>/document")
@require_role("viewer")
async def get_document(template_id: int) -> ResponseReturnValue:
    found = await _own_template(template_id)
    if found is None:
        return _json_error("no such template", 404)
    return jsonify(
        {
            "id": found.id,
            "name": found.name,
            "document": found.document,
            "updated_at": found.updated_at.isoformat(),
            "updated_by": found.updated_by,
            "can_edit": _can_edit(),
        }
    )


@blueprint.put("/templates/<int:template_id>/document")
@require_role("operator")
async def put_document(template_id: int) -> ResponseReturnValue:
    too_big = _json_error(f"the template is larger than {MAX_DOCUMENT_BYTES // 1024} KB", 413)
    if (request.content_length or 0) > MAX_DOCUMENT_BYTES:
        return too_big  # refused before reading the body
    raw = await request.get_data(as_text=True)
    if len(raw) > MAX_DOCUMENT_BYTES:
        return too_big
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return _json_error("the request body is not JSON", 400)
    if not isinstance(body, dict) or "document" not in body:
        return _json_error('send {"document": {...}, "name": "..."}', 400)
    document = body["document"]
    errors = validate_document(document)
    name = None
    if "name" in body:
        if not isinstance(body["name"], str) or not body["name"].strip():
            errors.append(LayoutError("name", "the template needs a name"))
        else:
            name = clean_name(body["name"], "Template")
    partner = current_partner()
    async with tenant() as conn:
        if not errors:
            errors = await _missing_images(conn, partner.id, document)
        if errors:
            return _json_error(
                "the template was not saved: fix the fields listed",
                422,
                errors=[e.as_json() for e in errors],
            )
        updated = await db.update_template(
            conn, partner.id, template_id, document, current_user().email, name=name
        )
    if updated is None:
        return _json_error("no such template", 404)
    return jsonify({"saved": True, "updated_at": updated.isoformat()})


@blueprint.get("/templates/images")
@require_role("viewer")
async def list_images() -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        images = await db.list_images(conn, partner.id)
    return jsonify(
        {
            "images": [
                {"id": i.id, "name": i.name, "content_type": i.content_type, "size": i.size}
                for i in images
            ]
        }
    )


@blueprint.post("/templates/images")
@require_role("operator")
async def upload_image() -> ResponseReturnValue:
    upload = (await request.files).get("file")
    if upload is None:
        return _json_error("send the image as the multipart field 'file'", 400)
    data = upload.read(MAX_IMAGE_BYTES + 1)
    try:
        content_type = check_image(data)
    except ImageRejected as exc:
        return _json_error(str(exc), exc.status)
    partner = current_partner()
    async with tenant() as conn:
        info = await db.add_image(
            conn, partner.id, clean_image_name(upload.filename), content_type, data
        )
    response = jsonify(
        {"id": info.id, "name": info.name, "content_type": info.content_type, "size": info.size}
    )
    response.status_code = 201
    return response


@blueprint.get("/templates/images/<int:image_id>")
@require_role("viewer")
async def get_image(image_id: int) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        image = await db.get_image(conn, partner.id, image_id)
    if image is None:
        return _json_error("no such image", 404)
    return image_response(image)


def image_response(image: db.ImageData) -> Response:
    """The stored bytes with their sniffed type; nosniff so a browser never guesses another.
    Public display views can serve images through this too."""
    response = Response(image.data, mimetype=image.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=86400"
    response.headers["ETag"] = f'"{image.sha256}"'
    return response
