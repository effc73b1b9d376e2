"""Cost and reach (issue 12, point 4): the price table per channel and country (SMS per segment, WhatsApp per
message, push and e-mail free, no price guessed), each queued SMS/WhatsApp message's estimated cost, a
mission's month-to-date spend in one query per batch, the alert at 80 % sent once a month to the head of
mission and headquarters, a spent budget holding back ordinary messages but never life-safety ones, and the
admin form for budgets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from embassy.common.tests.factories import make_staff, staff_client
from embassy.missions.models import Mission, Role
from embassy.notify.admin import MissionBudgetForm
from embassy.notify.budget import (
    HELD_ERROR,
    KIND_ALERT,
    budget_alert,
    budget_invalidate,
    budgets_for,
    month_start,
)
from embassy.notify.checks import check_sms_settings
from embassy.notify.costs import estimate, prices
from embassy.notify.models import BudgetMonth, Message, MissionBudget, Priority
from embassy.notify.services import MessageSpec, notify_address, notify_bulk

pytestmark = pytest.mark.django_db

PRICES = {"currency": "USD", "sms": {"default": "0.10", "ID": "0.02", "MY": "0.03"}, "whatsapp": {"default": "0.01"}}


@pytest.fixture(autouse=True)
def _priced(settings: Any) -> Iterator[None]:
    settings.NOTIFY_DEV_SINK = True  # SMS and WhatsApp without a provider go to the sink: both channels work
    settings.NOTIFY_SMS_PRICES, settings.NOTIFY_SMS_CURRENCY = "", "USD"
    settings.NOTIFY_PRICES = PRICES
    settings.NOTIFY_BUDGET_CACHE_SECONDS = 0  # every batch reads the spend (one test keeps it)
    budget_invalidate()
    yield
    budget_invalidate()  # nothing this test's (rolled-back) budgets left behind reaches the next test


@pytest.fixture
def kl() -> Mission:
    return Mission.objects.get(code="KBRI-KUALA-LUMPUR")


def _sms(n: int, mission: Mission | None, *, kind: str = "advisory.update", priority: int = Priority.NORMAL,
         start: int = 0, channel: str = "sms", country: str = "+6012") -> list[MessageSpec]:
    return [MessageSpec(channel=channel, address=f"{country}{start + i:07d}", subject="", body="Banjir: jauhi sungai.",
                        kind=kind, priority=priority, mission_id=mission.pk if mission else None)
            for i in range(n)]


def _budget(mission: Mission, amount: str, *, month: dt.date | None = None, currency: str = "USD") -> MissionBudget:
    return MissionBudget.objects.create(mission=mission, amount=Decimal(amount), currency=currency, month=month)


# --- Prices -------------------------------------------------------------------------------------------------
def test_prices_are_per_country_and_channel_sms_per_segment_and_push_and_email_free(settings: Any) -> None:
    table = prices()
    assert table.currency == "USD"
    assert (table.unit("sms", "ID"), table.unit("sms", "MY"), table.unit("sms", "TR")) == (
        Decimal("0.02"), Decimal("0.03"), Decimal("0.10"))  # a country without its own price: the default
    assert table.unit("whatsapp", "ID") == Decimal("0.01")
    assert table.unit("push", "ID") == table.unit("email", "") == Decimal(0)
    assert table.message_cost("sms", "+6281234567890", "short") == Decimal("0.02")
    assert table.message_cost("sms", "+6281234567890", "x" * 200) == Decimal("0.04")  # two segments
    assert table.message_cost("sms", "+60123456789", "ğ" * 100) == Decimal("0.06")  # UCS-2: two parts of 67
    assert table.message_cost("whatsapp", "+6281234567890", "x" * 2000) == Decimal("0.01")  # per message
    assert table.message_cost("email", "ayu@example.org", "x" * 2000) == 0

    sms = estimate(channel="sms", by_country={"ID": 4, "MY": 2}, text="x" * 200)
    assert (sms.messages, sms.segments, sms.total_segments, sms.cost) == (6, 2, 12, Decimal("0.28"))
    wa = estimate(channel="whatsapp", by_country={"ID": 4, "MY": 2})
    assert (wa.segments, wa.cost) == (None, Decimal("0.06"))
    push = estimate(channel="push", messages=5, people=3)
    assert (push.messages, push.people, push.cost, push.free) == (5, 3, Decimal(0), True)

    # the environment's JSON text, and the older NOTIFY_SMS_PRICES as the sms row under NOTIFY_PRICES's own entries
    settings.NOTIFY_PRICES = '{"sms": {"MY": "0.04"}, "whatsapp": {"SA": 0.05}, "currency": "eur"}'
    settings.NOTIFY_SMS_PRICES = "default=0.05, ID=0.0125"
    table = prices()
    assert table.rows == {"sms": {"DEFAULT": Decimal("0.05"), "ID": Decimal("0.0125"), "MY": Decimal("0.04")},
                          "whatsapp": {"SA": Decimal("0.05")}}
    assert table.currency == "EUR"


def test_no_price_means_no_estimate_never_a_guess(settings: Any) -> None:
    settings.NOTIFY_PRICES = {"sms": {"ID": "0.02"}}  # no default, no WhatsApp prices
    sms = estimate(channel="sms", by_country={"ID": 2, "MY": 1}, text="short")
    assert sms.cost is None and sms.unpriced == ("MY",)
    assert estimate(channel="whatsapp", by_country={"ID": 1}).cost is None
    [priced, unpriced] = [notify_address(channel="sms", address=a, subject="", body="Banjir") for a in
                          ("+6281234567890", "+60123456789")]
    assert priced is not None and unpriced is not None
    priced.refresh_from_db()
    unpriced.refresh_from_db()
    assert (priced.cost, unpriced.cost) == (Decimal("0.02000"), None)
    settings.NOTIFY_PRICES = ""
    assert estimate(channel="sms", by_country={"ID": 1}, text="short").cost is None


def test_the_deployment_check_reports_malformed_prices(settings: Any) -> None:
    settings.SMS_LINK_BASE = "https://sms.example.id"
    assert check_sms_settings() == []
    settings.NOTIFY_PRICES = {"sms": {"default": "abc", "Indonesia": "0.02", "MY": "-1", "ID": "NaN"},
                              "push": {"default": "0.01"}, "fax": {}, "whatsapp": "0.01", "currency": "dollars"}
    [warning] = check_sms_settings()
    assert warning.id == "notify.W002"
    for problem in ("DEFAULT ('abc')", "'Indonesia'", "MY ('-1')", "ID ('NaN')", "push costs nothing", "'fax'",
                    "whatsapp must be an object", "'DOLLARS'"):
        assert problem in warning.msg, problem
    assert prices().rows == {"sms": {}}  # malformed entries are left out, so they price nothing
    settings.NOTIFY_PRICES = "{not json"
    assert "not valid JSON" in check_sms_settings()[0].msg


# --- Spend --------------------------------------------------------------------------------------------------
def test_each_queued_sms_and_whatsapp_records_its_cost_and_the_spend_is_one_query_per_batch(kl: Mission) -> None:
    _budget(kl, "1000")
    specs = [*_sms(10, None, start=9000), *_sms(1500, kl), *_sms(500, kl, channel="whatsapp", country="+6281")]
    with CaptureQueriesContext(connection) as queries:
        assert notify_bulk(messages=specs, batch_size=1000) == 2010
    spend = [q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"].upper()]
    assert len(spend) == 3  # one per batch of 1000, not one per message
    costs = {channel: round(total, 5) for channel, total in Message.objects.filter(mission=kl).values_list("channel")
             .annotate(n=Sum("cost")).values_list("channel", "n")}
    assert costs == {"sms": Decimal("45"), "whatsapp": Decimal("5")}  # 1500 × 0.03 (MY), 500 × 0.01
    assert budgets_for([kl.pk])[kl.pk].spent == Decimal("50.00000")
    assert round(Message.objects.filter(mission__isnull=True).aggregate(s=Sum("cost"))["s"], 5) == Decimal("0.3")
    with CaptureQueriesContext(connection) as queries:
        notify_bulk(messages=_sms(5, None, start=20000))
    assert not [q for q in queries.captured_queries if "SUM(" in q["sql"].upper()]  # no mission: no spend query


def test_a_process_reads_the_spend_once_in_a_while_and_adds_what_it_queues(kl: Mission, settings: Any) -> None:
    """A roll-call queues 100,000 messages in 1,000 batches: the spend (a sum over the month's rows) is read
    again after NOTIFY_BUDGET_CACHE_SECONDS, and meanwhile the process counts what it queued itself."""
    settings.NOTIFY_BUDGET_CACHE_SECONDS = 60
    _budget(kl, "0.30")  # ten SMS to Malaysian numbers
    with CaptureQueriesContext(connection) as queries:
        queued = sum(notify_bulk(messages=_sms(4, kl, start=i)) for i in range(0, 20, 4))
    assert queued == 10 and Message.objects.filter(last_error=HELD_ERROR).count() == 10
    assert len([q for q in queries.captured_queries if "SUM(" in q["sql"].upper()]) == 1
    budget = MissionBudget.objects.get()
    budget.amount = Decimal("0.36")
    budget.save()  # as the admin does: this process drops what it read (other processes within the minute)
    assert notify_bulk(messages=_sms(4, kl, start=100)) == 2


def test_last_months_spend_does_not_count_and_a_months_own_budget_wins(kl: Mission) -> None:
    _budget(kl, "10")
    _budget(kl, "2", month=month_start().date().replace(day=15))  # any day of the month names the month
    notify_bulk(messages=_sms(10, kl))
    Message.objects.filter(mission=kl).update(created_at=month_start() - dt.timedelta(seconds=1))
    notify_bulk(messages=_sms(3, kl, start=100))
    [budget] = budgets_for([kl.pk]).values()
    assert (budget.amount, budget.spent) == (Decimal("10"), Decimal("0.09000"))  # the saved row kept day 15
    MissionBudget.objects.filter(month__isnull=False).update(month=month_start().date())
    assert budgets_for([kl.pk])[kl.pk].amount == Decimal("2")


# --- The alert at 80 % --------------------------------------------------------------------------------------
def test_the_80_percent_alert_goes_once_to_the_head_of_mission_and_headquarters(kl: Mission) -> None:
    head = make_staff("KBRI-KUALA-LUMPUR", Role.HEAD_OF_MISSION, username="hom.kl")
    admin = make_staff("HQ-PWNI", Role.ADMINISTRATOR, username="hq.admin")
    make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.kl")  # not told
    make_staff("KBRI-SINGAPORE", Role.HEAD_OF_MISSION, username="hom.sg")  # another mission's head: not told
    _budget(kl, "1.00")  # 0.03 per SMS to Malaysian numbers
    notify_bulk(messages=_sms(26, kl))  # 0.78
    assert not Message.objects.filter(kind=KIND_ALERT).exists()
    notify_bulk(messages=_sms(1, kl, start=100))  # 0.81: crosses 80 %
    alerts = Message.objects.filter(kind=KIND_ALERT)
    assert sorted(alerts.values_list("channel", "address")) == sorted([("email", admin.email), ("email", head.email)])
    assert {m.priority for m in alerts} == {Priority.HIGH} and all(m.mission_id is None for m in alerts)
    assert "81%" in alerts[0].subject and "1.00 USD" in alerts[0].body
    for start in (200, 300):  # later batches, and a single message, do not alert again
        notify_bulk(messages=_sms(2, kl, start=start))
    notify_address(channel="sms", address="+60120000999", subject="", body="x", mission_id=kl.pk)
    assert Message.objects.filter(kind=KIND_ALERT).count() == 2
    assert BudgetMonth.objects.get(mission=kl).alerted_at is not None
    [budget] = budgets_for([kl.pk]).values()
    assert budget.alerted
    # Two workers crossing the line together: whoever sets alerted_at first sends it.
    BudgetMonth.objects.update(alerted_at=None)
    sent = [budget_alert(budget=budget, spent=Decimal("0.9"), month=month_start().date(), tell=lambda **kw: None)
            for _ in range(2)]
    assert sent == [True, False]


# --- A spent budget -----------------------------------------------------------------------------------------
def test_a_spent_budget_holds_ordinary_messages_and_never_life_safety_ones(kl: Mission, caplog: Any) -> None:
    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="hq.analyst")
    _budget(kl, "0.30")
    assert notify_bulk(messages=_sms(10, kl)) == 10  # exactly 0.30: spent
    caplog.set_level("WARNING", logger="embassy.notify.budget")
    specs = [*_sms(2, kl, start=100),  # ordinary
             *_sms(1, kl, start=200, kind="crisis.notice", priority=Priority.HIGH),  # life-safety
             *_sms(1, kl, start=300, kind="sos.ack", priority=Priority.SOS),
             *_sms(1, kl, start=400, kind="sos.other", priority=Priority.SOS),  # anything at SOS priority
             *_sms(1, kl, start=500, kind="crisis.rollcall", priority=Priority.BULK),  # the roll-call, at BULK
             *_sms(1, kl, start=550, kind="advisory.update", priority=Priority.HIGH),  # urgent, not life-safety
             *_sms(1, None, start=600)]  # no mission: no budget
    assert notify_bulk(messages=specs) == 5
    queued = Message.objects.filter(status=Message.Status.QUEUED, address__in=[s.address for s in specs])
    assert sorted(queued.values_list("kind", flat=True)) == [
        "advisory.update", "crisis.notice", "crisis.rollcall", "sos.ack", "sos.other"]
    assert queued.filter(kind="advisory.update").get().mission_id is None
    held = Message.objects.filter(status=Message.Status.DEAD, last_error=HELD_ERROR)
    assert sorted(held.values_list("kind", "priority")) == [
        ("advisory.update", Priority.HIGH), ("advisory.update", Priority.NORMAL), ("advisory.update", Priority.NORMAL)]
    assert all(m.cost is None for m in held)  # held back: not spent
    assert BudgetMonth.objects.get(mission=kl).held == 3
    assert "3 messages held back" in caplog.text
    assert budgets_for([kl.pk])[kl.pk].spent == Decimal("0.42000")  # life-safety messages still count

    # One message at a time (notify_address, notify_user): the same rule; the held one is in the log.
    assert notify_address(channel="whatsapp", address="+60120000777", subject="", body="Info", mission_id=kl.pk) is None
    sos = notify_address(channel="sms", address="+60120000778", subject="", body="Kami terima SOS Anda.",
                         kind="sos.received", priority=Priority.SOS, mission_id=kl.pk)
    assert sos is not None and sos.status == Message.Status.QUEUED and sos.cost == Decimal("0.03")
    assert BudgetMonth.objects.get(mission=kl).held == 4
    log = staff_client(analyst).get(reverse("console:notify-log"), {"status": "dead"}).content.decode()
    assert log.count(HELD_ERROR.replace("'", "&#x27;")) == 4
    # Push and e-mail cost nothing and are never held.
    assert notify_address(channel="email", address="ayu@example.org", subject="s", body="b", mission_id=kl.pk)


def test_a_budget_in_another_currency_is_not_applied(kl: Mission, caplog: Any) -> None:
    _budget(kl, "0", currency="EUR")
    caplog.set_level("WARNING", logger="embassy.notify.budget")
    assert notify_bulk(messages=_sms(3, kl)) == 3
    assert "is in EUR but prices are in USD" in caplog.text


# --- The admin ----------------------------------------------------------------------------------------------
def test_the_admin_form_takes_a_month_in_the_price_currency_and_refuses_duplicates(kl: Mission) -> None:
    form = MissionBudgetForm()
    assert form.fields["currency"].initial == "USD"
    data = {"mission": kl.pk, "month": "2027-03-17", "amount": "250.00", "currency": "usd", "note": "Gempa"}
    form = MissionBudgetForm(data=data)
    assert form.is_valid(), form.errors
    budget = form.save()
    assert (budget.month, budget.currency, budget.amount) == (dt.date(2027, 3, 1), "USD", Decimal("250.00"))
    again = MissionBudgetForm(data={**data, "month": "2027-03-02"})
    assert not again.is_valid() and "sudah memiliki anggaran untuk bulan itu" in str(again.errors)  # Indonesian first
    assert MissionBudgetForm(data={**data, "month": ""}).is_valid()  # every month: another row
    wrong = MissionBudgetForm(data={**data, "month": "2027-04-01", "currency": "EUR", "amount": "-5"})
    assert not wrong.is_valid()
    assert set(wrong.errors) == {"currency", "amount"} and "USD" in str(wrong.errors["currency"])


def test_headquarters_sees_this_months_spend_and_held_messages_in_the_admin(kl: Mission) -> None:
    admin = make_staff("HQ-PWNI", Role.ADMINISTRATOR, username="hq.admin.budget")
    type(admin).objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    admin.refresh_from_db()
    _budget(kl, "0.06")
    notify_bulk(messages=_sms(3, kl))  # 0.06 spent by the first two; the third is held
    page = staff_client(admin).get("/admin/notify/missionbudget/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "0.06 USD (100%)" in text and 'class="field-held">1<' in text
    assert staff_client(admin).get("/admin/notify/missionbudget/add/").status_code == 200

