"""/admin/collectors and /admin/api-keys: the secrets machines use. Each secret is shown once."""

from __future__ import annotations

import secrets

from quart import Blueprint, redirect, render_template, request
from quart.typing import ResponseReturnValue

from p88.db.api_keys import MAX_NAME, create_key, keys_of, revoke_key
from p88.db.partners import (
    PartnerError,
    collector_credentials_of,
    credential_username,
    has_live_credential,
    revoke_collector_credential,
    set_collector_credential,
)
from p88.tcp.auth import CHALLENGE_METHODS
from p88.web.auth import current_partner, current_user, require_role
from p88.web.auth.identity import partner_of
from p88.web.forms import form_fields, parse_id
from p88.web.services import services
from p88.web.tenant import tenant
from p88.web.views.accounts_common import audit, not_found

bp = Blueprint("admin_keys", __name__, url_prefix="/admin")

SAVED = {
    "revoked": "Revoked: its next connection is refused.",
    "key-revoked": "The API key is revoked; requests with it are refused from now on.",
}


def _keep_plain() -> bool:
    return services().config.collector.authentication in CHALLENGE_METHODS


async def collectors_page(
    flash: str = "", kind: str = "ok", status: int = 200, shown: tuple[str, str] | None = None
) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        credentials = await collector_credentials_of(conn, partner.id)
    config = services().config
    page = await render_template(
        "admin/collectors.html",
        credentials=credentials,
        shown=shown,
        method=config.collector.authentication,
        port=config.collector.bind.port,
        flash=flash,
        flash_kind=kind,
        section="collectors",
    )
    return page, status


@bp.get("/collectors")
@require_role("admin")
async def collectors() -> ResponseReturnValue:
    return await collectors_page(SAVED.get(request.args.get("saved", ""), ""))


async def _store(username: str, action: str) -> ResponseReturnValue:
    partner = current_partner()
    secret = secrets.token_urlsafe(15)
    try:
        async with services().pool.acquire() as conn:
            # Usernames are unique across partners, so this check must see every partner's rows;
            # set_collector_credential refuses a name that belongs to someone else.
            await set_collector_credential(
                conn, partner_of(partner), username, secret, keep_plain=_keep_plain()
            )
    except PartnerError as exc:
        return await collectors_page(f"Nothing was changed: {exc}.", "bad", 400)
    async with tenant() as conn:
        await audit(conn, f"collector credential {action}", partner.id, username)
    return await collectors_page(shown=(username, secret))


@bp.post("/collectors")
@require_role("admin")
async def create_collector() -> ResponseReturnValue:
    partner = current_partner()
    username = (await form_fields()).get("username", "").strip()
    async with tenant() as conn:
        live = await has_live_credential(conn, partner.id, username)
    if live:
        return await collectors_page(
            f"Nothing was changed: {username!r} exists already; use Rotate for a new secret.",
            "bad",
            400,
        )
    return await _store(username, "created")


async def _credential_name(credential_id: str) -> str | None:
    wanted = parse_id(credential_id)
    if wanted is None:
        return None
    partner = current_partner()
    async with tenant() as conn:
        return await credential_username(conn, partner.id, wanted)


@bp.post("/collectors/<credential_id>/rotate")
@require_role("admin")
async def rotate_collector(credential_id: str) -> ResponseReturnValue:
    username = await _credential_name(credential_id)
    if username is None:
        return await not_found("collector credential")
    return await _store(username, "rotated")


@bp.post("/collectors/<credential_id>/revoke")
@require_role("admin")
async def revoke_collector(credential_id: str) -> ResponseReturnValue:
    partner = current_partner()
    username = await _credential_name(credential_id)
    if username is None:
        return await not_found("collector credential")
    async with tenant() as conn:
        if not await revoke_collector_credential(conn, partner_of(partner), username):
            return await collectors_page(f"{username} was already revoked.", "warn")
        await audit(conn, "collector credential revoked", partner.id, username)
    return redirect("/admin/collectors?saved=revoked")


async def keys_page(
    flash: str = "", kind: str = "ok", status: int = 200, shown: tuple[str, str] | None = None
) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        keys = await keys_of(conn, partner.id)
    page = await render_template(
        "admin/api_keys.html",
        keys=keys,
        shown=shown,
        flash=flash,
        flash_kind=kind,
        section="api-keys",
    )
    return page, status


@bp.get("/api-keys")
@require_role("admin")
async def api_keys() -> ResponseReturnValue:
    return await keys_page(SAVED.get(request.args.get("saved", ""), ""))


@bp.post("/api-keys")
@require_role("admin")
async def create_api_key() -> ResponseReturnValue:
    partner = current_partner()
    name = (await form_fields()).get("name", "").strip()
    if not 1 <= len(name) <= MAX_NAME:
        return await keys_page(
            f"No key was made: give it a name of 1 to {MAX_NAME} characters, such as "
            "'results website'.",
            "bad",
            400,
        )
    async with tenant() as conn:
        _, key = await create_key(conn, partner.id, name, current_user().id)
        await audit(conn, "API key created", partner.id, name)
    return await keys_page(shown=(name, key))


@bp.post("/api-keys/<key_id>/revoke")
@require_role("admin")
async def revoke_api_key(key_id: str) -> ResponseReturnValue:
    partner = current_partner()
    wanted = parse_id(key_id)
    async with tenant() as conn:
        name = None if wanted is None else await revoke_key(conn, partner.id, wanted)
        if name is None:
            return await not_found("active API key")
        await audit(conn, "API key revoked", partner.id, name)
    return redirect("/admin/api-keys?saved=key-revoked")
