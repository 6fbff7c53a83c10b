"""Reading untrusted form input: bounded lengths, ids that fit a bigint."""

from __future__ import annotations

from quart import request

# Values are cut here only to bound memory; one character more than the cut is kept so that
# the exact length checks downstream still see "too long" instead of a silently shortened value.
MAX_FIELD = 10_000
MAX_ID = 2**63 - 1


def parse_id(text: object) -> int | None:
    """A positive database id, or None for anything else (letters, negatives, too large)."""
    if not isinstance(text, str | int) or isinstance(text, bool):
        return None
    raw = str(text).strip()
    if not raw.isdigit() or len(raw) > 19:
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


async def form_fields() -> dict[str, str]:
    """The posted form with each value bounded (the views' checks give the exact limits)."""
    form = await request.form
    return {key: str(form.get(key, ""))[: MAX_FIELD + 1] for key in form}


async def form_lists() -> dict[str, list[str]]:
    """The posted form with every value of each name (checkboxes send several), bounded."""
    form = await request.form
    return {key: [str(value)[: MAX_FIELD + 1] for value in form.getlist(key)] for key in form}
