"""Displays as the operator's code sees them: checked, and built from their rows with their
options parsed. Operator functions run inside `tenant_transaction`; `display_for_token` is the
one lookup made before a partner is known. The statements are p88.db.displays'."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from p88.db import displays as db
from p88.db.displays import DisplayValues
from p88.db.displays import count_live_displays as count_live_displays
from p88.db.pool import Connection, Row
from p88.displays.options import MODES, DisplayOptions, OptionsError, parse_options
from p88.displays.tokens import new_token, token_hash


class DisplayError(ValueError):
    """A message for the operator who asked."""


@dataclass(frozen=True, slots=True)
class Display:
    id: int
    partner_id: int
    name: str
    template_id: int | None
    session_id: int
    locations: tuple[str, ...]
    mode: str
    options: DisplayOptions
    expires_at: datetime | None
    revoked_at: datetime | None
    created_at: datetime
    rotated_at: datetime | None
    event_name: str
    session_name: str
    session_status: str
    template_name: str | None

    def state(self, now: datetime) -> str:
        """'live', 'revoked' or 'expired': what its URL does right now."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "live"


def _display(row: Row) -> Display:
    raw = row["options"]
    options = parse_options(json.loads(raw) if isinstance(raw, str) else raw)
    return Display(
        id=row["id"],
        partner_id=row["partner_id"],
        name=row["name"],
        template_id=row["template_id"],
        session_id=row["session_id"],
        locations=tuple(row["locations"]),
        mode=row["mode"],
        options=options,
        expires_at=row["expires_at"],
        revoked_at=row["revoked_at"],
        created_at=row["created_at"],
        rotated_at=row["rotated_at"],
        event_name=row["event_name"],
        session_name=row["session_name"],
        session_status=row["session_status"],
        template_name=row["template_name"],
    )


async def _check_refs(
    conn: Connection, partner_id: int, session_id: int, template_id: int | None
) -> None:
    if not await db.session_exists(conn, partner_id, session_id):
        raise DisplayError("that timing session does not exist; pick one from the list")
    if template_id is not None and not await db.template_exists(conn, partner_id, template_id):
        raise DisplayError("that template does not exist; pick one from the list")


def _check_fields(name: str, mode: str, locations: Sequence[str]) -> None:
    if not 1 <= len(name.strip()) <= 120:
        raise DisplayError("give the display a name of 1 to 120 characters")
    if mode not in MODES:
        raise DisplayError(f"mode must be one of {', '.join(MODES)}")
    if any(not 1 <= len(loc) <= 100 for loc in locations) or len(locations) > 50:
        raise DisplayError("location names are 1 to 100 characters, at most 50 of them")


async def create_display(
    conn: Connection,
    partner_id: int,
    *,
    name: str,
    session_id: int,
    template_id: int | None = None,
    locations: Sequence[str] = (),
    mode: str = "finish",
    options: DisplayOptions | None = None,
    expires_at: datetime | None = None,
) -> tuple[Display, str]:
    """Create a display; returns it and its token (shown once: only the hash is stored)."""
    _check_fields(name, mode, locations)
    await _check_refs(conn, partner_id, session_id, template_id)
    token = new_token()
    values = DisplayValues(
        name.strip(),
        session_id,
        template_id,
        locations,
        mode,
        (options or DisplayOptions()).to_json(),
        expires_at,
    )
    display_id = await db.insert_display(conn, partner_id, values, token_hash(token))
    display = await get_display(conn, partner_id, display_id)
    assert display is not None
    return display, token


async def update_display(
    conn: Connection,
    display: Display,
    *,
    name: str,
    session_id: int,
    template_id: int | None,
    locations: Sequence[str],
    mode: str,
    options: DisplayOptions,
    expires_at: datetime | None,
) -> None:
    _check_fields(name, mode, locations)
    await _check_refs(conn, display.partner_id, session_id, template_id)
    values = DisplayValues(
        name.strip(), session_id, template_id, locations, mode, options.to_json(), expires_at
    )
    await db.update_display_row(conn, display.partner_id, display.id, values)


async def list_displays(conn: Connection, partner_id: int) -> list[Display]:
    return [_display(row) for row in await db.display_rows(conn, partner_id)]


async def get_display(conn: Connection, partner_id: int, display_id: int) -> Display | None:
    row = await db.display_row(conn, partner_id, display_id)
    return None if row is None else _display(row)


async def rotate_token(conn: Connection, display: Display, token: str | None = None) -> str:
    """A new token (`token`, or a random one); the old one stops matching at once (the caller
    also closes its sockets). Rotating a revoked display brings it back with the new link."""
    token = token or new_token()
    await db.set_token_hash(conn, display.partner_id, display.id, token_hash(token))
    return token


async def revoke_display(conn: Connection, display: Display) -> None:
    await db.revoke_display_row(conn, display.partner_id, display.id)


async def delete_display(conn: Connection, display: Display) -> None:
    await db.delete_display_row(conn, display.partner_id, display.id)


async def display_for_token(conn: Connection, token: str) -> Display | None:
    """The display a URL token opens, whatever its state (the caller checks `state`). Runs
    outside any tenant transaction: the token is the credential, the partner comes from it."""
    row = await db.display_row_by_token(conn, token_hash(token))
    return None if row is None else _display(row)


async def template_document(conn: Connection, display: Display) -> dict[str, Any] | None:
    if display.template_id is None:
        return None
    return await db.template_document_of(conn, display.partner_id, display.template_id)


__all__ = ["Display", "DisplayError", "OptionsError"]
