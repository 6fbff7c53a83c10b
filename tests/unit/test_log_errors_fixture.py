"""The suite's guard against errors hidden in logs (tests/conftest.py): a test during which p88
logs an ERROR fails unless it declares it, and a declared error must really come."""

from __future__ import annotations

import pytest

INNER_TESTS = """
import logging

import pytest

log = logging.getLogger("p88.web.app")


def test_logs_an_error_it_does_not_declare():
    log.error("Exception on request GET /crash")


@pytest.mark.expect_log_errors(r"GET /crash")
def test_declares_the_error_it_logs():
    log.error("Exception on request GET /crash")


@pytest.mark.expect_log_errors(r"GET /crash")
def test_declares_an_error_that_never_comes():
    pass


def test_hypercorn_errors_count_too():
    logging.getLogger("hypercorn.error").error("Error in ASGI Framework")


def test_warnings_and_other_libraries_do_not_count():
    log.warning("a display socket could not load its display")
    logging.getLogger("somebody.else").error("not p88's")
"""


# The inner session runs in this process: its records reach this test's guard as well.
@pytest.mark.expect_log_errors(r"GET /crash", r"Error in ASGI Framework")
def test_undeclared_errors_fail_and_declared_ones_must_occur(pytester: pytest.Pytester) -> None:
    pytester.makeconftest("from tests.conftest import no_unexpected_log_errors  # noqa: F401\n")
    pytester.makeini("[pytest]\nmarkers =\n    expect_log_errors: see tests/conftest.py\n")
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    outcomes = {
        report.nodeid.split("::")[-1]: report.outcome
        for report in result.reprec.getreports("pytest_runtest_logreport")  # type: ignore[attr-defined]
        if report.when == "teardown" or report.outcome != "passed"
    }
    assert outcomes == {
        "test_logs_an_error_it_does_not_declare": "failed",
        "test_declares_the_error_it_logs": "passed",
        "test_declares_an_error_that_never_comes": "failed",
        "test_hypercorn_errors_count_too": "failed",
        "test_warnings_and_other_libraries_do_not_count": "passed",
    }
    result.stdout.fnmatch_lines(["*unexpected ERROR log record:*", "*GET /crash*"])
    result.stdout.fnmatch_lines(["*expected an ERROR log record matching 'GET /crash'; none came*"])
