"""The template builder's live-preview menu: the partner's live sessions. The preview's
websocket is p88.web.push.preview."""

from __future__ import annotations

from quart import Blueprint, jsonify
from quart.typing import ResponseReturnValue

from p88.db.preview_sessions import live_preview_sessions
from p88.web.auth import current_partner, require_role
from p88.web.tenant import tenant

bp = Blueprint("builder_preview", __name__)


@bp.get("/templates/preview/sessions")
@require_role("viewer")
async def preview_sessions() -> ResponseReturnValue:
    """The builder's preview menu: the partner's live sessions."""
    partner = current_partner()
    async with tenant() as conn:
        sessions = await live_preview_sessions(conn, partner.id)
    return jsonify(
        {"sessions": [{"id": s.id, "name": s.name, "event": s.event_name} for s in sessions]}
    )
