"""The consular dashboard: the day's figures of one mission in its own zone (Singapore, UTC+8), scoped to the
missions the officer manages, in a bounded number of queries, and never a person's data."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import reverse

from embassy.accounts.models import User
from embassy.applications.models import Application, Payment, Status
from embassy.citizens.models import Citizen
from embassy.common.tests.factories import make_citizen_with_stay, make_staff, staff_client
from embassy.consular.models import Booking, Counter, FixerFlag, Service, Slot, WaitlistEntry
from embassy.counter.models import Ticket
from embassy.missions.models import Mission, Role
from embassy.ops import consular_dashboard

pytestmark = pytest.mark.django_db

UTC = dt.UTC
NOW = dt.datetime(2027, 1, 4, 2, 0, tzinfo=UTC)  # Monday 4 January, 10:00 in Singapore
TODAY = dt.date(2027, 1, 4)
URL = "/konsol/dasbor-konsuler/"
NAME = "Siti Aminah Rahayu"
NIK = "3171014101900001"
PASSPORT = "X7654321"
_n = itertools.count(1)


def sg(hour: int, minute: int = 0, day: int = 4) -> dt.datetime:
    """A Singapore wall-clock time on January `day`, 2027, as UTC."""
    return dt.datetime(2027, 1, day, hour, minute, tzinfo=dt.timezone(dt.timedelta(hours=8))).astimezone(UTC)


@pytest.fixture(autouse=True)
def _now(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.APPLICATION_DUE_SOON_DAYS = 1
    monkeypatch.setattr(consular_dashboard, "timezone", SimpleNamespace(now=lambda: NOW))


@pytest.fixture
def singapore() -> Mission:
    return Mission.objects.get(code="KBRI-SINGAPORE")


@pytest.fixture
def citizen() -> Citizen:
    return make_citizen_with_stay(1.29, 103.85, name=NAME, nik=NIK, passport=PASSPORT)


def _service() -> Service:
    return Service.objects.get(code="passport-renewal", mission__isnull=True)


def _slot(mission: Mission, starts_at: dt.datetime, capacity: int = 4) -> Slot:
    return Slot.objects.create(
        mission=mission,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=30),
        capacity=capacity,
        released_at=starts_at - dt.timedelta(days=14),
    )


def _booking(slot: Slot, citizen: Citizen, status: str, *, checked_in: bool = False) -> Booking:
    n = next(_n)
    return Booking.objects.create(
        reference=f"BKREF{n:04d}",
        slot=slot,
        place=n,
        service=_service(),
        citizen=citizen,
        identity=f"test:{n}",
        status=status,
        created_at=slot.starts_at - dt.timedelta(days=3),
        checked_in_at=slot.starts_at if checked_in else None,
    )


def _ticket(
    mission: Mission,
    status: str,
    issued: dt.datetime,
    *,
    called: dt.datetime | None = None,
    served: dt.datetime | None = None,
    finished: dt.datetime | None = None,
    counter: Counter | None = None,
    day: dt.date = TODAY,
) -> Ticket:
    n = next(_n)
    return Ticket.objects.create(
        mission=mission,
        day=day,
        letter="B",
        number=n,
        kind=Ticket.Kind.WALK_IN,
        service=_service(),
        status=status,
        token=f"tok-{n}-secret",
        issued_at=issued,
        queued_at=issued,
        called_at=called,
        announced_at=called,
        calls=1 if called else 0,
        served_at=served,
        finished_at=finished,
        counter=counter,
    )


def _application(mission: Mission, citizen: Citizen, status: str, due_on: dt.date | None) -> Application:
    n = next(_n)
    return Application.objects.create(
        reference=f"APREF{n:04d}",
        mission=mission,
        service=_service(),
        citizen=citizen,
        status=status,
        fee=Decimal("100"),
        currency="SGD",
        target_days=5,
        submitted_at=NOW - dt.timedelta(days=10),
        due_on=due_on,
        updated_at=NOW,
    )


def _payment(
    application: Application,
    counter: Counter,
    by: User,
    amount: str,
    currency: str,
    *,
    method: str,
    at: dt.datetime,
) -> Payment:
    return Payment.objects.create(
        application=application,
        mission=application.mission,
        counter=counter,
        amount=Decimal(amount),
        currency=currency,
        method=method,
        receipt_number=f"R-{next(_n)}",
        received_by=by,
        received_at=at,
    )


@pytest.fixture
def day(singapore: Mission, citizen: Citizen) -> dict[str, Any]:
    """One Monday at the Singapore embassy, with rows just either side of its midnight (UTC+8), and another
    mission's rows that must not count."""
    loket1 = Counter.objects.create(mission=singapore, name="Loket 1")
    loket2 = Counter.objects.create(mission=singapore, name="Loket 2")
    kl = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    kl_counter = Counter.objects.create(mission=kl, name="Loket KL")
    clerk = make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER, username="clerk-sg")

    # Appointments. 00:30 today is still the 3rd in UTC; 00:30 tomorrow is still the 4th in UTC.
    early = _slot(singapore, sg(0, 30), capacity=2)
    nine, half_nine, two = _slot(singapore, sg(9)), _slot(singapore, sg(9, 30)), _slot(singapore, sg(14))
    yesterday, tomorrow = _slot(singapore, sg(23, 30, day=3)), _slot(singapore, sg(0, 30, day=5))
    _booking(early, citizen, "attended", checked_in=True)
    _booking(nine, citizen, "attended", checked_in=True)
    _booking(nine, citizen, "no_show")
    _booking(nine, citizen, "cancelled")
    _booking(half_nine, citizen, "active", checked_in=True)
    _booking(half_nine, citizen, "active")  # its slot has begun: not "still to come"
    _booking(two, citizen, "active")
    _booking(two, citizen, "held")
    _booking(yesterday, citizen, "active")
    _booking(tomorrow, citizen, "active")
    _booking(_slot(kl, sg(9)), citizen, "active")

    for status in ("waiting", "waiting", "offered", "left"):
        WaitlistEntry.objects.create(
            mission=singapore,
            service=_service(),
            citizen=citizen,
            identity=f"test:w{next(_n)}",
            status=status,
            created_at=NOW,
        )
    WaitlistEntry.objects.create(
        mission=kl, service=_service(), citizen=citizen, identity="test:kl", created_at=NOW
    )

    # The queue: waits until called 10, 20, 20 and 10 minutes (median 15); the longest wait now is 20 minutes.
    _ticket(singapore, "done", sg(9), called=sg(9, 10), served=sg(9, 11), finished=sg(9, 21), counter=loket1)
    _ticket(
        singapore, "done", sg(9, 5), called=sg(9, 25), served=sg(9, 26), finished=sg(9, 40), counter=loket2
    )
    _ticket(singapore, "serving", sg(9, 30), called=sg(9, 50), served=sg(9, 51), counter=loket1)
    _ticket(singapore, "no_show", sg(9, 20), called=sg(9, 30), counter=loket2)
    _ticket(singapore, "waiting", sg(9, 40))
    _ticket(singapore, "waiting", sg(9, 55))
    _ticket(singapore, "waiting", sg(16, day=3), day=dt.date(2027, 1, 3))  # yesterday's
    _ticket(kl, "waiting", sg(9, 40))

    # Applications: open work late (due Friday), due soon (today), on time, without a target; and finished ones.
    late = _application(singapore, citizen, Status.SUBMITTED, dt.date(2027, 1, 1))
    _application(singapore, citizen, Status.DOCUMENTS_CHECKED, TODAY)
    _application(singapore, citizen, Status.IN_PROCESS, dt.date(2027, 2, 1))
    _application(singapore, citizen, Status.IN_PROCESS, None)
    _application(singapore, citizen, Status.READY, dt.date(2026, 12, 20))
    _application(singapore, citizen, Status.COLLECTED, dt.date(2026, 12, 1))
    _application(singapore, citizen, Status.COLLECTED, dt.date(2026, 12, 2))
    _application(singapore, citizen, Status.RETURNED, dt.date(2026, 12, 30))
    _application(singapore, citizen, Status.REJECTED, None)
    kl_late = _application(kl, citizen, Status.SUBMITTED, dt.date(2026, 12, 1))

    # Takings: 01:00 today counts (still the 3rd in UTC); 23:59 yesterday does not.
    _payment(late, loket1, clerk, "100", "SGD", method="cash", at=sg(1))
    _payment(late, loket2, clerk, "50.50", "SGD", method="card", at=sg(9))
    _payment(late, loket1, clerk, "350000", "IDR", method="cash", at=sg(9, 30))
    _payment(late, loket1, clerk, "999", "SGD", method="cash", at=sg(23, 59, day=3))
    _payment(kl_late, kl_counter, clerk, "70", "MYR", method="cash", at=sg(9))

    FixerFlag.objects.create(
        mission=singapore,
        kind="device",
        key="device-abc",
        bookings=5,
        people=5,
        first_seen=NOW,
        last_seen=NOW,
        created_at=NOW,
    )
    FixerFlag.objects.create(
        mission=singapore,
        kind="address",
        key="10.0.0.1",
        bookings=5,
        people=5,
        first_seen=NOW,
        last_seen=NOW,
        created_at=NOW,
        reviewed_at=NOW,
    )
    FixerFlag.objects.create(
        mission=kl,
        kind="device",
        key="device-kl",
        bookings=5,
        people=5,
        first_seen=NOW,
        last_seen=NOW,
        created_at=NOW,
    )
    return {
        "references": [
            *Booking.objects.values_list("reference", flat=True),
            *Application.objects.values_list("reference", flat=True),
            *Ticket.objects.values_list("token", flat=True),
        ]
    }


