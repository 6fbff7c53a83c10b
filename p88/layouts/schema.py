"""The template document schema, as data.

A template is a JSON document: a canvas and a list of positioned elements, each with a style and
type-specific options. The schema lives here as plain data so that three things agree on it: the
validator (`p88.layouts.validate`), the builder's palette and side panel (served as JSON by
`schema_for_builder`), and the tests. The browser renderer (static/layout/render.js) applies the
defaults below when a key is absent, so stored documents stay small.

Documents never carry HTML or CSS text: every string is shown with textContent, every colour
matches a strict pattern, and fonts come from an allowlist that maps to CSS stacks in render.js.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMAT_VERSION = 1
EXPORT_KIND = "p88-template"

MIN_CANVAS = 16
MAX_CANVAS = 8192
MAX_ELEMENTS = 200
MAX_NAME = 120
# Elements may hang off the canvas edge (a half-visible logo), within a canvas-sized margin.
POSITION_LIMIT = 2 * MAX_CANVAS


@dataclass(frozen=True, slots=True)
class CanvasPreset:
    key: str
    label: str
    width: int
    height: int


CANVAS_PRESETS: tuple[CanvasPreset, ...] = (
    CanvasPreset("fhd", "Full HD landscape 1920x1080", 1920, 1080),
    CanvasPreset("fhd-portrait", "Full HD portrait 1080x1920", 1080, 1920),
    CanvasPreset("uhd", "4K UHD 3840x2160", 3840, 2160),
    CanvasPreset("hd", "HD 1280x720", 1280, 720),
    CanvasPreset("led-1536x256", "LED banner 1536x256", 1536, 256),
    CanvasPreset("led-768x384", "LED wall 768x384", 768, 384),
    CanvasPreset("led-960x540", "LED wall 960x540", 960, 540),
    CanvasPreset("led-1152x576", "LED wall 1152x576", 1152, 576),
    CanvasPreset("led-512x256", "LED board 512x256", 512, 256),
)

# Keys stored in documents; render.js maps each to a CSS font stack (a unit test checks both
# lists agree). No web fonts are fetched: venue screens are often offline.
FONT_FAMILIES: tuple[str, ...] = (
    "sans",
    "condensed",
    "serif",
    "mono",
    "display",
    "rounded",
)
FONT_WEIGHTS: tuple[int, ...] = (300, 400, 500, 600, 700, 800, 900)


@dataclass(frozen=True, slots=True)
class Field:
    """One property: its kind decides how it is validated and which control edits it.

    kinds: int, number, enum, bool, color, text, image (an uploaded image id), enum_list
    (distinct values from `choices`), text_list (strings of at most `max_length`)."""

    kind: str
    label: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    max_length: int = 0
    max_items: int = 0
    nullable: bool = False
    help: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "label": self.label, "default": self.default}
        for key, value in (
            ("min", self.minimum),
            ("max", self.maximum),
            ("choices", list(self.choices) or None),
            ("maxLength", self.max_length or None),
            ("maxItems", self.max_items or None),
            ("help", self.help or None),
        ):
            if value is not None:
                out[key] = value
        if self.nullable:
            out["nullable"] = True
        return out


def _color(label: str, default: str | None, *, nullable: bool = False) -> Field:
    return Field("color", label, default, nullable=nullable)


STYLE_FIELDS: dict[str, Field] = {
    "fontFamily": Field("enum", "Font", "sans", choices=FONT_FAMILIES),
    "fontSize": Field("int", "Size (px)", 64, minimum=4, maximum=2000),
    "fontWeight": Field("enum", "Weight", 700, choices=FONT_WEIGHTS),
    "italic": Field("bool", "Italic", False),
    "uppercase": Field("bool", "Upper case", False),
    "color": _color("Colour", "#ffffff"),
    "align": Field("enum", "Align", "left", choices=("left", "center", "right")),
    "valign": Field("enum", "Vertical", "middle", choices=("top", "middle", "bottom")),
    "autoFit": Field("bool", "Shrink to fit", True, help="Long names shrink instead of clipping"),
    "background": _color("Background", None, nullable=True),
    "padding": Field("int", "Padding", 0, minimum=0, maximum=1000),
    "radius": Field("int", "Corner radius", 0, minimum=0, maximum=2000),
    "opacity": Field("number", "Opacity", 1, minimum=0, maximum=1),
    "shadowColor": _color("Shadow colour", None, nullable=True),
    "shadowBlur": Field("int", "Shadow blur", 8, minimum=0, maximum=200),
    "shadowX": Field("int", "Shadow x", 0, minimum=-200, maximum=200),
    "shadowY": Field("int", "Shadow y", 4, minimum=-200, maximum=200),
}

TIME_FORMATS = ("h:mm:ss", "h:mm:ss.t", "h:mm:ss.tt", "mm:ss", "mm:ss.t", "hh:mm:ss")
CLOCK_FORMATS = ("HH:mm:ss", "HH:mm", "h:mm:ss a", "h:mm a")
ATHLETE_FIELDS = (
    "place",
    "bib",
    "name",
    "first_name",
    "last_name",
    "time",
    "age_group",
    "gender",
    "team",
    "city_country",
)
PLACE_KINDS = ("overall", "gender", "age_group")

_PREFIX = Field("text", "Prefix", "", max_length=40, help="Shown before the value, e.g. 'Bib '")
_SUFFIX = Field("text", "Suffix", "", max_length=40)
_TEXT_OPTIONS = {"prefix": _PREFIX, "suffix": _SUFFIX}
_LIST_FIELDS = Field(
    "enum_list",
    "Columns",
    ["place", "bib", "name", "time"],
    choices=ATHLETE_FIELDS,
    max_items=len(ATHLETE_FIELDS),
)


@dataclass(frozen=True, slots=True)
class ElementType:
    key: str
    label: str
    group: str
    size: tuple[int, int]  # default w, h on a 1920x1080 canvas
    options: dict[str, Field] = field(default_factory=dict)
    style: dict[str, Any] = field(default_factory=dict)  # style defaults that differ


ELEMENT_TYPES: dict[str, ElementType] = {
    t.key: t
    for t in (
        ElementType(
            "athlete_name",
            "Athlete name",
            "Athlete",
            (1200, 160),
            dict(_TEXT_OPTIONS),
            {"fontSize": 120, "fontWeight": 800},
        ),
        ElementType("first_name", "First name", "Athlete", (800, 140), dict(_TEXT_OPTIONS)),
        ElementType("last_name", "Last name", "Athlete", (800, 140), dict(_TEXT_OPTIONS)),
        ElementType("bib", "Bib", "Athlete", (320, 120), dict(_TEXT_OPTIONS)),
        ElementType(
            "age_group",
            "Age group",
            "Athlete",
            (400, 100),
            dict(_TEXT_OPTIONS),
            {"fontSize": 48, "fontWeight": 600},
        ),
        ElementType(
            "city_country",
            "City / country",
            "Athlete",
            (700, 90),
            dict(_TEXT_OPTIONS),
            {"fontSize": 48, "fontWeight": 500},
        ),
        ElementType(
            "team",
            "Team",
            "Athlete",
            (700, 90),
            dict(_TEXT_OPTIONS),
            {"fontSize": 48, "fontWeight": 500},
        ),
        ElementType(
            "time",
            "Finish time",
            "Result",
            (600, 140),
            {
                "source": Field("enum", "Time", "gun", choices=("gun", "chip")),
                "format": Field("enum", "Format", "h:mm:ss", choices=TIME_FORMATS),
                **_TEXT_OPTIONS,
            },
            {"fontFamily": "mono", "fontSize": 110},
        ),
        ElementType(
            "place",
            "Place",
            "Result",
            (300, 140),
            {
                "kind": Field("enum", "Place in", "overall", choices=PLACE_KINDS),
                "ordinal": Field("bool", "As 1st / 2nd", True),
                **_TEXT_OPTIONS,
            },
            {"fontSize": 96},
        ),
        ElementType(
            "custom_text",
            "Text",
            "Design",
            (800, 120),
            {
                "text": Field("text", "Text", "Welcome to the finish", max_length=500),
            },
        ),
        ElementType(
            "message",
            "Message",
            "Design",
            (1400, 110),
            {
                "source": Field(
                    "enum",
                    "Message",
                    "personal",
                    choices=("personal", "rotating"),
                    help="Personal: the athlete's own message, else the rotating list",
                ),
                "messages": Field(
                    "text_list", "Rotating messages", ["Great run!"], max_length=200, max_items=20
                ),
                "interval": Field("int", "Seconds per message", 6, minimum=2, maximum=120),
            },
            {"fontSize": 56, "fontWeight": 500, "italic": True},
        ),
        ElementType(
            "image",
            "Image / logo",
            "Design",
            (400, 240),
            {
                "image": Field("image", "Image", None, nullable=True),
                "fit": Field("enum", "Fit", "contain", choices=("contain", "cover", "fill")),
            },
        ),
        ElementType("box", "Panel", "Design", (800, 300), {}, {"background": "#1c2230"}),
        ElementType(
            "clock",
            "Clock",
            "Design",
            (500, 120),
            {
                "mode": Field(
                    "enum", "Shows", "time_of_day", choices=("time_of_day", "race_clock")
                ),
                "format": Field(
                    "enum",
                    "Format",
                    "HH:mm:ss",
                    choices=CLOCK_FORMATS,
                    help="Time of day only; the race clock uses h:mm:ss",
                ),
            },
            {"fontFamily": "mono"},
        ),
        ElementType(
            "last_n_list",
            "Latest finishers",
            "Lists",
            (900, 600),
            {
                "n": Field("int", "Rows", 8, minimum=1, maximum=50),
                "fields": _LIST_FIELDS,
                "timeSource": Field("enum", "Time", "gun", choices=("gun", "chip")),
                "timeFormat": Field("enum", "Time format", "h:mm:ss", choices=TIME_FORMATS),
                "rowColor": _color("Alternate row", None, nullable=True),
            },
            {"fontSize": 40, "fontWeight": 500, "valign": "top"},
        ),
        ElementType(
            "leaderboard",
            "Leaderboard",
            "Lists",
            (900, 600),
            {
                "n": Field("int", "Top", 10, minimum=1, maximum=50),
                "by": Field("enum", "Ranked by", "overall", choices=PLACE_KINDS),
                "category": Field(
                    "text",
                    "Only category",
                    "",
                    max_length=40,
                    help="A gender (F, M) or age group; empty follows the athlete",
                ),
                "fields": _LIST_FIELDS,
                # "ranking": the time the runner's course ranks by (chip or gun).
                "timeSource": Field(
                    "enum", "Time", "ranking", choices=("ranking", "gun", "chip")
                ),
                "timeFormat": Field("enum", "Time format", "h:mm:ss", choices=TIME_FORMATS),
                "rowColor": _color("Alternate row", None, nullable=True),
            },
            {"fontSize": 40, "fontWeight": 500, "valign": "top"},
        ),
    )
}

ELEMENT_FIELDS: dict[str, Field] = {
    "x": Field("int", "X", 0, minimum=-POSITION_LIMIT, maximum=POSITION_LIMIT),
    "y": Field("int", "Y", 0, minimum=-POSITION_LIMIT, maximum=POSITION_LIMIT),
    "w": Field("int", "Width", 100, minimum=1, maximum=POSITION_LIMIT),
    "h": Field("int", "Height", 100, minimum=1, maximum=POSITION_LIMIT),
    "rotation": Field("number", "Rotation (°)", 0, minimum=-360, maximum=360),
    "z": Field("int", "Layer", 0, minimum=0, maximum=1000),
    "name": Field("text", "Label", "", max_length=60, help="Only shown in the builder"),
}
ELEMENT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"

CANVAS_FIELDS: dict[str, Field] = {
    "width": Field("int", "Width", 1920, minimum=MIN_CANVAS, maximum=MAX_CANVAS),
    "height": Field("int", "Height", 1080, minimum=MIN_CANVAS, maximum=MAX_CANVAS),
    "background": _color("Background", "#0b1020"),
    "backgroundImage": Field("image", "Background image", None, nullable=True),
    "backgroundFit": Field("enum", "Image fit", "cover", choices=("contain", "cover", "fill")),
    "grid": Field("int", "Snap grid", 10, minimum=1, maximum=200),
}


def schema_for_builder() -> dict[str, Any]:
    """The schema as JSON for the builder's palette and side panel."""
    return {
        "version": FORMAT_VERSION,
        "presets": [
            {"key": p.key, "label": p.label, "width": p.width, "height": p.height}
            for p in CANVAS_PRESETS
        ],
        "canvas": {k: f.as_json() for k, f in CANVAS_FIELDS.items()},
        "element": {k: f.as_json() for k, f in ELEMENT_FIELDS.items()},
        "style": {k: f.as_json() for k, f in STYLE_FIELDS.items()},
        "types": {
            t.key: {
                "label": t.label,
                "group": t.group,
                "size": list(t.size),
                "style": t.style,
                "options": {k: f.as_json() for k, f in t.options.items()},
            }
            for t in ELEMENT_TYPES.values()
        },
        "limits": {"elements": MAX_ELEMENTS, "name": MAX_NAME},
    }
