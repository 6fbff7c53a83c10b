"""The results CSV: exact header, formats, one row per participant, results order."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from p88.results.clock import format_elapsed, format_pace, format_time_of_day, hundredths
from p88.results.corrections import SetStatus
from p88.results.engine import Engine
from p88.results.export import HEADER, json_rows, write_csv
from p88.results.model import Read, read_at
from p88.results.setup import Course
from tests.unit.results_support import GUN, MIN, ONE_GUN, TEN_K, reads_of, runner
from tests.unit.results_support import setup_of as setup_with

EXPECTED_HEADER = (
    "course,bib,name,gender,age,age_group,wave,status,chip_time,gun_time,place_overall,"
    "place_gender,place_age_group,start_time,finish_time"
)


def test_elapsed_times_and_times_of_day_are_formatted_to_the_hundredth() -> None:
    """[csv]"""
    assert format_elapsed(3_723_45) == "1:02:03.45"
    assert format_elapsed(59_99) == "0:00:59.99"
    assert format_elapsed(-1_50) == "-0:00:01.50"
    assert format_elapsed(100 * 3600 * 100) == "100:00:00.00"
    assert format_time_of_day(GUN + 4 * 60_00 + 1_37) == "08:04:01.37"
    assert format_pace(27_599) == "4:35"


def test_the_results_file() -> None:
    """[csv] Header exactly; placed first, then the others; DNS included; empty cells."""
    five = Course("5K", finish="FINISH", min_time=5 * MIN)
    setup = setup_with(TEN_K, five, race_date=date(2021, 5, 8))
    entrants = [
        runner("7", name="=cmd|' /C calc'!A0", gender="F", age=34, course="10K"),
        runner("3", name="Ann Lee", gender="f", age=41, wave="", course="10K"),
        runner("9", name="Bo Li", gender="M", course="10K", birth_date=date(1980, 5, 9)),
        runner("4", name="Cy Do", course="5K"),
        runner("5", name="Di Ek", course="10K"),
    ]
    reads = [
        *reads_of("T3", ("START", 12.5), ("FINISH", 3012.34)),
        *reads_of("T7", ("FINISH", 3100)),
        *reads_of("T9", ("5K", 1600)),
        *reads_of("T4", ("FINISH", 1500.99)),
        *reads_of("T5", ("START", 20), ("FINISH", 2800)),
    ]
    engine = Engine(setup, entrants, ONE_GUN, [SetStatus(1, "5", "dq", "no bib")], reads)
    out = io.StringIO()
    assert write_csv(out, engine.rows(), setup) == 5
    assert ",".join(HEADER) == EXPECTED_HEADER
    lines = out.getvalue().split("\r\n")
    assert lines[0] == EXPECTED_HEADER
    assert lines[1:] == [
        "10K,3,Ann Lee,F,41,F40-44,,finished,0:49:59.84,0:50:12.34,1,1,1,08:00:12.50,08:50:12.34",
        "10K,7,'=cmd|' /C calc'!A0,F,34,F30-34,,finished,0:51:40.00,0:51:40.00,2,2,1,,08:51:40.00",
        "10K,9,Bo Li,M,40,M40-44,,running,,,,,,,",
        "10K,5,Di Ek,,,,,dq,0:46:20.00,0:46:40.00,,,,08:00:20.00,08:46:40.00",
        "5K,4,Cy Do,,,,,finished,0:25:00.99,0:25:00.99,1,,,,08:25:00.99",
        "",
    ]
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert parsed[1]["name"] == "'=cmd|' /C calc'!A0"


def test_a_participant_never_seen_has_a_dns_row() -> None:
    """[csv]"""
    engine = Engine(setup_with(), [runner("1", name="Nobody")], ONE_GUN)
    out = io.StringIO()
    write_csv(out, engine.rows(), engine.setup)
    assert out.getvalue().split("\r\n")[1] == "10K,1,Nobody,,,,,dns,,,,,,,"


def test_times_are_truncated_to_the_hundredth_on_the_way_in() -> None:
    """[places] 08:00:00.999 is 08:00:00.99, never rounded up a second."""
    assert hundredths(datetime(2021, 5, 8, 8, 0, 0, 999_999)) == GUN + 99
    assert read_at("T1", "FINISH", datetime(2021, 5, 8, 8, 0, 0, 19_999)) == Read(
        "T1", "FINISH", GUN + 1
    )


def test_the_json_export_has_the_same_fields_as_objects() -> None:
    """[csv] Numbers as numbers, None where the CSV is empty, no spreadsheet quoting."""
    setup = setup_with()
    entrants = [runner("1", name="=Al", gender="F", age=30), runner("2", name="Nobody")]
    engine = Engine(setup, entrants, ONE_GUN, (), reads_of("T1", ("START", 2), ("FINISH", 3000)))
    first, second = json_rows(engine.rows(), setup)
    assert tuple(first) == HEADER
    assert first == {
        "course": "10K", "bib": "1", "name": "=Al", "gender": "F", "age": 30,
        "age_group": "F30-34", "wave": "", "status": "finished", "chip_time": "0:49:58.00",
        "gun_time": "0:50:00.00", "place_overall": 1, "place_gender": 1, "place_age_group": 1,
        "start_time": "08:00:02.00", "finish_time": "08:50:00.00",
    }  # fmt: skip
    assert (second["status"], second["chip_time"], second["place_overall"]) == ("dns", None, None)
