"""The record types every layer shares: a read as the collector stamped it, and as stored.

Below the collector, ingest, the hub and the web pages, so none of them imports another for
them. A stamped read carries natural keys (partner, event, day, location name), not row ids:
it can be journaled while PostgreSQL is down, when no id can be looked up.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import NamedTuple


@dataclass(frozen=True, slots=True)
class SessionKey:
    partner_id: int
    event: str
    day: date
    timezone: str


class StampedRead(NamedTuple):
    """One tag line as received, stamped by the connection handler. `is_gun`: a wave start.

    A NamedTuple, like StoredRead: the collector stamps a whole chunk's reads at once by
    handing columns to tuple.__new__ (p88.tcp.stamping), with no Python code run per read."""

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


class StoredRead(NamedTuple):
    """A read as committed, published to the hub for the screens. A NamedTuple, not a frozen
    dataclass: one is built per stored read, in one C call (a frozen dataclass sets each field
    through object.__setattr__). Immutable all the same: the hub hands one object to many
    screens."""

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


def reads_of_sessions(
    reads: Sequence[StoredRead], session_ids: Container[int]
) -> Sequence[StoredRead]:
    """The reads of `reads` whose session is one of `session_ids`, in order."""
    return [read for read in reads if read.session_id in session_ids]
