"""What flows from the collector to the database: reads keyed by natural keys, not row ids.

Natural keys (partner, event, day, location name) let a read be journaled while PostgreSQL is
down, when no session or location id can be looked up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple


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
