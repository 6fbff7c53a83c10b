"""The guard on its own (no database): what it lets through, printed back from the parse tree
and wrapped in the row limit, and what it refuses, with a reason a person can read."""

from __future__ import annotations

import pytest

from p88.ask.guard import Refused, check

ALLOWED = [
    "SELECT count(*) FROM ask_results WHERE time < interval '3 hours'",
    "SELECT event, avg(time) FROM ask_results GROUP BY event ORDER BY event",
    "SELECT * FROM ask_events WHERE year = 2026 AND status = 'live'",
    "SELECT r.bib, s.point FROM ask_results r JOIN ask_splits s ON s.bib = r.bib",
    "WITH f AS (SELECT * FROM ask_results WHERE status = 'finished') SELECT count(*) FROM f",
    "WITH a AS (SELECT 1 AS n), b AS (SELECT n FROM a) SELECT n FROM b",
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY time) FROM ask_results",
    "SELECT bib, rank() OVER (PARTITION BY course ORDER BY time) FROM ask_results",
    "SELECT count(*) FILTER (WHERE status = 'dnf') FROM public.ask_results",
    "SELECT extract(year FROM day), date_trunc('month', day) FROM ask_events",
    "SELECT make_interval(secs => 3600), current_date, now()",
    "SELECT name FROM ask_participants WHERE city ILIKE 'spring%' OR name ~* 'smith'",
    "SELECT coalesce(club, ''), nullif(wave, ''), greatest(age, 18) FROM ask_participants",
    "SELECT event FROM ask_events UNION SELECT event FROM ask_participants",
    "SELECT bib FROM ask_results WHERE bib IN (SELECT bib FROM ask_splits) LIMIT 5",
    "SELECT x.n FROM (SELECT count(*) AS n FROM ask_reads) AS x",
    "SELECT word_similarity('shamrok', event) FROM ask_events",
]

REFUSED = [
    ("DROP TABLE participants", "DROP is not allowed"),
    ("DELETE FROM results_rows", "DELETE is not allowed"),
    ("UPDATE participants SET bib = '1'", "UPDATE is not allowed"),
    ("INSERT INTO audit_log (action) VALUES ('x')", "INSERT is not allowed"),
    ("COPY participants TO STDOUT", "COPY is not allowed"),
    ("SET ROLE postgres", "SET is not allowed"),
    ("SELECT 1; SELECT 2", "exactly one statement"),
    ("SELECT * FROM participants", "participants is not one of them"),
    ("SELECT * FROM pg_catalog.pg_roles", "not pg_catalog.pg_roles"),
    ("SELECT * FROM ask_results FOR SHARE", "Locking clauses"),
    ("SELECT * INTO t FROM ask_results", "INTO writes a table"),
    ("WITH d AS (DELETE FROM participants RETURNING 1) SELECT 1", "must be a SELECT"),
    ("WITH a AS (SELECT * FROM users), users AS (SELECT 1) SELECT * FROM a", "users is not"),
    ("SELECT * FROM ask_results TABLESAMPLE SYSTEM (10)", "TABLESAMPLE"),
    ("SELECT $1", "A parameter ($1)"),
    ("SELECT 'x'::regclass", "The type regclass"),
    ("SELECT CAST(1 AS oid)", "The type oid"),
    ("SELECT r.current_setting FROM ask_results r", "is not a column"),
    ("SELECT (r).set_config FROM ask_results r", "is not a column"),
    ("SELECT 1 OPERATOR(pg_catalog.+) 1", "The operator pg_catalog.+"),
    ("SELECT bib FROM ask_results ORDER BY bib USING <", "USING an operator"),
    ("SELECT current_user", "Only the current date and time"),
    ("SELECT public.similarity('a', 'b')", "public.similarity() is not allowed"),
    ("SELECT xmlparse(document '<a/>')", "XML"),
    ("SELECT FROM WHERE", "The statement is not valid SQL"),
    ("SELEKT 1", "not valid SQL"),
]

# Deny by default: every function of this kind is refused by name.
FORBIDDEN_FUNCTIONS = [
    "set_config('role', 'postgres', true)", "set_config('p88.partner_id', '2', true)",
    "current_setting('p88.partner_id')", "pg_sleep(1)", "pg_sleep_for('1 s')",
    "dblink('x', 'y')", "dblink_exec('x', 'y')", "lo_import('/etc/passwd')", "lo_export(1, '/x')",
    "lo_get(1)", "lo_put(1, 0, 'x')", "lo_create(0)", "lo_unlink(1)", "lo_from_bytea(0, 'x')",
    "pg_read_file('/etc/passwd')", "pg_read_binary_file('/etc/passwd')", "pg_ls_dir('.')",
    "pg_stat_file('/etc/passwd')", "pg_terminate_backend(1)", "pg_cancel_backend(1)",
    "pg_reload_conf()", "pg_advisory_lock(1)", "query_to_xml('select 1', true, true, '')",
    "txid_current()", "pg_backend_pid()", "p88_ask_binding()", "p88_current_partner()",
    "repeat('x', 100000000)", "lpad('x', 100000000)", "generate_series(1, 1000000000)",
    "pg_catalog.set_config('role', 'postgres', true)", "version()", "inet_server_addr()",
]  # fmt: skip


@pytest.mark.parametrize("sql", ALLOWED)
def test_allowed_statements_run_printed_back_and_limited(sql: str) -> None:
    checked = check(sql, 1000)
    assert checked.runnable.startswith("SELECT * FROM (") and checked.runnable.endswith(
        ") AS answer LIMIT 1001"
    )
    assert check(checked.runnable, 1000)  # what runs passes the guard too


@pytest.mark.parametrize(("sql", "reason"), REFUSED)
def test_refused_statements_say_why(sql: str, reason: str) -> None:
    with pytest.raises(Refused, match=None) as refused:
        check(sql, 1000)
    assert reason in str(refused.value)


@pytest.mark.parametrize("call", FORBIDDEN_FUNCTIONS)
def test_every_forbidden_function_is_refused(call: str) -> None:
    with pytest.raises(Refused, match=r"function .* is not allowed"):
        check(f"SELECT {call}", 1000)
    with pytest.raises(Refused):  # also hidden in a subquery of an allowed view
        check(f"SELECT bib FROM ask_results WHERE bib IN (SELECT {call}::text)", 1000)


def test_comments_never_reach_the_server() -> None:
    checked = check("SELECT /* x */ count(*) -- ; DROP TABLE participants\nFROM ask_results", 5)
    assert checked.shown == "SELECT count(*)\nFROM ask_results"
    assert "DROP" not in checked.runnable and "--" not in checked.runnable
    assert checked.runnable.endswith("LIMIT 6")


def test_a_recursive_with_sees_itself_and_a_plain_one_does_not() -> None:
    check("WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT n FROM t", 5)
    with pytest.raises(Refused, match="t is not one of them"):
        check("WITH t AS (SELECT * FROM t) SELECT 1", 5)


def test_very_long_or_deep_statements_are_refused() -> None:
    with pytest.raises(Refused, match="longer than"):
        check("SELECT " + "1 + " * 6000 + "1", 5)
    with pytest.raises(Refused, match="nested too deeply"):
        check("SELECT " + "abs(" * 1000 + "1" + ")" * 1000, 5)
