"""/platform/unassigned: reads of middleware that did not authenticate. Which company such
middleware belongs to, the sessions held for nobody (collector.anonymous_partner's company),
and handing one of them, with everything under it, to a company.

Spans companies by design: plain pool connections, every view behind require_platform_admin,
and a session id in a URL is one of the holding company's sessions or a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from quart import Blueprint, abort, render_template, request
from quart.typing import ResponseReturnValue

from p88.db.handover import HandOverOutcome, hand_over_session, same_event_session
from p88.db.partners import Partner, partner_by_id
from p88.db.pool import Connection, DeadlockDetected
from p88.db.session_ops import SessionOpError
from p88.db.sessions import SessionSummary, list_sessions
from p88.db.unassigned import (
    choose_partner,
    chosen_partner,
    holding_partner,
    receiving_partners,
)
from p88.stats import ConnectionInfo
from p88.web.auth import current_user, require_platform_admin
from p88.web.forms import form_fields, parse_id
from p88.web.services import services
from p88.web.views.accounts_common import audit
from p88.web.views.timefmt import age

bp = Blueprint("platform_unassigned", __name__, url_prefix="/platform/unassigned")

HAND_OVER_ATTEMPTS = 3  # a collector batch locking the same rows in another order (see handover)
MOVED_DISPLAY = (4000, "session handed to another company")  # screens reconnect to their display


@dataclass(frozen=True, slots=True)
class Holding:
    """Where unauthenticated middleware's reads go, and the company holding unassigned ones."""

    holding: Partner | None
    chosen: Partner | None


async def _holding(conn: Connection) -> Holding:
    configured = services().config.collector.anonymous_partner
    return Holding(await holding_partner(conn, configured), await chosen_partner(conn))


def held_connections(holding: Partner | None) -> dict[str, list[ConnectionInfo]]:
    """Open connections of the holding company, by event name."""
    found: dict[str, list[ConnectionInfo]] = {}
    for info in services().stats.connections.values():
        if holding is not None and info.partner == holding.slug:
            found.setdefault(info.event, []).append(info)
    return found


def read_age(info: ConnectionInfo) -> str:
    """How long ago the connection's last read came ('never' before the first)."""
    if info.last_read_at is None:
        return "never"
    return age(datetime.fromtimestamp(info.last_read_at, UTC))


async def unassigned_page(
    flash: str = "", kind: str = "ok", status: int = 200
) -> ResponseReturnValue:
    async with services().pool.acquire() as conn:
        where = await _holding(conn)
        held = [] if where.holding is None else await list_sessions(conn, where.holding.id)
        exclude = where.holding.id if where.holding else 0
        companies = await receiving_partners(conn, exclude)
    page = await render_template(
        "platform/unassigned.html",
        holding=where.holding,
        chosen=where.chosen,
        sessions=held,
        companies=companies,
        connections=held_connections(where.holding),
        collector=services().config.collector,
        age=age,
        read_age=read_age,
        flash=flash,
        flash_kind=kind,
        section="unassigned",
    )
    return page, status


@bp.get("/")
@require_platform_admin
async def unassigned() -> ResponseReturnValue:
    return await unassigned_page()


@bp.post("/owner")
@require_platform_admin
async def set_owner() -> ResponseReturnValue:
    """Give unauthenticated middleware to a company, or keep its reads unassigned."""
    choice = (await form_fields()).get("partner_id", "")
    async with services().pool.acquire() as conn, conn.transaction():
        partner = None
        if choice != "unassigned":
            wanted = parse_id(choice)
            partner = None if wanted is None else await partner_by_id(conn, wanted)
            if partner is None:
                return await unassigned_page(
                    "Nothing was changed: choose a company from the list, or 'keep unassigned'.",
                    "bad",
                    400,
                )
        await choose_partner(conn, partner.id if partner else None, current_user().id)
        detail = f"to {partner.slug}" if partner else "kept unassigned"
        await audit(conn, "unauthenticated middleware assigned", None, detail)
        if partner is not None:
            await audit(conn, "unauthenticated middleware assigned", partner.id, "to this company")
    message = (
        f"Timing hardware without a collector user now belongs to {partner.name}, from its "
        "next connection."
        if partner
        else "Reads of timing hardware without a collector user are kept unassigned."
    )
    return await unassigned_page(message)


