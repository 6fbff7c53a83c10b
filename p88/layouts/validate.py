"""Validation of template documents against `p88.layouts.schema`.

`validate_document` returns every problem it finds (up to MAX_ERRORS), each with a JSON path such
as `$.elements[2].style.color` and a sentence a person can act on. Unknown keys are errors, so a
typo never silently does nothing and nothing unexpected reaches a venue screen.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from p88.layouts.schema import (
    CANVAS_FIELDS,
    ELEMENT_FIELDS,
    ELEMENT_ID_PATTERN,
    ELEMENT_TYPES,
    FORMAT_VERSION,
    MAX_ELEMENTS,
    STYLE_FIELDS,
    Field,
)

MAX_ERRORS = 50
MAX_IMAGE_ID = 2**63 - 1

_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}([0-9a-fA-F]{2})?$")
_RGBA_COLOR = re.compile(
    r"^rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*(0|1|0?\.\d{1,4}|1\.0+)\s*)?\)$"
)
_ELEMENT_ID = re.compile(ELEMENT_ID_PATTERN)
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class LayoutError:
    path: str
    message: str

    def as_json(self) -> dict[str, str]:
        return {"path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def is_color(value: object) -> bool:
    if not isinstance(value, str):
        return False
    if value == "transparent" or _HEX_COLOR.match(value):
        return True
    match = _RGBA_COLOR.match(value)
    return match is not None and all(int(match[i]) <= 255 for i in (1, 2, 3))


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"text {value[:30]!r}" + ("…" if len(value) > 30 else "")
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value)


def _range_text(spec: Field) -> str:
    return f"between {spec.minimum:g} and {spec.maximum:g}"


def check_field(path: str, spec: Field, value: object) -> Iterator[LayoutError]:
    """The errors of one value against its field spec (none when it is valid)."""
    if value is None:
        if not spec.nullable:
            yield LayoutError(path, f"{spec.label} is required: null is not allowed here")
        return
    kind = spec.kind
    if kind in ("int", "number"):
        ok_type = _is_int(value) if kind == "int" else _is_number(value)
        if not ok_type:
            wanted = "a whole number" if kind == "int" else "a number"
            yield LayoutError(path, f"{spec.label} must be {wanted}, not {_describe(value)}")
        elif spec.minimum is not None and spec.maximum is not None:
            number = float(value)  # type: ignore[arg-type]
            if not spec.minimum <= number <= spec.maximum:
                yield LayoutError(path, f"{spec.label} must be {_range_text(spec)}, not {value}")
    elif kind == "enum":
        if isinstance(value, bool) or value not in spec.choices:
            options = ", ".join(str(c) for c in spec.choices)
            yield LayoutError(
                path, f"{spec.label} must be one of {options}; got {_describe(value)}"
            )
    elif kind == "bool":
        if not isinstance(value, bool):
            yield LayoutError(path, f"{spec.label} must be true or false, not {_describe(value)}")
    elif kind == "color":
        if not is_color(value):
            yield LayoutError(
                path,
                f"{spec.label} must be a colour like #ff8800, #ff880080 or rgba(255, 136, 0, 0.5);"
                f" got {_describe(value)}",
            )
    elif kind == "text":
        yield from _check_text(path, spec, value)
    elif kind == "image":
        if not _is_int(value) or not 1 <= value <= MAX_IMAGE_ID:  # type: ignore[operator]
            yield LayoutError(
                path, f"{spec.label} must be the id of an uploaded image, not {_describe(value)}"
            )
    elif kind == "enum_list":
        yield from _check_enum_list(path, spec, value)
    elif kind == "text_list":
        if not isinstance(value, list):
            yield LayoutError(path, f"{spec.label} must be a list of texts")
        elif len(value) > spec.max_items:
            yield LayoutError(path, f"{spec.label} holds at most {spec.max_items} entries")
        else:
            for i, item in enumerate(value):
                yield from _check_text(f"{path}[{i}]", spec, item)
    else:  # pragma: no cover - a schema bug, not a user error
        raise ValueError(f"unknown field kind {kind!r}")


def _check_text(path: str, spec: Field, value: object) -> Iterator[LayoutError]:
    if not isinstance(value, str):
        yield LayoutError(path, f"{spec.label} must be text, not {_describe(value)}")
    elif len(value) > spec.max_length:
        yield LayoutError(
            path, f"{spec.label} is {len(value)} characters long; the limit is {spec.max_length}"
        )
    elif _CONTROL_CHARS.search(value):
        yield LayoutError(path, f"{spec.label} contains control characters; remove them")


def _check_enum_list(path: str, spec: Field, value: object) -> Iterator[LayoutError]:
    if not isinstance(value, list) or not value:
        yield LayoutError(path, f"{spec.label} must be a non-empty list")
        return
    if len(value) > spec.max_items:
        yield LayoutError(path, f"{spec.label} holds at most {spec.max_items} entries")
        return
    seen: set[object] = set()
    for i, item in enumerate(value):
        if isinstance(item, bool) or item not in spec.choices:
            options = ", ".join(str(c) for c in spec.choices)
            yield LayoutError(f"{path}[{i}]", f"must be one of {options}; got {_describe(item)}")
        elif item in seen:
            yield LayoutError(f"{path}[{i}]", f"{item} is listed twice")
        else:
            seen.add(item)


def _check_object(
    path: str,
    value: object,
    fields: Mapping[str, Field],
    *,
    required: tuple[str, ...] = (),
    what: str,
) -> Iterator[LayoutError]:
    if not isinstance(value, dict):
        yield LayoutError(path, f"{what} must be an object, not {_describe(value)}")
        return
    for key in required:
        if key not in value:
            yield LayoutError(f"{path}.{key}", f"{fields[key].label} is missing")
    for key, item in value.items():
        spec = fields.get(key)
        if spec is None:
            known = ", ".join(fields) or "none"
            yield LayoutError(
                f"{path}.{_key_text(key)}", f"unknown key in {what} (allowed: {known})"
            )
        else:
            yield from check_field(f"{path}.{key}", spec, item)


def _key_text(key: object) -> str:
    text = str(key)
    return text[:40] + "…" if len(text) > 40 else text


def _check_element(path: str, element: object, seen_ids: set[str]) -> Iterator[LayoutError]:
    if not isinstance(element, dict):
        yield LayoutError(path, f"an element must be an object, not {_describe(element)}")
        return
    type_key = element.get("type")
    element_type = ELEMENT_TYPES.get(type_key) if isinstance(type_key, str) else None
    if element_type is None:
        names = ", ".join(ELEMENT_TYPES)
        yield LayoutError(f"{path}.type", f"type must be one of {names}; got {_describe(type_key)}")
    element_id = element.get("id")
    if not isinstance(element_id, str) or not _ELEMENT_ID.match(element_id):
        yield LayoutError(
            f"{path}.id",
            "id must be 1-40 letters, digits, '_' or '-'; got " + _describe(element_id),
        )
    elif element_id in seen_ids:
        yield LayoutError(f"{path}.id", f"id {element_id!r} is used by another element")
    else:
        seen_ids.add(element_id)
    for key in ("x", "y", "w", "h"):
        if key not in element:
            yield LayoutError(f"{path}.{key}", f"{ELEMENT_FIELDS[key].label} is missing")
    for key, value in element.items():
        if key in ("id", "type"):
            continue
        if key == "style":
            yield from _check_object(f"{path}.style", value, STYLE_FIELDS, what="style")
        elif key == "options":
            fields = element_type.options if element_type else {}
            if element_type is not None:
                yield from _check_object(
                    f"{path}.options", value, fields, what=f"{element_type.label} options"
                )
        elif key in ELEMENT_FIELDS:
            yield from check_field(f"{path}.{key}", ELEMENT_FIELDS[key], value)
        else:
            allowed = "id, type, style, options, " + ", ".join(ELEMENT_FIELDS)
            yield LayoutError(f"{path}.{_key_text(key)}", f"unknown key (allowed: {allowed})")


def _all_errors(document: object) -> Iterator[LayoutError]:
    if not isinstance(document, dict):
        yield LayoutError("$", f"a template must be a JSON object, not {_describe(document)}")
        return
    for key in document:
        if key not in ("version", "canvas", "elements"):
            yield LayoutError(
                f"$.{_key_text(key)}", "unknown key (allowed: version, canvas, elements)"
            )
    version = document.get("version")
    if version != FORMAT_VERSION or isinstance(version, bool):
        yield LayoutError(
            "$.version",
            f"this p88 reads template format version {FORMAT_VERSION}; got {_describe(version)}",
        )
    yield from _check_object(
        "$.canvas",
        document.get("canvas"),
        CANVAS_FIELDS,
        required=("width", "height"),
        what="canvas",
    )
    elements = document.get("elements")
    if not isinstance(elements, list):
        yield LayoutError("$.elements", f"elements must be a list, not {_describe(elements)}")
        return
    if len(elements) > MAX_ELEMENTS:
        yield LayoutError(
            "$.elements", f"{len(elements)} elements; a template holds at most {MAX_ELEMENTS}"
        )
        return
    seen_ids: set[str] = set()
    for i, element in enumerate(elements):
        yield from _check_element(f"$.elements[{i}]", element, seen_ids)


def validate_document(document: object) -> list[LayoutError]:
    """Every problem in `document` (at most MAX_ERRORS); an empty list means it is valid."""
    errors: list[LayoutError] = []
    for error in _all_errors(document):
        errors.append(error)
        if len(errors) >= MAX_ERRORS:
            break
    return errors


def image_references(document: Mapping[str, Any]) -> list[tuple[str, int]]:
    """(path, image id) of every image a valid document points at."""
    found: list[tuple[str, int]] = []
    canvas_image = document["canvas"].get("backgroundImage")
    if canvas_image is not None:
        found.append(("$.canvas.backgroundImage", canvas_image))
    for i, element in enumerate(document["elements"]):
        image = element.get("options", {}).get("image")
        if image is not None:
            found.append((f"$.elements[{i}].options.image", image))
    return found
