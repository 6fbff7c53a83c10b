"""Course, date of birth, division and wave: recognised in registration exports and read by the
same rules as the edit form; dates' month/day order decided per file, never guessed."""

from __future__ import annotations

from datetime import date

import pytest

from p88.participants.check import check_file
from p88.participants.csvfile import read_csv
from p88.participants.dates import (
    DAY_FIRST,
    MONTH_FIRST,
    DateError,
    decide_order,
    parse_date_of_birth,
)
from p88.participants.mapping import (
    ColumnMapping,
    MappingError,
    detect_mapping,
    mapping_from_form,
)
from p88.participants.validate import FieldError, fields_from_values
from tests.unit.test_participants_reading import column

TODAY = date(2026, 12, 4)


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Course", "course"), ("Race", "course"), ("Distance", "course"),
        ("Sub-event", "course"), ("DOB", "date_of_birth"), ("Date of Birth", "date_of_birth"),
        ("Birthdate", "date_of_birth"), ("birth_date", "date_of_birth"),
        ("Division", "division"), ("Category", "division"), ("Age Group", "age_group"),
        ("Wave", "wave"), ("Start Wave", "wave"), ("Corral", "wave"),
    ],
)  # fmt: skip
def test_registration_headers_of_the_new_fields_are_recognised(header, field) -> None:
    assert detect_mapping(["Bib", header]).columns == {"bib": 0, field: 1}


def test_event_is_not_taken_for_the_course() -> None:
    # "Event" is the sub-race in some exports and the whole event's name in others.
    assert detect_mapping(["Bib", "Event", "Event Name"]).columns == {"bib": 0}


@pytest.mark.parametrize(
    ("header", "order"),
    [("DOB (MM/DD/YYYY)", MONTH_FIRST), ("Date of birth dd/mm/yyyy", DAY_FIRST), ("DOB", "")],
)
def test_a_date_format_in_the_header_names_the_order(header, order) -> None:
    mapping = detect_mapping(["Bib", header])
    assert mapping.columns == {"bib": 0, "date_of_birth": 1}
    assert mapping.date_order == order


@pytest.mark.parametrize(
    ("raw", "order", "expected"),
    [
        ("1985-03-04", "", date(1985, 3, 4)),
        ("1985/03/04", DAY_FIRST, date(1985, 3, 4)),
        ("1985-03-04 00:00:00", "", date(1985, 3, 4)),
        ("04.03.1985", MONTH_FIRST, date(1985, 3, 4)),  # dots are always day first
        ("3/4/1985", MONTH_FIRST, date(1985, 3, 4)),
        ("3/4/1985", DAY_FIRST, date(1985, 4, 3)),
        ("13/04/1985", "", date(1985, 4, 13)),  # only one reading exists
        ("04/13/1985 0:00", "", date(1985, 4, 13)),
        ("05/05/1990", "", date(1990, 5, 5)),
        ("", "", None),
    ],
)
def test_dates_of_birth_in_iso_us_and_european_forms(raw, order, expected) -> None:
    assert parse_date_of_birth(raw, order, TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "order", "reason"),
    [
        ("03/04/1985", "", "could be read month first or day first"),
        ("02/30/1990", MONTH_FIRST, "not a date of the calendar"),
        ("13/04/1985", MONTH_FIRST, "not a date of the calendar"),
        ("2027-01-01", "", "in the future"),
        ("1899-12-31", "", "before 1900"),
        ("3/4/85", "", "two-digit year"),
        ("March 4th", "", "YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY"),
    ],
)
def test_dates_that_cannot_be_read_say_why(raw, order, reason) -> None:
    with pytest.raises(DateError, match=reason):
        parse_date_of_birth(raw, order, TODAY)


def test_the_order_of_a_files_dates_is_decided_by_its_values() -> None:
    us = [(2, "03/04/1985"), (3, "12/25/1990"), (4, "1/2/2000")]
    assert decide_order(us).order == MONTH_FIRST
    assert "line 3" in decide_order(us).note
    european = [(2, "03/04/1985"), (3, "25/12/1990")]
    assert decide_order(european).order == DAY_FIRST
    undecidable = decide_order([(2, "03/04/1985"), (3, "01/02/2000"), (4, "1985-03-04")])
    assert undecidable.order == "" and "line 2 could be either" in undecidable.note
    mixed = decide_order([(2, "25/12/1990"), (3, "12/25/1990")])
    assert mixed.order == "" and "line 2 puts the day first, line 3 the month" in mixed.note
    assert decide_order([(2, "1985-03-04"), (3, "05/05/1990")]) == decide_order([])


def _check(data: bytes, date_order: str = ""):
    csv_file = read_csv(data)
    detected = detect_mapping(csv_file.header)
    return check_file(csv_file, ColumnMapping(detected.columns, date_order))


def test_an_undecidable_file_reports_its_ambiguous_dates_until_the_order_is_chosen() -> None:
    data = b"Bib,DOB\n1,03/04/1985\n2,05/05/1990\n3,1970-01-31\n"
    checked = _check(data)
    assert column(checked, "bib") == ["2", "3"]
    assert [(p.line, p.bib) for p in checked.problems] == [(2, "1")]
    assert "choose the order the file uses" in checked.date_note
    chosen = _check(data, DAY_FIRST)
    assert column(chosen, "date_of_birth") == ["1985-04-03", "1990-05-05", "1970-01-31"]


def test_one_day_above_twelve_decides_the_whole_file() -> None:
    checked = _check(b"Bib,Date of Birth\n1,03/04/1985\n2,25/12/1990\n")
    assert column(checked, "date_of_birth") == ["1985-04-03", "1990-12-25"]
    assert checked.date_note == "dates of birth read as day/month/year (line 3)"


def test_course_division_and_wave_columns_are_imported() -> None:
    checked = _check(
        b"Bib,Race,Category,Corral,Age Group\n"
        b"1,Half Marathon,Masters,A,40-44\n"
        b"2,10K,Wheelchair,B,\n"
    )
    assert column(checked, "course") == ["Half Marathon", "10K"]
    assert column(checked, "division") == ["Masters", "Wheelchair"]
    assert column(checked, "wave") == ["A", "B"]
    assert column(checked, "age_group") == ["40-44", ""]


def test_the_edit_form_reads_the_new_fields_by_the_same_rules() -> None:
    fields = fields_from_values(
        {"bib": "7", "course": " 5K ", "date_of_birth": "1990-05-06", "division": "Clydesdale"}
    )
    assert (fields.course, fields.date_of_birth, fields.division) == (
        "5K",
        date(1990, 5, 6),
        "Clydesdale",
    )
    with pytest.raises(FieldError, match="could be read month first or day first"):
        fields_from_values({"bib": "7", "date_of_birth": "01/02/1990"})


def test_a_bib_holding_a_quote_is_a_piece_of_a_broken_row() -> None:
    with pytest.raises(FieldError, match="holds a quote"):
        fields_from_values({"bib": '3"'})


def test_the_form_chooses_the_date_order() -> None:
    header = ["Bib", "DOB"]
    form = {"map_bib": "0", "map_date_of_birth": "1", "date_order": DAY_FIRST}
    assert mapping_from_form(form, header) == ColumnMapping(
        {"bib": 0, "date_of_birth": 1}, DAY_FIRST
    )
    with pytest.raises(MappingError, match="order of the dates"):
        mapping_from_form({**form, "date_order": "ymd; DROP"}, header)