def test_the_figures_of_the_day_in_the_missions_zone(singapore: Mission, day: dict[str, Any]) -> None:
    d = consular_dashboard.consular_dashboard(mission=singapore, now=NOW)
    assert d.today == TODAY and d.zone == "Asia/Singapore" and d.zone_label == "UTC+8"
    assert (d.day_start, d.day_end) == (sg(0), sg(0, day=5))

    b = d.bookings
    assert (b.slots, b.places) == (4, 14)
    assert b.by_status == {"active": 3, "held": 1, "attended": 2, "no_show": 1, "cancelled": 1, "expired": 0}
    assert (b.taken, b.free, b.checked_in, b.no_show, b.still_to_come) == (7, 7, 3, 1, 2)
    assert [(h.hour, h.taken, h.checked_in) for h in b.by_hour] == [(0, 1, 1), (9, 4, 2), (14, 2, 0)]
    assert d.waitlist == {"waiting": 2, "offered": 1}

    q = d.queue
    assert (q.issued, q.waiting, q.serving, q.done, q.no_show) == (6, 2, 1, 2, 1)
    assert q.median_wait_s == 15 * 60
    assert q.longest_wait_now_s == 20 * 60
    assert [(c.name, c.at_counter, c.done, c.no_show) for c in d.counters] == [
        ("Loket 1", 1, 1, 0),
        ("Loket 2", 0, 1, 1),
    ]

    assert d.applications == {
        "submitted": 1,
        "documents_checked": 1,
        "in_process": 2,
        "ready": 1,
        "collected": 2,
        "returned": 1,
        "rejected": 1,
    }
    assert (d.applications_total, d.open_work) == (9, 4)
    assert d.lateness == {"late": 1, "due_soon": 1, "on_time": 1, "no_target": 1}

    assert d.cash_by_currency == [("IDR", 1, Decimal("350000")), ("SGD", 2, Decimal("150.50"))]
    assert [(m.currency, m.method, m.count, m.total) for m in d.cash_by_method] == [
        ("IDR", "cash", 1, Decimal("350000")),
        ("SGD", "card", 1, Decimal("50.50")),
        ("SGD", "cash", 1, Decimal("100")),
    ]
    assert {(c.counter, c.currency, c.method, c.total) for c in d.cash} == {
        ("Loket 1", "IDR", "cash", Decimal("350000")),
        ("Loket 1", "SGD", "cash", Decimal("100")),
        ("Loket 2", "SGD", "card", Decimal("50.50")),
    }
    assert d.open_fixer_flags == 1


