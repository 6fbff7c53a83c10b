"""Every rule of docs/RESULTS.md has a unit test that names it, and every name is a rule."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RULE_ID = re.compile(r"\[([a-z][a-z-]+)\]")


def named_in_tests() -> set[str]:
    """The rule ids in the docstrings of the results tests."""
    named: set[str] = set()
    for path in (ROOT / "tests" / "unit").glob("test_results_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                named |= set(RULE_ID.findall(ast.get_docstring(node) or ""))
    return named


def test_every_rule_has_a_test_and_every_test_names_a_real_rule() -> None:
    documented = set(RULE_ID.findall((ROOT / "docs" / "RESULTS.md").read_text()))
    named = named_in_tests()
    assert len(documented) >= 30
    assert documented - named == set(), "rules of RESULTS.md without a test"
    assert named - documented == set(), "tests naming a rule RESULTS.md does not have"
