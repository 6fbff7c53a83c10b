"""Storing runners from code (the demo, tests, the data API): `upsert_participants` writes them
through the CSV import's own path. The participant queries are p88.db.participants'; the names
below are re-exported for the modules that still import them from here (p88.live.enrich, and
branches in flight): new code imports p88.db.participants."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple

from p88.db.participant_import import store_rows
from p88.db.participants import COLUMNS as COLUMNS
from p88.db.participants import FIELD_NAMES, ParticipantFields
from p88.db.participants import ParticipantConflict as ParticipantConflict
from p88.db.participants import count_participants as count_participants
from p88.db.participants import event_names as event_names
from p88.db.participants import list_participants as list_participants
from p88.db.participants import participant_by_id as participant_by_id
from p88.db.participants import participant_from_row as participant_from_row
from p88.db.participants import participants_for_tags as participants_for_tags
from p88.db.participants import update_participant as update_participant
from p88.db.pool import Connection
from p88.participants.copyrows import CopyChunks


async def upsert_participants(
    conn: Connection, partner_id: int, event_name: str, rows: Sequence[ParticipantFields]
) -> tuple[int, int]:
    """Insert new bibs, update known ones (a tag another stored runner keeps is skipped).
    Returns (inserted, updated)."""
    chunks = CopyChunks(FIELD_NAMES)
    for number, row in enumerate(rows, start=1):
        chunks.add(number, astuple(row))
    stored = await store_rows(conn, partner_id, event_name, chunks.finish(), len(rows))
    return stored.inserted, stored.updated