def test_just_before_midnight_the_figures_are_those_of_the_day_ending(
    singapore: Mission, day: dict[str, Any]
) -> None:
    d = consular_dashboard.consular_dashboard(mission=singapore, now=sg(23, 59, day=3))
    assert d.today == dt.date(2027, 1, 3)
    assert d.bookings.by_status["active"] == 1 and d.bookings.slots == 1  # the 23:30 slot only
    assert d.queue.issued == 1
    assert d.cash_by_currency == [("SGD", 1, Decimal("999"))]


def test_an_officer_sees_the_page_without_any_persons_data(
    singapore: Mission, day: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = staff_client(make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER))
    client.get(URL)  # the session and the translations are warm from here on
    with django_assert_max_num_queries(18):
        response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'hx-trigger="every 30s"' in html
    assert 'data-testid="bookings-taken">7<' in html
    assert 'data-testid="queue-waiting">2<' in html
    assert 'data-testid="late">1<' in html
    assert "UTC+8" in html and "Asia/Singapore" in html
    for secret in [NAME, "Siti", NIK, PASSPORT, "clerk-sg", *day["references"]]:
        assert secret not in html


def test_the_refresh_returns_the_figures_only_in_a_bounded_number_of_queries(
    singapore: Mission, day: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    client = staff_client(make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER))
    client.get(URL)
    with django_assert_max_num_queries(16):
        response = client.get(URL, {"misi": "KBRI-SINGAPORE"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html and html.lstrip().startswith('<div id="live"')
    assert 'data-testid="bookings-taken">7<' in html


def test_the_query_count_does_not_grow_with_the_rows(
    singapore: Mission, day: dict[str, Any], citizen: Citizen
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        consular_dashboard.consular_dashboard(mission=singapore, now=NOW)
    for _ in range(20):
        _application(singapore, citizen, Status.IN_PROCESS, TODAY)
        _ticket(singapore, "waiting", sg(9, 45))
    with CaptureQueriesContext(connection) as after:
        consular_dashboard.consular_dashboard(mission=singapore, now=NOW)
    assert len(after) == len(before) == 9


def test_another_missions_officer_gets_404(singapore: Mission, day: dict[str, Any]) -> None:
    client = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER))
    assert client.get(URL, {"misi": "KBRI-SINGAPORE"}).status_code == 404
    assert client.get(URL, {"misi": "KBRI-SINGAPORE"}, headers={"HX-Request": "true"}).status_code == 404
    own = client.get(URL)
    assert own.status_code == 200 and "Kuala Lumpur" in own.content.decode()
    assert 'data-testid="bookings-taken">1<' in own.content.decode()  # KL's own booking


def test_a_social_media_officer_may_not_see_it(singapore: Mission) -> None:
    client = staff_client(make_staff("KBRI-SINGAPORE", Role.SOCIAL_MEDIA_OFFICER))
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"misi": "KBRI-SINGAPORE"}).status_code in (403, 404)
    assert client.get(URL, {"misi": "KBRI-SINGAPORE"}, headers={"HX-Request": "true"}).status_code == 404


def test_signed_out_goes_to_the_staff_sign_in() -> None:
    response = staff_client(make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER, otp=False)).get(URL)
    assert response.status_code == 302
    from django.test import Client

    assert Client().get(URL).status_code == 302


def test_an_administrator_chooses_among_all_missions(singapore: Mission, day: dict[str, Any]) -> None:
    client = staff_client(make_staff("HQ-PWNI", Role.ADMINISTRATOR))
    chooser = client.get(reverse("console:consular-dashboard"))
    assert chooser.status_code == 200
    html = chooser.content.decode()
    assert 'data-testid="missions"' in html and "?misi=KBRI-SINGAPORE" in html and "?misi=KBRI-TOKYO" in html
    assert 'id="live"' not in html
    page = client.get(URL, {"misi": "KBRI-SINGAPORE"})
    assert page.status_code == 200 and 'data-testid="bookings-taken">7<' in page.content.decode()
    assert client.get(URL, {"misi": "NO-SUCH"}).status_code == 404
