"""Corrections through the web, one test per kind: the stored row says who, when and what it
was before; the engine takes it at once; undo marks the row and brings the result back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from p88.results.clock import format_elapsed
from p88.results.engine import Engine
from tests.web.results_seed import SETUP_FORM, seed_three_waves
from tests.web.sessions_seed import seed_participant, store_read
from tests.web.support import add_user, create_partner_with_user, post_form, signed_in_client

# The three-wave race with a 5K on the same mats, and a record that holds bib 101 (0:36:57).
SETUP = {
    **SETUP_FORM,
    "course-0-record": "0:37:30",
    "course-1-name": "5K",
    "course-1-finish": "FINISH",
    "course-1-min_time": "0:05:00",
}


def elapsed(value: int | None) -> str | None:
    return None if value is None else format_elapsed(value)


def chip(engine: Engine, bib: str) -> Any:
    return elapsed(engine.result(bib).chip_time)


def gun_time(engine: Engine, bib: str) -> Any:
    return elapsed(engine.result(bib).gun_time)


def status(engine: Engine, bib: str) -> Any:
    return engine.result(bib).status


def course(engine: Engine, bib: str) -> Any:
    return engine.result(bib).course


def place(engine: Engine, bib: str) -> Any:
    return engine.places(bib).overall


Check = Callable[[Engine, str], Any]
# kind: (form, bib to look at, what to look at, before, after, "before" as stored)
CASES: dict[str, tuple[dict[str, str], str, Check, Any, Any, str]] = {
    "manual_time": (
        {"bib": "202", "point": "START", "time": "08:10:01"},
        "202", chip, "0:45:00.00", "0:44:59.00", "START no time",
    ),
    "status": (
        {"bib": "1", "status": "dnf", "reason": "stopped at 5K"},
        "1", status, "finished", "dnf", "finished",
    ),
    "ignore_read": (
        {"bib": "102", "location": "FINISH", "time": "08:52:00.00", "whole_crossing": "yes"},
        "102", status, "finished", "running", "FINISH 08:52:00.00",
    ),
    "change_wave": ({"bib": "1", "wave": "2"}, "1", gun_time, "0:40:00.00", "0:35:00.00", "wave 1"),
    "change_course": ({"bib": "1", "course": "5K"}, "1", course, "10K", "5K", "course 10K"),
    "move_gun": ({"wave": "3", "time": "08:09:00"}, "201", gun_time, "0:38:00.00", "0:39:00.00",
                 "08:10:00.00"),
    "confirm": ({"bib": "101"}, "101", place, None, 1, "held for review"),
    "close_course": (
        {"course": "10K", "confirm": "yes"}, "50", status, "running", "dnf",
        "1 running, 1 never seen",
    ),
}  # fmt: skip


async def timed_race(web: Any) -> tuple[Any, Any, int]:
    """The race with its setup saved by the timer, bib 50 out on the course, bib 60 unseen."""
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    race = await seed_three_waves(web.pool, alpha.partner_id)
    for bib in ("50", "60"):
        await seed_participant(
            web.pool, alpha.partner_id, "THREE WAVES 10K", bib, f"T{bib}", "R", bib
        )
    async with web.pool.acquire() as conn:  # two courses now: the file says whose is whose
        await conn.execute("UPDATE participants SET course = '10K'")
    start = race.locations["START"]
    await store_read(web.pool, alpha.partner_id, race.session_id, start, "START", "T50", "08:00:30")
    client = await signed_in_client(web.app, alpha)
    response = await post_form(client, f"/sessions/{race.session_id}/results/setup", SETUP)
    assert response.status_code == 303, await response.get_data(as_text=True)
    return alpha, client, race.session_id


@pytest.mark.parametrize("kind", sorted(CASES))
async def test_each_kind_of_correction_is_stored_applied_at_once_and_undone(web, kind) -> None:
    form, bib, look, before, after, stored_before = CASES[kind]
    alpha, client, session = await timed_race(web)
    engine = web.results.loaded(session).engine
    assert look(engine, bib) == before
    url = f"/sessions/{session}/results/corrections"
    response = await post_form(client, url, {"kind": kind, **form})
    assert response.status_code == 303, await response.get_data(as_text=True)
    assert look(web.results.loaded(session).engine, bib) == after  # at once, no waiting

    async with web.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM results_corrections")
        audit = await conn.fetch(
            "SELECT action, detail FROM audit_log WHERE action LIKE 'results%'"
        )
    assert (row["kind"], row["created_by"], row["undone_at"]) == (kind, alpha.user_id, None)
    assert row["created_at"] is not None
    assert f'"value": "{stored_before}"' in row["before"]
    assert any(
        a["action"] == "results correction" and f"#{row['id']}" in a["detail"] for a in audit
    )
    page = await (await client.get(url)).get_data(as_text=True)
    assert f'data-correction-id="{row["id"]}"' in page and stored_before in page

    response = await post_form(client, f"{url}/{row['id']}/undo")
    assert response.status_code == 303
    assert look(web.results.loaded(session).engine, bib) == before
    async with web.pool.acquire() as conn:
        undone = await conn.fetchrow("SELECT undone_by, undone_at FROM results_corrections")
        actions = await conn.fetch("SELECT action FROM audit_log WHERE action LIKE 'results%'")
    assert undone["undone_by"] == alpha.user_id and undone["undone_at"] is not None
    assert "results correction undone" in [a["action"] for a in actions]
    page = await (await client.get(url)).get_data(as_text=True)
    assert "by Operator of alpha, " in page
    again = await post_form(client, f"{url}/{row['id']}/undo")
    assert "was undone already" in await again.get_data(as_text=True)


async def test_a_later_correction_wins_and_undoing_it_brings_the_earlier_back(web) -> None:
    _, client, session = await timed_race(web)
    url = f"/sessions/{session}/results/corrections"
    for time in ("08:40:10", "08:40:20"):
        form = {"kind": "manual_time", "bib": "1", "point": "FINISH", "time": time}
        assert (await post_form(client, url, form)).status_code == 303
    engine = web.results.loaded(session).engine
    assert gun_time(engine, "1") == "0:40:20.00"
    async with web.pool.acquire() as conn:
        latest = await conn.fetchval("SELECT max(id) FROM results_corrections")
    await post_form(client, f"{url}/{latest}/undo")
    assert gun_time(web.results.loaded(session).engine, "1") == "0:40:10.00"


async def test_corrections_that_cannot_work_are_refused_with_the_reason(web) -> None:
    _, client, session = await timed_race(web)
    url = f"/sessions/{session}/results/corrections"
    cases = {
        "bib 999 is not in this event&#39;s participant list": {
            "kind": "status", "bib": "999", "status": "dq", "reason": "x",
        },
        "say why bib 1 is DNF: a reason is needed": {"kind": "status", "bib": "1", "status": "dnf"},
        "&#39;5K&#39; is not a point of course 10K": {
            "kind": "manual_time", "bib": "1", "point": "5K", "time": "08:20:00",
        },
        "gun time: &#39;soon&#39; is not a time of day; write it like 08:00:00.00": {
            "kind": "move_gun", "wave": "1", "time": "soon",
        },
        "tick the box": {"kind": "close_course", "course": "10K"},
        "wave &#39;9&#39; is not a wave of this race": {
            "kind": "change_wave", "bib": "1", "wave": "9",
        },
    }  # fmt: skip
    for message, form in cases.items():
        response = await post_form(client, url, form)
        assert response.status_code == 400, message
        assert message in await response.get_data(as_text=True)
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM results_corrections") == 0


async def test_the_runner_panel_lists_reads_to_ignore_and_viewers_cannot_correct(web) -> None:
    alpha, client, session = await timed_race(web)
    url = f"/sessions/{session}/results/corrections"
    page = await (await client.get(f"{url}?bib=101")).get_data(as_text=True)
    assert "Bib 101 · Runner 101" in page and "held-faster-than-record" in page
    assert page.count('name="kind" value="ignore_read"') == 3  # two reads, and the form
    viewer = await add_user(web.pool, alpha, "viewer")
    looking = await signed_in_client(web.app, viewer)
    page = await (await looking.get(f"{url}?bib=101")).get_data(as_text=True)
    assert "Bib 101" in page and 'value="ignore_read"' not in page
    response = await post_form(looking, url, {"kind": "confirm", "bib": "101"})
    assert response.status_code == 403
