"""The second wall, without the guard in front: SQL run directly as p88_ask (the role the ask
pool logs in as) reads the curated views, only the bound company's rows of them, and nothing
else; it cannot become another role, pick another company or rebind itself."""

from __future__ import annotations

import pytest

from p88.db.ask import Scope, StatementFailed, bound, check_role
from tests.ask.conftest import Asking

VIEWS = ("ask_events", "ask_participants", "ask_results", "ask_splits", "ask_reads")


async def run(demo: Asking, scope: Scope | None, sql: str) -> list[tuple]:
    async with bound(demo.ask_pool, demo.pool, scope or Scope(-1), 5) as conn:
        return (await conn.fetch(sql)).rows


async def refused(demo: Asking, sql: str, scope: Scope | None = None) -> str:
    with pytest.raises(StatementFailed) as failed:
        await run(demo, scope, sql)
    return str(failed.value)


async def sessions_of(demo: Asking, slug: str) -> set[int]:
    rows = await demo.pool.fetch(
        "SELECT id FROM timing_sessions WHERE partner_id = $1", demo.partners[slug]
    )
    return {row["id"] for row in rows}


async def test_the_role_is_plain(demo: Asking):
    row = await demo.pool.fetchrow(
        "SELECT rolsuper, rolbypassrls, rolinherit, rolcreaterole, rolcreatedb, rolreplication,"
        " rolcanlogin, (SELECT count(*) FROM pg_auth_members m WHERE m.member = r.oid) AS m"
        " FROM pg_roles r WHERE rolname = 'p88_ask'"
    )
    assert tuple(row) == (False, False, False, False, False, False, True, 0)
    async with demo.ask_pool.acquire() as conn:
        await check_role(conn)  # what the service checks at start


async def test_the_views_show_the_bound_company_only(demo: Asking):
    own, theirs = await sessions_of(demo, "big-river"), await sessions_of(demo, "rival")
    for view in VIEWS:
        seen = {
            r[0]
            for r in await run(
                demo, Scope(demo.partners["big-river"]), f"SELECT event_id FROM {view}"
            )
        }
        assert seen and seen <= own, view
        seen = {
            r[0]
            for r in await run(demo, Scope(demo.partners["rival"]), f"SELECT event_id FROM {view}")
        }
        assert seen and seen <= theirs, view


async def test_without_a_binding_nothing_is_visible(demo: Asking):
    for view in VIEWS:
        assert await run(demo, None, f"SELECT * FROM {view}") == [], view


async def test_a_binding_limited_to_one_event_shows_that_event_only(demo: Asking):
    scope = Scope(demo.partners["big-river"], "Big River 10K 2025")
    for view in VIEWS:
        events = {r[0] for r in await run(demo, scope, f"SELECT DISTINCT event FROM {view}")}
        assert events == {"Big River 10K 2025"}, view


async def test_no_table_is_readable_whole(demo: Asking):
    tables = await demo.pool.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
    )
    assert len(tables) > 20
    for table in tables:
        message = await refused(
            demo, f"SELECT * FROM {table['tablename']}", Scope(demo.partners["big-river"])
        )
        assert "permission denied" in message, table


async def test_the_columns_under_the_views_hold_the_bound_company_only(demo: Asking):
    big_river = Scope(demo.partners["big-river"])
    rows = await run(demo, big_river, "SELECT DISTINCT partner_id FROM results_rows")
    assert rows == [(demo.partners["big-river"],)]
    assert "permission denied" in await refused(demo, "SELECT flags FROM results_rows", big_river)
    assert "permission denied" in await refused(demo, "SELECT name FROM partners", big_river)


async def test_set_config_role_fails_for_the_ask_role(demo: Asking):
    message = await refused(demo, "SELECT set_config('role', 'postgres', true)")
    assert 'permission denied to set role "postgres"' in message
    for statement in (
        "SET ROLE postgres",
        "SET ROLE p88_tenant",
        "SET SESSION AUTHORIZATION postgres",
    ):
        async with demo.ask_pool.acquire() as conn:
            with pytest.raises(Exception, match="permission denied"):
                await conn.execute(statement)


async def test_setting_another_partner_changes_nothing(demo: Asking):
    rival = demo.partners["rival"]
    sql = (f"SELECT set_config('p88.partner_id', '{rival}', true), "
           "(SELECT count(*) FROM ask_results), (SELECT count(*) FROM results_rows),"
           " (SELECT count(*) FROM ask_results WHERE city = 'Secretville')")  # fmt: skip
    [(_, shown, under, secret)] = await run(demo, Scope(demo.partners["big-river"]), sql)
    own = await demo.pool.fetchval(
        "SELECT count(*) FROM results_rows WHERE partner_id = $1", demo.partners["big-river"]
    )
    assert (shown, under, secret) == (own, own, 0)


async def test_the_binding_cannot_be_read_or_rewritten(demo: Asking):
    scope = Scope(demo.partners["big-river"])
    assert "permission denied" in await refused(demo, "SELECT * FROM ask_bindings", scope)
    async with demo.ask_pool.acquire() as conn:
        for statement in (
            f"UPDATE ask_bindings SET partner_id = {demo.partners['rival']}",
            "INSERT INTO ask_bindings (pid, backend_start, partner_id) "
            f"VALUES (pg_backend_pid(), now(), {demo.partners['rival']})",
            "DELETE FROM ask_bindings",
        ):
            with pytest.raises(Exception, match="permission denied"):
                await conn.execute(statement)


async def test_a_reused_backend_id_is_not_bound(demo: Asking):
    """A binding written for an earlier backend with the same pid binds nothing."""
    async with demo.ask_pool.acquire() as conn:
        pid = await conn.fetchval("SELECT pg_backend_pid()")
        await demo.pool.execute(
            "INSERT INTO ask_bindings (pid, backend_start, partner_id) VALUES ($1, now() - "
            "interval '1 hour', $2) ON CONFLICT (pid) DO UPDATE SET backend_start = "
            "excluded.backend_start, partner_id = excluded.partner_id",
            pid,
            demo.partners["big-river"],
        )
        assert await conn.fetchval("SELECT count(*) FROM ask_results") == 0


async def test_writes_fail_even_where_privileges_would_not_stop_them(demo: Asking):
    message = await refused(demo, "CREATE TEMPORARY TABLE stolen AS SELECT 1")
    assert "read-only transaction" in message
