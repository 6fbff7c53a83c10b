"""Export and import: a template file is the document wrapped with its name and format version.

Import accepts that file, or a bare document, and validates it exactly as a save does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from p88.layouts.schema import EXPORT_KIND, FORMAT_VERSION, MAX_NAME
from p88.layouts.validate import LayoutError, validate_document

MAX_IMPORT_BYTES = 512 * 1024


class ImportRejected(Exception):
    """The file is not a template p88 can load; `errors` says where and why."""

    def __init__(self, errors: list[LayoutError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class ImportedTemplate:
    name: str
    document: dict[str, Any]


def export_payload(name: str, document: dict[str, Any]) -> dict[str, Any]:
    return {
        "format": EXPORT_KIND,
        "version": FORMAT_VERSION,
        "name": name,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "document": document,
    }


def export_bytes(name: str, document: dict[str, Any]) -> bytes:
    return json.dumps(export_payload(name, document), indent=2, ensure_ascii=False).encode()


def clean_name(name: object, fallback: str) -> str:
    """A template name fit to store: trimmed, capped, never empty."""
    text = " ".join(str(name).split()) if isinstance(name, str) else ""
    return (text or fallback)[:MAX_NAME]


def parse_import(raw: bytes, *, fallback_name: str = "Imported template") -> ImportedTemplate:
    if len(raw) > MAX_IMPORT_BYTES:
        raise ImportRejected(
            [
                LayoutError(
                    "$",
                    f"the file is larger than {MAX_IMPORT_BYTES // 1024} KB; "
                    "a template file is much smaller",
                )
            ]
        )
    try:
        payload = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ImportRejected(
            [LayoutError("$", f"the file is not JSON ({exc}); choose a file exported by p88")]
        ) from exc
    name: object = None
    if isinstance(payload, dict) and "format" in payload:
        if payload.get("format") != EXPORT_KIND:
            raise ImportRejected(
                [
                    LayoutError(
                        "$.format", f"expected {EXPORT_KIND!r}; this is not a p88 template file"
                    )
                ]
            )
        extra = set(payload) - {"format", "version", "name", "exported_at", "document"}
        if extra:
            raise ImportRejected(
                [LayoutError(f"$.{sorted(extra)[0]}", "unknown key in a template file")]
            )
        if payload.get("version") != FORMAT_VERSION:
            raise ImportRejected(
                [
                    LayoutError(
                        "$.version",
                        f"this p88 reads template format version {FORMAT_VERSION}; "
                        f"the file has {payload.get('version')!r}",
                    )
                ]
            )
        name, payload = payload.get("name"), payload.get("document")
        prefix = "$.document"
    else:
        prefix = "$"
    errors = validate_document(payload)
    if errors:
        if prefix != "$":
            errors = [LayoutError(prefix + e.path[1:], e.message) for e in errors]
        raise ImportRejected(errors)
    assert isinstance(payload, dict)
    return ImportedTemplate(clean_name(name, fallback_name), payload)
