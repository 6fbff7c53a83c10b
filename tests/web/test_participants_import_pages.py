"""The participant import pages: the check page tells the truth about every row, is shown from
what the upload found (the file is not read again), and reading a file never holds the event
loop that serves the collector and the screens."""

from __future__ import annotations

import io
import re
import time

import trio
from werkzeug.datastructures import FileStorage

from tests.unit.test_participants_reading import SWALLOWING
from tests.web.support import create_partner_with_user, csrf_token_of, post_form, signed_in_client


async def _client(web):
    alpha = await create_partner_with_user(web.pool, "alpha", role="operator")
    return await signed_in_client(web.app, alpha)


async def _upload(client, data: bytes, event: str = "RIVER RUN"):
    return await client.post(
        "/participants/import",
        form={"event": event, "csrf_token": await csrf_token_of(client)},
        files={"file": FileStorage(io.BytesIO(data), "runners.csv", content_type="text/csv")},
    )


def _count(page: str, element_id: str) -> int:
    match = re.search(rf'id="{element_id}">(\d+)<', page)
    assert match, f"no #{element_id} on the page"
    return int(match[1])


async def test_the_check_page_counts_every_row_and_names_the_broken_line(web) -> None:
    client = await _client(web)
    url = (await _upload(client, SWALLOWING)).headers["Location"]
    page = await (await client.get(url)).get_data(as_text=True)
    data_rows = SWALLOWING.count(b"\n") - 1
    assert _count(page, "row-count") == data_rows == 9
    assert (_count(page, "count-ready"), _count(page, "count-problems")) == (8, 1)
    assert '<td class="num">5</td>' in page and "not closed until line 9" in page
    form = {"map_bib": "0", "map_first_name": "1", "map_last_name": "2", "action": "import"}
    report = await (await post_form(client, url, form)).get_data(as_text=True)
    assert (_count(report, "count-inserted"), _count(report, "count-bad")) == (8, 1)
    async with web.pool.acquire() as conn:
        names = await conn.fetch("SELECT first_name FROM participants ORDER BY bib::int")
    assert [r["first_name"] for r in names] == [
        "Ann", "Bo", "Cy", "Eve", "Finn", "Gus", "Hal", "Ida",
    ]  # fmt: skip


async def test_the_mapping_page_does_not_read_the_file_again(web) -> None:
    client = await _client(web)
    url = (await _upload(client, b"Bib,Name\n1,Ann Lee\n2,Bo Ray\n3,Cy Ho\n")).headers["Location"]
    async with web.pool.acquire() as conn:  # the kept file now says something else entirely
        await conn.execute("UPDATE participant_uploads SET data = 'PK\\003\\004'::bytea")
    for _reload in range(2):
        response = await client.get(url)
        page = await response.get_data(as_text=True)
        assert response.status_code == 200
        assert _count(page, "row-count") == 3 and _count(page, "count-ready") == 3
        assert "<td>Ann Lee</td>" in page


async def test_a_recheck_is_kept_and_a_reload_shows_it(web) -> None:
    client = await _client(web)
    data = b"Bib,Name,DOB\n1,Ann Lee,03/04/1985\n2,Bo Ray,05/06/1990\n"
    url = (await _upload(client, data)).headers["Location"]
    page = await (await client.get(url)).get_data(as_text=True)
    assert (_count(page, "count-ready"), _count(page, "count-problems")) == (0, 2)
    assert "choose the order the file uses" in page
    form = {"map_bib": "0", "map_full_name": "1", "map_date_of_birth": "2", "date_order": "dmy"}
    response = await post_form(client, url, {**form, "action": "check"})
    assert response.status_code == 303 and response.headers["Location"] == url
    page = await (await client.get(url)).get_data(as_text=True)
    assert _count(page, "count-ready") == 2 and "count-problems" not in page
    assert '<option value="dmy" selected>' in page
    report = await post_form(client, url, {**form, "action": "import"})
    assert _count(await report.get_data(as_text=True), "count-inserted") == 2
    async with web.pool.acquire() as conn:
        born = await conn.fetchval("SELECT date_of_birth FROM participants WHERE bib = '1'")
    assert born.isoformat() == "1985-04-03"


async def test_a_file_that_is_not_text_is_refused_with_what_to_do(web) -> None:
    client = await _client(web)
    response = await _upload(client, b"PK\x03\x04\x14\x00\x06\x00" + bytes(200))
    page = await response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Excel workbook (.xlsx)" in page and "CSV UTF-8" in page
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM participant_uploads") == 0


