"""What flows from the collector to the database: reads keyed by natural keys, not row ids.

Natural keys (partner, event, day, location name) let a read be journaled while PostgreSQL is
down, when no session or location id can be looked up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
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


class Passing(NamedTuple):
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
passing_of_fields: Callable[[Iterable[object]], Passing] = partial(tuple.__new__, Passing)
stored_read_of_fields: Callable[[Iterable[object]], StoredRead] = partial(tuple.__new__, StoredRead)
