"""The console's social-media pages, as the digital-diplomacy team and a mission's officer use them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from embassy.accounts.models import AuditEvent
from embassy.common.tests.factories import make_staff, staff_client
from embassy.missions.models import Mission, Role
from embassy.notify.tests.vendor_server import VendorServer
from embassy.social.aggregates import refresh_days
from embassy.social.models import Account, AccountDay, Mention, Post
from embassy.social.services import credentials_of
from embassy.social.tests.test_collector_mastodon import script_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts() -> dict[str, Account]:
    kl = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    return {
        "kl": Account.objects.create(platform="mastodon", handle="kbri@social.example", owner="mission", unit=kl,
                                     url="https://social.example/@kbri"),
        "ministry": Account.objects.create(platform="x", handle="Kemlu_contoh", owner="ministry",
                                           url="https://x.com/Kemlu_contoh"),
    }


def test_headquarters_sees_every_account_and_a_missions_officer_only_their_own(accounts: dict[str, Account]) -> None:
    hq = staff_client(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    page = hq.get(reverse("console:social-accounts"))
    assert page.status_code == 200
    assert "kbri@social.example" in page.content.decode() and "Kemlu_contoh" in page.content.decode()
    kl = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER))
    page = kl.get(reverse("console:social-accounts"))
    assert "kbri@social.example" in page.content.decode() and "Kemlu_contoh" not in page.content.decode()
    assert kl.get(reverse("console:social-account", args=[accounts["ministry"].pk])).status_code == 404
    protection = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER))
    assert protection.get(reverse("console:social-accounts")).status_code == 403
    assert "nav-social" not in protection.get(reverse("console:home")).content.decode()


def test_connecting_stores_the_token_sealed_shows_it_masked_and_audits_it(accounts: dict[str, Account]) -> None:
    officer = make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY)
    client = staff_client(officer)
    url = reverse("console:social-connect", args=[accounts["ministry"].pk])
    response = client.post(url, {"bearer_token": "AAAA-very-secret-7788"}, follow=True)
    assert response.status_code == 200
    account = Account.objects.get(pk=accounts["ministry"].pk)
    assert credentials_of(account) == {"bearer_token": "AAAA-very-secret-7788"}
    body = response.content.decode()
    assert "very-secret" not in body and "••••••••7788" in body
    event = AuditEvent.objects.get(action="social.connect")
    assert event.actor == officer and "secret" not in json.dumps(event.detail)
    assert client.post(url, {"bearer_token": "  "}, follow=True).status_code == 200  # "type at least one"


def test_pull_now_reads_the_platform_and_the_page_shows_the_posts(accounts: dict[str, Account], settings: Any) -> None:
    client = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER))
    account = accounts["kl"]
    with VendorServer() as vendor:
        settings.SOCIAL_API_BASE = {**settings.SOCIAL_API_BASE, "mastodon": vendor.url}
        script_history(vendor)
        response = client.post(reverse("console:social-pull", args=[account.pk]), follow=True)
    assert response.status_code == 200 and Post.objects.filter(account=account).count() == 3
    body = response.content.decode()
    assert "Pos 103" in body and "1520" in body


def test_an_export_is_imported_from_the_page_and_a_broken_one_refused_with_its_line(
        accounts: dict[str, Account]) -> None:
    client = staff_client(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    url = reverse("console:social-import", args=[accounts["ministry"].pk])
    good = ('window.YTD.tweets.part0 = [{"tweet": {"id_str": "1", "created_at": "Mon Nov 27 02:15:00 +0000 2023", '
            '"full_text": "Halo", "favorite_count": "2", "retweet_count": "0"}}]')
    response = client.post(url, {"export": SimpleUploadedFile("tweets.js", good.encode())}, follow=True)
    assert Post.objects.filter(account=accounts["ministry"]).count() == 1 and "Halo" in response.content.decode()
    response = client.post(url, {"export": SimpleUploadedFile("tweets.js", b"[]")}, follow=True)
    assert "line 1" in response.content.decode()


def test_the_dashboard_and_its_exports(accounts: dict[str, Account]) -> None:
    now = timezone.now()
    for i in range(6):
        Post.objects.create(account=accounts["kl"], post_id=str(i), published_at=now - dt.timedelta(days=i + 1),
                            likes=10, comments=1, shares=1, kind="video" if i % 2 else "image")
    refresh_days([accounts["kl"].pk])
    AccountDay.objects.create(account=accounts["kl"], day=(now - dt.timedelta(days=2)).date(), followers=4200)
    hq = staff_client(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    page = hq.get(reverse("console:social-dashboard"))
    body = page.content.decode()
    assert page.status_code == 200 and "<svg" in body and 'data-testid="social-league"' in body
    assert "4.200" in body  # grouped the Indonesian way
    csv_text = hq.get(reverse("console:social-export", args=["csv"]) + "?hari=30").content.decode()
    header, *lines = csv_text.strip().splitlines()
    assert header.startswith("platform,handle") and any(line.startswith("mastodon,kbri@social.example") for line in lines)
    kl_line = next(line for line in lines if line.startswith("mastodon,"))
    assert ",4200,6,72,12.0," in kl_line
    xlsx = hq.get(reverse("console:social-export", args=["xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    officer = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER))
    body = officer.get(reverse("console:social-dashboard")).content.decode()
    assert "Kemlu_contoh" not in body and "social-league" not in body  # their own accounts, no league table


def test_the_admin_of_accounts_and_read_budgets_opens_for_headquarters_administrators() -> None:
    admin_user = make_staff("HQ-PWNI", Role.ADMINISTRATOR)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = staff_client(admin_user)
    for url in ("/admin/social/account/", "/admin/social/account/add/", "/admin/social/readbudget/add/"):
        assert client.get(url).status_code == 200, url


def test_credentials_typed_in_the_admin_are_sealed_and_bad_json_is_refused() -> None:
    admin_user = make_staff("HQ-PWNI", Role.ADMINISTRATOR)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = staff_client(admin_user)
    form = {"platform": "x", "handle": "kemlu_admin", "url": "https://x.com/kemlu_admin", "owner": "ministry",
            "active": "on", "token_expires_at_0": "", "token_expires_at_1": "", "refresh_expires_at_0": "",
            "refresh_expires_at_1": ""}
    refused = client.post("/admin/social/account/add/", {**form, "new_credentials": "{not json"})
    assert refused.status_code == 200 and not Account.objects.filter(handle="kemlu_admin").exists()
    client.post("/admin/social/account/add/", {**form, "new_credentials": '{"bearer_token": "AAAA-secret-9876"}'})
    account = Account.objects.get(handle="kemlu_admin")
    assert credentials_of(account) == {"bearer_token": "AAAA-secret-9876"} and "secret" not in account.credentials


def test_the_account_page_lists_last_weeks_mentions_without_a_reply(accounts: dict[str, Account]) -> None:
    account, now = accounts["ministry"], timezone.now()
    Account.objects.filter(pk=account.pk).update(last_success_at=now)
    for n in range(6):
        Mention.objects.create(account=account, post_id=f"m{n}", author_handle=f"warga{n}",
                               published_at=now - dt.timedelta(days=2, hours=n), text=f"@Kemlu_contoh tanya {n}",
                               replied_at=now - dt.timedelta(days=1) if n == 0 else None)
    Mention.objects.create(account=account, post_id="old", author_handle="lama", text="@Kemlu_contoh lama",
                           published_at=now - dt.timedelta(days=9))
    client = staff_client(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    with translation.override("en"):
        body = client.get(reverse("console:social-account", args=[account.pk]), HTTP_ACCEPT_LANGUAGE="en"
                          ).content.decode()
    assert 'href="#mentions"' in body and 'id="mentions"' in body
    section = body[body.index('id="mentions"'):]
    section = section[:section.index("</section>")]
    assert all(f"warga{n}" in section for n in range(1, 6)) and "warga0" not in section and "lama" not in section
