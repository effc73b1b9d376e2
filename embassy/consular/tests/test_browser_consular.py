"""A consular service from start to finish in headless Chromium (issue 14), once on a phone and once on a desktop,
each with a citizen and a slot of its own at KBRI Kuala Lumpur:

booking (the service page, free times in the mission's zone, the confirmation with its QR code and a calendar file
whose DTSTART is the slot in the mission's zone) → the day-before reminder (reminders_send, through the server) →
check-in at the kiosk by the typed reference → the call-up display shows the ticket and says it in Indonesian when
the clerk calls it (speechSynthesis.speak is wrapped to record what was said) → served and finished → the online
application with two documents (a PDF and a JPEG made here) and its timeline → the officer moves it through
documents checked, in process, ready (a payment recorded) and collected → the citizen's page shows each new status,
and each step queued one message for them.

The citizen's pages and the kiosk (a tablet or the person's phone) take the viewport under test; the call-up display
(a TV) and the staff console (a desk) are desktop. axe-core checks the booking pages, the kiosk, the display and
the application's page; screenshots: var/screenshots/consular-*.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

if not Path("/usr/bin/chromium").exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
                allow_module_level=True)  # fmt: skip
pytest.importorskip("playwright.sync_api")

import icalendar  # after the skips above
from PIL import Image

from embassy.common.tests import a11y
from embassy.common.tests import harness as tb

expect = tb.expect
browser = tb.browser
pytestmark = pytest.mark.browser

MISSION = "KBRI-KUALA-LUMPUR"
SERVICE = "passport-renewal"
OFFICER = "kl.consular"  # the demo consular officer of the mission: counters and applications
COUNTER = "Loket 1"
DATA = "embassy.consular.tests.browser_data"
# Each viewport's slot starts this many minutes after the set-up: bookable (not begun) and inside the kiosk's
# check-in window (CONSULAR_EARLY_MINUTES = 120 before the slot) for the whole module.
BROWSER_SERVER = tb.ServerSpec(commands=(), setup=f"{DATA}:setup", setup_args=(("minutes_ahead", [40, 45]),))
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


def minimal_pdf() -> bytes:
    """A one-page PDF with a correct cross-reference table (what a scanner app would send, only smaller)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def small_jpeg() -> bytes:
    """A photo of a residence permit, as a phone camera makes a JPEG (only much smaller)."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 40), (200, 220, 240)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def officer_state(browser: Any, server: tb.Server) -> Iterator[Any]:
    """kl.consular signed in with both factors, as storage state for the staff pages (one TOTP use per module)."""
    page = tb.new_page(browser, server.base)
    tb.staff_signin(page, OFFICER)
    yield page.context.storage_state()
    page.context.close()


@pytest.mark.parametrize("viewport", list(tb.VIEWPORTS))
def test_booking_to_collection(browser: Any, server: tb.Server, officer_state: Any, viewport: str) -> None:
    person = server.data["people"][viewport]
    zone = ZoneInfo(server.data["zone"])
    starts = dt.datetime.fromisoformat(person["starts_at"]).astimezone(zone)
    failures: list[str] = []
    errors_before = len(tb.JS_ERRORS)
    axe = a11y.axe_source()
    desk = viewport == "desktop"  # the TV and the console are shot once, in the desktop run

    # 1. Booking: the service page, the free times in Kuala Lumpur time, the confirmation.
    citizen = tb.new_page(browser, server.base, viewport)
    tb.citizen_signin(citizen, person["email"])
    tb.ok(citizen.goto(f"/perwakilan/{MISSION}/layanan/{SERVICE}/"))
    tb.shot(citizen, "consular-service", viewport)
    citizen.get_by_test_id("book").click()
    citizen.wait_for_url(re.compile(rf"/perwakilan/{MISSION}/layanan/{SERVICE}/janji/$"))
    expect(citizen.get_by_test_id("zone")).to_contain_text("UTC+08:00")
    slot = citizen.locator(f"[data-testid=slot][value='{person['slot']}']")
    expect(slot).to_contain_text(f"{starts:%H:%M}")  # the mission's local time, not UTC
    tb.shot(citizen, "consular-slots", viewport)
    a11y.audit(citizen, axe, "consular-slots", viewport, failures)
    slot.click()
    citizen.wait_for_url(re.compile(r"/janji/[A-Z0-9]{8}/$"))
    reference = citizen.get_by_test_id("reference").inner_text().strip()
    assert citizen.url.endswith(f"/janji/{reference}/")
    expect(citizen.get_by_test_id("qr").locator("svg")).to_be_visible()
    expect(citizen.get_by_test_id("when")).to_contain_text(f"{starts:%H:%M}")
    expect(citizen.get_by_test_id("when")).to_contain_text("UTC+08:00")
    tb.shot(citizen, "consular-booking", viewport)
    a11y.audit(citizen, axe, "consular-booking", viewport, failures)

    with citizen.expect_download() as download:
        citizen.locator(f"a[href$='/janji/{reference}/kalender.ics']").click()
    calendar = icalendar.Calendar.from_ical(Path(download.value.path()).read_bytes())
    event = next(iter(calendar.walk("VEVENT")))
    assert str(event["DTSTART"].params["TZID"]) == server.data["zone"]
    dtstart = event.decoded("DTSTART")
    assert dtstart == starts  # the same instant, and the same wall-clock time in the mission's zone:
    assert dtstart.replace(tzinfo=None) == starts.replace(tzinfo=None)
    assert dtstart.utcoffset() == dt.timedelta(hours=8)
    assert reference in str(event.get("DESCRIPTION"))

    # 2. The day-before reminder, in the mission's time with its UTC offset (browser_data.reminder_for says how).
    reminder = server.call(f"{DATA}:reminder_for", reference=reference)
    assert reminder["sent"] == 1 and reminder["reminded"], reminder
    [message] = reminder["messages"]
    assert message["channel"] == "email" and message["attachments"] == [f"janji-{reference}.ics"]
    assert f"{starts:%H:%M}" in message["body"] and "UTC+08:00" in message["body"], message["body"]
    assert reference in message["body"]

    # 3. Check-in at the kiosk, typing the reference as people do (lower case, a dash in the middle).
    kiosk = tb.new_page(browser, server.base, viewport)
    tb.ok(kiosk.goto(f"/perwakilan/{MISSION}/antrean/"))
    a11y.audit(kiosk, axe, "consular-kiosk", viewport, failures)
    kiosk.get_by_test_id("reference").fill(f"{reference[:4].lower()}-{reference[4:].lower()}")
    kiosk.get_by_test_id("check-in").click()
    number = kiosk.get_by_test_id("ticket-number")
    expect(number).to_have_text(re.compile(r"^A\d{3}$"))  # A: an appointment's series
    ticket = number.inner_text().strip()
    tb.shot(kiosk, "consular-kiosk-ticket", viewport)
    kiosk.context.close()

    # 4. The call-up display and the clerk: called, shown, said in Indonesian; served and finished.
    display = tb.new_page(browser, server.base, "desktop")
    display.add_init_script(RECORD_SPEECH)
    tb.ok(display.goto(f"/perwakilan/{MISSION}/antrean/layar/"))
    display.get_by_test_id("speech-on").click()  # a browser speaks only after a press on the page
    expect(display.get_by_test_id("speech-on")).to_have_attribute("aria-pressed", "true")
    if desk:
        a11y.audit(display, axe, "consular-display", "desktop", failures)

    officer = tb.new_page(browser, server.base, "desktop", storage_state=officer_state)
    tb.ok(officer.goto(f"/konsol/antrean/{MISSION}/"))
    officer.get_by_test_id("choose-counter").select_option(label=COUNTER)
    officer.get_by_test_id("open-counter").click()
    expect(officer.get_by_test_id("waiting")).to_contain_text(ticket)
    officer.get_by_test_id("call-next").click()
    expect(officer.get_by_test_id("current-ticket")).to_have_text(ticket)
    expect(officer.get_by_test_id("current-booking")).to_contain_text(reference)
    if desk:
        tb.shot(officer, "consular-clerk", "desktop")

    expect(display.get_by_test_id("display-now")).to_contain_text(ticket)
    expect(display.get_by_test_id("display-now")).to_contain_text(COUNTER)
    display.wait_for_function("() => window.__spoken.length > 0", timeout=10_000)
    spoken = display.evaluate("() => window.__spoken")
    assert spoken == [{"text": f"Nomor antrean {' '.join(ticket)}, silakan ke {COUNTER}", "lang": "id-ID"}]
    if desk:
        tb.shot(display, "consular-display", "desktop")
    officer.get_by_test_id("serve").click()
    officer.get_by_test_id("finish").click()
    expect(officer.get_by_test_id("call-next")).to_be_visible()
    expect(display.get_by_test_id("display-rows")).not_to_contain_text(ticket)
    display.context.close()

    # 5. The application online: the form with its questions and two documents, then its timeline.
    tb.ok(citizen.goto(f"/permohonan/baru/{MISSION}/{SERVICE}/"))
    form = citizen.get_by_test_id("application-form")
    form.locator("#q-reason").select_option("expired")
    form.locator("#q-passport_expiry").fill((dt.date.today() - dt.timedelta(days=30)).isoformat())
    uploads = form.locator("input[type=file]")
    expect(uploads).to_have_count(2)  # the old passport's data page; the residence or work permit
    uploads.nth(0).set_input_files(
        {"name": "paspor-lama.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf()}
    )
    uploads.nth(1).set_input_files(
        {"name": "izin-tinggal.jpg", "mimeType": "image/jpeg", "buffer": small_jpeg()}
    )
    tb.shot(citizen, "consular-application-form", viewport)
    citizen.get_by_test_id("submit").click()
    citizen.wait_for_url(re.compile(r"/permohonan/[A-Z0-9]{8}/$"))
    application = citizen.get_by_test_id("reference").inner_text().strip()
    status = citizen.get_by_test_id("status")
    expect(status).to_have_class(re.compile(r"\bstatus-submitted\b"))
    expect(citizen.get_by_test_id("timeline").locator("li")).to_have_count(1)
    a11y.audit(citizen, axe, "consular-application", viewport, failures)

    # 6. The officer moves it along; the citizen sees ready, then collected, and hears of each step.
    detail = f"/konsol/permohonan/{MISSION}/{application}/"
    tb.ok(officer.goto(detail))
    expect(officer.get_by_test_id("documents").locator("li")).to_have_count(2)
    steps = {"documents_checked": "in_process", "in_process": "ready", "ready": "collected", "collected": ""}
    for to, after in steps.items():
        advance = officer.get_by_test_id("advance")
        advance.locator("select[name=to]").select_option(to)
        advance.locator("button[type=submit]").click()
        if after:
            expect(
                officer.locator(f"[data-testid=advance] select[name=to] option[value={after}]")
            ).to_have_count(1)
        else:
            expect(officer.get_by_test_id("advance")).to_have_count(0)  # no step after collected
        if to == "ready":
            receipt = f"KL-{viewport}-{application}"
            payment = officer.get_by_test_id("payment")
            payment.locator("input[name=receipt_number]").fill(receipt)
            payment.locator("button[type=submit]").click()
            expect(officer.get_by_test_id("payments")).to_contain_text(receipt)
        if to in ("ready", "collected"):
            tb.ok(citizen.reload())
            expect(citizen.get_by_test_id("status")).to_have_class(re.compile(rf"\bstatus-{to}\b"))
            expect(citizen.get_by_test_id("timeline").locator("li")).to_have_count(list(steps).index(to) + 2)
            assert f"application.{to}" in server.call(f"{DATA}:kinds_for", email=person["email"])
            tb.shot(citizen, f"consular-application-{to}", viewport)
    if desk:
        tb.shot(officer, "consular-application-console", "desktop")

    # Each step told the citizen once (e-mail: their only channel), in order.
    assert server.call(f"{DATA}:kinds_for", email=person["email"]) == [
        "consular.booked",
        "consular.reminder",
        "application.submitted",
        "application.documents_checked",
        "application.in_process",
        "application.ready",
        "application.collected",
    ]
    officer.context.close()
    citizen.context.close()
    assert failures == [], "\n".join(failures)
    assert tb.JS_ERRORS[errors_before:] == []
    assert [o for o in tb.OVERFLOWS if o.startswith("consular-")] == []
