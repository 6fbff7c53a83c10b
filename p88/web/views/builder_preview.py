"""The template builder's live-preview menu: the partner's live sessions. The preview's
websocket is p88.web.push.preview."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, current_app, jsonify

from p88.db.preview_sessions import live_preview_sessions
from p88.db.tenancy import tenant_transaction
from p88.web.app import services_of
from p88.web.auth import current_partner, require_role

bp = Blueprint("builder_preview", __name__)


def _services() -> Any:
    return services_of(current_app)


@bp.get("/templates/preview/sessions")
@require_role("viewer")
async def preview_sessions() -> Any:
    """The builder's preview menu: the partner's live sessions."""
    partner = current_partner()
    async with tenant_transaction(_services().pool, partner.id) as conn:
        sessions = await live_preview_sessions(conn, partner.id)
    return jsonify(
        {"sessions": [{"id": s.id, "name": s.name, "event": s.event_name} for s in sessions]}
    )
