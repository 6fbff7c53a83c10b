"""The per-batch helpers of ingest that skip per-read work when consecutive passings share their
objects: whatever the sharing, they give what the plain per-read computation gives."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from p88.ingest.insert import point_ids_of
from p88.ingest.points import distinct_points
from p88.ingest.resume import max_sequences
from p88.ingest.writer import latencies_ms
from p88.reads import (
    SessionKey,
    StampedRead,
    StoredRead,
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
    built = stamped_read_of_fields(fields)
    assert type(built) is StampedRead and built == StampedRead(*fields)
    assert len(built) == len(StampedRead._fields)
    assert (built.sequence, built.local_time, built.is_gun) == (1743, when, False)
    stored = (7, 1, 2, 3, "FINISH", "9511", when, 1, "12000C", 8, 1743, EPOCH)
    made = stored_read_of_fields(stored)
    assert type(made) is StoredRead and made == StoredRead(*stored)
    assert (made.id, made.location, made.sequence) == (7, "FINISH", 1743)
    with pytest.raises(AttributeError):
        built.tag = "other"  # type: ignore[misc]
