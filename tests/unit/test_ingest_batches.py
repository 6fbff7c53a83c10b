"""The per-batch helpers of ingest that skip per-read work when consecutive passings share their
objects: whatever the sharing, they give what the plain per-read computation gives."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from p88.hub import Hub
from p88.ingest.resume import max_sequences
from p88.ingest.staging import point_ids_of
from p88.ingest.writer import distinct_points, latencies_ms
from p88.reads import (
    SessionKey,
    StampedRead,
    StoredColumns,
    StoredRead,
    reads_of_sessions,
    stamped_read_of_fields,
    stored_read_of_fields,
)

SESSIONS = [
    SessionKey(1, "RACE", date(2021, 5, 8), "UTC"),
    SessionKey(2, "RACE", date(2021, 5, 8), "UTC"),
]
EPOCH = datetime(2021, 5, 8, 8, 0, tzinfo=UTC)


def fresh(text: str) -> str:
    """An equal string that is not the same object (as the parser makes one per line)."""
    return "".join(list(text))


# One passing: session index, connection, point, sequence, received-at chunk, and whether its
# strings are copies (equal, not identical) of the ones its neighbours use.
passing_specs = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.sampled_from(["c1", "c2"]),
        st.sampled_from(["START", "FINISH"]),
        st.integers(0, 50),
        st.integers(0, 3),
        st.booleans(),
    ),
    max_size=60,
)


def build(specs: list[tuple[int, str, str, int, int, bool]]) -> list[StampedRead]:
    chunks = [EPOCH + timedelta(milliseconds=n) for n in range(4)]
    batch = []
    for session, connection, location, sequence, chunk, copy in specs:
        if copy:
            connection, location = fresh(connection), fresh(location)
        batch.append(
            StampedRead(
                SESSIONS[session] if not copy else dataclasses.replace(SESSIONS[session]),
                connection,
                location,
                sequence,
                "T",
                EPOCH.replace(tzinfo=None),
                1,
                "R",
                1,
                chunks[chunk] if not copy else chunks[chunk].replace(),
            )
        )
    return batch


@given(passing_specs)
def test_max_sequences_is_the_highest_sequence_per_point(specs) -> None:
    batch = build(specs)
    expected: dict[tuple[int, str, str], int] = {}
    for p in batch:
        point = (p.session.partner_id, p.connection_id, p.location)
        expected[point] = max(expected.get(point, -1), p.sequence)
    assert max_sequences(batch) == expected


@given(passing_specs)
def test_points_and_their_ids_per_passing(specs) -> None:
    batch = build(specs)
    points = list(dict.fromkeys((p.session, p.location) for p in batch))
    assert distinct_points(batch) == points
    ids = {point: (index, index + 100) for index, point in enumerate(points)}
    assert point_ids_of(batch, ids) == [ids[(p.session, p.location)] for p in batch]


@given(passing_specs)
def test_latencies_are_per_passing(specs) -> None:
    batch = build(specs)
    committed = EPOCH.timestamp() + 0.5
    expected = [(committed - p.received_at.timestamp()) * 1000 for p in batch]
    assert latencies_ms(batch, committed) == pytest.approx(expected)


def test_a_stored_read_cannot_change_under_the_screens_that_share_it() -> None:
    values = (7, 1, 2, 3, "FINISH", "T1", datetime(2021, 5, 8, 8), 1, "R1", 4, 5, EPOCH)
    read = StoredRead(*values)
    assert tuple(read) == values and hash(read) == hash(values)  # hashable, fields in order
    assert (read.id, read.location, read.received_at) == (7, "FINISH", EPOCH)
    with pytest.raises(AttributeError):
        read.tag = "other"  # type: ignore[misc]


def test_records_built_from_their_fields_equal_the_ones_the_classes_build() -> None:
    """The collector and the direct COPY lane build whole batches with these, in C."""
    session = SESSIONS[0]
    when = datetime(2021, 5, 8, 8, 4, 28, 640000)
    fields = (session, "conn", "FINISH", 1743, "9511", when, 1, "12000C", 8, EPOCH, False)
    fields += ("2021-05-08T08:04:28.64",)  # every field: tuple.__new__ fills no defaults
    built = stamped_read_of_fields(fields)
    assert type(built) is StampedRead and built == StampedRead(*fields)
    assert len(built) == len(StampedRead._fields)
    assert (built.sequence, built.local_time, built.is_gun) == (1743, when, False)
    assert built.time_text == "2021-05-08T08:04:28.64"
    stored = (7, 1, 2, 3, "FINISH", "9511", when, 1, "12000C", 8, 1743, EPOCH)
    made = stored_read_of_fields(stored)
    assert type(made) is StoredRead and made == StoredRead(*stored)
    assert (made.id, made.location, made.sequence) == (7, "FINISH", 1743)
    with pytest.raises(AttributeError):
        built.tag = "other"  # type: ignore[misc]


def stored_reads(session_ids: list[int]) -> list[StoredRead]:
    when = datetime(2021, 5, 8, 8, 4, 28, 640000)
    return [
        StoredRead(n, 1, session, 10 + session, "FINISH", f"T{n}", when, 1, "R", 1, n, EPOCH)
        for n, session in enumerate(session_ids)
    ]


def columns_of(reads: list[StoredRead]) -> StoredColumns:
    """As the direct COPY lane returns a batch: StoredRead's fields as columns."""
    return StoredColumns([list(column) for column in zip(*reads, strict=True)])


@given(st.lists(st.integers(1, 4), min_size=1, max_size=40), st.sets(st.integers(0, 5)))
def test_a_batch_kept_as_columns_gives_the_reads_of_the_sessions_asked_for(
    session_ids: list[int], watched: set[int]
) -> None:
    reads = stored_reads(session_ids)
    expected = [read for read in reads if read.session_id in watched]
    assert columns_of(reads).of_sessions(watched) == expected
    assert reads_of_sessions(columns_of(reads), watched) == expected
    assert reads_of_sessions(reads, watched) == expected
    whole = columns_of(reads)
    assert len(whole) == len(reads)
    assert list(whole) == reads and whole[-1] == reads[-1] and whole[1:3] == reads[1:3]
    assert all(type(read) is StoredRead for read in whole.of_sessions(watched))


async def test_the_hub_hands_a_columns_batch_to_its_watchers_and_counts_it_all() -> None:
    hub = Hub()
    watcher = hub.subscribe(2)
    reads = stored_reads([1, 2, 3, 2, 1, 2])
    hub.publish(columns_of(reads))
    received = [watcher.receive.receive_nowait() for _ in range(3)]
    assert received == [read for read in reads if read.session_id == 2]
    assert hub.published == 6
    hub.unsubscribe(watcher)
    unwatched = columns_of(reads)
    hub.publish(unwatched)
    assert hub.published == 12
    assert unwatched._reads is None  # nobody watches: counted, and no StoredRead was built
