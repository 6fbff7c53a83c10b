"""Queries over `displays`. Operator functions run inside `tenant_transaction` and filter by
partner themselves; `display_for_token` is the one lookup made before a partner is known."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from p88.db.pool import Connection, Row
from p88.displays.options import MODES, DisplayOptions, OptionsError, parse_options
from p88.displays.tokens import new_token, token_hash

COLUMNS = """d.id, d.partner_id, d.name, d.template_id, d.session_id, d.locations, d.mode,
d.options, d.expires_at, d.revoked_at, d.created_at, d.rotated_at, s.event_name,
s.name AS session_name, s.status AS session_status, t.name AS template_name"""

FROM = """FROM displays d JOIN timing_sessions s ON s.id = d.session_id
LEFT JOIN templates t ON t.id = d.template_id"""


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
    found = await conn.fetchval(
        "SELECT 1 FROM timing_sessions WHERE id = $1 AND partner_id = $2", session_id, partner_id
    )
    if found is None:
        raise DisplayError("that timing session does not exist; pick one from the list")
    if template_id is not None:
        found = await conn.fetchval(
            "SELECT 1 FROM templates WHERE id = $1 AND partner_id = $2", template_id, partner_id
        )
        if found is None:
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
    display_id = await conn.fetchval(
        """INSERT INTO displays (partner_id, name, template_id, session_id, locations, mode,
                                 options, token_hash, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9) RETURNING id""",
        partner_id,
        name.strip(),
        template_id,
        session_id,
        list(locations),
        mode,
        json.dumps((options or DisplayOptions()).to_json()),
        token_hash(token),
        expires_at,
    )
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
    await conn.execute(
        """UPDATE displays SET name = $3, session_id = $4, template_id = $5, locations = $6,
                  mode = $7, options = $8::jsonb, expires_at = $9, updated_at = now()
           WHERE id = $1 AND partner_id = $2""",
        display.id,
        display.partner_id,
        name.strip(),
        session_id,
        template_id,
        list(locations),
        mode,
        json.dumps(options.to_json()),
        expires_at,
    )


async def list_displays(conn: Connection, partner_id: int) -> list[Display]:
    rows = await conn.fetch(
        f"SELECT {COLUMNS} {FROM} WHERE d.partner_id = $1 ORDER BY lower(d.name), d.id",
        partner_id,
    )
    return [_display(row) for row in rows]


async def get_display(conn: Connection, partner_id: int, display_id: int) -> Display | None:
    row = await conn.fetchrow(
        f"SELECT {COLUMNS} {FROM} WHERE d.id = $1 AND d.partner_id = $2", display_id, partner_id
    )
    return None if row is None else _display(row)


async def rotate_token(conn: Connection, display: Display, token: str | None = None) -> str:
    """A new token (`token`, or a random one); the old one stops matching at once (the caller
    also closes its sockets). Rotating a revoked display brings it back with the new link."""
    token = token or new_token()
    await conn.execute(
        """UPDATE displays SET token_hash = $3, rotated_at = now(), revoked_at = NULL,
                  updated_at = now() WHERE id = $1 AND partner_id = $2""",
        display.id,
        display.partner_id,
        token_hash(token),
    )
    return token


async def revoke_display(conn: Connection, display: Display) -> None:
    await conn.execute(
        "UPDATE displays SET revoked_at = now(), updated_at = now() "
        "WHERE id = $1 AND partner_id = $2 AND revoked_at IS NULL",
        display.id,
        display.partner_id,
    )


async def delete_display(conn: Connection, display: Display) -> None:
    await conn.execute(
        "DELETE FROM displays WHERE id = $1 AND partner_id = $2", display.id, display.partner_id
    )


async def count_live_displays(conn: Connection, partner_id: int) -> int:
    """Displays whose URL works now (the plan limit counts these)."""
    count: int = await conn.fetchval(
        "SELECT count(*) FROM displays WHERE partner_id = $1 AND revoked_at IS NULL "
        "AND (expires_at IS NULL OR expires_at > now())",
        partner_id,
    )
    return count


async def display_for_token(conn: Connection, token: str) -> Display | None:
    """The display a URL token opens, whatever its state (the caller checks `state`). Runs
    outside any tenant transaction: the token is the credential, the partner comes from it."""
    row = await conn.fetchrow(f"SELECT {COLUMNS} {FROM} WHERE d.token_hash = $1", token_hash(token))
    return None if row is None else _display(row)


async def template_document(conn: Connection, display: Display) -> dict[str, Any] | None:
    if display.template_id is None:
        return None
    raw = await conn.fetchval(
        "SELECT document FROM templates WHERE id = $1 AND partner_id = $2",
        display.template_id,
        display.partner_id,
    )
    if raw is None:
        return None
    document: dict[str, Any] = json.loads(raw) if isinstance(raw, str) else raw
    return document


__all__ = ["Display", "DisplayError", "OptionsError"]
