"""The public results pages' pure parts: which kept page is still fresh, ETag matching, award
positions with ties, histogram bins, natural order, and which requests the front door may
answer from the cache."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from p88.results.clock import MINUTE
from p88.results.engine import Engine
from p88.results.model import Entrant
from p88.results.setup import Course, Setup
from p88.web.fast_pages import _parse
from p88.web.published.awards import _leaders
from p88.web.published.board import natural, search_index_of
from p88.web.published.histogram import histogram
from p88.web.published.pages import (
    COALESCE_SECONDS,
    MAX_AGE_SECONDS,
    Page,
    PageCache,
    accepts_gzip,
    etag_matches,
)
from p88.web.published.publications import Publication, Publications, well_formed


def test_award_positions_share_ties_and_skip_the_excluded() -> None:
    entries = [(100, "a"), (100, "b"), (200, "c"), (300, "d"), (300, "e"), (400, "f")]
    assert _leaders(entries, 1, set()) == [(1, "a"), (1, "b")]
    assert _leaders(entries, 3, set()) == [(1, "a"), (1, "b"), (3, "c")]
    assert _leaders(entries, 2, {"a"}) == [(1, "b"), (2, "c")]
    assert _leaders(entries, 3, {"a", "b"}) == [(1, "c"), (2, "d"), (2, "e")]
    assert _leaders([], 3, set()) == []


def test_histogram_bins_are_round_and_count_everyone() -> None:
    assert histogram("5K", []) is None
    times = [18 * MINUTE, 18 * MINUTE + 50, 25 * MINUTE, 59 * MINUTE]
    found = histogram("5K", times)
    assert found is not None and found.finishers == 4 and found.tallest == 2
    assert len(found.bars) == 21  # 2-minute bins: 18 to 60 minutes
    assert found.bars[0].label == "0:18-0:20" and found.bars[0].count == 2
    assert sum(bar.count for bar in found.bars) == 4
    long = histogram("M", [2 * 60 * MINUTE, 6 * 60 * MINUTE])
    assert long is not None and len(long.bars) <= 30 and long.bars[0].label == "2:00-2:10"


def test_natural_order() -> None:
    groups = ["M45-49", "F80+", "M5-9", "F20-24", "10", "2"]
    assert sorted(groups, key=natural) == ["2", "10", "F20-24", "F80+", "M5-9", "M45-49"]


def test_etag_matching() -> None:
    assert etag_matches('"abc"', '"abc"')
    assert etag_matches('W/"abc"', '"abc"')
    assert etag_matches('"x", "abc"', '"abc"')
    assert etag_matches("*", '"abc"')
    assert not etag_matches('"abcd"', '"abc"') and not etag_matches("", '"abc"')


def test_gzip_is_sent_to_those_who_take_it() -> None:
    assert accepts_gzip("gzip, deflate, br") and accepts_gzip("br;q=1, GZIP;q=0.5")
    assert not accepts_gzip("") and not accepts_gzip("gzip;q=0") and not accepts_gzip("br")
    assert not accepts_gzip("gzip;q=nope")


async def test_search_finds_the_bib_first_then_names_containing_the_text() -> None:
    names = ["Ann Lee", "Lee Ann Marsh", "Bob  Annan", "Zoë Ännie", "Carl", "Ann Lee"]
    bibs = ["12", "3", "120", "7", "ANN", "12"]  # bib 12 twice: the first is timed
    entrants = [Entrant(bib, f"T{n}", name) for n, (bib, name) in enumerate(zip(bibs, names))]
    engine = Engine(Setup((Course("R", finish="FINISH"),)), entrants)
    index = search_index_of(engine)
    assert index.find("ann") == ["ANN", "3", "12", "120"]  # bib first, then names in bib order
    assert index.find("  ANN  lee ") == ["12"]  # spaces and case as typed or not
    assert index.find("12") == ["12"] and index.find("1") == []
    assert index.find("änn") == ["7"] and index.find("") == [] and index.find("x\ny") == []


def test_token_shape() -> None:
    assert well_formed("A" * 16) and well_formed("a-b_c" * 4)
    for bad in ("short", "x" * 65, "has space in it!!", "../../etc/passwd00", "é" * 20):
        assert not well_formed(bad)


async def _publications_with(token: str, session_id: int = 7) -> tuple[Publications, Publication]:
    publications = Publications()
    publication = Publication(token, session_id, 1, False)
    publications._known[token] = (publication, trio.current_time())  # as `find` keeps it
    return publications, publication


async def test_a_kept_page_is_fresh_for_a_second_or_while_nothing_changed(
    mock_clock: trio.testing.MockClock,
) -> None:
    publications, publication = await _publications_with("t" * 20)
    cache = PageCache(publications)
    key = ("/r/tttttttttttttttttttt", "http")
    cache.put(key, Page(b"<html>v5</html>", "text/html", publication, 5, trio.current_time()))
    assert cache.fresh(key, 5) is not None and cache.fresh(key, 6) is not None
    assert cache.fresh(key, None) is None  # results not loaded: never from the cache
    mock_clock.jump(COALESCE_SECONDS + 0.01)
    assert cache.fresh(key, 6) is None  # changed since, and a second old
    assert cache.fresh(key, 5) is not None  # nothing changed
    mock_clock.jump(MAX_AGE_SECONDS)
    # ... but places become final with time alone (and the publication is rechecked)
    publications._known[publication.token] = (publication, trio.current_time())
    assert cache.fresh(key, 5) is None


async def test_a_kept_page_dies_with_its_publication(mock_clock: trio.testing.MockClock) -> None:
    publications, publication = await _publications_with("u" * 20)
    cache = PageCache(publications)
    key = ("/r/uuuuuuuuuuuuuuuuuuuu", "http")
    cache.put(key, Page(b"x", "text/html", publication, 1, trio.current_time()))
    publications.forget_session(7)  # withdrawn, or marked final, here
    assert cache.fresh(key, 1) is None
    publications._known[publication.token] = (Publication("u" * 20, 7, 1, True), 0.0)
    assert cache.fresh(key, 1) is None  # a new publication (final now): a new page


async def test_the_cache_keeps_at_most_its_bytes(mock_clock: trio.testing.MockClock) -> None:
    publications, publication = await _publications_with("v" * 20)
    cache = PageCache(publications, max_bytes=250)
    for n in range(5):
        cache.put((f"/r/{n}", "http"), Page(b"x" * 100, "text/html", publication, 1, 0.0))
    assert len(cache) == 2 and cache.session_of(("/r/4", "http")) == 7
    assert cache.session_of(("/r/0", "http")) is None


@pytest.mark.parametrize(
    ("request_head", "plain"),
    [
        (b"GET /r/abc HTTP/1.1\r\nHost: x\r\n\r\n", True),
        (b"HEAD /static/a.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", True),
        (b"GET /r/abc HTTP/1.1\r\n\r\n", False),  # no Host
        (b"GET /r/abc HTTP/1.0\r\nHost: x\r\n\r\n", False),
        (b"POST /r/abc HTTP/1.1\r\nHost: x\r\n\r\n", False),
        (b"GET /r/abc HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", False),
        (b"GET /r/abc HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", False),
        (b"GET /r/abc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n", False),
        (b"GET /r/abc HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\n\r\n", False),
        (b"GET /r/abc HTTP/1.1\r\nHost: x\r\nX: caf\xc3\xa9\r\n\r\n", False),
        (b"GET /r/abc HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", False),
        (b"GET /r/abc HTTP/1.1\nHost: x\n\n", False),
        (b"GET /r/a\x00c HTTP/1.1\r\nHost: x\r\n\r\n", False),
    ],
)
def test_only_plain_requests_are_read_by_the_front_door(request_head: bytes, plain: bool) -> None:
    assert (_parse(request_head) is not None) is plain


def test_a_plain_request_as_read() -> None:
    parsed = _parse(
        b'GET /r/abc?q=x HTTP/1.1\r\nHost: x\r\nIf-None-Match: "e"\r\nX-A: 1\r\nX-A: 2\r\n'
        b"Connection: Close\r\n\r\n"
    )
    assert parsed is not None and parsed.method == b"GET" and parsed.target == "/r/abc?q=x"
    assert parsed.headers[b"if-none-match"] == b'"e"' and parsed.headers[b"x-a"] == b"1, 2"
    assert parsed.close
