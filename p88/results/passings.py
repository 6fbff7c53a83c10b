"""Reads -> passings: the ignore window (dead time) collapses repeated reads of a tag at a point."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from p88.results.model import Read


def group_reads(reads: Iterable[Read]) -> dict[tuple[str, str], list[Read]]:
    """(tag, location) -> that tag's reads at that point, in time order."""
    grouped: dict[tuple[str, str], list[Read]] = defaultdict(list)
    for read in reads:
        grouped[(read.tag, read.location)].append(read)
    for group in grouped.values():
        group.sort(key=lambda r: r.time)
    return dict(grouped)


def collapse(reads: list[Read], window: timedelta) -> list[list[Read]]:
    """Split time-ordered reads of one tag at one point into passings. A passing starts at a read
    and takes every read within `window` of its first read; a read after that starts the next
    passing (a later lap)."""
    passings: list[list[Read]] = []
    for read in reads:
        if passings and read.time - passings[-1][0].time <= window:
            passings[-1].append(read)
        else:
            passings.append([read])
    return passings
