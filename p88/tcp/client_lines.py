"""One line a CTP01 client sends after its greeting, parsed in full: every form, every check.

The reference for the fast path of plain read runs (p88.tcp.plain_runs), which must give the
same reads for the lines it takes.
"""

from __future__ import annotations

import re

from p88.tcp.events import (
    Ack,
    Authorize,
    ClientError,
    ClientPing,
    Event,
    Greeting,
    GunTime,
    Malformed,
    NewLocation,
    TagRead,
)
from p88.tcp.wallclock import parse_wall_time

TAG_FORMAT = re.compile(r"CT01_([0-9])[0-9]", re.IGNORECASE)
SEPARATORS = {"1": ",", "2": ";", "3": "~", "4": "|", "5": "\t"}
SEQUENCE_DIGITS = 18  # fits a signed 64-bit column
SMALL_DIGITS = 9  # lap and gator: fits a signed 32-bit column


def count(text: str, max_digits: int) -> int | None:
    """A non-negative ASCII integer (surrounding spaces allowed), or None."""
    digits = text.strip()
    if digits.isascii() and digits.isdigit() and len(digits) <= max_digits:
        return int(digits)
    return None


def parse_greeting(text: str) -> Greeting | None:
    fields = text.split("~")
    if len(fields) == 3 and fields[2].strip().upper() == "CTP01":
        return Greeting(fields[0].strip(), fields[1].strip())
    return None


def parse_client_line(text: str) -> Event:
    """Parse one decoded line a client sends after its greeting. Never raises."""
    if text[:5].upper() == "CT01_":
        return _parse_tag_line(text)
    fields = text.split("~")
    word = fields[0].strip().lower()
    if word == "ack":
        return _parse_ack(text, fields)
    if word == "err":
        return _parse_err(text, fields)
    if word == "ping":
        return ClientPing()  # arguments, never seen in practice, are ignored
    if word == "authorize":
        if len(fields) < 3:
            return Malformed(text, "authorize needs a user and a secret")
        return Authorize(fields[1], "~".join(fields[2:]))  # a secret may contain '~'
    if parse_greeting(text) is not None:
        return Malformed(text, "repeated greeting ignored")
    return Malformed(text, f"unknown line starting {fields[0][:20]!r}")


def _parse_ack(text: str, fields: list[str]) -> Event:
    if len(fields) < 2 or not fields[1].strip():
        return Malformed(text, "ack without a command")
    return Ack(fields[1].strip().lower(), tuple(fields[2:]))


def _parse_err(text: str, fields: list[str]) -> Event:
    if len(fields) < 2:
        return Malformed(text, "err without a command")
    # `err~~unknown command` names no command; a message may itself contain '~'.
    return ClientError(fields[1].strip().lower(), "~".join(fields[2:]))


def _parse_tag_line(text: str) -> Event:
    m = TAG_FORMAT.match(text)
    if m is None:
        return Malformed(text, "tag format must be CT01_ and two digits")
    separator = SEPARATORS.get(m.group(1))
    if separator is None:
        return Malformed(text, f"unknown separator digit {m.group(1)} in {m.group(0)}")
    fields = text.split(separator)
    if len(fields) != 8:
        return Malformed(text, f"expected 8 fields, got {len(fields)}")
    if len(fields[0]) != 7:
        return Malformed(text, f"bad tag format field {fields[0][:20]!r}")
    return _tag_event(text, fields)


def _tag_event(text: str, fields: list[str]) -> Event:
    _, seq_text, location, tag_text, time_text, lap_text, reader_text, gator_text = fields
    sequence = count(seq_text, SEQUENCE_DIGITS)
    if sequence is None:
        return Malformed(text, "sequence is not a number")
    lap = count(lap_text, SMALL_DIGITS)
    if lap is None:
        return Malformed(text, "lap is not a number")
    gator = count(gator_text, SMALL_DIGITS)
    if gator is None:
        return Malformed(text, "gator is not a number")
    if problem := _location_problem(location):
        return Malformed(text, problem)
    tag = tag_text.strip()
    if not tag:
        return Malformed(text, "empty tag")
    special = tag.lower()
    if special == "newlocation":
        # Its time, lap and gator are placeholders (`00:00:00.00~0~0~0`): time not checked.
        return NewLocation(sequence, location)
    try:
        when = parse_wall_time(time_text)
    except ValueError as exc:
        return Malformed(text, f"bad time: {exc}")
    if special == "guntime":
        return GunTime(sequence, location, time_text, reader_text.strip(), when)
    return TagRead(sequence, location, tag, time_text, lap, reader_text.strip(), gator, when)


def _location_problem(location: str) -> str | None:
    if not location.strip():
        return "empty location"
    if "~" in location:
        # The server names locations in `start~<loc>`; a '~' could never be sent back.
        return "location contains '~'"
    return None
