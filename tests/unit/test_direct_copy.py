"""The direct COPY's choices, without a database (p88.ingest.direct_copy): which batches it
takes, and which reads of a batch it stores, against the simple rule each stands for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from p88.ingest import direct_copy
from p88.ingest.direct_copy import first_of_each_key, takes_direct_copy
from p88.reads import SessionKey, StampedRead

SESSION = SessionKey(1, "RACE", date(2021, 5, 8), "UTC")
START = datetime(2021, 5, 8, 8, 0)
NOW = datetime(2021, 5, 8, 8, 30, tzinfo=UTC)

# Few distinct values, so repeats of a dedup key are common.
reads_and_points = st.lists(
    st.tuples(
        st.sampled_from([(1, 10), (1, 11), (2, 20)]),  # (session id, location id)
        st.sampled_from(["9511", "9512"]),
        st.integers(0, 2),  # hundredths after START
        st.sampled_from(["R1", "R2"]),
        st.sampled_from([1, 8]),
        st.integers(0, 10**6),  # sequence: not part of the key
    ),
    max_size=40,
)


def stamped(tag: str, hundredths: int, reader: str, gator: int, sequence: int) -> StampedRead:
    when = START + timedelta(milliseconds=10 * hundredths)
    return StampedRead(SESSION, "c", "FINISH", sequence, tag, when, 1, reader, gator, NOW)


@given(reads_and_points)
def test_each_dedup_key_keeps_its_first_read_in_batch_order(specs) -> None:
    reads = [stamped(*spec[1:]) for spec in specs]
    points = [spec[0] for spec in specs]
    seen: set[object] = set()
    expected = []
    for read, point in zip(reads, points, strict=True):
        key = (point, read.tag, read.local_time, read.reader_id, read.gator)
        if key not in seen:  # what ON CONFLICT DO NOTHING keeps
            seen.add(key)
            expected.append((read, point))
    kept_reads, kept_points = first_of_each_key(reads, points)
    assert list(zip(kept_reads, kept_points, strict=True)) == expected


@given(
    st.integers(0, 2 * direct_copy.DIRECT_COPY_FROM),
    st.lists(st.integers(0, 999_999), max_size=3),
)
def test_it_takes_large_batches_whose_times_timestamp2_keeps_exactly(
    size: int, odd_microseconds: list[int]
) -> None:
    reads = [stamped("1", n, "R", 1, n) for n in range(size)]
    for index, micro in enumerate(odd_microseconds[:size]):
        reads[index] = reads[index]._replace(local_time=START.replace(microsecond=micro))
    exact = all(read.local_time.microsecond % 10_000 == 0 for read in reads)
    assert takes_direct_copy(reads) == (size >= direct_copy.DIRECT_COPY_FROM and exact)
