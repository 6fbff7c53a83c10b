"""Operator pages for displays: list, create, edit, link + QR code, rotate, revoke, delete.

A display's link is shown when it is created or rotated, never again (only its hash is stored):
an operator who lost it rotates, which also stops the old one at once.
"""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime
from typing import Any

import segno
from quart import Blueprint, abort, redirect, render_template, request
from quart.typing import ResponseReturnValue

from p88.db.plans import check_limit
from p88.db.pool import Connection
from p88.db.sessions import session_choices
from p88.db.templates import template_names
from p88.displays import store
from p88.displays.options import MODES, DisplayOptions, OptionsError, parse_options
from p88.displays.store import Display, DisplayError
from p88.web.auth import current_partner, require_role
from p88.web.display_access import RESYNC
from p88.web.forms import form_fields, parse_id
from p88.web.services import services
from p88.web.tenant import tenant

bp = Blueprint("displays", __name__)

OPTION_FIELDS = tuple(DisplayOptions.__dataclass_fields__)
REPLACED = (4410, "this display link was replaced; ask the timing company for the new one")
REVOKED = (4410, "this display link was revoked")


def qr_data_uri(url: str) -> str:
    """The link as a QR code, an SVG data URI an <img> can show (no markup injected)."""
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, border=2, dark="#141a26")
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def display_url(token: str) -> str:
    return f"{request.host_url.rstrip('/')}/d/{token}"


async def _choices(conn: Connection, partner_id: int) -> dict[str, Any]:
    sessions = await session_choices(conn, partner_id)
    templates = await template_names(conn, partner_id)
    names = sorted({loc for s in sessions for loc in s.locations})
    return {"sessions": sessions, "templates": templates, "location_names": names}


def _expiry(raw: str) -> datetime | None:
    """`YYYY-MM-DDTHH:MM` in the event time zone, or empty for never."""
    if not raw.strip():
        return None
    try:
        naive = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise DisplayError("the expiry must be a date and time, e.g. 2026-05-08T18:00") from None
    tz = services().config.tz
    return naive.replace(tzinfo=naive.tzinfo or tz)


def _parse_form(form: dict[str, str]) -> dict[str, Any]:
    session_id = parse_id(form.get("session_id", ""))
    if session_id is None:
        raise DisplayError("pick the timing session this display shows")
    template_raw = form.get("template_id", "")
    template_id = parse_id(template_raw) if template_raw else None
    if template_raw and template_id is None:
        raise DisplayError("that template does not exist; pick one from the list")
    locations = [loc.strip() for loc in form.get("locations", "").split(",") if loc.strip()]
    try:
        options = parse_options({k: form[k] for k in OPTION_FIELDS if k in form})
    except OptionsError as exc:
        raise DisplayError(str(exc)) from None
    if "vip_first" not in form:
        options = DisplayOptions(**{**options.to_json(), "vip_first": False})
    return {
        "name": form.get("name", ""),
        "session_id": session_id,
        "template_id": template_id,
        "locations": locations,
        "mode": form.get("mode", "finish"),
        "options": options,
        "expires_at": _expiry(form.get("expires_at", "")),
    }


async def _form_page(
    display: Display | None, form: dict[str, str], error: str = ""
) -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        choices = await _choices(conn, partner.id)
    body = await render_template(
        "displays/form.html", display=display, form=form, error=error, modes=MODES, **choices
    )
    return body, 400 if error else 200


def _form_of(display: Display) -> dict[str, str]:
    tz = services().config.tz
    form = {k: str(v) for k, v in display.options.to_json().items()}
    if not display.options.vip_first:
        form.pop("vip_first")
    form.update(
        name=display.name,
        session_id=str(display.session_id),
        template_id=str(display.template_id or ""),
        locations=", ".join(display.locations),
        mode=display.mode,
        expires_at=display.expires_at.astimezone(tz).strftime("%Y-%m-%dT%H:%M")
        if display.expires_at
        else "",
    )
    return form


async def _owned(conn: Connection, display_id: int) -> Display:
    display = await store.get_display(conn, current_partner().id, display_id)
    if display is None:
        abort(404)
    return display


async def _link_page(display: Display, token: str, rotated: bool) -> ResponseReturnValue:
    url = display_url(token)
    return await render_template(
        "displays/link.html", display=display, url=url, qr=qr_data_uri(url), rotated=rotated
    )


@bp.get("/displays")
@require_role("viewer")
async def list_displays() -> ResponseReturnValue:
    partner = current_partner()
    async with tenant() as conn:
        displays = await store.list_displays(conn, partner.id)
    hub = services().hub
    viewers = hub.viewers_by_display()
    now = datetime.now(UTC)
    return await render_template(
        "displays/list.html",
        displays=displays,
        viewers=viewers,
        now=now,
        can_edit=partner.role != "viewer",
    )


@bp.get("/displays/new")
@require_role("operator")
async def new_display() -> ResponseReturnValue:
    defaults = {k: str(v) for k, v in DisplayOptions().to_json().items()}
    defaults["session_id"] = request.args.get("session", "")
    return await _form_page(None, defaults)


@bp.post("/displays/new")
@require_role("operator")
async def create_display() -> ResponseReturnValue:
    partner = current_partner()
    form = await form_fields()
    try:
        fields = _parse_form(form)
        async with tenant() as conn:
            used = await store.count_live_displays(conn, partner.id)
            limit = await check_limit(conn, partner.id, "active_displays", used=used)
            if not limit.allowed:
                raise DisplayError(limit.message)
            display, token = await store.create_display(conn, partner.id, **fields)
    except DisplayError as exc:
        return await _form_page(None, form, str(exc))
    return await _link_page(display, token, rotated=False)


@bp.get("/displays/<int:display_id>")
@require_role("operator")
async def edit_display(display_id: int) -> ResponseReturnValue:
    async with tenant() as conn:
        display = await _owned(conn, display_id)
    return await _form_page(display, _form_of(display))


@bp.post("/displays/<int:display_id>")
@require_role("operator")
async def update_display(display_id: int) -> ResponseReturnValue:
    form = await form_fields()
    async with tenant() as conn:
        display = await _owned(conn, display_id)
        try:
            await store.update_display(conn, display, **_parse_form(form))
        except DisplayError as exc:
            error = str(exc)
        else:
            error = ""
    if error:
        return await _form_page(display, form, error)
    # Screens reload their configuration by reconnecting (same link, new settings).
    services().hub.close_display(display.id, RESYNC, "settings changed")
    return redirect("/displays")


@bp.post("/displays/<int:display_id>/rotate")
@require_role("operator")
async def rotate_display(display_id: int) -> ResponseReturnValue:
    async with tenant() as conn:
        display = await _owned(conn, display_id)
        token = await store.rotate_token(conn, display)
        display = await _owned(conn, display_id)
    services().hub.close_display(display.id, *REPLACED)
    return await _link_page(display, token, rotated=True)


@bp.post("/displays/<int:display_id>/revoke")
@require_role("operator")
async def revoke_display(display_id: int) -> ResponseReturnValue:
    async with tenant() as conn:
        display = await _owned(conn, display_id)
        await store.revoke_display(conn, display)
    services().hub.close_display(display.id, *REVOKED)
    return redirect("/displays")


@bp.post("/displays/<int:display_id>/delete")
@require_role("operator")
async def delete_display(display_id: int) -> ResponseReturnValue:
    async with tenant() as conn:
        display = await _owned(conn, display_id)
        await store.delete_display(conn, display)
    services().hub.close_display(display.id, *REVOKED)
    return redirect("/displays")
