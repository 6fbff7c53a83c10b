"""Rewrite the `answer:` lines of tests/ask/questions.yaml from their gold SQL.

    .venv/bin/python tests/ask/gold.py

Seeds the demo race set into a throwaway embedded PostgreSQL, runs each question's gold SQL as
Big River (through the ask role, like the engine) and writes the rows back into the file.
Run it after changing the demo race set or a gold statement, and read the diff.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import trio

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from p88.db.ask import Scope, bound, open_ask_pool  # noqa: E402
from p88.db.embedded import EmbeddedPostgres  # noqa: E402
from p88.db.migrate import migrate  # noqa: E402
from p88.db.pool import connect, open_bridge, open_pool  # noqa: E402
from tests.ask.demo_races import seed_demo  # noqa: E402
from tests.ask.questionset import load, plain_rows, write_answers  # noqa: E402


async def gold_answers(dsn: str) -> list[list[list[object]]]:
    questions = load()
    async with open_bridge():
        async with connect(dsn) as conn:
            await migrate(conn)
        async with open_pool(dsn, max_size=4) as pool, open_ask_pool(dsn, pool) as ask_pool:
            partners = await seed_demo(pool)
            scope = Scope(partners[questions.partner])
            answers = []
            async with bound(ask_pool, pool, scope, 10) as conn:
                for question in questions.questions:
                    answers.append(plain_rows((await conn.fetch(question.gold)).rows))
    return answers


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="p88-gold-"))
    server = EmbeddedPostgres(folder)
    try:
        dsn = server.start()
        answers = trio.run(gold_answers, dsn)
        write_answers(answers)
        print(f"wrote {len(answers)} answers into tests/ask/questions.yaml")
    finally:
        server.started_here = True
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
