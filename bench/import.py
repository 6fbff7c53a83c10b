"""Participant import benchmark: a large CSV into a running `p88 serve` while /health is probed.

Runs `p88 serve` as its own process on a fresh embedded PostgreSQL, signs in as an operator
over real HTTP and imports a generated CSV (default 1,000,000 rows, 12.7 MB) the way a
browser does: upload, the mapping page, import. Meanwhile probes ask the status port every
50 ms, each in its own task (so one stall is counted by every probe it delays): /health, which
also waits for PostgreSQL to answer `SELECT 1` through the pool, and /metrics, which only
needs the event loop. Printed: each probe's p50/p99/max while idle and during each phase, and
the import's rows/s. A second import of the same file updates every runner (the tag check
then compares against a million stored runners). For each phase it also prints how long
serve's event-loop thread waited for a CPU (/proc schedstat): on a shared machine that, not
p88, is often what a slow probe waited for.

    python bench/import.py                  # the full run
    python bench/import.py --rows 100000    # quick
"""

from __future__ import annotations

import argparse
import http.cookiejar
import re
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import trio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import Server  # noqa: E402
from p88.db.accounts import create_user, set_membership  # noqa: E402
from p88.db.embedded import EmbeddedPostgres  # noqa: E402
from p88.db.partners import create_partner  # noqa: E402
from p88.db.pool import connect, open_bridge  # noqa: E402
from tests.system.http import http_get  # noqa: E402

PROBE_EVERY = 0.05
EMAIL, PASSWORD = "operator@bench.example", "bench password 1234"
FIRST_NAMES = ("Ann", "Bo", "Cy", "Dee", "Eve", "Finn", "Gus", "Hal", "Ida", "Jo")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
# A mapping select and the column it has selected (the page's detected mapping).
SELECTED = re.compile(
    r'<select id="(map_\w+)"[^>]*>(?:(?!</select>).)*?<option value="(\d+)" selected', re.S
)


def participant_csv(rows: int) -> bytes:
    lines = ["Bib,First Name,Gender"]
    lines += [f"{n},{FIRST_NAMES[n % 10]},{'MF'[n % 2]}" for n in range(1, rows + 1)]
    return ("\n".join(lines) + "\n").encode()


class Probe:
    """GET a status URL every PROBE_EVERY seconds, each in its own task; latencies by phase."""

    phase = "idle"  # set on the class: both probes follow the one import

    def __init__(self, url: str) -> None:
        self.url = url
        self.name = url.rsplit("/", 1)[1]
        self.samples: dict[str, list[float]] = {}
        self.failures = 0

    async def run(self) -> None:
        async with trio.open_nursery() as nursery:
            while True:
                nursery.start_soon(self._one, Probe.phase)
                await trio.sleep(PROBE_EVERY)

    async def _one(self, phase: str) -> None:
        started = time.perf_counter()
        try:
            status, _, _ = await http_get(self.url, timeout=30)
        except (OSError, trio.TooSlowError):
            status = 0
        if status != 200:
            self.failures += 1
        self.samples.setdefault(phase, []).append(time.perf_counter() - started)

    def report(self, phase: str) -> str:
        found = sorted(self.samples.get(phase, []))
        if not found:
            return f"/{self.name}: no probe"
        p50, p99 = found[len(found) // 2], found[min(len(found) - 1, int(len(found) * 0.99))]
        return (
            f"/{self.name} p50 {p50 * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms, "
            f"max {found[-1] * 1000:.1f} ms ({len(found)} probes)"
        )


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 303 itself is the answer to look at


class Operator:
    """A signed-in operator over real HTTP. urllib blocks, so every call runs in a worker
    thread: the probe's event loop never waits on it."""

    def __init__(self, base: str) -> None:
        self.base = base
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(cookies, NoRedirect())

    def _send(self, path: str, body: bytes | None, content_type: str) -> tuple[int, Any, str]:
        request = urllib.request.Request(self.base + path, data=body)
        if body is not None:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=600) as response:
                return response.status, response.headers, response.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.headers, answer.read().decode()

    async def get(self, path: str) -> tuple[int, Any, str]:
        return await trio.to_thread.run_sync(self._send, path, None, "")

    async def post_form(self, path: str, form: dict[str, str]) -> tuple[int, Any, str]:
        body = urllib.parse.urlencode(form).encode()
        kind = "application/x-www-form-urlencoded"
        return await trio.to_thread.run_sync(self._send, path, body, kind)

    async def post_file(self, path: str, form: dict[str, str], data: bytes) -> tuple[int, Any, str]:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in form.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="runners.csv"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        kind = f"multipart/form-data; boundary={boundary}"
        return await trio.to_thread.run_sync(self._send, path, b"".join(parts), kind)

    async def csrf(self, path: str) -> str:
        _, _, page = await self.get(path)
        return CSRF.findall(page)[0]

    async def sign_in(self) -> None:
        form = {"email": EMAIL, "password": PASSWORD, "csrf_token": await self.csrf("/login")}
        status, _, page = await self.post_form("/login", form)
        assert status == 302, f"sign-in failed: {status} {page[:300]}"