async def test_a_second_click_on_import_imports_nothing_twice(web) -> None:
    client = await _client(web)
    url = (await _upload(client, b"Bib,Name\n1,Ann Lee\n")).headers["Location"]
    form = {"map_bib": "0", "map_full_name": "1", "action": "import"}
    async with trio.open_nursery() as nursery:
        responses: list[int] = []

        async def click() -> None:
            responses.append((await post_form(client, url, form)).status_code)

        nursery.start_soon(click)
        nursery.start_soon(click)
    # The second finds the upload gone (404) or, if it came in while the first was importing,
    # waits for it and is told so (409); see the claim test in tests/db.
    assert sorted(responses)[0] == 200 and sorted(responses)[1] in (404, 409)
    async with web.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM participants") == 1


async def test_the_new_fields_show_on_the_list_and_save_from_the_edit_page(web) -> None:
    client = await _client(web)
    data = b"Bib,Name,Course,Birthdate,Division,Wave\n7,Ann Lee,Half,1985-03-04,Masters,A\n"
    url = (await _upload(client, data)).headers["Location"]
    page = await (await client.get(url)).get_data(as_text=True)
    form = {"action": "import"}
    for field, options in re.findall(r'<select id="map_(\w+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="(\d+)" selected', options)
        if chosen:  # the columns the page detected, as a browser posts them
            form[f"map_{field}"] = chosen[1]
    assert form == {
        "action": "import", "map_bib": "0", "map_full_name": "1", "map_date_of_birth": "3",
        "map_division": "4", "map_course": "2", "map_wave": "5",
    }  # fmt: skip
    await post_form(client, url, form)
    listing = await (await client.get("/participants?event=RIVER+RUN")).get_data(as_text=True)
    for shown in ("<td>Half</td>", "<td>Masters</td>", "1985-03-04"):
        assert shown in listing
    async with web.pool.acquire() as conn:
        runner = await conn.fetchval("SELECT id FROM participants WHERE bib = '7'")
    page = await (await client.get(f"/participants/{runner}")).get_data(as_text=True)
    assert 'type="date" name="date_of_birth" value="1985-03-04"' in page
    edit = {"bib": "7", "course": "10K", "date_of_birth": "1986-05-06", "division": ""}
    saved = await post_form(client, f"/participants/{runner}", edit)
    assert saved.status_code == 200, await saved.get_data(as_text=True)
    async with web.pool.acquire() as conn:
        row = await conn.fetchrow("SELECT course, date_of_birth, division FROM participants")
    assert (row["course"], row["date_of_birth"].isoformat(), row["division"]) == (
        "10K",
        "1986-05-06",
        "",
    )


class LongestStep(trio.abc.Instrument):
    """The longest time one task step held the event loop: while it runs, no other task (the
    collector, a screen, /health) can."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._started: float | None = None  # None: the step under way began before we looked

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        self._started = time.perf_counter()

    def after_task_step(self, task: trio.lowlevel.Task) -> None:
        if self._started is not None:
            self.longest = max(self.longest, time.perf_counter() - self._started)
        self._started = None


async def _timed(request) -> tuple[float, float, object]:
    """(request's wall time, its longest task step, response)."""
    steps = LongestStep()
    trio.lowlevel.add_instrument(steps)
    started = time.perf_counter()
    try:
        response = await request
    finally:
        trio.lowlevel.remove_instrument(steps)
    return time.perf_counter() - started, steps.longest, response


async def test_reading_and_importing_a_large_file_leave_the_event_loop_free(web) -> None:
    """Parsing and checking 100,000 rows takes seconds of CPU. Done in a task step it holds the
    loop for most of the request; in a worker thread no step comes near (ratios, not times)."""
    client = await _client(web)
    rows = 100_000
    data = b"Bib,First Name,Gender\n" + b"".join(b"%d,Runner,F\n" % n for n in range(1, rows + 1))
    wall, longest, response = await _timed(_upload(client, data))
    assert response.status_code == 303
    assert longest < wall / 2, f"one step held the loop {longest:.3f} s of {wall:.3f} s"
    url = response.headers["Location"]
    form = {"map_bib": "0", "map_first_name": "1", "map_gender": "2", "action": "import"}
    wall, longest, response = await _timed(post_form(client, url, form))
    assert _count(await response.get_data(as_text=True), "count-inserted") == rows
    assert longest < wall / 2, f"one step held the loop {longest:.3f} s of {wall:.3f} s"
