"""Weekly and monthly reports: the page, the PDF, and the e-mail to the team when a period ends."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from embassy.common.tests.factories import make_staff, staff_client
from embassy.missions.models import Mission, Role
from embassy.notify.models import Message
from embassy.social.aggregates import refresh_days
from embassy.social.models import Account, AccountDay, Post
from embassy.social.reports import period_bounds, render_pdf, report_for
from embassy.social.services import report_notify

pytestmark = pytest.mark.django_db
UTC = dt.UTC


def test_period_bounds_are_the_last_complete_week_and_month() -> None:
    wednesday = dt.date(2026, 12, 2)
    assert period_bounds("week", wednesday) == (dt.datetime(2026, 11, 23, tzinfo=UTC), dt.datetime(2026, 11, 30, tzinfo=UTC))
    assert period_bounds("month", wednesday) == (dt.datetime(2026, 11, 1, tzinfo=UTC), dt.datetime(2026, 12, 1, tzinfo=UTC))
    assert period_bounds("month", dt.date(2026, 1, 15))[0] == dt.datetime(2025, 12, 1, tzinfo=UTC)


@pytest.fixture
def kl_account() -> Account:
    account = Account.objects.create(platform="x", handle="kbri_kl_contoh", owner="mission", url="https://x.com/k",
                                     unit=Mission.objects.get(code="KBRI-KUALA-LUMPUR"))
    for i in range(4):  # November: 4 posts of 10 interactions; October: 2 posts of 5
        Post.objects.create(account=account, post_id=f"n{i}", published_at=dt.datetime(2026, 11, 3 + i, 5, tzinfo=UTC),
                            likes=8, comments=1, shares=1, text=f"Pos November {i}")
    for i in range(2):
        Post.objects.create(account=account, post_id=f"o{i}", published_at=dt.datetime(2026, 10, 3 + i, 5, tzinfo=UTC),
                            likes=5, comments=0, shares=0)
    refresh_days([account.pk])
    AccountDay.objects.create(account=account, day=dt.date(2026, 10, 31), followers=900)
    AccountDay.objects.create(account=account, day=dt.date(2026, 11, 30), followers=1000)
    return account


def test_the_monthly_report_compares_with_the_month_before_and_prints(kl_account: Account) -> None:
    report = report_for(unit=kl_account.unit, period="month", today=dt.date(2026, 12, 2))
    assert (report.totals.posts, report.totals.interactions) == (4, 40)
    assert (report.previous.posts, report.previous.interactions) == (2, 10)
    assert report.rows[0].followers_change == 100 and report.top_posts[0].text.startswith("Pos November")
    pdf = render_pdf(report)
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000


def test_the_report_page_and_its_pdf(kl_account: Account) -> None:
    client = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER))
    page = client.get(reverse("console:social-report", args=["month"]))
    assert page.status_code == 200 and "kbri_kl_contoh" in page.content.decode()
    pdf = client.get(reverse("console:social-report-pdf", args=["week"]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get(reverse("console:social-report", args=["year"])).status_code == 404


def test_the_team_is_told_once_when_a_period_ends(kl_account: Account) -> None:
    hq = make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY)
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER)
    make_staff("KBRI-DOHA", Role.SOCIAL_MEDIA_OFFICER)  # Doha has no accounts in the registry: no report
    assert report_notify(period="month", today=dt.date(2026, 12, 1)) == 2
    assert report_notify(period="month", today=dt.date(2026, 12, 1)) == 2  # the same two, not new ones
    sent = Message.objects.filter(kind="social.report")
    assert sent.count() == 2
    assert {m.address for m in sent} == {hq.email, officer.email}
    kl = sent.get(address=officer.email)
    assert "unit=KBRI-KUALA-LUMPUR" in kl.url and "2026-11-01" in kl.body
