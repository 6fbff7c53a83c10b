"""A display's options: validated here before they are stored, shipped to the page as JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import timedelta
from typing import Any

from p88.live.passings import Rules

MODES = ("finish", "announcer", "leaderboard")


class OptionsError(ValueError):
    """Says which option is wrong and what it accepts."""


@dataclass(frozen=True, slots=True)
class DisplayOptions:
    # Each athlete stays on screen at least this long, however fast others arrive.
    min_on_screen_ms: int = 2500
    # Runners crossing within this window of each other are shown together.
    group_window_ms: int = 1500
    # How many athletes one group card may hold before the rest wait for the next card.
    max_group: int = 4
    # VIPs jump the queue and are never folded into "+N more".
    vip_first: bool = True
    # Added to the browser's clock for on-screen clocks (a TV with a wrong clock).
    clock_offset_ms: int = 0
    # When the queue holds more than this many athletes, the oldest are counted, not shown.
    max_queue: int = 30
    # Passing rules for this display's feed (see p88.live.passings).
    ignore_window_s: float = 5.0
    min_lap_s: float = 300.0

    def rules(self) -> Rules:
        return Rules(timedelta(seconds=self.ignore_window_s), timedelta(seconds=self.min_lap_s))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


_LIMITS: dict[str, tuple[float, float]] = {
    "min_on_screen_ms": (0, 60_000),
    "group_window_ms": (0, 10_000),
    "max_group": (1, 12),
    "clock_offset_ms": (-86_400_000, 86_400_000),
    "max_queue": (1, 500),
    "ignore_window_s": (0, 3600),
    "min_lap_s": (0, 86_400),
}


def parse_options(raw: Mapping[str, Any]) -> DisplayOptions:
    """Options from a form or stored JSON; unknown keys and out-of-range values are errors."""
    known = {f.name: f for f in fields(DisplayOptions)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise OptionsError(f"unknown display option(s): {', '.join(unknown)}")
    values: dict[str, Any] = {}
    for name, value in raw.items():
        if value is None or value == "":
            continue
        if name == "vip_first":
            values[name] = value in (True, "1", "true", "on", "yes")
            continue
        kind = float if name.endswith("_s") else int
        try:
            number = kind(value)
        except (TypeError, ValueError):
            raise OptionsError(f"{name} must be a number, not {value!r}") from None
        low, high = _LIMITS[name]
        if not low <= number <= high:
            raise OptionsError(f"{name} must be between {low:g} and {high:g}, not {number:g}")
        values[name] = number
    options = DisplayOptions(**values)
    try:
        options.rules()
    except ValueError as exc:
        raise OptionsError(str(exc)) from None
    return options
