"""The status port, and what happens when PostgreSQL stops and comes back mid-stream."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio

from tests.conftest import make_config
from tests.system.http import get_json, http_get
from tests.system.own_postgres import OwnPostgres
from tests.system.serving import LineClient, running_server, wait_for
from tests.system.test_collector_bad_input import start_witness
from tests.system.test_collector_session import fetch, handshake


async def test_health_status_and_metrics_when_all_is_well(dsn: str, tmp_path: Path) -> None:
    async with running_server(make_config(dsn, tmp_path)) as running:
        witness = await start_witness(running)
        status, health = await get_json(running.status_url + "/health")
        assert (status, health["status"], health["problems"]) == (200, "ok", [])

        status, doc = await get_json(running.status_url + "/status")
        assert status == 200
        assert doc["database"] == "ok" and doc["reads_stored"] == 5
        assert doc["duplicates_dropped"] == 0 and doc["journal_backlog"] == 0
        for key in ("version", "uptime_seconds", "malformed_lines", "ingest_backlog"):
            assert key in doc
        [connection] = doc["connections"]
        assert connection["client"] == "SimpleClient 0.6.0"
        assert connection["partner"] == "default" and connection["event"] == "21ROTM"
        assert connection["locations"] == [{"name": "FINISH", "last_sequence": 5}]
        assert connection["reads"] == 5 and connection["last_read_age_seconds"] < 60

        status, headers, body = await http_get(running.status_url + "/metrics")
        assert status == 200 and headers["content-type"].startswith("text/plain; version=0.0.4")
        metrics = dict(
            line.rsplit(" ", 1) for line in body.decode().splitlines() if not line.startswith("#")
        )
        assert metrics["p88_reads_stored_total"] == "5"
        assert metrics["p88_collector_connections"] == "1"
        assert metrics["p88_database_up"] == "1"
        assert metrics["p88_ingest_latency_ms_count"] == "5"
        p50, p99 = (float(metrics[f'p88_ingest_latency_ms{{quantile="{q}"}}']) for q in (0.5, 0.99))
        assert 0 < p50 <= p99  # socket read to commit takes time; the tail is no shorter
        window = running.stats.ingest_latency_ms  # what the server measured, 6 digits kept
        assert (p50, p99) == pytest.approx((window.quantile(0.5), window.quantile(0.99)), 1e-5)
        assert doc["ingest_latency_ms"]["samples"] == 5
        assert doc["ingest_latency_ms"]["p99"] == pytest.approx(p99, abs=0.006)  # rounded
        await witness.client.aclose()

        status, _, _ = await http_get(running.status_url + "/nothing-here")
        assert status == 404


# The writer says so at ERROR: an operator must see that reads are journaled, not stored.
@pytest.mark.expect_log_errors(r"p88.ingest.writer: PostgreSQL unreachable .*journaling reads")
async def test_postgres_stop_journals_reads_and_start_drains_them(
    own_postgres: OwnPostgres, tmp_path: Path
) -> None:
    config = make_config(own_postgres.dsn, tmp_path)
    async with running_server(config) as running:
        client = await LineClient.connect(running.collector)
        await handshake(client)

        def reads(first: int, last: int) -> list[str]:
            return [
                f"CT01_33~{n}~FINISH~{n}~2021-05-08T10:{n // 60:02d}:{n % 60:02d}.00~1~A~8"
                for n in range(first, last + 1)
            ]

        await client.send(*reads(1, 50))
        await wait_for(lambda: running.stats.reads_stored == 50)

        await trio.to_thread.run_sync(own_postgres.stop)
        status, health = await get_json(running.status_url + "/health")
        assert status == 503 and "database" in health["problems"][0]

        await client.send(*reads(51, 150))
        await wait_for(lambda: running.stats.journal_backlog == 100)
        status, doc = await get_json(running.status_url + "/status")
        assert doc["database"] == "down" and doc["journal_backlog"] == 100
        # The collector keeps accepting meanwhile: the client is still connected, and
        # middleware that (re)connects now is still let in (its partner is remembered).
        await client.send(*reads(151, 160))
        await wait_for(lambda: running.stats.journal_backlog == 110)
        late = await LineClient.connect(running.collector)
        await handshake(late)
        await late.send("CT01_33~1~FINISH~late~2021-05-08T11:00:00.00~1~B~8")
        await wait_for(lambda: running.stats.journal_backlog == 111)
        await late.aclose()

        await trio.to_thread.run_sync(own_postgres.start)
        await wait_for(lambda: running.stats.journal_backlog == 0, timeout=30)
        status, health = await get_json(running.status_url + "/health")
        assert status == 200
        await client.send(*reads(161, 170))
        await wait_for(lambda: running.stats.reads_stored == 171)
        await client.aclose()
    rows = await fetch(
        own_postgres.dsn, "SELECT sequence FROM timing_reads WHERE tag <> 'late' ORDER BY sequence"
    )
    assert [r[0] for r in rows] == list(range(1, 171))
    late_rows = await fetch(
        own_postgres.dsn, "SELECT count(*) FROM timing_reads WHERE tag = 'late'"
    )
    assert late_rows[0][0] == 1
    assert not list((tmp_path / "journal").glob("*.jsonl"))
