"""Display templates and their images: queries for one partner at a time.

Callers run these inside `tenant_transaction(pool, partner_id)`; every query also filters by
partner_id itself (row-level security is the second wall, not the first). Documents are stored
as jsonb text and validated by p88.layouts before they get here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from p88.db.pool import Connection


@dataclass(frozen=True, slots=True)
class TemplateSummary:
    id: int
    name: str
    width: int
    height: int
    elements: int
    updated_at: datetime
    updated_by: str | None


@dataclass(frozen=True, slots=True)
class TemplateName:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class Template:
    id: int
    name: str
    document: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    updated_by: str | None


@dataclass(frozen=True, slots=True)
class ImageInfo:
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ImageData:
    content_type: str
    sha256: str
    data: bytes


LIST_TEMPLATES = """
SELECT id, name, (document->'canvas'->>'width')::int AS width,
       (document->'canvas'->>'height')::int AS height,
       jsonb_array_length(document->'elements') AS elements, updated_at, updated_by
FROM templates WHERE partner_id = $1 ORDER BY lower(name), id
"""
TEMPLATE_NAMES = (
    "SELECT id, name FROM templates WHERE partner_id = $1 ORDER BY lower(name) LIMIT 500"
)
GET_TEMPLATE = """
SELECT id, name, document::text AS document, created_at, updated_at, updated_by
FROM templates WHERE partner_id = $1 AND id = $2
"""
INSERT_TEMPLATE = """
INSERT INTO templates (partner_id, name, document, updated_by)
VALUES ($1, $2, $3::jsonb, $4) RETURNING id
"""
UPDATE_TEMPLATE = """
UPDATE templates SET document = $3::jsonb, name = coalesce($4, name), updated_by = $5,
       updated_at = now()
WHERE partner_id = $1 AND id = $2
RETURNING updated_at
"""
RENAME_TEMPLATE = """
UPDATE templates SET name = $3, updated_by = $4, updated_at = now()
WHERE partner_id = $1 AND id = $2
"""
DELETE_TEMPLATE = "DELETE FROM templates WHERE partner_id = $1 AND id = $2"

INSERT_IMAGE = """
INSERT INTO template_images (partner_id, name, content_type, size, sha256, data)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (partner_id, sha256) DO UPDATE SET name = template_images.name
RETURNING id, name, content_type, size, sha256, created_at
"""
LIST_IMAGES = """
SELECT id, name, content_type, size, sha256, created_at
FROM template_images WHERE partner_id = $1 ORDER BY created_at DESC, id DESC
"""
GET_IMAGE = """
SELECT content_type, sha256, data FROM template_images WHERE partner_id = $1 AND id = $2
"""
EXISTING_IMAGES = """
SELECT id FROM template_images WHERE partner_id = $1 AND id = ANY($2::bigint[])
"""
DELETE_IMAGE = "DELETE FROM template_images WHERE partner_id = $1 AND id = $2"


def _dump(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


async def list_templates(conn: Connection, partner_id: int) -> list[TemplateSummary]:
    rows = await conn.fetch(LIST_TEMPLATES, partner_id)
    return [TemplateSummary(*row) for row in rows]


async def template_names(conn: Connection, partner_id: int) -> list[TemplateName]:
    """For a menu: by name, at most 500."""
    return [TemplateName(*row) for row in await conn.fetch(TEMPLATE_NAMES, partner_id)]


async def get_template(conn: Connection, partner_id: int, template_id: int) -> Template | None:
    row = await conn.fetchrow(GET_TEMPLATE, partner_id, template_id)
    if row is None:
        return None
    return Template(
        row["id"],
        row["name"],
        json.loads(row["document"]),
        row["created_at"],
        row["updated_at"],
        row["updated_by"],
    )


async def create_template(
    conn: Connection, partner_id: int, name: str, document: dict[str, Any], by: str | None
) -> int:
    template_id: int = await conn.fetchval(INSERT_TEMPLATE, partner_id, name, _dump(document), by)
    return template_id


async def update_template(
    conn: Connection,
    partner_id: int,
    template_id: int,
    document: dict[str, Any],
    by: str | None,
    *,
    name: str | None = None,
) -> datetime | None:
    """The new updated_at, or None when the template does not exist for this partner."""
    updated: datetime | None = await conn.fetchval(
        UPDATE_TEMPLATE, partner_id, template_id, _dump(document), name, by
    )
    return updated


async def rename_template(
    conn: Connection, partner_id: int, template_id: int, name: str, by: str | None
) -> bool:
    status = await conn.execute(RENAME_TEMPLATE, partner_id, template_id, name, by)
    return bool(status == "UPDATE 1")


async def delete_template(conn: Connection, partner_id: int, template_id: int) -> bool:
    status = await conn.execute(DELETE_TEMPLATE, partner_id, template_id)
    return bool(status == "DELETE 1")


async def add_image(
    conn: Connection, partner_id: int, name: str, content_type: str, data: bytes
) -> ImageInfo:
    """Store an image (checked by the caller); the same bytes uploaded again keep one row."""
    digest = hashlib.sha256(data).hexdigest()
    row = await conn.fetchrow(INSERT_IMAGE, partner_id, name, content_type, len(data), digest, data)
    assert row is not None  # INSERT ... ON CONFLICT DO UPDATE ... RETURNING always returns it
    return ImageInfo(*row)


async def list_images(conn: Connection, partner_id: int) -> list[ImageInfo]:
    return [ImageInfo(*row) for row in await conn.fetch(LIST_IMAGES, partner_id)]


async def get_image(conn: Connection, partner_id: int, image_id: int) -> ImageData | None:
    row = await conn.fetchrow(GET_IMAGE, partner_id, image_id)
    return None if row is None else ImageData(row["content_type"], row["sha256"], row["data"])


async def existing_image_ids(
    conn: Connection, partner_id: int, image_ids: Iterable[int]
) -> set[int]:
    wanted = sorted(set(image_ids))
    if not wanted:
        return set()
    return {row["id"] for row in await conn.fetch(EXISTING_IMAGES, partner_id, wanted)}


async def delete_image(conn: Connection, partner_id: int, image_id: int) -> bool:
    status = await conn.execute(DELETE_IMAGE, partner_id, image_id)
    return bool(status == "DELETE 1")
