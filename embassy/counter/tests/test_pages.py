"""The queue's pages and API as people use them: checking an appointment in at the kiosk with the QR content or
the typed code, a walk-in ticket, the holder's phone page and API, the display that shows numbers and counters
and nothing about a person, the clerk's screen kept to its own mission and audited, the kiosk's rate limit."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from embassy.accounts.models import AuditEvent
from embassy.common.errors import NotFound, PermissionDenied
from embassy.common.tests.factories import make_staff, staff_client
from embassy.consular.models import Booking
from embassy.counter import selectors, services
from embassy.counter.models import Ticket
from embassy.counter.tests.helpers import MINUTE, NOW, booking, counter, officer, service, singapore
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db


def _token(response: object) -> str:
    location = str(response["Location"])  # type: ignore[index]
    found = re.search(r"/antrean/tiket/([^/]+)/$", location)
    assert found, location
    return found.group(1)


def test_an_appointment_checks_in_at_the_kiosk_once_with_its_qr_code() -> None:
    mission = singapore()
    now = timezone.now()
    mine = booking(mission, starts_at=now + 10 * MINUTE)
    kiosk = Client()
    page = kiosk.get(reverse("counter:kiosk", args=[mission.code]))
    assert page.status_code == 200 and "camera=(self)" in page["Permissions-Policy"]
    url = reverse("counter:kiosk-check-in", args=[mission.code])
    response = kiosk.post(url, {"reference": f"SE1:BOOK:{mine.reference}", "priority": ""})
    assert response.status_code == 302
    ticket = Ticket.objects.get(token=_token(response))
    assert (ticket.label, ticket.kind, ticket.booking, ticket.due_at) == ("A001", "appointment", mine,
                                                                           mine.slot.starts_at)  # fmt: skip
    refreshed = Booking.objects.get(pk=mine.pk)
    assert refreshed.status == "attended" and refreshed.checked_in_at is not None
    # scanned twice (or typed in lower case with a space): the same ticket
    again = kiosk.post(url, {"reference": f"{mine.reference[:4].lower()} {mine.reference[4:]}"})
    assert _token(again) == ticket.token and Ticket.objects.count() == 1
    shown = kiosk.get(again["Location"]).content.decode()
    assert "A001" in shown and "<svg" in shown and reverse("counter:ticket", args=[ticket.token]) in shown
    assert mine.citizen.full_name not in shown  # the ticket is on a public screen
    # a code of no appointment here: a readable answer on the kiosk, nothing issued
    wrong = kiosk.post(url, {"reference": "ZZZZ2222"})
    assert wrong.status_code == 404 and 'data-testid="kiosk-error"' in wrong.content.decode()
    kl = kiosk.post(
        reverse("counter:kiosk-check-in", args=["KBRI-KUALA-LUMPUR"]), {"reference": mine.reference}
    )
    assert kl.status_code == 404
    assert kiosk.post(url, {"reference": "<script>"}).status_code == 422
    assert Ticket.objects.count() == 1


def test_an_appointment_for_another_day_is_not_checked_in() -> None:
    mission = singapore()
    later = booking(mission, starts_at=timezone.now() + dt.timedelta(days=1))
    response = Client().post(
        reverse("counter:kiosk-check-in", args=[mission.code]), {"reference": later.reference}
    )
    assert response.status_code == 422
    assert Booking.objects.get(pk=later.pk).status == "active" and not Ticket.objects.exists()


def test_a_walk_in_follows_its_place_on_the_phone_and_through_the_api() -> None:
    mission = singapore()
    kiosk = Client()
    url = reverse("counter:kiosk-walk-in", args=[mission.code])
    first = Ticket.objects.get(token=_token(kiosk.post(url, {"service": service().pk})))
    mine = Ticket.objects.get(
        token=_token(kiosk.post(url, {"service": service().pk, "priority": "pregnant"}))
    )
    other = Ticket.objects.get(token=_token(kiosk.post(url, {"service": service().pk})))
    assert (first.label, mine.label, other.label, mine.priority) == ("B001", "P001", "B002", "pregnant")
    page = Client().get(reverse("counter:ticket", args=[other.token])).content.decode()
    assert "B002" in page and "UTC+8" in page and 'hx-trigger="every 5s"' in page
    api = Client().get(f"/api/v1/counter/tickets/{other.token}").json()
    assert (api["number"], api["status"], api["position"], api["ahead"]) == ("B002", "waiting", 3, 2)
    assert api["estimate_minutes"] == 20 and api["expected_local"].endswith("UTC+8")  # 10 min default × 2 ÷ 1
    assert Client().get("/api/v1/counter/tickets/not-a-token").status_code == 404
    assert Client().get(reverse("counter:ticket", args=["not-a-token"])).status_code == 404
    # bad input: no service, a service the mission does not offer, an unknown priority
    assert kiosk.post(url, {}).status_code == 422
    assert kiosk.post(url, {"service": 999999}).status_code == 404
    assert kiosk.post(url, {"service": service().pk, "priority": "vip"}).status_code == 422
    assert Ticket.objects.count() == 3


def test_the_display_shows_numbers_and_counters_and_nothing_about_the_person() -> None:
    mission = singapore()
    clerk = officer()
    mine = booking(mission, starts_at=timezone.now(), name="Rahmawati Kusumadewi")
    ticket = services.ticket_check_in(mission=mission, reference=mine.reference)
    services.ticket_walk_in(mission=mission, service=service("legalisation"))
    services.ticket_call_next(actor=clerk, counter=counter(mission, "Loket 1"))
    feed = Client().get(f"/api/v1/counter/missions/{mission.code}/display")
    page = Client().get(reverse("counter:display", args=[mission.code]))
    assert feed.json()["calls"][0]["number"] == ticket.label == "A001"
    assert feed.json() == {
        "calls": [{"key": f"{ticket.pk}-1", "number": "A001", "counter": "Loket 1",
                   "announcement": "Nomor antrean A 0 0 1, silakan ke Loket 1"}],
        "waiting": 1, "lang": "id-ID"}  # fmt: skip
    for body in (feed.content.decode(), page.content.decode()):
        assert "Rahmawati" not in body and mine.reference not in body and ticket.token not in body
        assert "3171014101900001" not in body and "X7654301" not in body
    assert "A001" in page.content.decode() and "data-speech-toggle" in page.content.decode()


def test_the_clerk_works_only_the_counters_of_their_own_mission_and_is_audited() -> None:
    mission = singapore()
    mine = booking(mission, starts_at=timezone.now())
    ticket = services.ticket_check_in(mission=mission, reference=mine.reference)
    loket = counter(mission, "Loket 1")
    kl_officer = officer("KBRI-KUALA-LUMPUR")
    with pytest.raises(PermissionDenied):
        services.ticket_call_next(actor=kl_officer, counter=loket)
    with pytest.raises(PermissionDenied):  # a social-media officer of the mission itself
        services.ticket_call_next(actor=officer(role=Role.SOCIAL_MEDIA_OFFICER), counter=loket)
    with pytest.raises(NotFound):
        selectors.clerk_ticket_get(user=kl_officer, ticket_id=ticket.pk)
    kl = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER))
    assert kl.get(reverse("console:counter-clerk", args=[mission.code])).status_code == 404
    assert kl.post(reverse("console:counter-next", args=[mission.code, loket.pk])).status_code == 404
    assert (
        kl.post(reverse("console:counter-act", args=["KBRI-KUALA-LUMPUR", ticket.pk, "serve"])).status_code
        == 404
    )
    assert kl.get(f"/api/v1/counter/missions/{mission.code}/figures").status_code == 404
    assert Ticket.objects.get(pk=ticket.pk).status == "waiting"

    sg = staff_client(make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER, username="sg.loket"))
    assert sg.get(reverse("console:counter-index")).status_code == 302
    board = sg.get(
        reverse("console:counter-clerk", args=[mission.code]), {"loket": loket.pk}
    ).content.decode()
    assert (
        "A001" in board and "Rahmawati" not in board and mine.citizen.full_name not in board
    )  # not called yet
    sg.post(reverse("console:counter-next", args=[mission.code, loket.pk]))
    board = sg.get(
        reverse("console:counter-clerk", args=[mission.code]), {"loket": loket.pk}
    ).content.decode()
    assert 'data-testid="current-ticket">A001' in board and mine.citizen.full_name in board
    call = AuditEvent.objects.get(action="counter.call")
    assert (call.actor_label, call.citizen_id, call.mission_code) == (
        "sg.loket",
        mine.citizen_id,
        mission.code,
    )
    act = reverse("console:counter-act", args=[mission.code, ticket.pk, "serve"])
    assert sg.post(act, {"loket": loket.pk}).status_code == 302
    two = counter(mission, "Loket 2")
    transfer = reverse("console:counter-act", args=[mission.code, ticket.pk, "transfer"])
    sg.post(transfer, {"loket": loket.pk, "to_counter": two.pk, "to_service": ""})
    assert Ticket.objects.get(pk=ticket.pk).counter == two
    assert (
        sg.post(reverse("console:counter-act", args=[mission.code, ticket.pk, "nonsense"])).status_code == 404
    )
    assert set(AuditEvent.objects.filter(action__startswith="counter.").values_list("action", flat=True)) == {
        "counter.call", "counter.serve", "counter.transfer"}  # fmt: skip
    figures = sg.get(f"/api/v1/counter/missions/{mission.code}/figures").json()
    assert (figures["waiting"], figures["appointments"], figures["issued"]) == (1, 1, 1)


def test_the_kiosk_limits_tickets_per_device(settings: object) -> None:
    settings.COUNTER_KIOSK_PER_MINUTE = 2  # type: ignore[attr-defined]
    mission = singapore()
    kiosk = Client(REMOTE_ADDR="203.0.113.9")
    url = reverse("counter:kiosk-walk-in", args=[mission.code])
    codes = [kiosk.post(url, {"service": service().pk}).status_code for _ in range(3)]
    assert codes == [302, 302, 429]
    assert Client(REMOTE_ADDR="203.0.113.10").post(url, {"service": service().pk}).status_code == 302
    assert Ticket.objects.count() == 3


def test_a_ticket_of_yesterday_is_not_called_today() -> None:
    mission = singapore()
    services.ticket_walk_in(mission=mission, service=service(), now=NOW - dt.timedelta(days=1))
    assert services.ticket_call_next(actor=officer(), counter=counter(mission, "Loket 1"), now=NOW) is None
