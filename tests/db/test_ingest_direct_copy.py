"""The direct COPY (p88.ingest.direct_copy) stores exactly what the simple path
(p88.ingest.insert) stores, for any batch: repeats inside it, several points, and reads
stored already (then it falls back, and the simple path writes the batch)."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from p88.db.pool import open_bridge, open_pool
from p88.ingest import direct_copy
from p88.ingest.batch import write_batch
from p88.ingest.points import IdCache
from p88.reads import SessionKey, StampedRead
from tests.db.test_ingest_storage import rows_by_id

START = datetime(2021, 5, 8, 8, 0)
NOW = datetime(2021, 5, 8, 8, 30, tzinfo=UTC)
_events = itertools.count()

read_specs = st.lists(
    st.tuples(
        st.sampled_from([("c1", "START"), ("c1", "FINISH"), ("c2", "FINISH")]),
        st.sampled_from(["9511", "9512", "M12"]),
        st.integers(0, 3),  # hundredths after START: few, so dedup keys repeat
        st.sampled_from(["R1", "R2"]),
        st.sampled_from([1, 8]),
    ),
    min_size=1,
    max_size=30,
)


def batch_of(specs: list[tuple], event: str) -> list[StampedRead]:
    """The batch as the collector stamps it, under its own event and connection ids."""
    session = SessionKey(1, event, date(2021, 5, 8), "UTC")
    names: dict[str, str] = {}  # one object per name, as the collector stamps them
    return [
        StampedRead(
            session,
            names.setdefault(connection, f"{event}/{connection}"),
            names.setdefault(location, location),
            sequence,
            tag,
            START + timedelta(milliseconds=10 * hundredths),
            1,
            reader,
            gator,
            NOW,
        )
        for sequence, ((connection, location), tag, hundredths, reader, gator) in enumerate(specs)
    ]


def as_sent(stored: list) -> list[tuple[object, ...]]:
    """The stored reads without their ids, in a fixed order."""
    return sorted(
        (s.location, s.tag, s.local_time, s.lap, s.reader_id, s.gator, s.sequence, s.received_at)
        for s in stored
    )


@pytest.fixture
def any_size_for_the_direct_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(direct_copy, "DIRECT_COPY_FROM", 1)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(read_specs, st.integers(0, 10))
async def test_the_direct_copy_stores_what_the_simple_path_stores(
    dsn: str, any_size_for_the_direct_copy: None, specs: list, stored_before: int
) -> None:
    n = next(_events)
    simple_batch, direct_batch = batch_of(specs, f"SIMPLE-{n}"), batch_of(specs, f"DIRECT-{n}")
    async with open_bridge(), open_pool(dsn, max_size=2) as pool:
        db = SimpleNamespace(pool=pool)  # what rows_by_id reads from
        simple_cache, direct_cache = IdCache(), IdCache()
        # Some of the batch stored already (a resume that overlaps), the same for both.
        for batch, cache in ((simple_batch, simple_cache), (direct_batch, direct_cache)):
            if stored_before:
                await write_batch(pool, batch[:stored_before], cache)
        simple = await write_batch(pool, simple_batch, simple_cache, expect_new=False)
        direct = await write_batch(pool, direct_batch, direct_cache, expect_new=True)
        assert as_sent(direct.stored) == as_sent(simple.stored)
        assert direct.duplicates == simple.duplicates
        assert direct.fell_back == (min(stored_before, len(specs)) > 0)
        assert await rows_by_id(db, direct.stored) == {s.id: s for s in direct.stored}
        assert await resume_points(pool, f"DIRECT-{n}") == await resume_points(pool, f"SIMPLE-{n}")


async def resume_points(pool, event: str) -> dict[tuple[str, str], int]:  # type: ignore[no-untyped-def]
    rows = await pool.fetch(
        "SELECT connection_id, location, last_sequence FROM collector_resume "
        "WHERE connection_id LIKE $1",
        f"{event}/%",
    )
    return {(r[0].split("/")[1], r[1]): r[2] for r in rows}
