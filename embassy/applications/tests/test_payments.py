"""Payments at a counter and the daily cash report: totals by currency and method per counter, the mission's
local day (midnight to midnight in its zone), receipt numbers unique within a mission, the CSV."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from embassy.accounts.models import AuditEvent, User
from embassy.applications import selectors
from embassy.applications.models import Application, Payment, Status
from embassy.applications.services import application_advance, payment_record
from embassy.applications.tests.conftest import SG, submit
from embassy.common.errors import BadInput, Conflict, PermissionDenied
from embassy.common.tests.factories import make_staff, staff_client, verified
from embassy.consular.models import Counter
from embassy.missions.models import Mission, Role

pytestmark = pytest.mark.django_db
DAY = dt.date(2027, 1, 11)  # a Monday


def _pay(
    officer: User, application: Application, counter: Counter, row: tuple[str, str, str, str], at: dt.datetime
) -> Payment:
    amount, currency, method, receipt = row
    return payment_record(
        actor=officer,
        application=application,
        counter_id=counter.pk,
        amount=amount,
        currency=currency,
        method=method,
        receipt_number=receipt,
        now=at,
    )


def test_the_cash_report_adds_up_per_counter_currency_and_method_in_the_missions_day(
    citizen_user: User, mission: Mission, officer: User
) -> None:
    one, two = Counter.objects.filter(mission=mission).order_by("name")
    a, b = submit(citizen_user, mission), submit(citizen_user, mission)
    _pay(
        officer, a, one, ("350000", "idr", "cash", "R-1"), dt.datetime(2027, 1, 11, 0, 0, tzinfo=SG)
    )  # first second
    _pay(officer, b, one, ("150000.50", "IDR", "cash", "R-2"), dt.datetime(2027, 1, 11, 12, tzinfo=SG))
    _pay(officer, b, one, ("30.50", "SGD", "card", "R-3"), dt.datetime(2027, 1, 11, 23, 59, 59, tzinfo=SG))
    _pay(officer, a, two, ("20", "SGD", "transfer", "R-4"), dt.datetime(2027, 1, 11, 9, tzinfo=SG))
    _pay(
        officer, a, one, ("999", "SGD", "cash", "R-5"), dt.datetime(2027, 1, 12, 0, 0, tzinfo=SG)
    )  # next day
    _pay(
        officer, a, one, ("888", "SGD", "cash", "R-6"), dt.datetime(2027, 1, 10, 23, 59, tzinfo=SG)
    )  # day before
    # 16:30 UTC on the 10th is 00:30 on the 11th in Singapore: it belongs to the 11th.
    _pay(officer, b, two, ("5", "SGD", "transfer", "R-7"), dt.datetime(2027, 1, 10, 16, 30, tzinfo=dt.UTC))

    report = selectors.cash_report(user=officer, mission=mission, day=DAY, counter_id=one.pk)
    assert [(x.currency, x.method, x.count, x.total) for x in report.lines] == [
        ("IDR", "cash", 2, Decimal("500000.50")),
        ("SGD", "card", 1, Decimal("30.50")),
    ]
    assert report.by_currency == [("IDR", 2, Decimal("500000.50")), ("SGD", 1, Decimal("30.50"))]
    assert [p.receipt_number for p in report.payments] == ["R-1", "R-2", "R-3"]
    everything = selectors.cash_report(user=officer, mission=mission, day=DAY)
    assert everything.by_currency == [("IDR", 2, Decimal("500000.50")), ("SGD", 3, Decimal("55.50"))]
    totals = selectors.cash_totals(mission=mission, day=DAY)
    assert [(x.counter, x.currency, x.method, x.total) for x in totals] == [
        ("Loket 1", "IDR", "cash", Decimal("500000.50")),
        ("Loket 1", "SGD", "card", Decimal("30.50")),
        ("Loket 2", "SGD", "transfer", Decimal("25.00")),
    ]
    assert AuditEvent.objects.filter(action="applications.cash", actor=officer).count() == 2


def test_bad_payments_are_refused_with_their_field(
    citizen_user: User, mission: Mission, officer: User
) -> None:
    counter = Counter.objects.filter(mission=mission).first()
    assert counter is not None
    application = submit(citizen_user, mission)
    at = dt.datetime(2027, 1, 11, 10, tzinfo=SG)
    for amount, currency, method, receipt, field in (
        ("0", "SGD", "cash", "X1", "amount"),
        ("-5", "SGD", "cash", "X1", "amount"),
        ("abc", "SGD", "cash", "X1", "amount"),
        ("1.005", "SGD", "cash", "X1", "amount"),
        ("10", "dollars", "cash", "X1", "currency"),
        ("10", "SGD", "cheque", "X1", "method"),
        ("10", "SGD", "cash", " ", "receipt_number"),
    ):
        with pytest.raises(BadInput) as err:
            _pay(officer, application, counter, (amount, currency, method, receipt), at)
        assert err.value.field == field, amount
    kl_counter = Counter.objects.create(mission=Mission.objects.get(code="KBRI-KUALA-LUMPUR"), name="KL 1")
    with pytest.raises(BadInput) as err:
        _pay(officer, application, kl_counter, ("10", "SGD", "cash", "X1"), at)
    assert err.value.field == "counter"
    _pay(officer, application, counter, ("10", "SGD", "cash", "X1"), at)
    with pytest.raises(Conflict):
        _pay(officer, application, counter, ("10", "SGD", "cash", "X1"), at)  # the same receipt number
    other = verified(make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER))
    with pytest.raises(PermissionDenied):
        _pay(other, application, counter, ("10", "SGD", "cash", "X2"), at)
    application_advance(actor=officer, application=application, to=Status.REJECTED, note="No.")
    with pytest.raises(Conflict):
        _pay(officer, application, counter, ("10", "SGD", "cash", "X3"), at)
    assert Payment.objects.count() == 1


def test_the_cash_pages_and_csv(citizen_user: User, mission: Mission) -> None:
    officer = make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER)
    client = staff_client(officer)
    counter = Counter.objects.filter(mission=mission).order_by("name").first()
    assert counter is not None
    application = submit(citizen_user, mission)
    url = reverse("console:applications-payment", args=[mission.code, application.reference])
    client.post(
        url,
        {
            "counter": counter.pk,
            "amount": "30,50",
            "currency": "SGD",
            "method": "card",
            "receipt_number": "KBRI-001",
        },
    )
    payment = Payment.objects.get()
    page = client.post(
        url,
        {
            "counter": counter.pk,
            "amount": "1",
            "currency": "SGD",
            "method": "cash",
            "receipt_number": "KBRI-001",
        },
        follow=True,
    ).content.decode()
    assert "KBRI-001" in page and Payment.objects.count() == 1  # refused: said on the page
    day = payment.received_at.astimezone(SG).date().isoformat()
    cash = client.get(reverse("console:applications-cash", args=[mission.code]), {"day": day})
    assert (
        cash.status_code == 200
        and "KBRI-001" in cash.content.decode()
        and "Asia/Singapore" in cash.content.decode()
    )
    csv = client.get(
        reverse("console:applications-cash-csv", args=[mission.code]),
        {"day": day, "counter": str(counter.pk)},
    )
    body = b"".join(csv.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert csv["Content-Type"].startswith("text/csv") and "KBRI-001" in body and "30.50" in body
    assert body.count("SGD") >= 3  # the payment, the line total, the currency total
    assert (
        client.get(
            reverse("console:applications-cash", args=[mission.code]), {"day": "2027-02-30"}
        ).status_code
        == 422
    )
    kl = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER))
    assert kl.get(reverse("console:applications-cash", args=[mission.code])).status_code == 404
