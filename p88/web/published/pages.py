"""Rendered public results pages, kept as bytes so that the thousandth viewer of a page costs a
dictionary lookup, not a render.

A page is keyed by the address it was asked for exactly as sent (path and query) and the scheme
(https pages carry HSTS). It is served again while it is *fresh*:
- its publication is still the current one (not withdrawn, not marked final or provisional
  again since), and
- it was made less than COALESCE_SECONDS ago, or the session's results have not changed since
  (its version is the current one) and it is less than MAX_AGE_SECONDS old.
So a page lags the results by at most a second during a race (one render a second however
many read it), and while nothing changes it is made again only every MAX_AGE_SECONDS: places
become final with the passing of time alone (p88.results.provisional).
"""

from __future__ import annotations

import gzip
import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field

import trio

from p88.web.published.publications import Publication, Publications

COALESCE_SECONDS = 1.0
MAX_AGE_SECONDS = 10.0
MAX_BYTES = 64 * 1024 * 1024  # all pages kept, per process
CACHE_CONTROL = "no-cache"  # browsers and proxies may keep a page, but ask again (ETag) first


@dataclass(slots=True, eq=False)
class Page:
    """A rendered page, plain and gzipped (a list page is ~40 KB of HTML and ~5 KB gzipped:
    phones on a crowded network get it sooner, and the server writes an eighth)."""

    body: bytes
    content_type: str
    publication: Publication
    version: int  # the session's results version the page shows
    made_at: float  # trio.current_time()
    gzipped: bytes = field(init=False)
    etag: str = field(init=False)
    heads: dict[tuple[str, bool, bool], bytes] = field(default_factory=dict)  # fast path's

    def __post_init__(self) -> None:
        self.gzipped = gzip.compress(self.body, 6, mtime=0)
        self.etag = '"' + hashlib.blake2b(self.body, digest_size=12).hexdigest() + '"'

    def variant(self, gzipped: bool) -> tuple[bytes, str]:
        """The bytes to send and their ETag (each encoding has its own, as HTTP asks)."""
        if gzipped:
            return self.gzipped, self.etag[:-1] + '-gz"'
        return self.body, self.etag

    def headers(self, gzipped: bool) -> dict[str, str]:
        """The page's own headers (security headers are added by whoever sends it)."""
        headers = {
            "Content-Type": self.content_type,
            "ETag": self.variant(gzipped)[1],
            "Cache-Control": CACHE_CONTROL,
            "Vary": "Accept-Encoding",
        }
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        return headers


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header takes gzip (`gzip`, `gzip;q=0.5`; not `gzip;q=0`)."""
    for item in accept_encoding.lower().split(","):
        name, _, params = item.strip().partition(";")
        if name.strip() == "gzip":
            quality = params.strip().removeprefix("q=").strip() if "q=" in params else "1"
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names `etag` (weak comparison, as RFC 9110 asks)."""
    for candidate in if_none_match.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/") == etag:
            return True
    return False


class PageCache:
    def __init__(self, publications: Publications, max_bytes: int = MAX_BYTES) -> None:
        self._publications = publications
        self._pages: OrderedDict[tuple[str, str], Page] = OrderedDict()
        self._bytes = 0
        self._max_bytes = max_bytes

    def fresh(self, key: tuple[str, str], version: int | None) -> Page | None:
        """The page kept for (target, scheme) if it is still fresh given the session's current
        results version (None: the results are not loaded, so the page is not served)."""
        page = self._pages.get(key)
        if page is None or version is None:
            return None
        if self._publications.current(page.publication.token) is not page.publication:
            return None
        age = trio.current_time() - page.made_at
        if age < COALESCE_SECONDS or (page.version == version and age < MAX_AGE_SECONDS):
            self._pages.move_to_end(key)
            return page
        return None

    def session_of(self, key: tuple[str, str]) -> int | None:
        page = self._pages.get(key)
        return None if page is None else page.publication.session_id

    def put(self, key: tuple[str, str], page: Page) -> None:
        old = self._pages.pop(key, None)
        if old is not None:
            self._bytes -= len(old.body)
        self._pages[key] = page
        self._bytes += len(page.body)
        while self._bytes > self._max_bytes and self._pages:
            _, dropped = self._pages.popitem(last=False)
            self._bytes -= len(dropped.body)

    def __len__(self) -> int:
        return len(self._pages)
