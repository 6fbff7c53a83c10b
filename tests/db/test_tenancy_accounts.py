"""Row-level security on the accounts tables, proven through the restricted role."""

from __future__ import annotations

from datetime import date

import asyncpg
import pytest

from p88.db.accounts import create_user, set_membership
from p88.db.api_keys import create_key
from p88.db.audit import record
from p88.db.database import open_database
from p88.db.invitations import create_invitation
from p88.db.partners import create_partner
from p88.db.plans import add_subscription
from p88.db.tenancy import tenant_transaction
from p88.db.usage import record_api_request
from tests.conftest import make_config

TENANT_TABLES = [
    "memberships",
    "invitations",
    "audit_log",
    "subscriptions",
    "usage_daily",
    "payments",
    "api_keys",
]
PLATFORM_ONLY = ["login_sessions", "account_tokens", "login_throttle"]


async def seed(conn, slug: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    partner = await create_partner(conn, slug, slug.title())
    user = await create_user(conn, f"owner@{slug}.example", slug, "a long password")
    await set_membership(conn, user.id, partner.id, "owner")
    await create_invitation(conn, partner.id, f"new@{slug}.example", "viewer", user.id)
    await record(
        conn, "seeded", partner_id=partner.id, actor_id=user.id, actor_email="", address=""
    )
    await add_subscription(conn, partner.id, 1, date(2026, 1, 1), None, "active")
    await record_api_request(conn, partner.id)
    await conn.execute(
        "INSERT INTO payments (partner_id, paid_on, amount, currency, method) "
        "VALUES ($1, '2026-01-01', 10, 'EUR', 'cash')",
        partner.id,
    )
    await create_key(conn, partner.id, f"{slug} key", user.id)
    await conn.execute(
        "INSERT INTO login_sessions (token_hash, user_id, idle_expires_at, absolute_expires_at) "
        "VALUES ($1, $2, now(), now())",
        slug,
        user.id,
    )
    return partner.id, user.id


async def test_unfiltered_queries_see_only_the_current_partner(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db:
        async with db.pool.acquire() as conn:
            a, a_user = await seed(conn, "alpha")
            b, b_user = await seed(conn, "bravo")
            await record(
                conn, "platform event", partner_id=None, actor_id=None, actor_email="", address=""
            )
        for partner, user in ((a, a_user), (b, b_user)):
            async with tenant_transaction(db.pool, partner) as conn:
                for table in TENANT_TABLES:
                    seen = {r[0] for r in await conn.fetch(f"SELECT partner_id FROM {table}")}
                    assert seen == {partner}, table
                users = {r[0] for r in await conn.fetch("SELECT id FROM users")}
                assert users == {user}


async def test_the_restricted_role_cannot_read_hashes_or_platform_tables(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db:
        async with db.pool.acquire() as conn:
            a, _ = await seed(conn, "alpha")
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            async with tenant_transaction(db.pool, a) as conn:
                await conn.fetch("SELECT password_hash FROM users")
        for table in PLATFORM_ONLY:
            with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
                async with tenant_transaction(db.pool, a) as conn:
                    await conn.fetch(f"SELECT * FROM {table}")


async def test_tenant_cannot_write_another_partners_rows(dsn, tmp_path) -> None:
    async with open_database(make_config(dsn, tmp_path)) as db:
        async with db.pool.acquire() as conn:
            a, a_user = await seed(conn, "alpha")
            b, _ = await seed(conn, "bravo")
        with pytest.raises(asyncpg.exceptions.InsufficientPrivilegeError):
            async with tenant_transaction(db.pool, a) as conn:
                await conn.execute(
                    "INSERT INTO memberships (user_id, partner_id, role) VALUES ($1, $2, 'owner')",
                    a_user,
                    b,
                )
        async with tenant_transaction(db.pool, a) as conn:
            for table in TENANT_TABLES:
                await conn.execute(f"DELETE FROM {table}")  # no WHERE: RLS limits it to A
        async with db.pool.acquire() as conn:
            for table in TENANT_TABLES:
                left = await conn.fetchval(f"SELECT count(*) FROM {table} WHERE partner_id = $1", b)
                assert left >= 1, table
            assert (
                await conn.fetchval("SELECT count(*) FROM memberships WHERE partner_id = $1", a)
                == 0
            )
