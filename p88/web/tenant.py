"""A transaction as the signed-in company: the one way views open tenant queries."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager

from p88.db.pool import Connection
from p88.db.tenancy import tenant_transaction
from p88.web.auth.identity import current_partner
from p88.web.services import services


def tenant() -> AbstractAsyncContextManager[Connection]:
    """`async with tenant() as conn:` runs conn's queries in one transaction under row-level
    security as the current partner (p88.db.tenancy). Only in views guarded by require_role."""
    return tenant_transaction(services().pool, current_partner().id)
