"""The record types every layer shares: a read as the collector stamped it, and as stored.

Below the collector, ingest, the hub and the web pages, so none of them imports another for
them. A stamped read carries natural keys (partner, event, day, location name), not row ids:
it can be journaled while PostgreSQL is down, when no id can be looked up.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from itertools import compress
from typing import NamedTuple, overload


@dataclass(frozen=True, slots=True)
class SessionKey:
    partner_id: int
    event: str
    day: date
    timezone: str


class StampedRead(NamedTuple):
    """One tag line as received, stamped by the connection handler. `is_gun`: a wave start.

    A NamedTuple, like StoredRead: the collector stamps a whole chunk's reads at once by
    handing columns to tuple.__new__ (p88.tcp.server), with no Python code run per read."""

    session: SessionKey
    connection_id: str
    location: str
    sequence: int
    tag: str
    local_time: datetime
    lap: int
    reader_id: str
    gator: int
    received_at: datetime
    is_gun: bool = False
    # The time exactly as the client sent it, when that is ISO text PostgreSQL reads as
    # local_time (a run of plain reads, p88.tcp.protocol.PlainReads): the direct COPY lane
    # then sends it as it came instead of encoding the datetime (p88.ingest.staging).
    time_text: str | None = None


class StoredRead(NamedTuple):
    """A read as committed, published to the hub for the screens. A NamedTuple, not a frozen
    dataclass: one is built per stored read on the collector's hot path, and a tuple is built
    in one C call where a frozen dataclass set each field through object.__setattr__ (that
    was the writer's largest per-read cost). Immutable all the same, as the hub hands one
    object to many screens."""

    id: int
    partner_id: int
    session_id: int
    location_id: int
    location: str
    tag: str
    local_time: datetime
    lap: int
    reader_id: str
    gator: int
    sequence: int
    received_at: datetime


# Each builds its tuple from one iterable of all its fields, in field order, in C: mapped over
# zipped columns, a whole batch is built with no Python code run per item. (Calling the class
# runs the generated __new__, a Python function.)
stamped_read_of_fields: Callable[[Iterable[object]], StampedRead] = partial(
    tuple.__new__, StampedRead
)
stored_read_of_fields: Callable[[Iterable[object]], StoredRead] = partial(tuple.__new__, StoredRead)

_SESSION_ID = StoredRead._fields.index("session_id")  # its column in StoredColumns


class StoredColumns(Sequence[StoredRead]):
    """A batch committed by the direct COPY lane (p88.ingest.staging), held as the columns of
    its StoredReads, in field order. The tuples are built only when asked for: Hub.publish
    asks for the reads of the sessions someone watches (`of_sessions`), so a replay or a
    backlog nobody watches is stored without one tuple built per read."""

    __slots__ = ("_columns", "_reads")

    def __init__(self, columns: Sequence[Sequence[object]]) -> None:
        self._columns = columns
        self._reads: list[StoredRead] | None = None

    def __len__(self) -> int:
        return len(self._columns[0])

    @overload
    def __getitem__(self, index: int) -> StoredRead: ...

    @overload
    def __getitem__(self, index: slice) -> list[StoredRead]: ...

    def __getitem__(self, index: int | slice) -> StoredRead | list[StoredRead]:
        return self._built()[index]

    def __iter__(self) -> Iterator[StoredRead]:
        return iter(self._built())

    def of_sessions(self, session_ids: Container[int]) -> list[StoredRead]:
        """The reads whose session is one of `session_ids`, in batch order."""
        wanted = list(map(session_ids.__contains__, self._columns[_SESSION_ID]))
        if all(wanted):
            return self._built()
        if not any(wanted):
            return []
        return list(map(stored_read_of_fields, compress(zip(*self._columns, strict=True), wanted)))

    def _built(self) -> list[StoredRead]:
        if self._reads is None:
            self._reads = list(map(stored_read_of_fields, zip(*self._columns, strict=True)))
        return self._reads


def reads_of_sessions(
    reads: Sequence[StoredRead], session_ids: Container[int]
) -> Sequence[StoredRead]:
    """The reads of `reads` whose session is one of `session_ids`, in order."""
    if isinstance(reads, StoredColumns):
        return reads.of_sessions(session_ids)
    return [read for read in reads if read.session_id in session_ids]