async def make_operator(dsn: str) -> None:
    async with open_bridge(), connect(dsn) as conn:
        partner = await create_partner(conn, "bench", "Bench Timing")
        user = await create_user(conn, EMAIL, "Bench Operator", PASSWORD)
        await set_membership(conn, user.id, partner.id, "operator")


def cpu_wait_seconds(pid: int) -> float:
    """How long the process's main thread (the event loop) has waited on a run queue."""
    return int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[1]) / 1e9


class Phases:
    """Times each step and keeps the loop thread's CPU wait during it."""

    def __init__(self, serve_pid: int) -> None:
        self.serve_pid = serve_pid
        self.cpu_wait: dict[str, float] = {}

    async def timed(self, phase: str, step: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
        Probe.phase = phase
        waited = cpu_wait_seconds(self.serve_pid)
        started = time.perf_counter()
        result = await step()
        Probe.phase = "between"
        self.cpu_wait[phase] = cpu_wait_seconds(self.serve_pid) - waited
        return time.perf_counter() - started, result


async def import_once(
    phases: Phases, operator: Operator, data: bytes, label: str
) -> dict[str, Any]:
    timed = phases.timed
    form = {"event": "BENCH IMPORT", "csrf_token": await operator.csrf("/participants/import")}
    upload_s, (status, headers, page) = await timed(
        f"{label} upload", lambda: operator.post_file("/participants/import", form, data)
    )
    assert status == 303, f"upload refused: {status} {page[:500]}"
    url = headers["Location"]
    page_s, (_, _, page) = await timed(f"{label} mapping page", lambda: operator.get(url))
    choice = dict(SELECTED.findall(page))
    choice.update(action="import", csrf_token=CSRF.findall(page)[0])
    import_s, (status, _, report) = await timed(
        f"{label} import", lambda: operator.post_form(url, choice)
    )
    counts = dict(re.findall(r'id="count-(\w+)">(\d+)<', report))
    assert status == 200, f"import failed: {status} {report[:500]}"
    return {"upload": upload_s, "page": page_s, "import": import_s, "counts": counts}


async def main(args: argparse.Namespace) -> None:
    data = participant_csv(args.rows)
    root = Path(tempfile.mkdtemp(prefix="p88-bench-import-"))
    pg = EmbeddedPostgres(root / "pg")
    dsn = await trio.to_thread.run_sync(pg.start)
    server = Server(dsn, root, {})
    results = []
    try:
        await server.start()
        await make_operator(dsn)
        probes = [Probe(server.status_url + "/health"), Probe(server.status_url + "/metrics")]
        operator = Operator(f"http://127.0.0.1:{server.web_port}")
        await operator.sign_in()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(server.sample_rss)
            for probe in probes:
                nursery.start_soon(probe.run)
            await trio.sleep(args.idle_seconds)
            assert server.process is not None
            phases = Phases(server.process.pid)
            for label in ("first", "again"):
                results.append((label, await import_once(phases, operator, data, label)))
            nursery.cancel_scope.cancel()
    finally:
        server.stop()
        pg.started_here = True
        await trio.to_thread.run_sync(pg.stop)
        shutil.rmtree(root, ignore_errors=True)
    print(f"file: {args.rows:,} rows, {len(data) / 1e6:.1f} MB (Bib, First Name, Gender)")
    print_probes(probes, "idle")
    for label, result in results:
        total = result["upload"] + result["page"] + result["import"]
        print(
            f"{label}: upload {result['upload']:.2f} s, mapping page {result['page']:.3f} s, "
            f"import {result['import']:.2f} s; counts {result['counts']}; "
            f"{args.rows / result['import']:,.0f} rows/s imported, "
            f"{args.rows / total:,.0f} rows/s from upload to report"
        )
        for phase in ("upload", "mapping page", "import"):
            name = f"{label} {phase}"
            waited = f" (loop thread waited for a CPU {phases.cpu_wait[name]:.2f} s)"
            print_probes(probes, name, indent="  ", suffix=waited)
    for probe in probes:
        busy = [s for phase, found in probe.samples.items() if phase != "idle" for s in found]
        probe.samples["upload to last report"] = busy
    print_probes(probes, "upload to last report")
    failures = sum(probe.failures for probe in probes)
    print(f"probe failures: {failures}; peak RSS of p88 serve: {server.peak_rss_mb:.0f} MB")


def print_probes(probes: list[Probe], phase: str, indent: str = "", suffix: str = "") -> None:
    print(f"{indent}{phase}: " + "; ".join(probe.report(phase) for probe in probes) + suffix)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    trio.run(main, parser.parse_args())
