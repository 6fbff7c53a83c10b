"""Reads stamped with a company their session was handed away from are stored under the company
it was handed to (p88.db.handover).

A connection keeps the company it authenticated as (an unauthenticated one: the holding
company), and so do its reads in the ingest channel and the journal. The writer follows the
hand-overs it knows; it learns them when a batch finds its cached ids stale (a hand-over
deletes the held session), which is also when a batch would otherwise create the session
again under the old company (sql/0070's trigger). Resume points stay with the connection's
own company: that is where a reconnecting connection looks them up.
"""

from __future__ import annotations

from collections.abc import Sequence

from p88.db.handover import handed_over
from p88.db.types import ConnectionSource
from p88.reads import SessionKey, StampedRead

Redirects = dict[SessionKey, SessionKey]
"""Session key stamped -> the key of the company it was handed to."""


def redirected(batch: Sequence[StampedRead], redirects: Redirects) -> Sequence[StampedRead]:
    """`batch` with each read of a handed-over session under its new company. Free when
    nothing was handed over; else one lookup per run of reads sharing a session key."""
    if not redirects:
        return batch
    out: list[StampedRead] = []
    stamped: SessionKey | None = None
    target: SessionKey | None = None
    for p in batch:
        if p.session is not stamped:
            stamped = p.session
            target = redirects.get(stamped)
        out.append(p if target is None else p._replace(session=target))
    return out


async def learn_handovers(
    source: ConnectionSource, batch: Sequence[StampedRead], redirects: Redirects
) -> None:
    """Bring `redirects` up to date, as PostgreSQL has them, for `batch`'s sessions (the
    others are brought up to date by their own batches when those find stale ids)."""
    keys: dict[SessionKey, None] = {}
    last: SessionKey | None = None
    for p in batch:
        if p.session is not last:
            last = p.session
            keys[last] = None
    async with source.acquire() as conn:
        found = await handed_over(conn, [(k.partner_id, k.event, k.day) for k in keys])
    for key in keys:
        to_partner = found.get((key.partner_id, key.event, key.day))
        if to_partner is None:
            redirects.pop(key, None)
        else:
            redirects[key] = SessionKey(to_partner, key.event, key.day, key.timezone)
