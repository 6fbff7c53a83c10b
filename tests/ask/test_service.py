"""The Ask service around the engines: the history and the audit log of every question, asking
again, CSV, charts, the row limit, the views' descriptions, and Ask switched off safely."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from p88.ask.answer import csv_text
from p88.ask.catalog import VIEWS
from p88.ask.service import open_ask_service
from p88.db.pool import open_bridge, open_pool
from tests.ask.conftest import Asking, asking
from tests.conftest import make_config

COUNT = "How many finishers per course at the Shamrock Marathon 2025?"


async def test_every_question_is_kept_in_the_history_and_the_audit_log(demo: Asking):
    asker = demo.asker(user_id=None, address="10.1.2.3")
    answered = await demo.service.ask(asker, COUNT)
    missed = await demo.service.ask(asker, "What colour were the medals?")
    history = await demo.service.history(asker.partner_id)
    assert [h.id for h in history] == [missed.id, answered.id]
    first = history[1]
    assert (first.question, first.engine, first.outcome, first.row_count) == (
        COUNT,
        "builtin",
        "answered",
        3,
    )
    assert first.sql == answered.sql and "by course" in first.understood
    assert history[0].outcome == "not_understood" and history[0].row_count is None
    audit = await demo.pool.fetch(
        "SELECT action, detail, address, actor_email FROM audit_log WHERE partner_id = $1 "
        "ORDER BY id", asker.partner_id)  # fmt: skip
    assert [a["action"] for a in audit] == ["ask", "ask"]
    assert f"#{answered.id} builtin, answered, 3 rows" in audit[0]["detail"]
    assert "SELECT course, count(*) AS runners" in audit[0]["detail"]
    assert audit[0]["address"] == "10.1.2.3" and audit[0]["actor_email"] == asker.email
    rival = await demo.service.history(demo.partners["rival"])
    assert rival == []


async def test_asking_again_runs_the_kept_sql_for_its_own_company_only(demo: Asking):
    first = await demo.service.ask(demo.asker(), COUNT)
    assert first.id is not None
    again = await demo.service.again(demo.asker(), first.id)
    assert again is not None and again.rows == first.rows and again.id == first.id
    assert await demo.service.again(demo.asker("rival"), first.id) is None
    assert await demo.service.again(demo.asker(), first.id + 1000) is None


async def test_csv_has_a_header_and_the_values_as_shown(demo: Asking):
    answer = await demo.service.ask(demo.asker(), "Top 3 men in the marathon at Shamrock 2025")
    rows = list(csv.reader(io.StringIO(csv_text(answer))))
    assert rows[0] == list(answer.columns)
    assert len(rows) == 4 and rows[1][answer.columns.index("time")].startswith("2:")


def test_csv_cells_a_spreadsheet_would_run_are_quoted():
    from p88.ask.answer import Answer

    answer = Answer("q", "answered", columns=("name", "gap"), types=("text", "interval"),
                    rows=[("=HYPERLINK(\"x\")", timedelta(seconds=-1))])  # fmt: skip
    assert csv_text(answer).splitlines()[1] == '"\'=HYPERLINK(""x"")",\'-0:00:01.00'


async def test_a_number_per_group_is_a_bar_chart_and_per_year_a_line(demo: Asking):
    bars = await demo.service.ask(demo.asker(), COUNT)
    assert bars.chart is not None and bars.chart.kind == "bar"
    assert [p.label for p in bars.chart.points] == ["8K", "Half Marathon", "Marathon"]
    line = await demo.service.ask(demo.asker(), "How many finishers per year?")
    assert line.chart is not None and line.chart.kind == "line"
    assert [p.label for p in line.chart.points] == ["2025", "2026"]
    listed = await demo.service.ask(demo.asker(), "Who won the Shamrock Marathon 2026?")
    assert listed.answered and listed.chart is None


async def test_more_rows_than_the_limit_are_cut_and_said(demo_dsn, tmp_path):
    async with asking(demo_dsn, tmp_path, max_rows=10) as demo:
        answer = await demo.service.ask(demo.asker(), "List participants from Canada")
    assert answer.truncated and len(answer.rows) == 10


async def test_an_empty_question_asks_for_one(demo: Asking):
    answer = await demo.service.ask(demo.asker(), "   ")
    assert answer.outcome == "not_understood" and "Type a question" in answer.message
    assert answer.suggestions and "Shamrock" in " ".join(answer.suggestions)


async def test_suggestions_name_the_companys_own_events(demo: Asking):
    ours = " ".join(await demo.service.suggested(demo.asker()))
    theirs = " ".join(await demo.service.suggested(demo.asker("rival")))
    assert "Big River 10K 2026" in ours and "Boston" not in ours
    assert "Boston Marathon 2026" in theirs and "Big River" not in theirs


async def test_every_suggested_question_is_answered(demo: Asking):
    for question in await demo.service.suggested(demo.asker()):
        answer = await demo.service.ask(demo.asker(), question, "builtin")
        assert answer.answered, (question, answer.message)


async def test_the_catalog_describes_the_views_as_they_are(demo: Asking):
    for view in VIEWS:
        rows = await demo.pool.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1 "
            "ORDER BY ordinal_position", view.name)  # fmt: skip
        assert tuple(r["column_name"] for r in rows) == view.column_names, view.name


async def test_a_role_with_powers_turns_ask_off_and_says_why(dsn, tmp_path):
    """p88 re-asserts the role's attributes at each start, but not with an operator's own
    [ask] dsn, and never drops memberships: a role that could read more leaves Ask off."""
    ask_dsn = dsn.replace("postgres:@", "p88_ask:@")
    async with open_bridge(), open_pool(dsn, max_size=2) as pool:
        for grant, revoke, config, reason in (
            ("ALTER ROLE p88_ask BYPASSRLS", "ALTER ROLE p88_ask NOBYPASSRLS",
             make_config(dsn, tmp_path, ask={"dsn": ask_dsn}), "BYPASSRLS"),
            ("GRANT p88_tenant TO p88_ask", "REVOKE p88_tenant FROM p88_ask",
             make_config(dsn, tmp_path), "membership in 1 other role"),
        ):  # fmt: skip
            await pool.execute(grant)
            try:
                async with open_ask_service(config, dsn, pool) as service:
                    assert not service.available and reason in service.unavailable
            finally:
                await pool.execute(revoke)
        async with open_ask_service(make_config(dsn, tmp_path), dsn, pool) as service:
            assert service.available
