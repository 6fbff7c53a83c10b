"""The truth race generator (p88.tcp.truth_race): deterministic, holding every case it claims,
files p88 takes as they are, and a truth worked out by the rules of docs/RESULTS.md."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from p88.commands.simulate import simulate_command
from p88.participants.csvfile import read_csv
from p88.participants.importer import prepare_import
from p88.participants.mapping import detect_mapping
from p88.results.document import setup_from_document
from p88.tcp.race_sources import Kind
from p88.tcp.truth_race import TruthRace, truth_race
from p88.tcp.truth_race.expected import HEADER, age_group, age_on, cell, elapsed, time_of_day
from p88.tcp.truth_race.expected import _places as places_of
from p88.tcp.truth_race.field import BACKUP, FINISH, START, WAVES
from p88.tcp.truth_race.plan import Fate, Quirk
from p88.tcp.truth_race.reads import TEST_TAGS, UNREGISTERED

DAY = date(2024, 9, 21)
COLUMN = {name: index for index, name in enumerate(HEADER)}


@pytest.fixture(scope="module")
def race() -> TruthRace:
    return truth_race(2000, seed=7, event="TRUTH 5K/10K", day=DAY)


def observations(race: TruthRace) -> list[tuple[object, ...]]:
    return [
        (stream.location, o.sequence, o.tag, o.time, o.reader_id, o.gator, o.kind)
        for feed in race.all_feeds()
        for stream in feed.streams
        for o in stream.observations
    ]


def test_same_seed_same_race_another_seed_another_race(race: TruthRace) -> None:
    again = truth_race(2000, seed=7, event="TRUTH 5K/10K", day=DAY)
    assert observations(again) == observations(race)
    assert again.expected_rows() == race.expected_rows()
    assert again.participants_csv() == race.participants_csv()
    other = truth_race(2000, seed=8, event="TRUTH 5K/10K", day=DAY)
    assert observations(other) != observations(race)
    assert other.expected_rows() != race.expected_rows()


def test_a_size_outside_the_range_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 50,000 runners"):
        truth_race(0)


def test_the_field_has_every_kind_of_entry_it_claims(race: TruthRace) -> None:
    entries = race.entries
    assert Counter(e.course for e in entries).keys() == {"5K", "10K"}
    waves = Counter(e.wave for e in entries)
    assert waves.keys() == {*WAVES, ""} and waves[""] == 2  # two late entries with no wave
    bibs = {e.bib for e in entries}
    assert len({e.tag for e in entries}) == len(entries)
    swapped = [e for e in entries if e.tag_cell in bibs and e.tag_cell != e.bib]
    assert len(swapped) == 6  # three pairs wear each other's number as their tag
    assert any(e.tag_cell == "" for e in entries) and any(e.tag.startswith("CH") for e in entries)
    assert {e.gender for e in entries} == {"F", "M", "X", ""}
    assert any(e.birth_date is None for e in entries)
    assert any(e.birth_date and (e.birth_date.month, e.birth_date.day) == (9, 21) for e in entries)
    assert {e.first_name for e in entries} >= {"=1+2", "@home", "-"}


def test_the_race_has_every_case_it_claims(race: TruthRace) -> None:
    runners = race.runners
    fates = Counter(r.fate for r in runners)
    assert fates.keys() == set(Fate) and fates[Fate.DNF] >= 20 and fates[Fate.DNS] >= 20
    starters = [r for r in runners if r.start is not None]
    missed = sum(not r.start_read for r in starters)
    assert 0.03 < missed / len(starters) < 0.07  # 5 % of start reads missing
    quirks = Counter(q for r in runners for q in r.quirks)
    assert quirks.keys() == set(Quirk) and quirks.pop(Quirk.CUT_COURSE) == 2
    assert min(quirks.values()) >= 10
    assert sorted(race.guns.values()) == list(race.guns.values())  # in wave order
    guns = sorted(race.guns.values())
    assert guns[1] - guns[0] == pytest.approx(30_000, abs=300)  # five minutes apart
    lines = {
        stream.location: [o.time for o in stream.observations if o.kind is Kind.GUNTIME]
        for feed in race.feeds
        for stream in feed.streams
    }
    assert lines[START] == lines[FINISH] and len(lines[START]) == 3
    assert all(not times for location, times in lines.items() if location not in (START, FINISH))


def test_the_finish_has_a_backup_line_reading_the_same_crossings(race: TruthRace) -> None:
    finishers = [r for r in race.runners if r.finish is not None]
    lines: Counter[frozenset[str]] = Counter()
    first_on_backup = 0
    for runner in finishers:
        finish = runner.finish
        assert finish is not None
        at_finish = [s for s in race.reads[runner.entry.tag] if s.time >= finish]
        read_by = frozenset(s.location for s in at_finish if s.location in (FINISH, BACKUP))
        lines[read_by] += 1
        first = min(at_finish, key=lambda s: s.time)
        assert first.time == runner.finish  # the first read of the crossing is the finish
        first_on_backup += first.location == BACKUP
    assert lines.keys() == {frozenset({FINISH}), frozenset({BACKUP}), frozenset({FINISH, BACKUP})}
    assert lines[frozenset({FINISH, BACKUP})] > 0.8 * len(finishers)
    assert 0.2 * len(finishers) < first_on_backup < 0.6 * len(finishers)


def test_unregistered_and_test_tags_are_read_at_the_mats(race: TruthRace) -> None:
    read = {o.tag for feed in race.all_feeds() for s in feed.streams for o in s.observations}
    registered = {e.tag for e in race.entries}
    assert read - registered - {"guntime"} == {*UNREGISTERED, *TEST_TAGS}
    checked = {s.location for feed in race.mat_check for s in feed.streams if s.observations}
    assert checked == {START, "2.5K", "5K", FINISH, BACKUP}


def test_the_truth_has_ties_missing_starts_and_every_status(race: TruthRace) -> None:
    rows = race.expected_rows()
    statuses = Counter(row[COLUMN["status"]] for row in rows)
    assert statuses.keys() == {"finished", "running", "dns"}
    closed = Counter(row[COLUMN["status"]] for row in race.expected_rows(closed=True))
    assert closed == {"finished": statuses["finished"], "dnf": statuses["running"],
                      "dns": statuses["dns"]}  # fmt: skip
    finished = [row for row in rows if row[COLUMN["status"]] == "finished"]
    no_start = [row for row in finished if row[COLUMN["start_time"]] == ""]
    assert no_start and all(r[COLUMN["chip_time"]] == r[COLUMN["gun_time"]] for r in no_start)
    for course in ("5K", "10K"):
        places = Counter(r[COLUMN["place_overall"]] for r in finished if r[0] == course)
        assert places.pop("", 0) == (2 if course == "10K" else 0)  # held for review
        shared = [int(place) for place, count in places.items() if count > 1]
        assert len(shared) >= 5  # ties to the hundredth share a place...
        assert all(str(place + places[str(place)]) in places for place in shared[:-1])
        assert max(places.values()) >= 3  # ...and a three-way tie


def test_the_truth_is_in_export_order(race: TruthRace) -> None:
    rows = race.expected_rows()
    courses = [row[COLUMN["course"]] for row in rows]
    assert courses == sorted(courses, key=["5K", "10K"].index)
    for course in ("5K", "10K"):
        mine = [row for row in rows if row[0] == course]
        placed = [int(row[COLUMN["place_overall"]]) for row in mine if row[COLUMN["place_overall"]]]
        assert placed == sorted(placed)
        tail = [row[COLUMN["status"]] for row in mine[len(placed) :]]
        assert tail == sorted(tail, key=["finished", "running", "dns"].index)


def test_held_and_wave_less_runners_in_the_truth(race: TruthRace) -> None:
    by_bib = {row[COLUMN["bib"]]: row for row in race.expected_rows()}
    held = [r for r in race.runners if not r.placed]
    assert [r.course for r in held] == ["10K", "10K"]
    for runner in held:  # a 10K in 21-25 minutes: shown with its times, not placed
        row = by_bib[runner.entry.bib]
        assert row[COLUMN["status"]] == "finished" and row[COLUMN["place_overall"]] == ""
        assert "0:21:00.00" <= row[COLUMN["chip_time"]] < "0:25:00.01"
    for runner in (r for r in race.runners if not r.gun_known):  # no gun: chip time, placed
        row = by_bib[runner.entry.bib]
        assert row[COLUMN["wave"]] == row[COLUMN["gun_time"]] == ""
        assert row[COLUMN["chip_time"]] and row[COLUMN["place_overall"]]


def test_names_a_spreadsheet_would_run_are_quoted(race: TruthRace) -> None:
    names = {row[COLUMN["name"]] for row in race.expected_rows()}
    assert {"'=1+2 Spreadsheet", "'@home Runner", "'- Dash"} <= names


def test_the_truth_rules_on_their_own() -> None:
    assert age_on(date(1984, 9, 21), DAY) == 40  # a birthday counts from the day itself
    assert age_on(date(1984, 9, 22), DAY) == 39
    assert age_on(None, DAY) is None
    assert [age_group("F", a) for a in (12, 19, 20, 24, 79, 80, 91)] == [
        "F0-19", "F0-19", "F20-24", "F20-24", "F75-79", "F80+", "F80+",
    ]  # fmt: skip
    assert age_group("", 30) == "" and age_group("X", None) == ""
    assert places_of({"a": 500, "b": 600, "c": 600, "d": 700}) == {"a": 1, "b": 2, "c": 2, "d": 4}
    assert elapsed(3_723_45) == "1:02:03.45" and time_of_day(8 * 360_000 + 241_37) == "08:04:01.37"
    assert time_of_day(13 * 360_000) == "13:00:00.00"
    assert [cell(v) for v in ("=A1", "+1", "-x", "@y", "Ann")] == [
        "'=A1",
        "'+1",
        "'-x",
        "'@y",
        "Ann",
    ]


def test_p88_takes_the_files_as_they_are(race: TruthRace) -> None:
    data = race.participants_csv().encode()
    mapping = detect_mapping(read_csv(data).header)
    assert set(mapping.columns) == {
        "bib", "tag", "first_name", "last_name", "gender", "date_of_birth", "wave", "course",
    }  # fmt: skip
    prepared = prepare_import(data, mapping)
    assert prepared.checked.problems == [] and prepared.warnings == []
    setup = setup_from_document(json.loads(race.setup_json()), DAY)
    assert [(c.name, c.ranking, c.point_names) for c in setup.courses] == [
        ("5K", "chip", ("START", "2.5K", "FINISH")),
        ("10K", "chip", ("START", "5K", "FINISH")),
    ]
    assert setup.point_of_location()[BACKUP] == "FINISH"
    assert [w.name for w in setup.waves] == list(WAVES) and setup.race_date == DAY


def test_simulate_needs_a_folder_for_the_truth_race() -> None:
    runner = CliRunner()
    missing = runner.invoke(simulate_command, ["--race", "truth", "--runners", "5"])
    assert missing.exit_code == 2 and "give --truth-dir DIR" in missing.output
    wrong = runner.invoke(simulate_command, ["--race", "synthetic", "--truth-dir", "x"])
    assert wrong.exit_code == 2 and "--truth-dir goes with --race truth" in wrong.output


def test_the_truth_file_reads_back_as_the_rows(race: TruthRace, tmp_path: Path) -> None:
    folder = tmp_path / "truth"
    written = race.write_files(folder)
    assert sorted(p.name for p in written) == [
        "participants.csv", "setup.json", "truth-closed.csv", "truth.csv",
    ]  # fmt: skip
    header, *rows = csv.reader(io.StringIO((folder / "truth.csv").read_text(encoding="utf-8")))
    assert tuple(header) == HEADER and rows == race.expected_rows()
