"""Reading participant files that never lies: a stray quote, a wrong field count or a file that
is not text is reported with its line (or refused), never merged into another row."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from p88.participants.check import check_file
from p88.participants.copyrows import COPY_COLUMNS
from p88.participants.csvfile import CsvFileError, read_csv
from p88.participants.mapping import detect_mapping
from p88.participants.textfile import iter_lines

# The issue's file: line 5's quote is never closed; before the fix lines 5-9 became one runner
# whose first name held the four runners after it, and the check said all was well.
SWALLOWING = (
    b"Bib,First Name,Last Name\n"
    b"2,Ann,Lee\n"  # line 2
    b"3,Bo,Ray\n"
    b"4,Cy,Ho\n"
    b'5,"Dee,Ma\n'  # line 5: the quote opened here is never closed
    b"6,Eve,Ng\n"
    b"7,Finn,Oh\n"
    b"8,Gus,Pi\n"
    b'9,"Hal",Qu\n'  # line 9: its quote is where the reader used to close line 5's
    b"10,Ida,Ro\n"
)


def column(checked, name: str) -> list[str]:
    """One field of the good rows, as the COPY data carries it (text; dates in ISO)."""
    rows = csv.DictReader(io.StringIO(b"".join(checked.chunks).decode()), fieldnames=COPY_COLUMNS)
    return [row[name] for row in rows]


def _records(data: bytes) -> list[tuple[int, list[str], str | None]]:
    return [(r.line, r.values, r.problem) for r in read_csv(data).records()]


def test_an_unclosed_quote_is_reported_at_its_line_and_swallows_no_row() -> None:
    records = _records(SWALLOWING)
    assert [line for line, _, _ in records] == [2, 3, 4, 5, 6, 7, 8, 9, 10]
    (broken,) = [r for r in records if r[2] is not None]
    assert broken[0] == 5 and "quote opened on this line is not closed until line 9" in broken[2]
    assert [values for line, values, _ in records if line != 5] == [
        ["2", "Ann", "Lee"],
        ["3", "Bo", "Ray"],
        ["4", "Cy", "Ho"],
        ["6", "Eve", "Ng"],
        ["7", "Finn", "Oh"],
        ["8", "Gus", "Pi"],
        ["9", "Hal", "Qu"],
        ["10", "Ida", "Ro"],
    ]
    csv_file = read_csv(SWALLOWING)
    checked = check_file(csv_file, detect_mapping(csv_file.header))
    assert (checked.rows, checked.good, checked.bad) == (9, 8, 1)
    assert [(p.line, p.bib) for p in checked.problems] == [(5, "")]
    assert column(checked, "first_name") == ["Ann", "Bo", "Cy", "Eve", "Finn", "Gus", "Hal", "Ida"]


def test_a_quote_left_open_to_the_end_of_the_file_loses_no_later_row() -> None:
    records = _records(b'Bib,Name\n1,"Ann\n2,Bo\n3,Cy\n')
    assert [(line, problem is None) for line, _, problem in records] == [
        (2, False),
        (3, True),
        (4, True),
    ]
    assert "never closed" in str(records[0][2])


def test_a_quoted_line_break_that_swallows_a_whole_row_is_not_trusted() -> None:
    # Field counts match, the reader raises nothing: only line 3 read alone shows the row.
    records = _records(b'Bib,Name,Team\n1,"Ann,Harriers\n2,Bo,Club"\n3,Cy,Team\n')
    assert [(line, values) for line, values, problem in records if problem is None] == [
        (3, ["2", "Bo", 'Club"']),
        (4, ["3", "Cy", "Team"]),
    ]
    csv_file = read_csv(b'Bib,Name,Team\n1,"Ann,Harriers\n2,Bo,Club"\n3,Cy,Team\n')
    assert check_file(csv_file, detect_mapping(csv_file.header)).good == 2


def test_a_real_multi_line_note_stays_one_row() -> None:
    records = _records(b'Bib,Name,Message\n1,Ann,"Go Ann,\nyou can"\n2,Bo,hi\n')
    assert records == [(2, ["1", "Ann", "Go Ann,\nyou can"], None), (4, ["2", "Bo", "hi"], None)]


@pytest.mark.parametrize(
    ("line", "fields"),
    [(b"7,Bo,Ray,Extra\n", 4), (b"7,Bo\n", 2), (b"7\n", 1)],
)
def test_a_row_with_the_wrong_number_of_fields_is_reported_not_imported(line, fields) -> None:
    data = b"Bib,First Name,Last Name\n1,Ann,Lee\n" + line + b"3,Cy,Ho\n"
    csv_file = read_csv(data)
    checked = check_file(csv_file, detect_mapping(csv_file.header))
    assert column(checked, "bib") == ["1", "3"]
    (problem,) = checked.problems
    assert problem.line == 3
    assert f"has {fields} field" in problem.reason and "names 3 columns" in problem.reason


def test_trailing_empty_fields_are_not_a_wrong_count() -> None:
    csv_file = read_csv(b"Bib,Name,\n1,Ann,\n2,Bo,,\n")
    assert csv_file.header == ["Bib", "Name"]
    assert [(r.values[:2], r.problem) for r in csv_file.records()] == [
        (["1", "Ann"], None),
        (["2", "Bo"], None),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00rest of a workbook", "Excel workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Excel 97-2003"),
        (b"%PDF-1.7\n", "PDF"),
        ("Bib,Name\n1,Ann\n".encode("utf-16"), "UTF-16"),
        (b"Bib,Name\n1,Ann\n2,B\x00o\n", "NUL bytes (the first on line 3)"),
        (bytes(range(256)) * 4, "not a text file"),
        (b"Bib\x02,Name\n1,Ann\n", "control characters"),
    ],
)
def test_a_file_that_is_not_text_is_refused_with_what_to_do(data, message) -> None:
    with pytest.raises(CsvFileError, match="CSV") as raised:
        read_csv(data)
    assert message in str(raised.value)


def test_a_stray_control_character_spoils_its_line_only() -> None:
    data = b"Bib,Name\n" + b"".join(b"%d,Runner\n" % n for n in range(1, 20)) + b"20,Bad\x0bName\n"
    problems = [(r.line, r.problem) for r in read_csv(data).records() if r.problem]
    assert problems == [(21, "this line holds a control character ('\\x0b'): remove it")]


def test_line_numbers_count_lone_carriage_returns_like_the_reader() -> None:
    data = b"Bib,Name\r1,Ann\r2,Bo\xff\r3,Cy\r"  # old Mac line ends, one broken UTF-8 line
    records = read_csv(data.replace(b"\xff", "ö".encode()) + b"4,D\xf6\r").records()
    assert [(r.line, r.problem is None) for r in records] == [
        (2, True),
        (3, True),
        (4, True),
        (5, False),
    ]


names = st.text(
    alphabet=st.characters(min_codepoint=32, max_codepoint=0x17F, exclude_characters="\x7f"),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.tuples(names, names), min_size=1, max_size=12),
    broken=st.integers(min_value=0),
    column=st.sampled_from([1, 2]),
    delimiter=st.sampled_from([",", ";"]),
)
def test_one_quote_added_anywhere_spoils_only_its_own_row(rows, broken, column, delimiter):
    """Whatever the other rows hold, a quote opened at the start of one field is reported on
    that row's line, every other row reads back as written, and the count of rows stays."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["Bib", "First Name", "Last Name"])
    lines = out.getvalue().splitlines(keepends=True)
    written = [[str(n + 1), first.strip(), last.strip()] for n, (first, last) in enumerate(rows)]
    for row in written:
        out = io.StringIO()
        csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow(row)
        lines.append(out.getvalue())
    broken %= len(written)
    # The quote goes at the start of a plain field: a row the writer had to quote (a name with
    # the separator or a quote in it) would not split back into its fields on the separator.
    assume('"' not in lines[broken + 1])
    cells = lines[broken + 1].split(delimiter)
    cells[column] = '"' + cells[column]
    lines[broken + 1] = delimiter.join(cells)
    records = read_csv("".join(lines).encode()).records()
    got = {r.line: (r.values, r.problem) for r in records}
    assert sorted(got) == list(range(2, len(written) + 2))
    assert got[broken + 2][1] is not None
    for n, row in enumerate(written):
        if n != broken:
            assert got[n + 2] == (row, None)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='ab,"\r\n\x85\u2028', max_size=40))
def test_lines_are_split_where_the_csv_reader_splits_them(text) -> None:
    """One line at a time, never a copy of the whole file, and at the same places as
    io.StringIO(newline="") (what csv.reader is documented with): \\n, \\r\\n and a lone \\r,
    not at the other breaks str.splitlines knows."""
    assert list(iter_lines(text)) == list(io.StringIO(text, newline=""))
    raw = text.encode("utf-8")
    assert list(iter_lines(raw)) == [line.encode("utf-8") for line in iter_lines(text)]
