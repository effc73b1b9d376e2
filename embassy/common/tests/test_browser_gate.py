"""CI may not pass with skipped browser tests; a local run says how to install Chromium (issue 9, point 6).
Each case runs a small pytest session in a subprocess with the project's browser-gate plugin."""

from __future__ import annotations

from typing import Any

import pytest

SKIPPING_MODULE = """
import pytest
pytest.skip("browser tests need Debian's chromium", allow_module_level=True)

def test_page():
    pass
"""
RUNNING_MODULE = """
import pytest
pytestmark = pytest.mark.browser

def test_page():
    pass
"""
OTHER_MODULE = """
def test_unit():
    assert 1 + 1 == 2
"""


def _run(pytester: Any, monkeypatch: pytest.MonkeyPatch, required: bool, **modules: str) -> Any:
    monkeypatch.setenv("REQUIRE_BROWSER_TESTS", "1" if required else "")
    pytester.makeini("[pytest]\nmarkers =\n    browser: drives Chromium\n")
    pytester.makepyfile(**modules)
    return pytester.runpytest_subprocess("-p", "no:django", "-p", "no:cacheprovider",
                                         "-p", "embassy.common.tests.browser_gate")


def test_a_skipped_browser_module_fails_ci(pytester: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(pytester, monkeypatch, True, test_browser_pages=SKIPPING_MODULE, test_units=OTHER_MODULE,
                  test_browser_other=RUNNING_MODULE)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*BROWSER TESTS SKIPPED: 1*apt-get install chromium*",
                                 "*a skipped browser test fails this run*"])


def test_a_ci_run_with_no_browser_test_fails(pytester: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(pytester, monkeypatch, True, test_units=OTHER_MODULE)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*no browser test ran, so this run fails*"])


def test_a_ci_run_with_every_browser_test_passes(pytester: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(pytester, monkeypatch, True, test_browser_pages=RUNNING_MODULE, test_units=OTHER_MODULE)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.no_fnmatch_line("*BROWSER TESTS SKIPPED*")


def test_a_local_run_passes_but_says_how_to_install_chromium(pytester: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run(pytester, monkeypatch, False, test_browser_pages=SKIPPING_MODULE, test_units=OTHER_MODULE)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*BROWSER TESTS SKIPPED: 1*install Debian's chromium*make test*"])
