"""The results setup page through the test client, on a real database with the results
service running: the suggested setup, saving a setup (checked, audited, results rebuilt), and
the three-wave race that has no wave column."""

from __future__ import annotations

import csv
import io

from tests.web.results_seed import EXPECTED, SETUP_FORM, seed_three_waves
from tests.web.sessions_seed import seed_session
from tests.web.support import add_user, create_partner_with_user, post_form, signed_in_client


def results_of(csv_text: str) -> dict[str, tuple[str, str, str]]:
    rows = csv.DictReader(io.StringIO(csv_text))
    return {r["bib"]: (r["gun_time"], r["chip_time"], r["place_overall"]) for r in rows}


async def test_three_guns_and_no_wave_column_until_waves_are_given_by_bib_range(web) -> None:
    """Acceptance: before, the session page says the runners have no wave and how to fix it;
    after saving bib ranges on the setup page, every time and place is right."""
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    race = await seed_three_waves(web.pool, alpha.partner_id)
    client = await signed_in_client(web.app, alpha)
    session_page = f"/sessions/{race.session_id}"

    page = await (await client.get(session_page)).get_data(as_text=True)
    assert "7 runners have no wave and 3 guns were fired" in page
    assert "(at 08:00:00.00, 08:05:00.00, 08:10:00.00)" in page
    assert "their gun time is unknown until fixed" in page
    assert "a bib range per wave" in page
    assert f'href="/sessions/{race.session_id}/results/setup">Results setup' in page
    assert "suggested setup" in page
    before = results_of(
        await (await client.get(f"{session_page}/results/export?format=csv")).get_data(as_text=True)
    )
    assert {gun for gun, _, _ in before.values()} == {""}  # unknown, never a wrong one

    response = await post_form(client, f"{session_page}/results/setup", SETUP_FORM)
    assert response.status_code == 303, await response.get_data(as_text=True)
    page = await (await client.get(session_page)).get_data(as_text=True)
    assert "have no wave" not in page
    after = results_of(
        await (await client.get(f"{session_page}/results/export?format=csv")).get_data(as_text=True)
    )
    assert after == EXPECTED
    results = web.results.loaded(race.session_id)
    assert results is not None and results.saved
    assert [results.engine.result(b).wave for b in ("3", "101", "202")] == ["1", "2", "3"]
    assert "no-start-read" in results.engine.result("202").flags


async def test_the_suggested_setup_is_labelled_and_a_bad_setup_keeps_the_input(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    race = await seed_three_waves(web.pool, alpha.partner_id)
    client = await signed_in_client(web.app, alpha)
    url = f"/sessions/{race.session_id}/results/setup"
    page = await (await client.get(url)).get_data(as_text=True)
    assert 'data-origin="suggested"' in page and "Suggested setup.</strong> Not saved" in page
    assert 'name="course-0-finish" value="FINISH"' in page

    bad = {**SETUP_FORM, "course-0-rank_by": "chip", "course-0-start": "", "range-2-last": "x"}
    response = await post_form(client, url, bad)
    assert response.status_code == 400
    page = await response.get_data(as_text=True)
    assert "Not saved: bib range of wave &#39;3&#39;: &#39;x&#39; is not a whole number." in page
    assert 'name="range-2-last" value="x"' in page  # kept as typed
    more = await post_form(client, url, {**bad, "action": "add-rows"})
    page = await more.get_data(as_text=True)
    assert 'name="range-2-last" value="x"' in page and 'name="range-10-wave" value=""' in page
    bad["range-2-last"] = "299"
    page = await (await post_form(client, url, bad)).get_data(as_text=True)
    assert "ranking by chip time needs a start point; choose one" in page
    assert 'name="wave-2-name" value="3"' in page
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM results_setups") == 0


async def test_a_saved_setup_is_audited_and_shown_with_what_cannot_be_checked_yet(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    race = await seed_three_waves(web.pool, alpha.partner_id)
    client = await signed_in_client(web.app, alpha)
    url = f"/sessions/{race.session_id}/results/setup"
    form = {**SETUP_FORM, "point-0-other": "FINISH-B", "age_scheme": "bands"}
    form |= {"band-0-low": "0", "band-0-high": "39", "band-1-low": "40", "band-1-label": "Masters"}
    assert (await post_form(client, url, form)).status_code == 303
    page = await (await client.get(f"{url}?done=saved")).get_data(as_text=True)
    assert "Setup saved: the results were computed again from it." in page
    assert "Point FINISH: FINISH-B has sent no reads in this session yet" in page
    assert 'name="point-0-other" value="FINISH-B"' in page
    assert 'name="band-1-label" value="Masters"' in page
    async with web.pool.acquire() as conn:
        document = await conn.fetchval("SELECT document::text FROM results_setups")
        audit = await conn.fetch("SELECT action, detail, actor_email FROM audit_log")
    assert '"locations": ["FINISH", "FINISH-B"]' in document
    (entry,) = [a for a in audit if a["action"] == "results setup saved"]
    assert entry["actor_email"] == alpha.email and "courses 10K" in entry["detail"]
    results = web.results.loaded(race.session_id)
    assert results is not None and results.engine.setup.age_groups.bands[1].name() == "Masters"


async def test_add_a_course_and_a_second_course_on_the_same_mats(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    session, _ = await seed_session(
        web.pool, alpha.partner_id, "TWO COURSES", [("FINISH", "T1", "08:30:00")]
    )
    client = await signed_in_client(web.app, alpha)
    url = f"/sessions/{session}/results/setup"
    form = {"course-0-name": "5K", "course-0-finish": "FINISH", "action": "add-course"}
    page = await (await post_form(client, url, form)).get_data(as_text=True)
    assert 'name="course-1-name" value=""' in page  # a blank course to fill in
    form |= {"course-1-name": "10K", "course-1-finish": "FINISH", "action": "save"}
    assert (await post_form(client, url, form)).status_code == 303
    results = web.results.loaded(session)
    assert results is not None
    assert [c.name for c in results.engine.setup.courses] == ["5K", "10K"]
    assert [c.ranking for c in results.engine.setup.courses] == ["gun", "gun"]


async def test_viewers_see_the_setup_but_cannot_save_it(web) -> None:
    owner = await create_partner_with_user(web.pool, "alpha", role="owner")
    viewer = await add_user(web.pool, owner, "viewer")
    race = await seed_three_waves(web.pool, owner.partner_id)
    client = await signed_in_client(web.app, viewer)
    url = f"/sessions/{race.session_id}/results/setup"
    page = await (await client.get(url)).get_data(as_text=True)
    assert "<fieldset disabled>" in page and "Save setup" not in page
    assert (await post_form(client, url, SETUP_FORM)).status_code == 403
