"""The results table, the results file from the web (CSV with the documented header, JSON
objects) and the award lists, for a viewer of the company."""

from __future__ import annotations

import csv
import io
import json

from p88.results.export import HEADER
from tests.web.results_seed import EVENT, SETUP_FORM, seed_three_waves
from tests.web.sessions_seed import seed_session
from tests.web.support import add_user, create_partner_with_user, post_form, signed_in_client


async def race_with_setup(web):
    """The three-wave race set up by an operator, people to rank, and a viewer's client."""
    operator = await create_partner_with_user(web.pool, "alpha", role="operator")
    race = await seed_three_waves(web.pool, operator.partner_id)
    async with web.pool.acquire() as conn:
        await conn.execute(
            "UPDATE participants SET gender = CASE WHEN bib IN ('1', '101', '201') THEN 'F'"
            " ELSE 'M' END, age = 30, division = CASE WHEN bib = '3' THEN 'Elite' ELSE '' END"
        )
    client = await signed_in_client(web.app, operator)
    response = await post_form(client, f"/sessions/{race.session_id}/results/setup", SETUP_FORM)
    assert response.status_code == 303
    viewer = await add_user(web.pool, operator, "viewer")
    return race.session_id, await signed_in_client(web.app, viewer)


async def text(client, url: str, status: int = 200) -> str:
    response = await client.get(url)
    body = await response.get_data(as_text=True)
    assert response.status_code == status, body[:500]
    return body


async def test_the_results_table_in_place_order_with_filters_and_problems(web) -> None:
    session, client = await race_with_setup(web)
    page = await text(client, f"/sessions/{session}/results")
    bibs = [part.split('"')[0] for part in page.split('data-bib="')[1:]]
    assert bibs == ["101", "201", "1", "2", "202", "102", "3"]
    assert '<td class="num chip">0:36:57.00</td><td class="num gun">0:37:00.00</td>' in page
    assert '<span class="flag">no-start-read</span>' in page
    assert "<th>Division</th>" in page and "<td>Elite</td>" in page  # carried as it is
    assert "1 runner on 10K have a finish but no read at the start" in page
    assert f'href="/sessions/{session}/results/corrections?bib=202">Correct bib 202' in page
    women = await text(client, f"/sessions/{session}/results?course=10K&gender=F")
    assert [p.split('"')[0] for p in women.split('data-bib="')[1:]] == ["101", "201", "1"]
    found = await text(client, f"/sessions/{session}/results?q=runner+102")
    assert [p.split('"')[0] for p in found.split('data-bib="')[1:]] == ["102"]
    nothing = await text(client, f"/sessions/{session}/results?course=42K")
    assert "There is no course &#39;42K&#39; in the setup (10K)." in nothing


async def test_the_results_file_from_the_web_as_csv_and_json(web) -> None:
    session, client = await race_with_setup(web)
    response = await client.get(f"/sessions/{session}/results/export?format=csv&course=10K")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="THREE-WAVES-10K-2021-05-08-results-10K.csv"'
        in (response.headers["Content-Disposition"])
    )
    body = await response.get_data(as_text=True)
    assert body.split("\r\n")[0] == ",".join(HEADER)
    first = next(csv.DictReader(io.StringIO(body)))
    assert (first["bib"], first["place_overall"], first["place_gender"]) == ("101", "1", "1")
    assert (first["start_time"], first["finish_time"]) == ("08:05:03.00", "08:42:00.00")
    objects = json.loads(await text(client, f"/sessions/{session}/results/export?format=json"))
    assert [tuple(o) for o in objects] == [HEADER] * 7
    assert objects[0]["place_age_group"] == 1 and objects[4]["start_time"] is None  # bib 202
    await text(client, f"/sessions/{session}/results/export?format=xlsx", 400)
    await text(client, f"/sessions/{session}/results/export?course=42K", 400)


async def test_award_lists_from_the_web(web) -> None:
    session, client = await race_with_setup(web)
    page = await text(client, f"/sessions/{session}/results/awards?top=1&overall=1")
    assert page.index('data-award="Overall F"') < page.index('data-award="F30-34"')
    csv_text = await text(
        client, f"/sessions/{session}/results/awards?sent=1&top=1&overall=1&format=csv"
    )  # sent without the box ticked: overall winners also take their age group
    lines = csv_text.split("\r\n")
    assert lines[0].startswith("course,award,award_place,bib,name")
    assert [line.split(",")[1:4] for line in lines[1:5]] == [
        ["Overall F", "1", "101"],
        ["Overall M", "1", "2"],
        ["F30-34", "1", "101"],
        ["M30-34", "1", "2"],
    ]
    kept_out = json.loads(
        await text(
            client,
            f"/sessions/{session}/results/awards?sent=1&exclude_overall=yes&top=1&overall=1"
            "&format=json",
        )
    )
    assert [(a["award"], a["bib"]) for a in kept_out][2:] == [("F30-34", "201"), ("M30-34", "202")]
    bad = await text(client, f"/sessions/{session}/results/awards?top=lots", 400)
    assert "Award lists: top: &#39;lots&#39; is not a whole number." in bad


async def test_a_session_with_no_usable_setup_says_what_to_do(web) -> None:
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    session, _ = await seed_session(web.pool, alpha.partner_id, EVENT, [("MAT-3", "T1", "08:00")])
    client = await signed_in_client(web.app, alpha)
    page = await text(client, f"/sessions/{session}/results")
    assert "no results setup yet, and no point named like a finish" in page
    await text(client, f"/sessions/{session}/results/export?format=csv", 409)
    detail = await text(client, f"/sessions/{session}")
    assert "No results yet: no results setup yet" in detail
    setup = await text(client, f"/sessions/{session}/results/setup")
    assert 'data-origin="empty"' in setup and "MAT-3" in setup
