"""Ask benchmark: the built-in engine's time per question and its accuracy on the question set.

Starts a throwaway embedded PostgreSQL, seeds the demo race set (tests/ask/demo_races.py,
results built by the results engine), opens the Ask service as `p88 serve` does, and asks every
question of tests/ask/questions.yaml `--repeat` times as Big River Race Management. Each ask is
timed whole, as the page waits for it: binding the ask connection, the grammar and its
vocabulary queries, the guard, the statement, and the history and audit rows. Printed: p50 and
p95 per question, then over all asks, and how many questions were answered exactly.

    python bench/ask.py               # 5 asks per question
    python bench/ask.py --repeat 20
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import trio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from p88.ask.service import Asker, AskService, open_ask_service  # noqa: E402
from p88.db.embedded import EmbeddedPostgres  # noqa: E402
from p88.db.migrate import migrate  # noqa: E402
from p88.db.pool import connect, open_bridge, open_pool  # noqa: E402
from tests.ask.demo_races import seed_demo  # noqa: E402
from tests.ask.questionset import QuestionSet, load, project, same  # noqa: E402
from tests.conftest import make_config  # noqa: E402

TARGET_P95_MS = 300


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def run(dsn: str, data_dir: Path, repeat: int) -> int:
    questions = load()
    config = make_config(dsn, data_dir)
    async with open_bridge():
        async with connect(dsn) as conn:
            await migrate(conn)
        async with open_pool(dsn, max_size=10) as pool:
            partners = await seed_demo(pool)
            async with open_ask_service(config, dsn, pool) as service:
                service._today = lambda: questions.today
                asker = Asker(partners[questions.partner], email="bench@big-river.example")
                return await _ask_all(service, asker, questions, repeat)


async def _ask_all(service: AskService, asker: Asker, questions: QuestionSet, repeat: int) -> int:
    every: list[float] = []
    right = 0
    print(f"{'p50 ms':>7} {'p95 ms':>7}  ok  question")
    for question in questions.questions:
        times: list[float] = []
        correct = False
        for _ in range(repeat):
            started = time.perf_counter()
            answer = await service.ask(asker, question.ask, "builtin")
            times.append((time.perf_counter() - started) * 1000)
            got = project(answer.columns, answer.rows, question.columns)
            correct = answer.answered and not isinstance(got, str) and same(question, got)
        every += times
        right += correct
        mark = "yes" if correct else " NO"
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        print(f"{p50:7.1f} {p95:7.1f}  {mark} {question.ask}")
    total = len(questions.questions)
    p50, p95 = percentile(every, 0.5), percentile(every, 0.95)
    print(f"\nall {len(every)} asks: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(every):.1f} ms,"
          f" mean {statistics.mean(every):.1f} ms (target p95 <= {TARGET_P95_MS} ms)")  # fmt: skip
    print(f"accuracy: {right}/{total} questions answered exactly ({right / total:.1%})")
    return 0 if p95 <= TARGET_P95_MS and right / total >= 0.95 else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="asks per question (default 5)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="p88-bench-ask-"))
    server = EmbeddedPostgres(folder)
    try:
        dsn = server.start()
        code = trio.run(run, dsn, folder, args.repeat)
    finally:
        server.started_here = True
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
