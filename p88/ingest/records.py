"""What flows from the collector to the database: reads keyed by natural keys, not row ids.

Natural keys (partner, event, day, location name) let a read be journaled while PostgreSQL is
down, when no session or location id can be looked up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class SessionKey:
    partner_id: int
    event: str
    day: date
    timezone: str


@dataclass(frozen=True, slots=True)
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
