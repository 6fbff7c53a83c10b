"""Public results pages through the app: what a runner's family reads on /r/<token> (places "of
N", chip and gun time, pace, status, provisional), filters, search, pages, the runner page, the
awards and the histogram; only published results answer; pages are kept and revalidated."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import trio

from p88.web.published.pages import COALESCE_SECONDS
from tests.web.public_results_seed import Race, add_runner, publish, seed_race, store_crossing
from tests.web.support import WebHarness, create_partner_with_user, web_app

TOKEN = "river-5k-results-2021"


async def page(web: WebHarness, path: str, **headers: str) -> tuple[int, str, Any]:
    response = await web.app.test_client().get(path, headers=headers or None)
    return response.status_code, await response.get_data(as_text=True), response


def rows_of(html: str) -> list[str]:
    """The bibs of a list, in order."""
    return re.findall(r'<li class="r-row[^"]*" data-bib="([^"]+)"', html)


async def published_race(web: WebHarness, *, final: bool = False) -> Race:
    account = await create_partner_with_user(web.pool, "alpha", "operator")
    race = await seed_race(web.pool, account.partner_id)
    await publish(web.pool, race, TOKEN, final=final)
    return race


async def test_the_list_shows_places_times_pace_and_every_status(dsn: str, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        await published_race(web)
        status, html, response = await page(web, f"/r/{TOKEN}")
        assert status == 200, html
        assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]
        # Placed by chip time, then on the course, then DNS: nobody is hidden.
        assert rows_of(html) == ["2", "1", "3", "6", "4", "5"]
        first = html.split('data-bib="2"')[1].split("</li>")[0]
        assert "<b>1</b> of 4 overall" in first and "<b>1</b> of 2 F" in first
        assert "<b>1</b> of 1 F40-44" in first
        assert "0:18:30.00" in first and "0:18:36.00" in first  # chip, and gun 6 s more
        assert "3:42 /km" in first  # 18:30 over 5 km
        assert 'class="r-prov"' not in first  # nobody still out could beat 18:30
        second = html.split('data-bib="1"')[1].split("</li>")[0]
        assert 'class="r-prov"' in second  # Dan, out for ~20 min, could still beat 22:00
        assert "&lt;b&gt;Brave&lt;/b&gt;" in html and "<b>Brave</b>" not in html
        nostart = html.split('data-bib="6"')[1].split("</li>")[0]
        assert "chip time is the gun time" in nostart
        running = html.split('data-bib="4"')[1].split("</li>")[0]
        assert "On course" in running and "last seen at HALF, 0:09:00.00" in running
        assert "DNS" in html.split('data-bib="5"')[1].split("</li>")[0]
        assert "Provisional." in html and "Final results" not in html
        assert f'data-socket="/r/{TOKEN}/ws"' in html
        assert re.search(r'<time id="r-updated" datetime="[^"]+">\d+ s ago</time>', html)


async def test_filters_search_and_pages(dsn: str, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        race = await published_race(web)
        async with web.pool.acquire() as conn:
            for n in range(100, 160):  # 60 more who have not started: pages of 50
                await add_runner(conn, race.partner_id, str(n), "Runner", "Walker", "X", 30)
        await web.results.rebuild(race.partner_id, race.session_id)
        _, html, _ = await page(web, f"/r/{TOKEN}")
        assert len(rows_of(html)) == 50 and "66 runners, 1\u201350 shown" in html
        assert "Page 1 of 2" in html
        _, html, _ = await page(web, f"/r/{TOKEN}?page=2")
        assert len(rows_of(html)) == 16 and rows_of(html)[-1] == "159"
        _, html, _ = await page(web, f"/r/{TOKEN}?gender=F")
        assert rows_of(html) == ["2", "1", "5"]
        _, html, _ = await page(web, f"/r/{TOKEN}?status=running")
        assert rows_of(html) == ["4"]
        _, html, _ = await page(web, f"/r/{TOKEN}?age_group=M40-44")
        assert rows_of(html) == ["6"]
        _, html, _ = await page(web, f"/r/{TOKEN}?q=steady")
        assert rows_of(html) == ["3"] and "1 found for “steady”" in html
        _, html, _ = await page(web, f"/r/{TOKEN}?q=15")  # bib 15 does not exist; names no
        assert rows_of(html) == [] and "Nobody matches" in html
        _, html, _ = await page(web, f"/r/{TOKEN}?q=150")
        assert rows_of(html)[0] == "150"
        # Values that mean nothing are ignored, never an error.
        status, html, _ = await page(web, f"/r/{TOKEN}?gender=Q&status=lost&page=x&course=nope")
        assert status == 200 and len(rows_of(html)) == 50


async def test_the_runner_page_has_splits_pace_places_and_notes(dsn: str, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        await published_race(web)
        status, html, _ = await page(web, f"/r/{TOKEN}/bib/1")
        assert status == 200
        assert "Zoë &lt;b&gt;Brave&lt;/b&gt;" in html and 'data-bib="1"' in html
        assert "<b>2</b> of 4 overall" in html and "<b>2</b> of 2 Women" in html
        assert "provisional: a runner still on the course" in html
        splits = html.split('class="r-splits"')[1]
        assert "HALF<small>2.5 km</small>" in splits and "0:10:00.00" in splits
        assert "4:00 /km" in splits  # 10:00 over 2.5 km
        assert "Finish<small>5 km</small>" in splits and "0:22:00.00" in splits
        assert "4:24 /km · 7:04 /mi" in html
        _, html, _ = await page(web, f"/r/{TOKEN}/bib/6")
        assert "No start mat read: chip time is the gun time" in html
        _, html, _ = await page(web, f"/r/{TOKEN}/bib/5")
        assert "DNS" in html and "Chip time</dt><dd>DNS" in html
        status, html, _ = await page(web, f"/r/{TOKEN}/bib/999")
        assert status == 404 and "nothing at this address" in html


async def test_awards_top_n_with_and_without_the_overall_winners(dsn: str, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        await published_race(web)
        _, html, _ = await page(web, f"/r/{TOKEN}/awards?top=1&exclude_overall=1")
        women = html.split("<h3>Women</h3>")[1].split("</ol>")[0]
        assert "Bea Fast" in women and "Brave" not in women
        men = html.split("<h3>Men</h3>")[1].split("</ol>")[0]
        assert "Carl Steady" in men
        # M40-44: Finn is not an overall winner; M35-39: Carl is, so nobody is left.
        assert "Finn Nostart" in html.split("<h3>M40-44</h3>")[1].split("</ol>")[0]
        assert "Nobody placed yet" in html.split("<h3>M35-39</h3>")[1].split("</section>")[0]
        _, html, _ = await page(web, f"/r/{TOKEN}/awards?top=1&exclude_overall=0")
        assert "Carl Steady" in html.split("<h3>M35-39</h3>")[1].split("</ol>")[0]


async def test_the_histogram_is_inline_svg(dsn: str, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        await published_race(web)
        status, html, _ = await page(web, f"/r/{TOKEN}/histogram")
        assert status == 200 and "<svg" in html and "<script" not in html.split("</head>")[1]
        bars = re.findall(r'<rect class="bar"[^>]*><title>([^<]+)</title>', html)
        # 18:30 to 26:00 in 1-minute bins: 18 to 26, 9 bars, four of them with a runner.
        assert len(bars) == 9 and sum(int(b.rsplit(": ", 1)[1]) for b in bars) == 4
        assert "4 placed finishers · fastest 0:18:30.00 · median 0:22:00.00" in html


async def test_only_published_results_answer(dsn: str, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        account = await create_partner_with_user(web.pool, "alpha", "operator")
        race = await seed_race(web.pool, account.partner_id)
        for path in (f"/r/{TOKEN}", f"/r/{TOKEN}/bib/1", f"/r/{TOKEN}/awards", "/r/short"):
            status, html, _ = await page(web, path)
            assert status == 404 and "no published results at this address" in html
        await publish(web.pool, race, TOKEN)
        assert (await page(web, f"/r/{TOKEN}"))[0] == 200


async def test_wrong_links_from_one_address_are_stopped(dsn: str, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        await published_race(web)
        for n in range(20):
            assert (await page(web, f"/r/guess-{n:04d}-abcdefghijk"))[0] == 404
        status, html, _ = await page(web, f"/r/{TOKEN}")
        assert status == 429 and "wait a minute" in html


async def test_pages_are_kept_revalidated_and_follow_new_results(dsn: str, tmp_path) -> None:
    async with web_app(dsn, tmp_path) as web:
        race = await published_race(web)
        _, _, response = await page(web, f"/r/{TOKEN}")
        etag = response.headers["ETag"]
        status, body, again = await page(web, f"/r/{TOKEN}", **{"If-None-Match": etag})
        assert status == 304 and body == "" and again.headers["ETag"] == etag
        # Dan finishes in 19:00 chip: first in M, second overall.
        finish = race.gun + timedelta(minutes=29)
        read = await store_crossing(web.pool, race, "FINISH", "4", finish)
        web.results.publish([read])
        # A page not kept yet shows him placed at once, and once (the list of runners without
        # a place is a snapshot under a second old that still has him on the course).
        _, html, _ = await page(web, f"/r/{TOKEN}?course=5K")
        assert rows_of(html) == ["2", "4", "1", "3", "6", "5"]
        await trio.sleep(COALESCE_SECONDS + 0.1)
        status, html, response = await page(web, f"/r/{TOKEN}", **{"If-None-Match": etag})
        assert status == 200 and response.headers["ETag"] != etag
        assert rows_of(html)[:2] == ["2", "4"]
