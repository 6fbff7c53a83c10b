"""Reading registration CSVs: encodings, delimiters, header recognition, field rules."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from p88.participants.csvfile import CsvFileError, read_csv
from p88.participants.mapping import (
    MappingError,
    detect_mapping,
    detect_style,
    mapping_from_form,
)
from p88.participants.validate import FieldError, parse_age, parse_gender, parse_vip

RUNSIGNUP = [
    "Registration ID", "Bib", "Chip", "First Name", "Last Name", "Gender", "Age", "DOB",
    "City", "State", "Country", "Team Name", "Email",
]  # fmt: skip
RACE_ROSTER = [
    "Participant ID", "Bib number", "First name", "Last name", "Gender", "Age", "City",
    "Province/State", "Country", "Team name", "Division",
]  # fmt: skip


def test_runsignup_style_headers_map_without_editing() -> None:
    mapping = detect_mapping(RUNSIGNUP)
    assert mapping.columns == {
        "bib": 1, "tag": 2, "first_name": 3, "last_name": 4, "gender": 5, "age": 6,
        "date_of_birth": 7, "city": 8, "state": 9, "country": 10, "team": 11,
    }  # fmt: skip
    assert mapping.ignored(RUNSIGNUP) == ["Registration ID", "Email"]
    assert detect_style(RUNSIGNUP) == "RunSignUp-style export"


def test_race_roster_style_headers_map_without_editing() -> None:
    mapping = detect_mapping(RACE_ROSTER)
    assert mapping.columns == {
        "bib": 1, "first_name": 2, "last_name": 3, "gender": 4, "age": 5, "city": 6,
        "state": 7, "country": 8, "team": 9, "division": 10,
    }  # fmt: skip
    assert detect_style(RACE_ROSTER) == "Race Roster-style export"


def test_operator_mapping_needs_a_bib_and_existing_columns() -> None:
    header = ["Number", "Name"]
    assert mapping_from_form({"map_bib": "0", "map_full_name": "1"}, header).columns == {
        "bib": 0,
        "full_name": 1,
    }
    with pytest.raises(MappingError, match="bib"):
        mapping_from_form({"map_full_name": "1"}, header)
    with pytest.raises(MappingError, match="does not exist"):
        mapping_from_form({"map_bib": "7"}, header)


def test_bom_is_dropped_and_line_numbers_count_quoted_newlines() -> None:
    data = '\ufeffBib,Message\n1,"two\nlines"\n2,plain\n'.encode()
    parsed = read_csv(data)
    assert parsed.header == ["Bib", "Message"]
    assert [(r.line, r.values) for r in parsed.records()] == [
        (2, ["1", "two\nlines"]),
        (4, ["2", "plain"]),
    ]


def test_bytes_that_are_neither_utf8_nor_cp1252_are_refused() -> None:
    with pytest.raises(CsvFileError, match="CSV UTF-8"):
        read_csv(b"Bib,Name\n1,\x81\x8d\x90\n")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("M", "M"), ("female", "F"), (" Non-Binary ", "X"), ("", None), ("U", None)],
)
def test_genders(raw: str, expected: str | None) -> None:
    assert parse_gender(raw) == expected


@pytest.mark.parametrize("raw", ["-1", "121", "3.5", "old"])
def test_bad_ages(raw: str) -> None:
    with pytest.raises(FieldError, match="age"):
        parse_age(raw)


def test_vip_words() -> None:
    assert parse_vip("Yes") and parse_vip("x") and not parse_vip("") and not parse_vip("no")
    with pytest.raises(FieldError):
        parse_vip("maybe")


cell = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x2FF, exclude_characters="\x7f"),
    max_size=12,
).map(str.strip)


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=20),
    delimiter=st.sampled_from([",", ";", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
)
def test_any_written_csv_reads_back_the_same(rows, delimiter, encoding) -> None:
    rows = [r for r in rows if any(r)]
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(["Bib", "First Name", "Last Name"])
    writer.writerows(rows)
    try:
        data = text.getvalue().encode(encoding)
    except UnicodeEncodeError:
        return  # a character Windows-1252 cannot hold: not a file Excel could have written
    parsed = read_csv(data)
    assert parsed.delimiter == delimiter
    assert parsed.header == ["Bib", "First Name", "Last Name"]
    assert [r.values for r in parsed.records()] == rows
