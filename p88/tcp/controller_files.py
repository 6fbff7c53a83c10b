"""ChronoTrack controller files as read off a controller: `<session>.csv` (one `TO~` tag
observation per line) and `<session>.mrk` (the marker log: event, point, gun starts)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

EPOCH = datetime(1970, 1, 1)
"""Controller epochs are local wall clock read as UTC, so they map onto naive datetimes."""

GUN_PLAUSIBILITY = timedelta(days=1)
"""A gun stamp further than this from the stream's reads comes from an unset clock: ignored."""


class RaceDataError(ValueError):
    """A controller file that cannot be read as ChronoTrack data."""


@dataclass(frozen=True, slots=True)
class RawRead:
    """A tag read before numbering (tag already unpadded)."""

    tag: str
    time: datetime
    reader_id: str
    gator: int


@dataclass(frozen=True, slots=True)
class Marker:
    """One `.mrk` line: `<ctrl id>,<n>,<kind>,<value>,<yymmddHHMMSScc>,<text>`."""

    controller_id: str
    kind: str
    value: str
    stamp: datetime | None  # None when the stamp is not a valid date
    text: str


def parse_epoch(text: str) -> datetime:
    """`1620458668.64` -> 2021-05-08 07:24:28.64, with integer math so hundredths stay exact."""
    whole, _, fraction = text.strip().partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        raise RaceDataError(f"not an epoch time: {text!r}")
    microseconds = int((fraction + "000000")[:6])
    return EPOCH + timedelta(seconds=int(whole), microseconds=microseconds)


def unpad_tag(tag: str) -> str:
    """`009573` -> `9573` (SimpleClient sends bibs unpadded); `0` stays `0`; `M012` is kept."""
    tag = tag.strip()
    if tag.isdigit():
        return tag.lstrip("0") or "0"
    return tag


def decode_marker_stamp(stamp: str) -> datetime | None:
    """`21050808005516` -> 2021-05-08 08:00:55.16; None if it is no valid date."""
    stamp = stamp.strip()
    if len(stamp) != 14 or not stamp.isdigit():
        return None
    yy, mo, dd, hh, mi, ss, cc = (int(stamp[i : i + 2]) for i in range(0, 14, 2))
    try:
        return datetime(2000 + yy, mo, dd, hh, mi, ss, cc * 10_000)
    except ValueError:
        return None


def parse_read_line(line: str) -> RawRead:
    """One `.csv` line: `TO~seq~tag~timer~event code~epoch.hh~reader~antenna~rssi~…`."""
    fields = line.split("~")
    if len(fields) < 8 or fields[0] != "TO":
        raise RaceDataError(f"not a TO~ tag observation: {line!r}")
    try:
        gator = int(fields[7])
    except ValueError:
        raise RaceDataError(f"antenna is not a number: {line!r}") from None
    return RawRead(unpad_tag(fields[2]), parse_epoch(fields[5]), fields[6].strip(), gator)


def parse_marker_line(line: str) -> Marker | None:
    fields = line.split(",", 5)
    if len(fields) < 6:
        return None  # marker logs carry free text; a short line is not worth failing on
    controller_id, _, kind, value, stamp, text = (field.strip() for field in fields)
    return Marker(controller_id, kind, value, decode_marker_stamp(stamp), text)


def _text_lines(path: Path) -> list[str]:
    # Controller files are ASCII with CR LF; cp1252 never fails, so odd bytes cannot stop a load.
    return [line for line in path.read_text(encoding="cp1252").splitlines() if line.strip()]


def read_observation_file(path: Path) -> list[RawRead]:
    reads = []
    for number, line in enumerate(_text_lines(path), start=1):
        try:
            reads.append(parse_read_line(line))
        except RaceDataError as error:
            raise RaceDataError(f"{path}:{number}: {error}") from None
    return reads


def read_marker_file(path: Path) -> list[Marker]:
    if not path.exists():
        return []
    return [marker for line in _text_lines(path) if (marker := parse_marker_line(line))]


def plausible_guns(markers: Iterable[Marker], reads: Sequence[RawRead]) -> list[datetime]:
    """Gun stamps within GUN_PLAUSIBILITY of the reads; unset-clock stamps are dropped."""
    if not reads:
        return []  # nothing to anchor the controller clock on
    earliest = min(read.time for read in reads) - GUN_PLAUSIBILITY
    latest = max(read.time for read in reads) + GUN_PLAUSIBILITY
    return [
        marker.stamp
        for marker in markers
        if marker.kind == "Gun" and marker.stamp is not None and earliest <= marker.stamp <= latest
    ]


def first_marker_text(markers: Iterable[Marker], kind: str) -> str | None:
    return next((marker.text for marker in markers if marker.kind == kind and marker.text), None)
