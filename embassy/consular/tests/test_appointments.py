"""Fair appointments end to end in one process: confirmation with its iCalendar file (checked with the independent
icalendar package), the waiting list with time-limited holds, check-in, no-shows, reminders the day before in
the mission's local time, rate limits, fixer patterns, capacity planning, and the citizen's pages and API."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.test import Client
from django.utils import timezone

from embassy.accounts.models import AuditEvent, User
from embassy.accounts.services import token_create
from embassy.citizens.models import Citizen
from embassy.citizens.services import citizen_update
from embassy.citizens.tests.factories import CitizenUserFactory
from embassy.common.errors import BadInput, Conflict, NotFound, RateLimited
from embassy.common.tests.factories import make_staff, staff_client
from embassy.consular import booking as domain
from embassy.consular.capacity import capacity_plan, lebaran
from embassy.consular.fixers import fixer_scan
from embassy.consular.ical import Event, calendar
from embassy.consular.models import (
    Booking,
    Counter,
    Demand,
    FixerFlag,
    OpeningHours,
    Service,
    Slot,
    WaitlistEntry,
)
from embassy.missions.models import Mission, Role
from embassy.notify.models import Message

pytestmark = pytest.mark.django_db
SG = ZoneInfo("Asia/Singapore")
NOW = dt.datetime(2027, 1, 1, 2, tzinfo=dt.UTC)  # Friday 10:00 in Singapore


@pytest.fixture
def mission() -> Mission:
    mission = Mission.objects.get(code="KBRI-SINGAPORE")
    for weekday in range(7):
        OpeningHours.objects.create(mission=mission, weekday=weekday, opens=dt.time(9), closes=dt.time(12))
    Counter.objects.create(mission=mission, name="Loket 1")
    return mission


@pytest.fixture
def renewal() -> Service:
    return Service.objects.get(code="passport-renewal", mission__isnull=True)


def person(n: int) -> Citizen:
    """A citizen with an account (e-mail warga<n>@example.org), a NIK and a passport."""
    user = CitizenUserFactory.create(email=f"warga{n}@example.org")
    citizen = Citizen.objects.get(user=user)
    citizen_update(citizen=citizen, actor=None, data={"full_name": f"Warga {n}", "nik": f"31710141019001{n:02d}",
                                                      "passport_number": f"X76549{n:02d}"})
    return Citizen.objects.select_related("user").get(pk=citizen.pk)


def slot_at(mission: Mission, starts: dt.datetime, *, minutes: int = 30, capacity: int = 1,
            service: Service | None = None) -> Slot:
    return Slot.objects.create(mission=mission, service=service, starts_at=starts,
                               ends_at=starts + dt.timedelta(minutes=minutes), capacity=capacity,
                               released_at=NOW - dt.timedelta(days=1))


def emails(kind: str) -> list[Message]:
    return list(Message.objects.filter(channel="email", kind=f"consular.{kind}").order_by("id"))


# --- Confirmation and its calendar file ---------------------------------------------------------------------------
def test_confirmation_carries_a_calendar_file_in_the_missions_local_time(mission: Mission, renewal: Service) -> None:
    slot = slot_at(mission, dt.datetime(2027, 1, 5, 9, tzinfo=SG))
    booking = domain.booking_create(citizen=person(1), slot_id=slot.pk, service=renewal, now=NOW)
    [mail] = emails("booked")
    assert "09:00" in mail.body and "UTC+08:00" in mail.body and "Singapura" in mail.body
    [attachment] = mail.data["attachments"]
    assert attachment["content_type"] == "text/calendar" and attachment["filename"].endswith(".ics")
    cal = icalendar.Calendar.from_ical(attachment["content"])
    assert str(cal["METHOD"]) == "PUBLISH"
    [event] = list(cal.walk("VEVENT"))
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and start.utcoffset() == dt.timedelta(hours=8)
    assert (start.hour, start.minute) == (9, 0)
    assert start == slot.starts_at and event.decoded("DTEND") == slot.ends_at
    assert event["DTSTART"].params["TZID"] == "Asia/Singapore"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Asia/Singapore"]
    assert booking.reference in str(event["DESCRIPTION"]) and str(event["UID"]).startswith(booking.reference)
    assert list(event.walk("VALARM"))


def test_calendar_file_across_a_daylight_saving_change_is_right_both_sides() -> None:
    london = ZoneInfo("Europe/London")
    for local in (dt.datetime(2027, 3, 29, 9, tzinfo=london), dt.datetime(2027, 3, 26, 9, tzinfo=london)):
        text = calendar(Event(uid="X@test", starts_at=local, ends_at=local + dt.timedelta(minutes=30),
                              zone="Europe/London", summary="Paspor, KBRI London; ok"), now=NOW)
        cal = icalendar.Calendar.from_ical(text)
        [event] = list(cal.walk("VEVENT"))
        assert event.decoded("DTSTART") == local and event.decoded("DTSTART").utcoffset() == local.utcoffset()
        assert str(event["SUMMARY"]) == "Paspor, KBRI London; ok"
        parts = [c.name for c in cal.walk("VTIMEZONE")[0].subcomponents]
        assert "DAYLIGHT" in parts and "STANDARD" in parts
        assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_cancelling_sends_a_calendar_cancellation(mission: Mission, renewal: Service) -> None:
    slot = slot_at(mission, dt.datetime(2027, 1, 5, 9, tzinfo=SG))
    citizen = person(1)
    booking = domain.booking_create(citizen=citizen, slot_id=slot.pk, service=renewal, now=NOW)
    domain.booking_cancel(citizen=citizen, reference=booking.reference, now=NOW)
    [mail] = emails("cancelled")
    cal = icalendar.Calendar.from_ical(mail.data["attachments"][0]["content"])
    assert str(cal["METHOD"]) == "CANCEL"
    [event] = list(cal.walk("VEVENT"))
    assert str(event["STATUS"]) == "CANCELLED" and str(event["UID"]).startswith(booking.reference)


# --- Waiting list ------------------------------------------------------------------------------------------------
def test_a_freed_place_is_offered_to_the_longest_waiting_and_held(mission: Mission, renewal: Service) -> None:
    slot = slot_at(mission, dt.datetime(2027, 1, 6, 9, tzinfo=SG))
    a, b, c = person(1), person(2), person(3)
    first = domain.booking_create(citizen=a, slot_id=slot.pk, service=renewal, now=NOW)
    assert domain.open_slots(mission=mission, service=renewal, now=NOW) == []
    wb = domain.waitlist_join(citizen=b, mission=mission, service=renewal, now=NOW)
    domain.waitlist_join(citizen=c, mission=mission, service=renewal, now=NOW + dt.timedelta(minutes=1))
    assert domain.waitlist_join(citizen=b, mission=mission, service=renewal, now=NOW).pk == wb.pk  # once

    domain.booking_cancel(citizen=a, reference=first.reference, now=NOW + dt.timedelta(minutes=5))
    wb.refresh_from_db()
    assert wb.status == "offered" and wb.booking is not None
    held = wb.booking
    assert held.status == "held" and held.citizen_id == b.pk
    assert held.hold_until == NOW + dt.timedelta(minutes=5 + 120)
    assert domain.open_slots(mission=mission, service=renewal, now=NOW) == []  # nobody else can take it
    [offer] = emails("offered")
    assert b.user is not None and offer.address == b.user.email and "UTC+08:00" in offer.body
    with pytest.raises(Conflict):  # c cannot book the held place on the open market
        domain.booking_create(citizen=c, slot_id=slot.pk, service=renewal, now=NOW + dt.timedelta(minutes=6))

    # b lets the hold lapse: it goes to c
    assert domain.holds_expire(now=NOW + dt.timedelta(hours=3)) == 1
    held.refresh_from_db()
    wb.refresh_from_db()
    assert held.status == "expired" and wb.status == "waiting"
    wc = WaitlistEntry.objects.get(citizen=c)
    assert wc.status == "offered" and wc.booking is not None
    with pytest.raises(NotFound):  # b's lapsed offer is gone
        domain.offer_accept(citizen=b, reference=held.reference, now=NOW + dt.timedelta(hours=3))
    taken = domain.offer_accept(citizen=c, reference=wc.booking.reference, now=NOW + dt.timedelta(hours=3, minutes=1))
    assert taken.status == "active"
    wc.refresh_from_db()
    assert wc.status == "booked"
    assert Demand.objects.filter(kind="waitlist").count() == 2 and Demand.objects.filter(kind="full").count() == 1


def test_an_offer_never_outlives_the_slot_and_two_missed_offers_leave_the_list(mission: Mission,
                                                                               renewal: Service) -> None:
    b = person(2)
    entry = domain.waitlist_join(citizen=b, mission=mission, service=renewal, now=NOW)
    soon = slot_at(mission, dt.datetime(2027, 1, 1, 10, 30, tzinfo=SG))  # starts in 30 min, ends in 60
    offered = domain.waitlist_offer(slot=soon, now=NOW)
    assert offered is not None and offered.hold_until == soon.ends_at
    domain.holds_expire(now=soon.ends_at)
    later = slot_at(mission, dt.datetime(2027, 1, 8, 9, tzinfo=SG))
    domain.waitlist_offer(slot=later, now=soon.ends_at)
    domain.holds_expire(now=soon.ends_at + dt.timedelta(hours=3))
    entry.refresh_from_db()
    assert entry.status == "lapsed" and entry.offers == 2


# --- The day -----------------------------------------------------------------------------------------------------
def test_check_in_window_idempotence_and_no_shows(mission: Mission, renewal: Service) -> None:
    slot = slot_at(mission, dt.datetime(2027, 1, 4, 9, tzinfo=SG))
    a, b = person(1), person(2)
    mine = domain.booking_create(citizen=a, slot_id=slot.pk, service=renewal, now=NOW)
    theirs = domain.booking_create(citizen=b, slot_id=slot_at(mission, dt.datetime(2027, 1, 4, 10, tzinfo=SG)).pk,
                                   service=renewal, now=NOW)
    with pytest.raises(BadInput, match="09:00"):  # "… at 04-01-2027 09:00 +08: check-in opens at 07:00"
        domain.booking_check_in(mission=mission, reference=mine.reference, now=slot.starts_at - dt.timedelta(hours=3))
    other = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    with pytest.raises(NotFound):
        domain.booking_check_in(mission=other, reference=mine.reference, now=slot.starts_at)
    at = slot.starts_at - dt.timedelta(minutes=20)
    done = domain.booking_check_in(mission=mission, reference=f"se1:book:{mine.reference.lower()}", now=at)
    assert done.status == "attended" and done.checked_in_at == at
    assert domain.booking_check_in(mission=mission, reference=mine.reference, now=at).pk == mine.pk
    assert domain.no_shows_mark(now=slot.ends_at + dt.timedelta(hours=2)) == 1  # b's 10:00 slot closed at 10:30
    theirs.refresh_from_db()
    assert theirs.status == "no_show"
    with pytest.raises(NotFound):
        domain.booking_check_in(mission=mission, reference=theirs.reference, now=slot.ends_at + dt.timedelta(hours=2))


def test_a_no_show_place_in_a_running_session_goes_to_the_waiting_list(mission: Mission, renewal: Service) -> None:
    session = slot_at(mission, dt.datetime(2027, 1, 4, 9, tzinfo=SG), minutes=180, capacity=1)
    a, b = person(1), person(2)
    domain.booking_create(citizen=a, slot_id=session.pk, service=renewal, now=NOW)
    domain.waitlist_join(citizen=b, mission=mission, service=renewal, now=NOW)
    assert domain.sessions_reoffer(now=session.starts_at + dt.timedelta(minutes=10)) == 0  # still in the grace
    assert domain.sessions_reoffer(now=session.starts_at + dt.timedelta(minutes=45)) == 1
    held = Booking.objects.get(citizen=b)
    assert held.status == "held" and held.hold_until is not None and held.hold_until <= session.ends_at


def test_reminder_goes_the_day_before_in_the_missions_local_time(mission: Mission, renewal: Service) -> None:
    slot = slot_at(mission, dt.datetime(2027, 1, 5, 9, tzinfo=SG))  # Tuesday 09:00 SGT
    domain.booking_create(citizen=person(1), slot_id=slot.pk, service=renewal, now=NOW)
    monday = dt.datetime(2027, 1, 4, 9, 59, tzinfo=SG)
    assert domain.reminders_send(now=monday) == 0  # before CONSULAR_REMINDER_HOUR (10) local
    assert domain.reminders_send(now=dt.datetime(2027, 1, 3, 12, tzinfo=SG)) == 0  # two days before
    assert domain.reminders_send(now=monday + dt.timedelta(minutes=1)) == 1
    assert domain.reminders_send(now=monday + dt.timedelta(hours=2)) == 0  # once
    [mail] = emails("reminder")
    assert "09:00" in mail.body and "UTC+08:00" in mail.body
    assert icalendar.Calendar.from_ical(mail.data["attachments"][0]["content"]).walk("VEVENT")


# --- Fairness: limits and fixer patterns --------------------------------------------------------------------------
def test_rate_limits_per_person_and_device(mission: Mission, renewal: Service, settings: object) -> None:
    a = person(1)
    slots = [slot_at(mission, dt.datetime(2027, 1, 11 + n, 9, tzinfo=SG)) for n in range(5)]
    for n in range(3):  # book and cancel: the churn a fixer uses to pass a place on
        b = domain.booking_create(citizen=a, slot_id=slots[n].pk, service=renewal, now=NOW, device="dev-1")
        domain.booking_cancel(citizen=a, reference=b.reference, now=NOW)
    with pytest.raises(RateLimited):
        domain.booking_create(citizen=a, slot_id=slots[3].pk, service=renewal, now=NOW, device="dev-1")
    assert domain.booking_create(citizen=a, slot_id=slots[3].pk, service=renewal, now=NOW + dt.timedelta(days=1),
                                 device="dev-1").status == "active"
    for n in range(2, 7):  # six bookings from one device in a day
        domain.booking_create(citizen=person(n), slot_id=slot_at(mission, dt.datetime(2027, 2, n, 9, tzinfo=SG)).pk,
                              service=renewal, now=NOW + dt.timedelta(days=1), device="dev-1")
    with pytest.raises(RateLimited):  # the device's limit: this person has booked nothing yet
        domain.booking_create(citizen=person(9), slot_id=slots[4].pk, service=renewal,
                              now=NOW + dt.timedelta(days=1), device="dev-1")


def test_fixer_patterns_are_flagged_to_the_head_of_consular_affairs(mission: Mission, renewal: Service) -> None:
    head = make_staff("KBRI-SINGAPORE", Role.HEAD_OF_CONSULAR, username="sg.consul")
    User.objects.filter(pk=head.pk).update(email="consul@example.org")
    for n in range(4):
        domain.booking_create(citizen=person(n), slot_id=slot_at(mission, dt.datetime(2027, 1, 11, 9 + n % 3, tzinfo=SG),
                                                                  capacity=2).pk,
                              service=renewal, now=NOW, device="calo-phone", client_ip="203.0.113.7")
    late = person(7)
    for day in (4, 5):
        domain.booking_create(citizen=late, slot_id=slot_at(mission, dt.datetime(2027, 1, day, 11, tzinfo=SG)).pk,
                              service=renewal, now=NOW)
        domain.no_shows_mark(now=dt.datetime(2027, 1, day, 13, tzinfo=SG))
    assert fixer_scan(now=dt.datetime(2027, 1, 6, 12, tzinfo=SG)) == 3
    kinds = {f.kind: f for f in FixerFlag.objects.all()}
    assert set(kinds) == {"device", "address", "no_show"}
    assert kinds["device"].people == 4 and kinds["no_show"].bookings == 2
    assert Message.objects.filter(kind="consular.fixer", address="consul@example.org").count() == 3
    assert fixer_scan(now=dt.datetime(2027, 1, 6, 13, tzinfo=SG)) == 0  # known flags are refreshed, not re-sent

    client = staff_client(head)
    page = client.get("/konsol/layanan/tanda/")
    assert page.status_code == 200 and "calo-phone" in page.content.decode()
    assert AuditEvent.objects.filter(action="consular.flags_view", actor=head).count() == 1
    assert client.post(f"/konsol/layanan/tanda/{kinds['device'].pk}/", {"note": "keluarga"}).status_code == 302
    kinds["device"].refresh_from_db()
    assert kinds["device"].reviewed_by == head


# --- Capacity planning -------------------------------------------------------------------------------------------
def test_capacity_plan_counts_demand_against_places_and_marks_sundays_and_lebaran(mission: Mission,
                                                                                renewal: Service) -> None:
    slot = slot_at(mission, dt.datetime(2027, 2, 21, 9, tzinfo=SG), capacity=2)  # a Sunday, 16 days before Lebaran 2027
    domain.booking_create(citizen=person(1), slot_id=slot.pk, service=renewal, now=NOW)
    domain.booking_create(citizen=person(2), slot_id=slot.pk, service=renewal, now=NOW)
    domain.demand_note(mission=mission, service=renewal, kind=Demand.Kind.NO_SLOT,
                       now=dt.datetime(2027, 2, 21, 1, tzinfo=SG))  # a Sunday in Singapore, Saturday in UTC
    domain.waitlist_join(citizen=person(3), mission=mission, service=renewal, now=dt.datetime(2027, 2, 21, 8, tzinfo=SG))
    rows, waiting = capacity_plan(mission=mission, first_day=dt.date(2027, 2, 20), days=3)
    sat, sun, _mon = rows
    assert (sun.capacity, sun.booked, sun.no_slot, sun.waitlist, sun.load) == (2, 2, 1, 1, 200)
    assert sun.sunday and not sat.sunday and sat.no_slot == 0
    assert sun.lebaran == lebaran(2027) == dt.date(2027, 3, 9)
    assert waiting == {renewal.name_id: 1}


# --- Pages and API -------------------------------------------------------------------------------------------------
def citizen_client(citizen: Citizen) -> Client:
    client = Client()
    assert citizen.user is not None
    client.force_login(citizen.user)
    return client


def test_booking_pages_from_the_slot_list_to_the_check_in_code(mission: Mission, renewal: Service) -> None:
    now = timezone.now()
    local = (now + dt.timedelta(days=3)).astimezone(SG).replace(hour=9, minute=0, second=0, microsecond=0)
    slot = Slot.objects.create(mission=mission, service=renewal, starts_at=local, ends_at=local + dt.timedelta(minutes=30),
                               capacity=1, released_at=now - dt.timedelta(hours=1))
    page = Client().get(f"/perwakilan/{mission.code}/layanan/passport-renewal/janji/")
    assert page.status_code == 200 and "09:00" in page.content.decode() and "UTC+08:00" in page.content.decode()
    anonymous = Client().post(f"/perwakilan/{mission.code}/layanan/passport-renewal/janji/", {"slot": slot.pk})
    assert anonymous.status_code == 302 and "masuk" in anonymous["Location"]

    a = person(1)
    client = citizen_client(a)
    done = client.post(f"/perwakilan/{mission.code}/layanan/passport-renewal/janji/", {"slot": slot.pk})
    booking = Booking.objects.get(citizen=a)
    assert done.status_code == 302 and done["Location"] == f"/janji/{booking.reference}/"
    again = client.post(f"/perwakilan/{mission.code}/layanan/passport-renewal/janji/", {"slot": slot.pk})
    assert again.status_code == 302 and Booking.objects.filter(citizen=a).count() == 1  # a double submit
    detail = client.get(f"/janji/{booking.reference}/").content.decode()
    assert "<svg" in detail and booking.reference in detail and "UTC+08:00" in detail
    ics = client.get(f"/janji/{booking.reference}/kalender.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    assert icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0].decoded("DTSTART") == slot.starts_at
    mine = client.get("/janji/")  # the person's own list, with the links to their applications and documents
    assert mine.status_code == 200
    assert f'href="/janji/{booking.reference}/"' in mine.content.decode()
    assert 'href="/permohonan/"' in mine.content.decode() and 'href="/kartu/"' in mine.content.decode()
    later = Slot.objects.create(mission=mission, service=renewal, starts_at=local + dt.timedelta(hours=1),
                                ends_at=local + dt.timedelta(hours=1, minutes=30), capacity=1,
                                released_at=now - dt.timedelta(hours=1))
    moving = client.get(f"/perwakilan/{mission.code}/layanan/passport-renewal/janji/").content.decode()
    assert 'data-testid="current-booking"' in moving and f'name="reschedule" value="{booking.reference}"' in moving
    later.delete()
    index = client.get("/layanan/").content.decode()
    assert 'data-testid="my-services"' in index and 'href="/kartu/"' in index
    other = citizen_client(person(2))
    assert other.get(f"/janji/{booking.reference}/").status_code == 404  # someone else's

    full = other.get(f"/perwakilan/{mission.code}/layanan/passport-renewal/janji/")
    assert "waiting list" in full.content.decode() or "daftar tunggu" in full.content.decode()
    assert Demand.objects.filter(kind="no_slot").count() == 1
    assert client.post(f"/janji/{booking.reference}/batal/").status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"


def test_booking_needs_an_identity_on_the_profile(mission: Mission, renewal: Service) -> None:
    citizen = person(1)
    Citizen.objects.filter(pk=citizen.pk).update(nik_index="", passport_index="")
    slot = slot_at(mission, dt.datetime(2027, 1, 5, 9, tzinfo=SG))
    with pytest.raises(BadInput, match="NIK"):
        domain.booking_create(citizen=Citizen.objects.get(pk=citizen.pk), slot_id=slot.pk, service=renewal, now=NOW)


def test_api_book_conflict_reschedule_all_or_nothing_and_waitlist(mission: Mission, renewal: Service) -> None:
    now = timezone.now()
    base = (now + dt.timedelta(days=4)).astimezone(SG).replace(hour=9, minute=0, second=0, microsecond=0)
    one, two = (Slot.objects.create(mission=mission, service=renewal, starts_at=base + dt.timedelta(hours=h),
                                    ends_at=base + dt.timedelta(hours=h, minutes=30), capacity=1,
                                    released_at=now - dt.timedelta(hours=1)) for h in (0, 1))
    listed = Client().get(f"/api/v1/consular/missions/{mission.code}/services/passport-renewal/slots").json()
    assert [s["id"] for s in listed["slots"]] == [one.pk, two.pk] and listed["slots"][0]["local_start"].endswith("+08:00")
    a, b = citizen_client(person(1)), citizen_client(person(2))
    body = {"mission": mission.code, "service": "passport-renewal", "slot": one.pk}
    made = a.post("/api/v1/consular/bookings", json.dumps(body), content_type="application/json")
    assert made.status_code == 201 and made.json()["local_start"].startswith(base.strftime("%Y-%m-%dT09:00"))
    assert a.post("/api/v1/consular/bookings", json.dumps(body), content_type="application/json").status_code == 409
    assert b.post("/api/v1/consular/bookings", json.dumps(body), content_type="application/json").status_code == 409
    ref = made.json()["reference"]
    b.post("/api/v1/consular/bookings", json.dumps({**body, "slot": two.pk}), content_type="application/json")
    moved = a.post(f"/api/v1/consular/bookings/{ref}/reschedule", json.dumps({"slot": two.pk}),
                   content_type="application/json")
    assert moved.status_code == 409 and a.get(f"/api/v1/consular/bookings/{ref}").json()["status"] == "active"
    joined = citizen_client(person(3)).post("/api/v1/consular/waitlist", json.dumps(
        {"mission": mission.code, "service": "passport-renewal"}), content_type="application/json")
    assert joined.status_code == 201 and joined.json()["position"] == 1
    assert a.post(f"/api/v1/consular/bookings/{ref}/cancel").json()["status"] == "cancelled"
    offer = WaitlistEntry.objects.get(citizen__full_name="Warga 3")
    assert offer.status == "offered"


def test_release_is_announced_and_scoped(mission: Mission, renewal: Service) -> None:
    officer = make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER)
    client = staff_client(officer)
    today = timezone.now().astimezone(SG).date()
    first = today + dt.timedelta(days=7)
    form = {"service": renewal.pk, "first_day": first.isoformat(), "days": "2", "minutes": "30", "per_counter": "2",
            "released_at": f"{(today + dt.timedelta(days=2)).isoformat()}T09:00"}
    assert client.post(f"/konsol/layanan/{mission.code}/rilis/", form).status_code == 302
    assert Slot.objects.filter(mission=mission).count() == 12 and Slot.objects.first().capacity == 2  # type: ignore[union-attr]
    page = Client().get(f"/perwakilan/{mission.code}/layanan/passport-renewal/janji/").content.decode()
    assert 'data-testid="next-release"' in page
    bad = client.post(f"/konsol/layanan/{mission.code}/rilis/", {**form, "first_day": "2027-02-30"}, follow=True)
    assert "not a date" in bad.content.decode() or "bukan tanggal" in bad.content.decode()
    assert client.get(f"/konsol/layanan/{mission.code}/kapasitas/").status_code == 200
    stranger = make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER)
    assert staff_client(stranger).post(f"/konsol/layanan/{mission.code}/rilis/", form).status_code == 404
    assert staff_client(stranger).get(f"/konsol/layanan/{mission.code}/kapasitas/").status_code == 404


def test_apps_book_with_a_bearer_token_on_the_fast_path(mission: Mission, renewal: Service) -> None:
    now = timezone.now()
    start = (now + dt.timedelta(days=5)).astimezone(SG).replace(hour=9, minute=0, second=0, microsecond=0)
    slot = Slot.objects.create(mission=mission, service=renewal, starts_at=start,
                               ends_at=start + dt.timedelta(minutes=30), capacity=1,
                               released_at=now - dt.timedelta(hours=1))
    a, b = person(1), person(2)
    assert a.user is not None and b.user is not None
    body = json.dumps({"mission": mission.code, "service": "passport-renewal", "slot": slot.pk})

    def post(user: User | None, key: str | None = None) -> Any:
        token = key or token_create(user=user, name="app")[1]  # type: ignore[arg-type]
        return Client().post("/api/v1/consular/bookings", body, content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_DEVICE_ID="phone-1")

    made = post(a.user)
    assert made.status_code == 201 and made["Cache-Control"] == "no-store"  # the fast path's response
    data = made.json()
    assert data["status"] == "active" and data["local_start"].endswith("+08:00")
    assert data["check_in_code"] == f"SE1:BOOK:{data['reference']}"
    assert Booking.objects.get(reference=data["reference"]).device == "phone-1"
    full = post(b.user)
    assert full.status_code == 409 and full.json()["detail"]
    assert post(None, key="se_not-a-token").status_code == 401


def test_changing_the_time_on_the_web_moves_the_appointment(mission: Mission, renewal: Service) -> None:
    now = timezone.now()
    start = (now + dt.timedelta(days=6)).astimezone(SG).replace(hour=9, minute=0, second=0, microsecond=0)
    first, second = (Slot.objects.create(mission=mission, service=renewal, starts_at=start + dt.timedelta(hours=h),
                                         ends_at=start + dt.timedelta(hours=h, minutes=30), capacity=1,
                                         released_at=now - dt.timedelta(hours=1)) for h in (0, 2))
    a = person(1)
    booking = domain.booking_create(citizen=a, slot_id=first.pk, service=renewal, now=now)
    client = citizen_client(a)
    url = f"/perwakilan/{mission.code}/layanan/passport-renewal/janji/"
    page = client.get(f"{url}?ubah={booking.reference}").content.decode()
    assert f'name="reschedule" value="{booking.reference}"' in page
    moved = client.post(url, {"slot": second.pk, "reschedule": booking.reference})
    new = Booking.objects.get(citizen=a, status="active")
    assert moved.status_code == 302 and moved["Location"] == f"/janji/{new.reference}/" and new.slot_id == second.pk
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert [m.kind for m in Message.objects.filter(channel="email").order_by("id")] == ["consular.booked"] * 2
