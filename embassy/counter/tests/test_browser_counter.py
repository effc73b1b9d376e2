"""The day at the counter in headless Chromium: a walk-in takes a ticket at the kiosk (a tablet), the clerk calls
it from the console, the TV display shows the number and the counter and says it in Indonesian through the
browser's speech synthesis (speechSynthesis.speak is wrapped by the test to record what was said), and the
holder's phone page sends them to the counter. axe-core checks each page; screenshots: var/screenshots/counter-*.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)  # fmt: skip
pytest.importorskip("playwright.sync_api")

from embassy.common.tests import a11y  # after the skips above
from embassy.common.tests import harness as tb

expect = tb.expect
browser = tb.browser
pytestmark = pytest.mark.browser

MISSION = "KBRI-KUALA-LUMPUR"
CLERK = "kl.consular"
BROWSER_SERVER = tb.ServerSpec(commands=(), setup="embassy.counter.tests.browser_data:setup")
server = tb.server

# Recorded before the page's own scripts run: every utterance the display asks the browser to speak.
RECORD_SPEECH = """
window.__spoken = [];
if (window.speechSynthesis) {
  const speak = window.speechSynthesis.speak.bind(window.speechSynthesis);
  window.speechSynthesis.speak = (u) => {
    window.__spoken.push({text: u.text, lang: u.lang});
    try { speak(u); } catch (e) { /* no voice installed */ }
  };
}
"""


def test_a_walk_in_is_called_to_the_counter_and_announced(browser: Any, server: tb.Server) -> None:
    failures: list[str] = []
    axe = a11y.axe_source()

    display = tb.new_page(browser, server.base, "desktop")
    display.add_init_script(RECORD_SPEECH)
    tb.ok(display.goto(f"/perwakilan/{MISSION}/antrean/layar/"))
    display.get_by_test_id("speech-on").click()  # a browser speaks only after a press on the page
    expect(display.get_by_test_id("speech-on")).to_have_attribute("aria-pressed", "true")
    a11y.audit(display, axe, "counter-display", "desktop", failures)

    kiosk = tb.new_page(browser, server.base, "phone")
    tb.ok(kiosk.goto(f"/perwakilan/{MISSION}/antrean/"))
    tb.shot(kiosk, "counter-kiosk", "phone")
    a11y.audit(kiosk, axe, "counter-kiosk", "phone", failures)
    kiosk.get_by_test_id("service-passport-renewal").check()
    kiosk.get_by_test_id("wi-priority-elderly").check()
    kiosk.get_by_test_id("walk-in").click()
    expect(kiosk.get_by_test_id("ticket-number")).to_have_text("P001")
    tb.shot(kiosk, "counter-ticket", "phone")
    a11y.audit(kiosk, axe, "counter-ticket", "phone", failures)
    link = kiosk.get_by_test_id("ticket-link").get_attribute("href")
    assert link and re.search(r"/antrean/[\w-]+/$", link)

    clerk = tb.new_page(browser, server.base, "desktop")
    tb.staff_signin(clerk, CLERK)
    tb.ok(clerk.goto(f"/konsol/antrean/{MISSION}/"))
    clerk.get_by_test_id("choose-counter").select_option(label="Loket 1")
    clerk.get_by_test_id("open-counter").click()
    expect(clerk.get_by_test_id("waiting")).to_contain_text("P001")
    clerk.get_by_test_id("call-next").click()
    expect(clerk.get_by_test_id("current-ticket")).to_have_text("P001")
    tb.shot(clerk, "counter-clerk", "desktop")
    a11y.audit(clerk, axe, "counter-clerk", "desktop", failures)

    # The display picks the call up within its polling interval, shows it, and says it once, in Indonesian.
    expect(display.get_by_test_id("display-now")).to_contain_text("P001")
    expect(display.get_by_test_id("display-now")).to_contain_text("Loket 1")
    display.wait_for_function("() => window.__spoken.length > 0", timeout=10_000)
    spoken = display.evaluate("() => window.__spoken")
    assert spoken == [{"text": "Nomor antrean P 0 0 1, silakan ke Loket 1", "lang": "id-ID"}]
    tb.shot(display, "counter-display", "desktop")

    phone = tb.new_page(browser, server.base, "phone")
    tb.ok(phone.goto(link))
    expect(phone.get_by_test_id("ticket-go")).to_contain_text("Loket 1")
    a11y.audit(phone, axe, "counter-phone", "phone", failures)

    # Calling again is announced again; serving and finishing take it off the display.
    clerk.get_by_test_id("recall").click()
    display.wait_for_function("() => window.__spoken.length > 1", timeout=10_000)
    clerk.get_by_test_id("serve").click()
    clerk.get_by_test_id("finish").click()
    expect(display.get_by_test_id("display-rows")).not_to_contain_text("P001")
    expect(phone.get_by_test_id("ticket-live")).to_have_class(re.compile(r"\bstatus-done\b"), timeout=15_000)
    assert failures == [], "\n".join(failures)
