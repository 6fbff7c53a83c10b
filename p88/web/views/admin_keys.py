"""/admin/collectors and /admin/api-keys: the secrets machines use. Each secret is shown once."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta

from quart import Blueprint, redirect, render_template, request
from quart.typing import ResponseReturnValue

from p88.db.api_keys import (
    MAX_NAME,
    READ,
    STREAM,
    WRITE_DISPLAYS,
    WRITE_PARTICIPANTS,
    WRITE_RESULTS,
    create_key,
    keys_of,
    revoke_key,
)
from p88.db.partners import (
    PartnerError,
    collector_credentials_of,
    credential_username,
    has_live_credential,
    revoke_collector_credential,
    set_collector_credential,
)
from p88.participants.queries import event_names
from p88.tcp.auth import CHALLENGE_METHODS
from p88.web.auth import current_partner, current_user, require_role
from p88.web.auth.identity import partner_of
from p88.web.forms import MAX_FIELD, form_fields, parse_id
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


# Scopes a key can be given here.
OFFERED_SCOPES = (
    (READ, "read: events, sessions, points, reads, participants, results, displays; Ask"),
    (WRITE_PARTICIPANTS, "write:participants: create, change and upsert participants"),
    (WRITE_RESULTS, "write:results: correct results (manual times, DNF/DNS/DQ) and undo"),
    (WRITE_DISPLAYS, "write:displays: rotate display links"),
    (STREAM, "stream: the live push stream of passings and reads"),
)


async def keys_page(
    flash: str = "", kind: str = "ok", status: int = 200, shown: tuple[str, str] | None = None
) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        keys = await keys_of(conn, partner.id)
        events = await event_names(conn, partner.id)
    page = await render_template(
        "admin/api_keys.html",
        keys=keys,
        shown=shown,
        events=events,
        scopes=OFFERED_SCOPES,
        now=services().clock(),
        flash=flash,
        flash_kind=kind,
        section="api-keys",
    )
    return page, status


@bp.get("/api-keys")
@require_role("admin")
async def api_keys() -> ResponseReturnValue:
    return await keys_page(SAVED.get(request.args.get("saved", ""), ""))


class KeyFormError(ValueError):
    """What to change in the new-key form."""


def _expiry(text: str, now: datetime) -> datetime | None:
    """The end of the chosen day (UTC): the key works through that day."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise KeyFormError("give the expiry as a date (YYYY-MM-DD), or leave it empty") from None
    if day < now.astimezone(UTC).date():
        raise KeyFormError("the expiry date has passed; choose today or a later day")
    return datetime.combine(day + timedelta(days=1), time(), UTC)


async def _key_fields() -> tuple[str, list[str], str | None, datetime | None]:
    form = await request.form
    name = str(form.get("name", "")).strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise KeyFormError(
            f"give it a name of 1 to {MAX_NAME} characters, such as 'results website'"
        )
    offered = [scope for scope, _ in OFFERED_SCOPES]
    scopes = [s for s in form.getlist("scope") if s in offered]
    if not scopes:
        raise KeyFormError("tick at least one thing the key may do (read, for a results site)")
    event = str(form.get("event", "")).strip()[:MAX_FIELD] or None
    if event is not None:
        async with tenant() as conn:
            if event not in await event_names(conn, current_partner().id):
                raise KeyFormError(f"there is no event {event!r}; choose one from the list")
    return name, scopes, event, _expiry(str(form.get("expires", "")).strip(), services().clock())


@bp.post("/api-keys")
@require_role("admin")
async def create_api_key() -> ResponseReturnValue:
    partner = current_partner()
    try:
        name, scopes, event, expires_at = await _key_fields()
    except KeyFormError as error:
        return await keys_page(f"No key was made: {error}.", "bad", 400)
    async with tenant() as conn:
        _, key = await create_key(
            conn,
            partner.id,
            name,
            current_user().id,
            scopes=scopes,
            event_name=event,
            expires_at=expires_at,
        )
        detail = f"{name} ({', '.join(scopes)}{'; event ' + event if event else ''})"
        await audit(conn, "API key created", partner.id, detail)
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
