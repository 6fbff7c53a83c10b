"""`p88 results export` and `p88 results awards`: a session's results found by event name,
built by the results service from what is stored, written as the documented CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import trio

from p88.db import results as results_db
from p88.db.partners import create_partner
from p88.db.pool import open_bridge, open_pool
from p88.db.tenancy import tenant_transaction
from p88.results.export import HEADER
from p88.web.views.results_form import document_from_form, typed_document
from tests.web.results_seed import EVENT, EXPECTED, SETUP_FORM, seed_three_waves
from tests.web.sessions_seed import seed_participant, store_read

# The three-wave 10K, and a 5K on the same mats (ranked by gun time: it has no start point).
SETUP = {
    **SETUP_FORM,
    "course-1-name": "5K", "course-1-finish": "FINISH", "course-1-min_time": "0:05:00",
    "range-3-wave": "1", "range-3-first": "500", "range-3-last": "599",
}  # fmt: skip
FIVE_K = [
    "course,bib,name,gender,age,age_group,wave,status,chip_time,gun_time,place_overall,"
    "place_gender,place_age_group,start_time,finish_time",
    "5K,500,Runner 500,,,,1,finished,0:25:00.00,0:25:00.00,1,,,,08:25:00.00",
    "5K,501,Runner 501,,,,1,dns,,,,,,,",
]


async def seed(dsn: str) -> None:
    async with open_bridge(), open_pool(dsn, max_size=2) as pool:
        async with pool.acquire() as conn:
            alpha = await create_partner(conn, "alpha", "Alpha Timing")
            bravo = await create_partner(conn, "bravo", "Bravo Timing")
        race = await seed_three_waves(pool, alpha.id)
        await seed_three_waves(pool, bravo.id)  # the same event name at another company
        for bib in ("500", "501"):
            await seed_participant(pool, alpha.id, EVENT, bib, f"T{bib}", "Runner", bib)
        finish = race.locations["FINISH"]
        await store_read(pool, alpha.id, race.session_id, finish, "FINISH", "T500", "08:25:00")
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE participants SET course = CASE WHEN bib LIKE '5__' THEN '5K' ELSE '10K'"
                " END WHERE partner_id = $1",
                alpha.id,
            )
            await conn.execute(
                "UPDATE participants SET gender = CASE WHEN bib IN ('1', '101', '201') THEN 'F'"
                " ELSE 'M' END, age = CASE WHEN bib IN ('1', '101', '201') THEN 30 ELSE 41 END"
                " WHERE partner_id = $1 AND bib IN ('1', '101', '201', '2', '102')",
                alpha.id,
            )
        document = typed_document(document_from_form({k: [v] for k, v in SETUP.items()}))
        async with tenant_transaction(pool, alpha.id) as conn:
            await results_db.save_setup(conn, alpha.id, race.session_id, document, None)


@dataclass(frozen=True, slots=True)
class Ran:
    stdout: str  # as written: a CSV's \r\n line ends kept
    stderr: str


def p88(config: Path, *args: str, ok: bool = True) -> Ran:
    command = [sys.executable, "-m", "p88", "results", *args, "--config", str(config)]
    done = subprocess.run(command, capture_output=True)
    ran = Ran(done.stdout.decode("utf-8"), done.stderr.decode("utf-8"))
    assert (done.returncode == 0) == ok, ran.stderr
    return ran


async def test_results_export_as_csv_and_json_by_course(dsn: str, tmp_path: Path) -> None:
    await seed(dsn)
    config = tmp_path / "p88.toml"
    config.write_text(f'[database]\ndsn = "{dsn}"\ndata_dir = "{tmp_path}"\n')

    def run(*args: str, ok: bool = True) -> Ran:
        return p88(config, *args, ok=ok)

    async def alpha(command: str, *args: str, ok: bool = True) -> Ran:
        """The command for alpha's session of the event."""
        line = (command, "--event", EVENT, "--partner", "alpha", *args)
        return await trio.to_thread.run_sync(lambda: run(*line, ok=ok))

    ambiguous = await trio.to_thread.run_sync(lambda: run("export", "--event", EVENT, ok=False))
    assert f"event {EVENT!r} has 2 timing sessions" in ambiguous.stderr
    assert "alpha, 2021-05-08" in ambiguous.stderr and "bravo, 2021-05-08" in ambiguous.stderr

    out = tmp_path / "results.csv"
    done = await alpha("export", "--output", str(out))
    assert "9 runners written to" in done.stderr
    text = out.read_bytes().decode("utf-8")
    assert text.startswith(",".join(HEADER) + "\r\n")
    rows = {r["bib"]: r for r in csv.DictReader(io.StringIO(text))}
    ten_k = {b: (r["gun_time"], r["chip_time"], r["place_overall"]) for b, r in rows.items()}
    assert {b: ten_k[b] for b in EXPECTED} == EXPECTED
    assert [r["course"] for r in rows.values()] == ["10K"] * 7 + ["5K"] * 2  # setup order

    five = await alpha("export", "--course", "5K")
    assert five.stdout.split("\r\n") == [*FIVE_K, ""]
    as_json = await alpha("export", "--course", "5K", "--format", "json")
    objects = json.loads(as_json.stdout)
    assert [tuple(o) for o in objects] == [HEADER, HEADER]
    assert objects[0]["place_overall"] == 1 and objects[0]["finish_time"] == "08:25:00.00"
    assert objects[1]["status"] == "dns" and objects[1]["chip_time"] is None

    bravo = await trio.to_thread.run_sync(
        lambda: run("export", "--event", EVENT, "--partner", "bravo")
    )
    assert "no saved results setup" in bravo.stderr  # the suggested one, and it says so
    assert "7 runners have no wave and 3 guns were fired" in bravo.stderr
    unknown = await alpha("export", "--course", "42K", ok=False)
    assert "no course '42K' in the setup; its courses: 10K, 5K" in unknown.stderr
    nothing = await trio.to_thread.run_sync(lambda: run("export", "--event", "NOPE", ok=False))
    assert "no timing session of event 'NOPE' matches" in nothing.stderr


async def test_award_lists_leave_overall_winners_out_of_the_age_groups_unless_told(
    dsn: str, tmp_path: Path
) -> None:
    await seed(dsn)
    config = tmp_path / "p88.toml"
    config.write_text(f'[database]\ndsn = "{dsn}"\ndata_dir = "{tmp_path}"\n')

    async def awards(*args: str) -> str:
        line = ("awards", "--event", EVENT, "--partner", "alpha", "--top", "1", "--overall", "1")
        return (await trio.to_thread.run_sync(lambda: p88(config, *line, *args))).stdout

    found = json.loads(await awards("--format", "json"))
    assert [(a["course"], a["award"], a["bib"]) for a in found] == [
        ("10K", "Overall F", "101"),
        ("10K", "Overall M", "2"),
        ("10K", "F30-34", "201"),  # 101 took an overall award
        ("10K", "M40-44", "102"),
    ]
    with_winners = await awards("--overall-winners-in-age-groups")
    assert with_winners.split("\r\n")[3:5] == [
        "10K,F30-34,1,101,Runner 101,F,F30-34,0:36:57.00,1,1,1",
        "10K,M40-44,1,2,Runner 2,M,M40-44,0:44:40.00,4,1,1",
    ]