async def _held_session(conn: Connection, session_id: int) -> tuple[Partner, SessionSummary]:
    """The holding company and its session `session_id`; 404 for any other session."""
    where = await _holding(conn)
    if where.holding is None:
        abort(404)
    found = await list_sessions(conn, where.holding.id, session_id)
    if not found:
        abort(404)
    return where.holding, found[0]


async def _target(conn: Connection, holding: Partner, raw: str) -> Partner | None:
    wanted = parse_id(raw)
    partner = None if wanted is None else await partner_by_id(conn, wanted)
    return None if partner is None or partner.id == holding.id else partner


@bp.get("/<int:session_id>/hand-over")
@require_platform_admin
async def confirm_hand_over(session_id: int) -> ResponseReturnValue:
    async with services().pool.acquire() as conn:
        holding, session = await _held_session(conn, session_id)
        target = await _target(conn, holding, request.args.get("partner_id", ""))
        existing_id = None
        if target is not None:
            existing_id = await same_event_session(conn, holding.id, session_id, target.id)
        existing = None
        if existing_id is not None and target is not None:
            existing = (await list_sessions(conn, target.id, existing_id))[0]
    if target is None:
        return await unassigned_page(
            "Choose the company to hand the session to from the list first.", "bad", 400
        )
    return await render_template(
        "platform/hand_over.html",
        session=session,
        target=target,
        existing=existing,
        connections=held_connections(holding).get(session.event_name, []),
        age=age,
        read_age=read_age,
        section="unassigned",
    )


@bp.post("/<int:session_id>/hand-over")
@require_platform_admin
async def hand_over(session_id: int) -> ResponseReturnValue:
    raw = (await form_fields()).get("partner_id", "")
    for attempt in range(HAND_OVER_ATTEMPTS):
        try:
            done = await _hand_over_once(session_id, raw)
        except DeadlockDetected:
            if attempt == HAND_OVER_ATTEMPTS - 1:
                return await unassigned_page(
                    "Not handed over: the collector kept writing to this session at that very "
                    "moment. Nothing was changed; try again.",
                    "bad",
                    409,
                )
            continue
        except SessionOpError as exc:
            return await unassigned_page(f"Not handed over: {exc}.", "bad", 400)
        if isinstance(done, str):
            return await unassigned_page(done, "bad", 400)
        return await unassigned_page(_handed_message(*done))
    raise AssertionError("unreachable: the last attempt returns")


async def _hand_over_once(
    session_id: int, raw_target: str
) -> tuple[SessionSummary, Partner, HandOverOutcome] | str:
    """One try, in one transaction: the outcome, or what to tell the admin."""
    async with services().pool.acquire() as conn, conn.transaction():
        holding, session = await _held_session(conn, session_id)
        target = await _target(conn, holding, raw_target)
        if target is None:
            return "Not handed over: choose one of the companies in the list."
        outcome = await hand_over_session(
            conn, holding.id, session_id, target.id, current_user().id
        )
        what = f"{session.name} ({session.event_name}, {session.day.isoformat()})"
        moved = _moved_text(outcome)
        await audit(conn, "session handed over", holding.id, f"{what} to {target.slug}: {moved}")
        into = f"merged into its session #{outcome.session_id}" if outcome.merged else "new session"
        await audit(
            conn, "session received", target.id, f"{what} from unassigned reads: {moved}; {into}"
        )
    for display_id in outcome.moved.displays_rebound:
        services().hub.close_display(display_id, *MOVED_DISPLAY)
    return session, target, outcome


def _moved_text(outcome: HandOverOutcome) -> str:
    moved = outcome.moved
    parts = [
        f"{moved.reads_moved:,} reads",
        f"{moved.locations_moved} points",
        f"{moved.gun_times_moved} gun times",
        f"{len(moved.displays_rebound)} displays",
    ]
    if moved.reads_collapsed:
        parts.append(f"{moved.reads_collapsed:,} reads it had already (kept once)")
    return ", ".join(parts)


def _handed_message(session: SessionSummary, target: Partner, outcome: HandOverOutcome) -> str:
    merged = (
        f" It is merged into {target.name}'s session of the same event and day."
        if outcome.merged
        else ""
    )
    return (
        f"{session.name} ({session.event_name}, {session.day.isoformat()}) now belongs to "
        f"{target.name}: {_moved_text(outcome)} moved.{merged} Middleware still streaming it "
        f"goes on into {target.name}'s session."
    )
