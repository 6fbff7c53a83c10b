"""Payment history, entered by the platform admin (p88 processes no cards)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from p88.db.pool import Connection

CURRENCY = re.compile(r"^[A-Z]{3}$")


class PaymentError(Exception):
    """A message for the person who typed the payment."""


@dataclass(frozen=True, slots=True)
class Payment:
    id: int
    partner_id: int
    partner_name: str
    paid_on: date
    amount: Decimal
    currency: str
    method: str
    reference: str
    note: str
    period_start: date | None
    period_end: date | None
    created_at: datetime


def parse_date(text: str, what: str, *, required: bool) -> date | None:
    text = text.strip()
    if not text:
        if required:
            raise PaymentError(f"enter the {what} as YYYY-MM-DD")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PaymentError(f"{text[:30]!r} is not a date; enter the {what} as YYYY-MM-DD") from exc


def validated(form: dict[str, str]) -> dict[str, Any]:
    """The payment form turned into column values, or PaymentError saying what to fix."""
    try:
        amount = Decimal(form.get("amount", "").strip().replace(",", "."))
    except InvalidOperation as exc:
        raise PaymentError("enter the amount as a number, for example 120.00") from exc
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise PaymentError("the amount must be between 0 and 9,999,999,999.99")
    currency = form.get("currency", "").strip().upper()
    if not CURRENCY.match(currency):
        raise PaymentError("enter the currency as a three-letter code such as EUR or USD")
    method = form.get("method", "").strip()
    if not 1 <= len(method) <= 50:
        raise PaymentError(
            "say how it was paid (bank transfer, card, cash …) in up to 50 characters"
        )
    reference, note = form.get("reference", "").strip(), form.get("note", "").strip()
    if len(reference) > 100 or len(note) > 500:
        raise PaymentError("the reference (100) or note (500 characters) is too long")
    start = parse_date(form.get("period_start", ""), "period start", required=False)
    end = parse_date(form.get("period_end", ""), "period end", required=False)
    if start and end and end < start:
        raise PaymentError("the period ends before it starts")
    return {
        "paid_on": parse_date(form.get("paid_on", ""), "payment date", required=True),
        "amount": amount.quantize(Decimal("0.01")),
        "currency": currency,
        "method": method,
        "reference": reference,
        "note": note,
        "period_start": start,
        "period_end": end,
    }


async def record_payment(
    conn: Connection, partner_id: int, values: dict[str, Any], recorded_by: int
) -> int:
    return int(
        await conn.fetchval(
            "INSERT INTO payments (partner_id, paid_on, amount, currency, method, reference, "
            "note, period_start, period_end, recorded_by) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            partner_id,
            values["paid_on"],
            values["amount"],
            values["currency"],
            values["method"],
            values["reference"],
            values["note"],
            values["period_start"],
            values["period_end"],
            recorded_by,
        )
    )


SELECT = (
    "SELECT y.id, y.partner_id, p.name, y.paid_on, y.amount, y.currency, y.method, y.reference, "
    "y.note, y.period_start, y.period_end, y.created_at "
    "FROM payments y JOIN partners p ON p.id = y.partner_id "
)


async def payments_of(conn: Connection, partner_id: int) -> list[Payment]:
    rows = await conn.fetch(
        SELECT + "WHERE y.partner_id = $1 ORDER BY y.paid_on DESC, y.id DESC", partner_id
    )
    return [Payment(*tuple(r)) for r in rows]


async def all_payments(conn: Connection, limit: int = 300) -> list[Payment]:
    rows = await conn.fetch(SELECT + "ORDER BY y.paid_on DESC, y.id DESC LIMIT $1", limit)
    return [Payment(*tuple(r)) for r in rows]
