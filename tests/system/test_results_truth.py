"""End to end: a generated race that knows its own truth, replayed into `serve()` over real
CTP01 sockets, gives exactly the results the generator worked out, for every runner and column.

The participant file goes through the real importer (mid-race), the setup document through
p88.db.results.save_setup and the results service of a server started after it was saved
(the service builds a live session's engine at start: the test cannot call the server's
service from its own task), the reads through the simulator, the collector, ingest and the hub
into that live engine. Both the live engine's rows and `p88 results export --format csv` (a
subprocess, built from what is stored) must equal the truth, before and after the courses are
closed. The truth (p88.tcp.truth_race.expected) is computed from what really happened in the
race, never by p88.results.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import subprocess
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import trio

from p88.app import Running
from p88.db import results as results_db
from p88.db.pool import Pool, open_bridge, open_pool
from p88.db.tenancy import tenant_transaction
from p88.live.results import ResultsService, SessionResults
from p88.participants.csvfile import read_csv
from p88.participants.importer import import_participants, prepare_import
from p88.participants.mapping import detect_mapping
from p88.results.corrections import CloseCourse
from p88.results.document import row_of
from p88.results.export import write_csv
from p88.tcp.race_sources import PointFeed, distinct_read_keys
from p88.tcp.simulator import SimOptions, run_simulation
from p88.tcp.truth_race import TruthRace, truth_race
from p88.tcp.truth_race.expected import HEADER
from p88.tcp.truth_race.files import truth_csv
from p88.tcp.truth_race.plan import Fate
from p88.tcp.truth_race.reads import TEST_TAGS, UNREGISTERED
from tests.conftest import make_config
from tests.system.serving import running_server
from tests.system.test_collector_session import fetch

DAY = date(2024, 9, 21)
FAST = SimOptions(speed=0, linger=0.3, retry_seconds=0.2, max_retries=20)
DROPPING = dataclasses.replace(FAST, disconnect_after=1500)  # each stream dropped once, resumed
REWINDING = dataclasses.replace(FAST, client_id="second-laptop", rewind=True)
Rows = list[list[str]]


def differences(got: Rows, want: Rows, limit: int = 12) -> str:
    """What differs, readably: per bib and column first, then the order ("" when equal)."""
    if got == want:
        return ""
    lines = []
    bib = HEADER.index("bib")
    got_by, want_by = {r[bib]: r for r in got}, {r[bib]: r for r in want}
    if missing := sorted(want_by.keys() - got_by.keys(), key=int):
        lines.append(f"{len(missing)} bibs missing from the export: {missing[:limit]}")
    if extra := sorted(got_by.keys() - want_by.keys()):
        lines.append(f"{len(extra)} rows not in the truth: {extra[:limit]}")
    wrong = []
    for key, expected in want_by.items():
        found = got_by.get(key)
        if found is not None and found != expected:
            for column, (g, w) in enumerate(zip(found, expected, strict=False)):
                if g != w:
                    wrong.append(f"  bib {key} {HEADER[column]}: export {g!r}, truth {w!r}")
    if wrong:
        lines.append(f"{len(wrong)} cells differ, e.g.:\n" + "\n".join(wrong[:limit]))
    if not lines:
        first = next(i for i, (g, w) in enumerate(zip(got, want, strict=True)) if g != w)
        lines.append(
            f"same rows, other order: row {first + 2} is bib {got[first][bib]} in the export, "
            f"bib {want[first][bib]} in the truth"
        )
    return "\n".join(lines)


def assert_rows(got: Rows, want: Rows, what: str) -> None:
    diff = differences(got, want)
    if diff:
        pytest.fail(f"{what} differs from the truth:\n{diff}", pytrace=False)


def engine_rows(results: SessionResults) -> Rows:
    """The results CSV the engine writes (p88.results.export), header checked, rows parsed."""
    out = io.StringIO()
    write_csv(out, results.engine.rows(), results.engine.setup)
    header, *rows = csv.reader(io.StringIO(out.getvalue()))
    assert tuple(header) == HEADER
    return rows


async def import_field(pool: Pool, partner_id: int, race: TruthRace) -> None:
    """The participant file through the importer the web page uses."""
    data = race.participants_csv().encode()
    prepared = await trio.to_thread.run_sync(
        prepare_import, data, detect_mapping(read_csv(data).header)
    )
    async with tenant_transaction(pool, partner_id) as conn:
        report = await import_participants(conn, partner_id, race.event, prepared)
    assert report.bad == [] and report.inserted == len(race.entries), report


async def replay(running: Running, feeds: Sequence[PointFeed], opts: SimOptions = FAST) -> None:
    """Every feed over its own CTP01 connection, then until all of it is committed."""
    host, port = running.collector
    report = await run_simulation(host, port, feeds, opts)
    assert report.problems == []
    await settled(running)


async def settled(running: Running) -> None:
    with trio.fail_after(60):
        while (
            running.stats.connections
            or running.stats.ingest_backlog
            or running.stats.journal_backlog
        ):
            await trio.sleep(0.05)


def live_results(running: Running, session_id: int) -> SessionResults | None:
    service = running.hub.results
    assert isinstance(service, ResultsService)
    return service.loaded(session_id)


async def until_truth(running: Running, session_id: int, want: Rows) -> None:
    """The live engine catches up (gun lines reach it a moment after they are stored)."""
    with trio.move_on_after(20):
        while (live := live_results(running, session_id)) is None or engine_rows(live) != want:
            await trio.sleep(0.1)
    live = live_results(running, session_id)
    assert live is not None, "the server never built the session's results"
    assert_rows(engine_rows(live), want, "the live engine's export")


async def close_courses(running: Running, pool: Pool, ids: tuple[int, int]) -> None:
    """The timer closes both courses: stored, then handed to the live engine."""
    partner_id, session_id = ids
    service = running.hub.results
    assert isinstance(service, ResultsService)
    for course in ("5K", "10K"):
        closing = CloseCourse(0, course)
        async with tenant_transaction(pool, partner_id) as conn:
            stored = await results_db.add_correction(
                conn, partner_id, session_id, row_of(closing), None, "course closed", None
            )
        service.apply(session_id, CloseCourse(stored, course))


async def exported(dsn: str, tmp_path: Path, event: str) -> Rows:
    """`p88 results export --format csv`, as a person runs it: results built from what is
    stored, exactly as the server builds them."""
    config = tmp_path / "p88.toml"
    config.write_text(f'[database]\ndsn = "{dsn}"\ndata_dir = "{tmp_path}"\n')
    command = [sys.executable, "-m", "p88", "results", "export", "--config", str(config)]
    command += ["--event", event, "--format", "csv"]
    done = await trio.to_thread.run_sync(
        lambda: subprocess.run(command, capture_output=True, timeout=120)
    )
    assert done.returncode == 0, done.stderr.decode()
    header, *rows = csv.reader(io.StringIO(done.stdout.decode()))
    assert tuple(header) == HEADER
    return rows


async def prepare(dsn: str, tmp_path: Path, pool: Pool) -> tuple[int, int]:
    """Race morning: the mat check makes the session and its five locations, and the timer
    saves the setup. (partner id, session id)."""
    async with running_server(make_config(dsn, tmp_path)) as running:
        await replay(running, race_of_the_test().mat_check)
    [[partner_id, session_id]] = await fetch(dsn, "SELECT partner_id, id FROM timing_sessions")
    document: dict[str, Any] = json.loads(race_of_the_test().setup_json())
    async with tenant_transaction(pool, partner_id) as conn:
        await results_db.save_setup(conn, partner_id, session_id, document, None)
    return partner_id, session_id


async def race_with_late_entries(running: Running, pool: Pool, partner_id: int) -> None:
    """The race, each stream dropped once and resumed, and the participant file imported
    while it is under way (a timer who got the final file late)."""
    race = race_of_the_test()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(replay, running, race.feeds, DROPPING)
        with trio.fail_after(60):
            while running.stats.reads_received < len(distinct_read_keys(race.feeds)) // 3:
                await trio.sleep(0.01)
        await import_field(pool, partner_id, race)


def problems_of(results: SessionResults) -> dict[str, set[str]]:
    """kind -> the bibs (tags, for unknown tags) each problem of that kind names."""
    found: dict[str, set[str]] = {}
    for problem in results.engine.problems():
        found.setdefault(problem.kind, set()).update(problem.bibs or problem.tags)
    return found


def expected_problems(race: TruthRace) -> dict[str, set[str]]:
    """What the timer must be told, and nothing else (two boxes reporting each gun at the
    same hundredth are one gun: no stray gun line)."""
    finished = [r for r in race.runners if r.fate is Fate.FINISHED]
    return {
        "unknown-tag": {*UNREGISTERED, *TEST_TAGS},
        "no-start-read": {r.entry.bib for r in finished if not r.start_read},
        "held-faster-than-record": {r.entry.bib for r in finished if not r.placed},
        "no-wave": {r.entry.bib for r in race.runners if not r.gun_known},
    }


def race_of_the_test() -> TruthRace:
    return truth_race(2000, seed=7, event="TRUTH 5K/10K", day=DAY)


async def test_a_replayed_race_exports_exactly_its_truth(dsn: str, tmp_path: Path) -> None:
    race = race_of_the_test()
    truth, closed = race.expected_rows(), race.expected_rows(closed=True)
    async with open_bridge(), open_pool(dsn, max_size=4) as pool:
        ids = await prepare(dsn, tmp_path, pool)
        # A server started now builds the live session's results from its saved setup; the
        # race's reads reach that engine batch by batch as they commit.
        async with running_server(make_config(dsn, tmp_path)) as running:
            with trio.fail_after(20):
                while live_results(running, ids[1]) is None:
                    await trio.sleep(0.05)
            await race_with_late_entries(running, pool, ids[0])
            stored = await fetch(dsn, "SELECT count(*) FROM timing_reads")
            assert stored[0][0] == len(distinct_read_keys([*race.mat_check, *race.feeds]))
            await until_truth(running, ids[1], truth)
            assert_rows(await exported(dsn, tmp_path, race.event), truth, "p88 results export")
            live = live_results(running, ids[1])
            assert live is not None and live.saved
            assert problems_of(live) == expected_problems(race)

            # The whole race again from other middleware, twice over: duplicates change nothing.
            await replay(running, race.feeds, REWINDING)
            await until_truth(running, ids[1], truth)

            # Closing both courses: runners still out become DNF, the unseen stay DNS.
            await close_courses(running, pool, ids)
            assert_rows(engine_rows(live), closed, "the live engine's export, courses closed")
            export = await exported(dsn, tmp_path, race.event)
            assert_rows(export, closed, "p88 results export, courses closed")


async def test_simulate_writes_the_truth_race_files_and_replays_it(
    dsn: str, tmp_path: Path
) -> None:
    folder = tmp_path / "truth"
    async with running_server(make_config(dsn, tmp_path)) as running:
        host, port = running.collector
        command = [
            *(sys.executable, "-m", "p88", "simulate", "--race", "truth", "--runners", "60"),
            *("--seed", "3", "--day", DAY.isoformat(), "--truth-dir", str(folder), "--fast"),
            *("--quiet", "--host", host, "--port", str(port)),
        ]
        done = await trio.to_thread.run_sync(
            lambda: subprocess.run(command, capture_output=True, text=True, timeout=120)
        )
        assert done.returncode == 0, done.stderr
        await settled(running)
    assert "must equal truth.csv" in done.stdout
    race = truth_race(60, seed=3, day=DAY)
    assert (folder / "truth.csv").read_bytes().decode() == truth_csv(race.expected_rows())
    assert (folder / "participants.csv").read_bytes().decode() == race.participants_csv()
    assert json.loads((folder / "setup.json").read_text()) == json.loads(race.setup_json())
    stored = await fetch(dsn, "SELECT count(*), min(s.event_name) FROM timing_reads r"
                              " JOIN timing_sessions s ON s.id = r.session_id")  # fmt: skip
    assert tuple(stored[0]) == (len(distinct_read_keys(race.all_feeds())), "TRUTH")
