"""SQL lives only in p88/db's query modules: no other module of the package holds a statement.

Read from the source (ast): every string constant and f-string, docstrings aside, is checked
for the start of a statement (`SELECT`, `INSERT INTO`, `WITH x AS (` ...), and calls that name
a table for asyncpg to build the statement (`copy_records_to_table("t")`) count as SQL too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import p88

PACKAGE = Path(p88.__file__).parent

# Where SQL belongs, and what may compose it: the query modules.
SQL_HOME = "db/"
# Ask's engines write SELECTs over the curated views as their answer (shown to the person); the
# guard checks each one and it runs only on the ask role's pool (p88/ask, p88/db/ask.py).
ASK_OUTPUT = "ask/"
# Empty: keep it so. Put a statement in a query module instead of listing its file here.
KNOWN_ELSEWHERE: frozenset[str] = frozenset()

STATEMENT = re.compile(
    r"^\s*(?:SELECT\s|INSERT\s+INTO\s|UPDATE\s+\w+\s+SET\s|DELETE\s+FROM\s|WITH\s+\w+\s+AS\s*\(|"
    r"CREATE\s+(?:TEMP\s+|TEMPORARY\s+|UNIQUE\s+)?(?:TABLE|INDEX|VIEW)\s|ALTER\s+TABLE\s|"
    r"DROP\s+TABLE\s|COPY\s+\w+|ANALYZE\s|LOCK\s+TABLE\s|TRUNCATE\s|SET\s+LOCAL\s)"
)
TABLE_CALLS = frozenset({"copy_records_to_table", "copy_to_table", "copy_from_table"})


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the constants that are docstrings (never SQL, though they may quote it)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def statements_in(source: str, name: str = "<source>") -> list[str]:
    """The SQL statements (their first line) and table-naming calls in `source`."""
    tree = ast.parse(source, name)
    skip = _docstrings(tree)
    # An f-string is checked as a whole (by its first part), not part by part.
    skip |= {id(part) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for part in n.values}
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text, line = node.value, node.lineno
        elif isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                text, line = first.value, node.lineno
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if node.func.attr in TABLE_CALLS:
                found.append((node.lineno, f"{node.func.attr}(...)"))
            continue
        if text is not None and STATEMENT.match(text):
            found.append((line, text.strip().splitlines()[0]))
    return [f"line {line}: {text}" for line, text in sorted(found)]


def sql_outside_db() -> dict[str, list[str]]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = str(path.relative_to(PACKAGE))
        if name.startswith((SQL_HOME, ASK_OUTPUT)):
            continue
        statements = statements_in(path.read_text(encoding="utf-8"), name)
        if statements:
            found[name] = statements
    return found


def test_sql_lives_only_in_the_db_query_modules() -> None:
    found = sql_outside_db()
    unexpected = {name: lines for name, lines in found.items() if name not in KNOWN_ELSEWHERE}
    assert not unexpected, "move these statements into a p88/db query module:\n" + "\n".join(
        f"  {name}: {line}" for name, lines in unexpected.items() for line in lines
    )
    moved = sorted(KNOWN_ELSEWHERE - set(found))
    assert not moved, f"no SQL left in {moved}: drop them from KNOWN_ELSEWHERE"


def test_the_check_finds_statements_and_skips_docstrings() -> None:
    source = '''
"""INSERT INTO quoted in a docstring is prose."""
A = """
SELECT x FROM t"""
B = f"WITH new AS (INSERT INTO t VALUES ({A}))"
C = "Select a session first"
async def f(conn):
    """SELECT in a function's docstring is prose too."""
    await conn.execute("UPDATE t SET x = 1")
    await raw.copy_records_to_table("timing_reads", records=[])
'''
    found = statements_in(source)
    assert [line.split(":", 1)[1].strip() for line in found] == [
        "SELECT x FROM t",
        "WITH new AS (INSERT INTO t VALUES (",
        "UPDATE t SET x = 1",
        "copy_records_to_table(...)",
    ]
