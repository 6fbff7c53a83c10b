"""What flows from the collector to the database: reads keyed by natural keys, not row ids.

Natural keys (partner, event, day, location name) let a read be journaled while PostgreSQL is
down, when no session or location id can be looked up.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class SessionKey:
    partner_id: int
    event: str
    day: date
    timezone: str


# Not frozen, though nothing ever changes one: one is built per read on the collector's hot
# path, and a frozen dataclass's __init__ (object.__setattr__ per field) cost several times
# more than the rest of stamping the read. Treat it as immutable.
@dataclass(slots=True)
class Passing:
    """One tag line as received, stamped by the connection handler. `is_gun`: a wave start."""

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


@dataclass(frozen=True, slots=True)
class StoredRead:
    """A read as committed, published to the hub for the screens."""

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


# StoredRead stays frozen (the hub hands one object to many screens), but its generated
# __init__ sets each field through object.__setattr__ and is the writer's largest per-read
# cost. Setting the slots through their descriptors builds an identical, still frozen, object
# in about half the time.
_new_object = object.__new__
(
    _set_id,
    _set_partner_id,
    _set_session_id,
    _set_location_id,
    _set_location,
    _set_tag,
    _set_local_time,
    _set_lap,
    _set_reader_id,
    _set_gator,
    _set_sequence,
    _set_received_at,
) = (getattr(StoredRead, f.name).__set__ for f in fields(StoredRead))


def stored_read(
    id: int,
    partner_id: int,
    session_id: int,
    location_id: int,
    location: str,
    tag: str,
    local_time: datetime,
    lap: int,
    reader_id: str,
    gator: int,
    sequence: int,
    received_at: datetime,
) -> StoredRead:
    """StoredRead(...) for the hot path: same arguments, same object, cheaper."""
    read: StoredRead = _new_object(StoredRead)
    _set_id(read, id)
    _set_partner_id(read, partner_id)
    _set_session_id(read, session_id)
    _set_location_id(read, location_id)
    _set_location(read, location)
    _set_tag(read, tag)
    _set_local_time(read, local_time)
    _set_lap(read, lap)
    _set_reader_id(read, reader_id)
    _set_gator(read, gator)
    _set_sequence(read, sequence)
    _set_received_at(read, received_at)
    return read
