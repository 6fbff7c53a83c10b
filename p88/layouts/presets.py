"""Ready-made templates: every new template starts from one of these."""

from __future__ import annotations

import copy
from typing import Any

from p88.layouts.schema import FORMAT_VERSION

ACCENT = "#e4572e"
NAVY = "#0b1020"
PANEL = "#151c2e"
MUTED = "#9fb0c8"
SOFT = "#c9d3e6"
GOLD = "#ffd166"


def _el(eid: str, etype: str, x: int, y: int, w: int, h: int, **parts: Any) -> dict[str, Any]:
    element: dict[str, Any] = {"id": eid, "type": etype, "x": x, "y": y, "w": w, "h": h}
    for key in ("z", "rotation", "name", "style", "options"):
        if key in parts:
            element[key] = parts[key]
    return element


def _label(
    eid: str, text: str, x: int, y: int, w: int, h: int, size: int, color: str = MUTED, **style: Any
) -> dict[str, Any]:
    return _el(
        eid,
        "custom_text",
        x,
        y,
        w,
        h,
        z=3,
        options={"text": text},
        style={"fontSize": size, "fontWeight": 700, "color": color, "uppercase": True, **style},
    )


_FINISH: dict[str, Any] = {
    "version": FORMAT_VERSION,
    "canvas": {"width": 1920, "height": 1080, "background": NAVY, "grid": 10},
    "elements": [
        _el("header", "box", 0, 0, 1920, 110, z=1, style={"background": "#141a26"}),
        _label("event", "City Marathon 2026", 60, 0, 1200, 110, 48, "#ffffff", valign="middle"),
        _el(
            "clock",
            "clock",
            1460,
            0,
            400,
            110,
            z=3,
            style={
                "fontFamily": "mono",
                "fontSize": 48,
                "color": MUTED,
                "align": "right",
                "fontWeight": 600,
            },
        ),
        _el("accent", "box", 60, 250, 12, 330, z=1, style={"background": ACCENT}),
        _el(
            "bib",
            "bib",
            110,
            230,
            600,
            90,
            z=3,
            options={"prefix": "BIB "},
            style={"fontSize": 60, "fontWeight": 800, "color": ACCENT},
        ),
        _el(
            "name",
            "athlete_name",
            110,
            320,
            1700,
            200,
            z=3,
            style={
                "fontSize": 150,
                "fontWeight": 900,
                "uppercase": True,
                "shadowColor": "rgba(0, 0, 0, 0.5)",
                "shadowBlur": 16,
                "shadowY": 6,
            },
        ),
        _el(
            "city",
            "city_country",
            110,
            520,
            900,
            80,
            z=3,
            style={"fontSize": 50, "fontWeight": 500, "color": SOFT},
        ),
        _el(
            "ag",
            "age_group",
            1010,
            520,
            800,
            80,
            z=3,
            options={"prefix": "Age group "},
            style={"fontSize": 50, "fontWeight": 500, "color": SOFT, "align": "right"},
        ),
        _el(
            "time-panel",
            "box",
            60,
            660,
            1180,
            280,
            z=1,
            style={"background": PANEL, "radius": 28},
        ),
        _label("time-label", "Finish time", 110, 680, 600, 60, 34),
        _el(
            "time",
            "time",
            110,
            740,
            1100,
            180,
            z=3,
            options={"source": "gun", "format": "h:mm:ss"},
            style={"fontFamily": "mono", "fontSize": 160, "fontWeight": 700},
        ),
        _el(
            "place-panel",
            "box",
            1280,
            660,
            580,
            280,
            z=1,
            style={"background": ACCENT, "radius": 28},
        ),
        _label("place-label", "Overall place", 1320, 680, 500, 60, 34, "#ffe3d9"),
        _el(
            "place",
            "place",
            1320,
            740,
            500,
            180,
            z=3,
            options={"kind": "overall"},
            style={"fontSize": 150, "fontWeight": 900},
        ),
        _el(
            "message",
            "message",
            60,
            970,
            1800,
            80,
            z=3,
            options={"source": "personal", "messages": ["Welcome home!"], "interval": 6},
            style={"fontSize": 44, "fontWeight": 500, "italic": True, "color": GOLD},
        ),
    ],
}


