"""The results lists' LIKE filter (p88/web/api/result_lists.py) matches as SQL LIKE does
(a regex is the reference here), without backtracking on patterns full of %."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from p88.web.api.result_lists import like_matcher


def sql_like(pattern: str, value: str) -> bool:
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.DOTALL) is not None


@given(st.text("ab%_.", max_size=8), st.text("ab.\n", max_size=10))
def test_like_matches_as_sql_does(pattern: str, value: str) -> None:
    assert like_matcher(pattern)(value) == sql_like(pattern, value)


def test_a_pattern_of_many_percents_is_answered() -> None:
    # A regex would backtrack through C(60 + 400, 400) ways here; the pieces are found in turn.
    assert not like_matcher("%a" * 400 + "%b")("a" * 60)
    assert like_matcher("%a%b%")("xxaxxbxx") and not like_matcher("a_%")("a")
