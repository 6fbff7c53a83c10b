"""Field rules for one runner, shared by the CSV import and the edit form.

A `RowReader` is built once per mapping and reads each row's mapped columns only; fields with
no column take the value an empty cell gives. Every rule raises `FieldError` with a reason a
person can act on.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from datetime import date
from typing import Any

from p88.participants.dates import DateError, parse_date_of_birth
from p88.participants.model import FIELDS, MAX_LENGTHS, TEXT_LIMIT, ParticipantFields

GENDERS = {
    "m": "M", "male": "M", "man": "M", "men": "M", "h": "M", "homme": "M",
    "f": "F", "female": "F", "woman": "F", "women": "F", "w": "F", "femme": "F",
    "x": "X", "nb": "X", "nonbinary": "X", "non-binary": "X", "other": "X",
}  # fmt: skip
UNKNOWN_GENDERS = {"", "u", "unknown", "-", "n/a", "na", "prefer not to say"}
TRUE_WORDS = {"1", "y", "yes", "true", "x", "vip", "oui"}
FALSE_WORDS = {"", "0", "n", "no", "false", "non"}

FIELD_NAMES = [f.name for f in fields(ParticipantFields)]
IDENTITY = ("bib", "tag", "first_name", "last_name")  # what every row yields, mapped or not


class FieldError(ValueError):
    """A reason, worded for the operator."""


def parse_gender(raw: str) -> str | None:
    value = raw.strip().lower()
    if value in UNKNOWN_GENDERS:
        return None
    if value in GENDERS:
        return GENDERS[value]
    raise FieldError(f"gender {raw.strip()!r} is not understood: use M, F or X (or leave it empty)")


def parse_age(raw: str) -> int | None:
    value = raw.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = -1.0
    if not number.is_integer() or not 0 <= number <= 120:
        raise FieldError(f"age {value!r} is not a whole number from 0 to 120")
    return int(number)


def parse_vip(raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise FieldError(f"VIP {raw.strip()!r} is not understood: use yes or no")


def _text(name: str, raw: str) -> str:
    value = raw.strip()
    limit = MAX_LENGTHS.get(name, TEXT_LIMIT)
    if len(value) > limit:
        raise FieldError(f"{FIELDS[name].lower()} is longer than {limit} characters")
    return value


def _id(name: str, raw: str) -> str:
    value = _text(name, raw)
    if '"' in value or not value.isprintable():  # a piece of a broken row, never a number
        raise FieldError(
            f"{FIELDS[name].lower()} {value!r} holds a quote, a line break or another "
            "invisible character"
        )
    return value


def _converters(date_order: str) -> dict[str, Callable[[str], Any]]:
    def born(raw: str) -> date | None:
        try:
            return parse_date_of_birth(raw, date_order)
        except DateError as exc:
            raise FieldError(str(exc)) from exc

    special: dict[str, Callable[[str], Any]] = {
        "gender": parse_gender,
        "age": parse_age,
        "vip": parse_vip,
        "date_of_birth": born,
    }
    return {
        name: special.get(name) or functools.partial(_text, name)
        for name in FIELD_NAMES
        if name not in IDENTITY
    }


class RowReader:
    """Reads rows (sequences of cells) with one mapping into the values of `self.produced`:
    bib, tag, first and last name, then each other mapped field."""

    def __init__(self, columns: Mapping[str, int], date_order: str = "") -> None:
        converters = _converters(date_order)
        self._bib = columns["bib"]
        self._tag = columns.get("tag")
        self._first = columns.get("first_name")
        self._last = columns.get("last_name")
        self._full = columns.get("full_name")
        self._steps = [(columns[n], converters[n]) for n in converters if n in columns]
        self.produced = [*IDENTITY, *(n for n in converters if n in columns)]

    def read(self, cells: Sequence[str]) -> list[Any]:
        bib = _id("bib", cells[self._bib])
        if not bib:
            raise FieldError("no bib number")
        tag = (_id("tag", cells[self._tag]) if self._tag is not None else "") or bib
        first = _text("first_name", cells[self._first]) if self._first is not None else ""
        last = _text("last_name", cells[self._last]) if self._last is not None else ""
        if self._full is not None and not first and not last:
            first, last = split_full_name(cells[self._full])
        return [bib, tag, first, last] + [convert(cells[i]) for i, convert in self._steps]


def split_full_name(raw: str) -> tuple[str, str]:
    """ "Ann Marie Lee" -> ("Ann Marie", "Lee"): the last word is the last name."""
    full = raw.strip()
    first, _, last = full.rpartition(" ") if " " in full else ("", "", full)
    return _text("first_name", first.strip()), _text("last_name", last.strip())


def fields_from_values(values: Mapping[str, str], date_order: str = "") -> ParticipantFields:
    """Validate one runner given as field name -> raw text (the edit form, a test)."""
    names = [n for n in FIELDS if n in values or n == "bib"]
    reader = RowReader({n: i for i, n in enumerate(names)}, date_order)
    read = reader.read([values.get(n, "") for n in names])
    return ParticipantFields(**dict(zip(reader.produced, read, strict=True)))
