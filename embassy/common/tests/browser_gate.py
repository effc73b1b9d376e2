"""A pytest plugin: browser tests may not be skipped in CI.

A browser test is one marked `browser` or any test in a `test_browser*.py` module (those modules skip
themselves as a whole when Chromium or Playwright is missing, before any test in them is collected).
With REQUIRE_BROWSER_TESTS=1 (set by .ci/run) a skipped browser test fails the run, and so does a run that
ran none; locally the run ends with one line saying how many were skipped and how to install Chromium.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

HOW_TO_INSTALL = "install Debian's chromium (sudo apt-get install chromium) and run `make test` again"


def _is_browser(nodeid: str, keywords: Any = ()) -> bool:
    return "browser" in keywords or "/test_browser" in "/" + nodeid.replace("\\", "/")


class BrowserGate:
    def __init__(self, required: bool) -> None:
        self.required = required
        self.skipped: list[str] = []
        self.ran: list[str] = []

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.skipped and _is_browser(report.nodeid):
            self.skipped.append(report.nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not _is_browser(report.nodeid, report.keywords):
            return
        if report.skipped:
            self.skipped.append(report.nodeid)
        elif report.when == "call":
            self.ran.append(report.nodeid)

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.required and exitstatus == 0 and (self.skipped or not self.ran):
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.skipped:
            terminalreporter.write_line(
                f"BROWSER TESTS SKIPPED: {len(self.skipped)} (e.g. {self.skipped[0]}); they check every page "
                f"in headless Chromium: {HOW_TO_INSTALL}.", red=True, bold=True)
        if self.required and self.skipped:
            terminalreporter.write_line("REQUIRE_BROWSER_TESTS=1: a skipped browser test fails this run.",
                                        red=True, bold=True)
        elif self.required and not self.ran:
            terminalreporter.write_line("REQUIRE_BROWSER_TESTS=1: no browser test ran, so this run fails.",
                                        red=True, bold=True)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: its reports reach the controller, which judges
        return
    required = os.environ.get("REQUIRE_BROWSER_TESTS", "") not in ("", "0")
    config.pluginmanager.register(BrowserGate(required), "browser-gate")
