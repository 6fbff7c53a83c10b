"""The package stays small enough to hold in one's head: no module over 400 lines (data tables
aside), no function over 60 lines. Read from the source, so a new module is checked at once."""

from __future__ import annotations

import ast
from pathlib import Path

import p88

PACKAGE = Path(p88.__file__).parent
MODULE_LINES = 400
FUNCTION_LINES = 60
# Modules that are data, not logic: the ready-made templates are one literal per template.
DATA_TABLES = frozenset({"layouts/presets.py"})
# Being split on its own branch (results-screens); empty this once merged. Never add to it:
# split the module or function instead.
KNOWN_LONG_MODULES = frozenset({"hub.py"})
KNOWN_LONG_FUNCTIONS: frozenset[str] = frozenset()


def sources() -> dict[str, str]:
    return {
        str(path.relative_to(PACKAGE)): path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def test_no_module_is_over_400_lines() -> None:
    long = {
        name: text.count("\n")
        for name, text in sources().items()
        if name not in DATA_TABLES and text.count("\n") > MODULE_LINES
    }
    assert set(long) <= KNOWN_LONG_MODULES, f"split these modules (lines): {long}"
    assert set(long) == KNOWN_LONG_MODULES, "split already: drop from KNOWN_LONG_MODULES"


def test_no_function_is_over_60_lines() -> None:
    long = {}
    for name, text in sources().items():
        for node in ast.walk(ast.parse(text, name)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > FUNCTION_LINES:
                    long[f"{name}:{node.name}"] = length
    assert set(long) <= KNOWN_LONG_FUNCTIONS, f"split these functions (lines): {long}"
    assert set(long) == KNOWN_LONG_FUNCTIONS, "split already: drop from KNOWN_LONG_FUNCTIONS"


def test_the_checks_see_a_long_function() -> None:
    """The walk finds functions nested in classes and async ones (a check that cannot fail
    would pass an empty package too)."""
    body = "\n".join(f"    x{i} = {i}" for i in range(70))
    tree = ast.parse(f"class A:\n  async def f():\n{body.replace('    ', '      ')}\n")
    found = [
        n.end_lineno - n.lineno + 1
        for n in ast.walk(tree)
        if isinstance(n, ast.AsyncFunctionDef) and n.end_lineno is not None
    ]
    assert found == [71]