_PORTRAIT: dict[str, Any] = {
    "version": FORMAT_VERSION,
    "canvas": {"width": 1080, "height": 1920, "background": NAVY, "grid": 10},
    "elements": [
        _el("band", "box", 0, 0, 1080, 620, z=1, style={"background": PANEL}),
        _el(
            "bib",
            "bib",
            60,
            60,
            960,
            90,
            z=3,
            options={"prefix": "BIB "},
            style={"fontSize": 64, "fontWeight": 800, "color": ACCENT},
        ),
        _el(
            "first",
            "first_name",
            60,
            160,
            960,
            150,
            z=3,
            style={"fontSize": 130, "fontWeight": 800},
        ),
        _el(
            "last",
            "last_name",
            60,
            300,
            960,
            170,
            z=3,
            style={"fontSize": 150, "fontWeight": 900, "uppercase": True},
        ),
        _el(
            "city",
            "city_country",
            60,
            480,
            960,
            80,
            z=3,
            style={"fontSize": 48, "fontWeight": 500, "color": SOFT},
        ),
        _label("time-label", "Finish time", 60, 680, 600, 60, 36),
        _el(
            "time",
            "time",
            60,
            740,
            960,
            180,
            z=3,
            style={"fontFamily": "mono", "fontSize": 170},
        ),
        _label("place-label", "Place", 60, 960, 400, 60, 36),
        _el(
            "place",
            "place",
            60,
            1020,
            480,
            150,
            z=3,
            style={"fontSize": 130},
            options={"kind": "overall"},
        ),
        _label("ag-label", "Age group", 560, 960, 460, 60, 36),
        _el(
            "ag-place",
            "place",
            560,
            1020,
            460,
            150,
            z=3,
            options={"kind": "age_group"},
            style={"fontSize": 130, "color": GOLD},
        ),
        _label("recent-label", "Latest finishers", 60, 1230, 960, 60, 36),
        _el(
            "recent",
            "last_n_list",
            60,
            1300,
            960,
            560,
            z=3,
            options={"n": 8, "fields": ["place", "name", "time"], "rowColor": PANEL},
            style={"fontSize": 44, "fontWeight": 500, "valign": "top"},
        ),
    ],
}


_LED: dict[str, Any] = {
    "version": FORMAT_VERSION,
    "canvas": {"width": 1536, "height": 256, "background": "#000000", "grid": 8},
    "elements": [
        _el(
            "bib",
            "bib",
            16,
            16,
            280,
            224,
            z=2,
            style={
                "fontSize": 120,
                "fontWeight": 900,
                "color": "#000000",
                "background": GOLD,
                "padding": 12,
                "align": "center",
                "radius": 16,
            },
        ),
        _el(
            "name",
            "athlete_name",
            320,
            8,
            1200,
            136,
            z=2,
            style={"fontSize": 112, "fontWeight": 900, "uppercase": True},
        ),
        _el(
            "time",
            "time",
            320,
            144,
            700,
            104,
            z=2,
            style={"fontFamily": "mono", "fontSize": 96, "color": GOLD},
        ),
        _el(
            "place",
            "place",
            1040,
            144,
            480,
            104,
            z=2,
            options={"prefix": "Place "},
            style={"fontSize": 80, "align": "right", "color": SOFT},
        ),
    ],
}


_RESULTS: dict[str, Any] = {
    "version": FORMAT_VERSION,
    "canvas": {"width": 1920, "height": 1080, "background": NAVY, "grid": 10},
    "elements": [
        _label("title", "Leaders", 60, 40, 860, 90, 60, "#ffffff"),
        _el(
            "board",
            "leaderboard",
            60,
            150,
            860,
            880,
            z=2,
            options={
                "n": 10,
                "by": "overall",
                "fields": ["place", "name", "time"],
                "rowColor": PANEL,
            },
            style={"fontSize": 44, "valign": "top", "fontWeight": 600},
        ),
        _label("recent-title", "Just finished", 1000, 40, 860, 90, 60, "#ffffff"),
        _el(
            "recent",
            "last_n_list",
            1000,
            150,
            860,
            880,
            z=2,
            options={"n": 10, "fields": ["bib", "name", "time"], "rowColor": PANEL},
            style={"fontSize": 44, "valign": "top", "fontWeight": 500},
        ),
    ],
}


_BLANK: dict[str, Any] = {
    "version": FORMAT_VERSION,
    "canvas": {"width": 1920, "height": 1080, "background": NAVY, "grid": 10},
    "elements": [],
}


PRESETS: dict[str, tuple[str, Any]] = {
    "finish": ("Finish call-out (1920x1080)", _FINISH),
    "portrait": ("Portrait call-out (1080x1920)", _PORTRAIT),
    "led": ("LED banner (1536x256)", _LED),
    "results": ("Leaders and latest finishers (1920x1080)", _RESULTS),
    "blank": ("Blank canvas", _BLANK),
}


def sample_document(kind: str) -> dict[str, Any]:
    """A fresh copy of a ready-made template; KeyError names the kinds that exist."""
    if kind not in PRESETS:
        raise KeyError(f"no preset {kind!r}; choose one of {', '.join(PRESETS)}")
    document: dict[str, Any] = copy.deepcopy(PRESETS[kind][1])
    return document
