"""The bigint URL converter's pattern matches exactly the numbers 0..limit."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from p88.web.forms import MAX_ID
from p88.web.input_guard import digits_not_above

BIGINT = re.compile(digits_not_above(MAX_ID))


@given(st.integers(min_value=0, max_value=10**21))
def test_matches_exactly_the_numbers_up_to_the_limit(number: int) -> None:
    assert bool(BIGINT.fullmatch(str(number))) == (number <= MAX_ID)


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=10**6))
def test_any_limit(limit: int, number: int) -> None:
    assert bool(re.fullmatch(digits_not_above(limit), str(number))) == (number <= limit)


def test_the_edges() -> None:
    edges = {"9223372036854775807": True, "9223372036854775808": False, "0": True, "-1": False,
             "9999999999999999999": False, "١٢": False, "1" * 5000: False,
             "0000000000000000001": True}  # fmt: skip
    for text, fits in edges.items():
        assert bool(BIGINT.fullmatch(text)) == fits, text
