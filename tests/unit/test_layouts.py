"""Template documents: presets validate; every kind of bad input gives a JSON path and a message."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from p88.layouts import (
    PRESETS,
    ImportRejected,
    export_bytes,
    image_references,
    parse_import,
    sample_data,
    sample_document,
    schema_for_builder,
    validate_document,
)
from p88.layouts.images import ImageRejected, check_image, clean_image_name, sniff_image_type
from p88.layouts.schema import ELEMENT_TYPES, FONT_FAMILIES, MAX_ELEMENTS
from p88.layouts.validate import MAX_ERRORS, is_color

RENDER_JS = Path(__file__).resolve().parents[2] / "p88/web/static/layout/render.js"


def errors_of(document: object) -> dict[str, str]:
    return {e.path: e.message for e in validate_document(document)}


def one_element(**changes: object) -> dict:
    document = sample_document("blank")
    element = {"id": "a", "type": "custom_text", "x": 10, "y": 20, "w": 300, "h": 100}
    element.update(changes)
    document["elements"].append(element)
    return document


@pytest.mark.parametrize("kind", sorted(PRESETS))
def test_every_preset_is_valid_and_a_fresh_copy(kind: str) -> None:
    document = sample_document(kind)
    assert validate_document(document) == []
    document["elements"].append({"broken": True})
    assert validate_document(sample_document(kind)) == []


def test_unknown_preset_names_the_ones_that_exist() -> None:
    with pytest.raises(KeyError, match="finish"):
        sample_document("nope")


def test_every_element_type_with_all_its_options_and_style_defaults_is_valid() -> None:
    document = sample_document("blank")
    for i, (key, element_type) in enumerate(ELEMENT_TYPES.items()):
        options = {name: field.default for name, field in element_type.options.items()}
        if "image" in options:
            options["image"] = 7
        document["elements"].append(
            {
                "id": f"e{i}",
                "type": key,
                "x": 0,
                "y": 0,
                "w": 10,
                "h": 10,
                "rotation": 12.5,
                "z": i,
                "name": key,
                "options": options,
                "style": dict(element_type.style),
            }
        )
    assert validate_document(document) == []
    assert {image for _, image in image_references(document)} == {7}


def test_not_an_object_and_wrong_version() -> None:
    assert errors_of([]) == {"$": "a template must be a JSON object, not a list"}
    document = sample_document("finish")
    document["version"] = 2
    assert "format version 1" in errors_of(document)["$.version"]
    del document["version"]
    assert "$.version" in errors_of(document)


def test_unknown_keys_are_rejected_everywhere() -> None:
    document = one_element(onclick="alert(1)", style={"css": "x"}, options={"html": "<b>"})
    document["script"] = "x"
    document["canvas"]["html"] = "<div>"
    errors = errors_of(document)
    assert set(errors) == {
        "$.script",
        "$.canvas.html",
        "$.elements[0].onclick",
        "$.elements[0].style.css",
        "$.elements[0].options.html",
    }
    assert all("unknown key" in message for message in errors.values())


def test_required_fields_are_named() -> None:
    document = sample_document("blank")
    del document["canvas"]["width"]
    document["elements"].append({"id": "a", "type": "bib"})
    errors = errors_of(document)
    assert errors["$.canvas.width"] == "Width is missing"
    assert {"$.elements[0].x", "$.elements[0].y", "$.elements[0].w", "$.elements[0].h"} <= set(
        errors
    )


@pytest.mark.parametrize(
    ("path", "value", "fragment"),
    [
        ("canvas.width", 10, "between 16 and 8192"),
        ("canvas.height", 100_000, "between 16 and 8192"),
        ("canvas.width", 1920.5, "whole number"),
        ("canvas.width", True, "whole number"),
        ("canvas.width", "1920", "whole number"),
        ("canvas.grid", 0, "between 1 and 200"),
        ("canvas.background", "red", "colour like"),
        ("canvas.background", "rgb(300, 0, 0)", "colour like"),
        ("canvas.background", "url(javascript:alert(1))", "colour like"),
        ("canvas.background", None, "null is not allowed"),
        ("canvas.backgroundImage", "logo.png", "id of an uploaded image"),
        ("canvas.backgroundImage", 0, "id of an uploaded image"),
        ("canvas.backgroundFit", "tile", "one of contain, cover, fill"),
    ],
)
def test_bad_canvas_values(path: str, value: object, fragment: str) -> None:
    document = sample_document("blank")
    _, key = path.split(".")
    document["canvas"][key] = value
    errors = errors_of(document)
    assert list(errors) == [f"$.{path}"]
    assert fragment in errors[f"$.{path}"]


@pytest.mark.parametrize(
    ("changes", "path", "fragment"),
    [
        ({"type": "iframe"}, "$.elements[0].type", "type must be one of"),
        ({"id": "has space"}, "$.elements[0].id", "letters, digits"),
        ({"id": "x" * 41}, "$.elements[0].id", "letters, digits"),
        ({"x": 10**9}, "$.elements[0].x", "between"),
        ({"w": 0}, "$.elements[0].w", "between 1 and"),
        ({"rotation": float("nan")}, "$.elements[0].rotation", "must be a number"),
        ({"rotation": 720}, "$.elements[0].rotation", "between -360 and 360"),
        ({"z": -1}, "$.elements[0].z", "between 0 and 1000"),
        ({"name": "n" * 61}, "$.elements[0].name", "the limit is 60"),
        ({"style": {"fontFamily": "Comic Sans"}}, "$.elements[0].style.fontFamily", "one of"),
        ({"style": {"fontWeight": "700"}}, "$.elements[0].style.fontWeight", "one of"),
        ({"style": {"fontSize": 3}}, "$.elements[0].style.fontSize", "between 4 and 2000"),
        ({"style": {"opacity": 1.5}}, "$.elements[0].style.opacity", "between 0 and 1"),
        ({"style": {"italic": "yes"}}, "$.elements[0].style.italic", "true or false"),
        ({"style": {"color": "#fff"}}, "$.elements[0].style.color", "colour like"),
        ({"style": "big"}, "$.elements[0].style", "style must be an object"),
        ({"options": {"text": "t" * 501}}, "$.elements[0].options.text", "the limit is 500"),
        ({"options": {"text": "a\x00b"}}, "$.elements[0].options.text", "control characters"),
        ({"options": {"text": 42}}, "$.elements[0].options.text", "must be text"),
    ],
)
def test_bad_element_values(changes: dict, path: str, fragment: str) -> None:
    errors = errors_of(one_element(**changes))
    assert path in errors, errors
    assert fragment in errors[path]


@pytest.mark.parametrize(
    ("element_type", "options", "path", "fragment"),
    [
        ("time", {"source": "wall"}, "source", "one of gun, chip"),
        ("time", {"format": "%H"}, "format", "one of"),
        ("place", {"kind": "club"}, "kind", "one of overall, gender, age_group"),
        ("last_n_list", {"n": 51}, "n", "between 1 and 50"),
        ("last_n_list", {"fields": []}, "fields", "non-empty list"),
        ("last_n_list", {"fields": ["name", "ssn"]}, "fields[1]", "must be one of"),
        ("last_n_list", {"fields": ["name", "name"]}, "fields[1]", "listed twice"),
        ("leaderboard", {"by": "club"}, "by", "one of"),
        ("message", {"messages": ["ok"] * 21}, "messages", "at most 20"),
        ("message", {"messages": ["x" * 201]}, "messages[0]", "the limit is 200"),
        ("message", {"interval": 1}, "interval", "between 2 and 120"),
        ("image", {"image": "logo.png"}, "image", "id of an uploaded image"),
        ("clock", {"mode": "countdown"}, "mode", "one of"),
        ("box", {"text": "x"}, "text", "unknown key in Panel options"),
    ],
)
def test_bad_options_per_type(element_type: str, options: dict, path: str, fragment: str) -> None:
    errors = errors_of(one_element(type=element_type, options=options))
    full = f"$.elements[0].options.{path}"
    assert full in errors, errors
    assert fragment in errors[full]


def test_duplicate_ids_and_too_many_elements() -> None:
    document = one_element()
    document["elements"].append(copy.deepcopy(document["elements"][0]))
    assert "used by another element" in errors_of(document)["$.elements[1].id"]
    document["elements"] = [
        {"id": f"e{i}", "type": "bib", "x": 0, "y": 0, "w": 1, "h": 1}
        for i in range(MAX_ELEMENTS + 1)
    ]
    assert "at most 200" in errors_of(document)["$.elements"]


def test_error_count_is_capped() -> None:
    document = sample_document("blank")
    document["elements"] = [{"id": f"e{i}", "type": "bogus"} for i in range(100)]
    assert len(validate_document(document)) == MAX_ERRORS


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("#0b1020", True),
        ("#0B1020ff", True),
        ("rgba(0, 0, 0, 0.5)", True),
        ("rgb(255,255,255)", True),
        ("transparent", True),
        ("rgba(256, 0, 0, 1)", False),
        ("#abc", False),
        ("blue", False),
        ("rgba(0,0,0,2)", False),
        ("", False),
        (3, False),
        ("#0b1020;background:url(x)", False),
    ],
)
def test_colours(value: object, ok: bool) -> None:
    assert is_color(value) is ok


def test_export_import_round_trip_and_bare_documents() -> None:
    document = sample_document("portrait")
    imported = parse_import(export_bytes("Portrait  screen", document))
    assert imported.name == "Portrait screen"
    assert imported.document == document
    bare = parse_import(json.dumps(document).encode(), fallback_name="from-file.json")
    assert bare.name == "from-file.json" and bare.document == document


@pytest.mark.parametrize(
    ("raw", "path", "fragment"),
    [
        (b"\xff\xfe not utf8", "$", "not JSON"),
        (b"{", "$", "not JSON"),
        (b'{"format": "other"}', "$.format", "not a p88 template file"),
        (b'{"format": "p88-template", "version": 9, "document": {}}', "$.version", "version 1"),
        (b'{"format": "p88-template", "version": 1, "extra": 1}', "$.extra", "unknown key"),
        (b"x" * (600 * 1024), "$", "larger than"),
        (b"[" * 100_000, "$", "not JSON"),
    ],
)
def test_import_rejections(raw: bytes, path: str, fragment: str) -> None:
    with pytest.raises(ImportRejected) as caught:
        parse_import(raw)
    assert caught.value.errors[0].path == path
    assert fragment in caught.value.errors[0].message


def test_import_reports_paths_inside_the_document() -> None:
    document = sample_document("led")
    document["elements"][2]["style"]["color"] = "expression(alert(1))"
    raw = export_bytes("LED", document)
    with pytest.raises(ImportRejected) as caught:
        parse_import(raw)
    assert [e.path for e in caught.value.errors] == ["$.document.elements[2].style.color"]


def test_image_sniffing_trusts_bytes_not_names() -> None:
    assert sniff_image_type(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff_image_type(b"\xff\xd8\xff\xe0....") == "image/jpeg"
    assert sniff_image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff_image_type(b'<svg xmlns="http://www.w3.org/2000/svg"/>') is None
    assert sniff_image_type(b"GIF89a") is None
    with pytest.raises(ImageRejected) as svg:
        check_image(b"<?xml version='1.0'?><svg onload='alert(1)'/>")
    assert svg.value.status == 415 and "SVG" in str(svg.value)
    with pytest.raises(ImageRejected) as big:
        check_image(b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024))
    assert big.value.status == 413
    with pytest.raises(ImageRejected) as empty:
        check_image(b"")
    assert empty.value.status == 400
    assert clean_image_name("../../etc/passwd") == "passwd"
    assert clean_image_name("a\x00b\nc.png") == "abc.png"
    assert clean_image_name(None) == "image"


def test_schema_for_builder_is_json_and_complete() -> None:
    schema = json.loads(json.dumps(schema_for_builder()))
    required = {
        "athlete_name",
        "first_name",
        "last_name",
        "bib",
        "time",
        "place",
        "age_group",
        "city_country",
        "team",
        "custom_text",
        "message",
        "image",
        "clock",
        "last_n_list",
        "leaderboard",
    }
    assert required <= set(schema["types"])
    sizes = {(p["width"], p["height"]) for p in schema["presets"]}
    assert {(1920, 1080), (1080, 1920), (3840, 2160), (1536, 256), (768, 384), (1280, 720)} <= sizes
    assert schema["style"]["color"]["kind"] == "color"


def test_render_js_knows_every_font_family() -> None:
    source = RENDER_JS.read_text(encoding="utf-8")
    block = source[source.index("export const FONT_STACKS") :].split("};", 1)[0]
    keys = set(re.findall(r"^\s+(\w+):", block, re.MULTILINE))
    assert keys == set(FONT_FAMILIES)


def test_sample_data_has_the_shape_render_js_documents() -> None:
    data = sample_data()
    athlete = data["athlete"]
    for key in (
        "bib",
        "first_name",
        "last_name",
        "name",
        "age_group",
        "city_country",
        "team",
        "message",
        "gun_time_ms",
        "chip_time_ms",
        "place",
    ):
        assert key in athlete
    assert set(athlete["place"]) == {"overall", "gender", "age_group"}
    assert len(data["recent"]) >= 8 and len(data["leaders"]) >= 10
    assert data["recent"][0]["bib"] == athlete["bib"]
