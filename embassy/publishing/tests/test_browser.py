"""compose → approve → publish → metrics in headless Chromium, against the demo's replay server: the social-media
officer of KBRI Kuala Lumpur writes a post for the mission's X account and sends it for approval; the head of
mission approves it; the scheduler's run posts it through tweepy to the replay server; "pull now" on the account
reads it back with its numbers."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("playwright.sync_api")

from embassy.common.tests import a11y
from embassy.common.tests import harness as tb

browser = tb.browser
server = tb.server
pytestmark = pytest.mark.browser
REPLAY_PORT = tb._free_port()
BROWSER_SERVER = tb.ServerSpec(
    commands=(), setup="embassy.publishing.tests.browser_setup:setup", worker=True,
    env=(("SOCIAL_REPLAY_PORT", str(REPLAY_PORT)),))
TEXT = "Layanan paspor KBRI Kuala Lumpur buka Sabtu ini, 09.00-13.00. Info: https://kemlu.go.id/kualalumpur"


@pytest.fixture(scope="module")
def replay(server: tb.Server) -> Iterator[str]:
    """`manage.py social_replay` on the server's database, as make run starts it."""
    log = (server.var / "replay.log").open("w+")
    proc = subprocess.Popen([sys.executable, "manage.py", "social_replay", "--port", str(REPLAY_PORT)], cwd=tb.REPO,
                            env=server.env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{REPLAY_PORT}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/2/", timeout=2).close()  # noqa: S310 - loopback
        except urllib.error.HTTPError:
            break  # it answers (401: no token)
        except OSError:
            assert proc.poll() is None and time.monotonic() < deadline, "the replay server did not start"
            time.sleep(0.2)
    try:
        yield base
    finally:
        tb.stop(proc)
        log.close()


def test_compose_approve_publish_and_see_the_metrics(browser: Any, server: tb.Server, replay: str) -> None:
    failures: list[str] = []
    axe = a11y.axe_source()
    officer = tb.new_page(browser, server.base)
    tb.staff_signin(officer, "kl.socmed")
    tb.ok(officer.goto("/konsol/terbit/"))
    officer.locator("label", has_text="demo.kbri-kuala-lumpur").filter(has_text="X").locator("input").check()
    officer.fill("#pub-text", TEXT)
    officer.locator("form[action$='/terbit/tulis/'] button[type=submit]").click()
    officer.wait_for_url(re.compile(r"/konsol/terbit/\d+/$"))
    preview = officer.locator("section.preview").first
    tb.expect(preview).to_contain_text("/ 280")
    tb.expect(preview).to_contain_text("Asia/Kuala_Lumpur")
    tb.shot(officer, "publishing-draft", "desktop")
    a11y.audit(officer, axe, "publishing-draft", "desktop", failures)
    draft_url = officer.url
    officer.locator("form[action$='/ajukan/'] button").click()
    tb.expect(officer.locator("form[action$='/setujui/']")).to_have_count(0)  # never their own draft

    head = tb.new_page(browser, server.base, "phone")
    tb.staff_signin(head, "kl.head")
    tb.ok(head.goto(draft_url))
    head.fill("#pub-comment", "Setuju")
    head.locator("form[action$='/setujui/'] button").first.click()
    tb.expect(head.locator(".pub-status").first).to_have_attribute("data-status", "scheduled")
    tb.shot(head, "publishing-approved", "phone")
    a11y.audit(head, axe, "publishing-approved", "phone", failures)

    assert [s.split(":")[0] for s in server.call("embassy.publishing.tests.browser_setup:publish_now")] == [
        "published"]
    tb.ok(officer.goto(draft_url))
    tb.expect(officer.locator(".pub-status").first).to_have_attribute("data-status", "published")
    tb.expect(officer.locator("section.preview a[href*='x.com/demo.kbri-kuala-lumpur/status/']")).to_have_count(1)

    tb.ok(officer.goto(f"/konsol/sosmed/{server.data['x']}/"))
    officer.locator("form[action$='/tarik/'] button").click()
    row = officer.locator("tr", has_text="Layanan paspor KBRI Kuala Lumpur buka Sabtu")
    deadline = time.monotonic() + 90
    while row.count() == 0 and time.monotonic() < deadline:  # the worker pulls it
        time.sleep(1)
        officer.reload()
    tb.expect(row).to_have_count(1)
    likes = row.locator("td.num").first.inner_text().strip()
    assert likes.isdigit() and int(likes) > 0, likes
    tb.shot(officer, "publishing-metrics", "desktop")
    tb.ok(officer.goto("/konsol/terbit/"))
    tb.shot(officer, "publishing-calendar", "desktop")
    a11y.audit(officer, axe, "publishing-calendar", "desktop", failures)
    assert not failures, failures
    assert not [e for e in tb.CONSOLE_ERRORS + tb.JS_ERRORS if "/terbit/" in e or "/sosmed/" in e]
