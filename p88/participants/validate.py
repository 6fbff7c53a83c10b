"""Row-by-row validation: every bad row is reported with its line and a reason a person can act
on; good rows become ParticipantFields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from p88.participants.csvfile import CsvFile
from p88.participants.mapping import ColumnMapping
from p88.participants.model import FIELDS, MAX_LENGTHS, TEXT_LIMIT, ParticipantFields

GENDERS = {
    "m": "M", "male": "M", "man": "M", "men": "M", "h": "M", "homme": "M",
    "f": "F", "female": "F", "woman": "F", "women": "F", "w": "F", "femme": "F",
    "x": "X", "nb": "X", "nonbinary": "X", "non-binary": "X", "other": "X",
}  # fmt: skip
UNKNOWN_GENDERS = {"", "u", "unknown", "-", "n/a", "na", "prefer not to say"}
TRUE_WORDS = {"1", "y", "yes", "true", "x", "vip", "oui"}
FALSE_WORDS = {"", "0", "n", "no", "false", "non"}


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


def fields_from_values(values: Mapping[str, str]) -> ParticipantFields:
    """Validate one runner given as field name -> raw text (a CSV row or the edit form)."""
    bib = _text("bib", values.get("bib", ""))
    if not bib:
        raise FieldError("no bib number")
    tag = _text("tag", values.get("tag", "")) or bib
    first = _text("first_name", values.get("first_name", ""))
    last = _text("last_name", values.get("last_name", ""))
    full = values.get("full_name", "").strip()
    if full and not first and not last:
        first, _, last = full.rpartition(" ") if " " in full else ("", "", full)
        first, last = first.strip(), last.strip()
    return ParticipantFields(
        bib=bib,
        tag=tag,
        first_name=first,
        last_name=last,
        gender=parse_gender(values.get("gender", "")),
        age=parse_age(values.get("age", "")),
        age_group=_text("age_group", values.get("age_group", "")),
        city=_text("city", values.get("city", "")),
        state=_text("state", values.get("state", "")),
        country=_text("country", values.get("country", "")),
        team=_text("team", values.get("team", "")),
        wave=_text("wave", values.get("wave", "")),
        vip=parse_vip(values.get("vip", "")),
        message=_text("message", values.get("message", "")),
        pronunciation=_text("pronunciation", values.get("pronunciation", "")),
    )


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    bib: str
    reason: str


@dataclass(slots=True)
class Validated:
    good: list[tuple[int, ParticipantFields]] = field(default_factory=list)  # (line, fields)
    bad: list[RowProblem] = field(default_factory=list)


def _row_values(values: Sequence[str], mapping: ColumnMapping) -> dict[str, str]:
    return {
        name: values[index] if index < len(values) else ""
        for name, index in mapping.columns.items()
    }


def validate_rows(csv_file: CsvFile, mapping: ColumnMapping) -> Validated:
    """Check each record; the first row of a bib or tag wins and later repeats are reported."""
    result = Validated()
    bib_lines: dict[str, int] = {}
    tag_lines: dict[str, int] = {}
    for record in csv_file.records:
        raw = _row_values(record.values, mapping)
        bib_hint = raw.get("bib", "").strip()
        if record.encoding_error:
            result.bad.append(RowProblem(record.line, bib_hint, record.encoding_error))
            continue
        try:
            fields = fields_from_values(raw)
        except FieldError as exc:
            result.bad.append(RowProblem(record.line, bib_hint, str(exc)))
            continue
        if fields.bib in bib_lines:
            reason = f"bib {fields.bib} already appears on line {bib_lines[fields.bib]}"
            result.bad.append(RowProblem(record.line, fields.bib, reason))
            continue
        if fields.tag in tag_lines:
            reason = f"tag {fields.tag} already appears on line {tag_lines[fields.tag]}"
            result.bad.append(RowProblem(record.line, fields.bib, reason))
            continue
        bib_lines[fields.bib] = record.line
        tag_lines[fields.tag] = record.line
        result.good.append((record.line, fields))
    return result
