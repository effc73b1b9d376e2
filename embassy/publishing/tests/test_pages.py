"""The console's publishing pages: compose with a preview per platform, approve, the calendar in the account's
zone, crisis offers, the archive export; and who may not."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from embassy.common.tests.factories import make_staff, staff_client
from embassy.crises.models import Crisis
from embassy.missions.models import Mission, Role
from embassy.publishing.models import Draft, Target
from embassy.publishing.publisher import publish_target
from embassy.publishing.services import archive_add
from embassy.social.models import Account

pytestmark = [pytest.mark.django_db]
KL = "KBRI-KUALA-LUMPUR"


@pytest.fixture
def account() -> Account:
    return Account.objects.create(platform="x", handle="kbri_kl_p", url="https://example.org/p", owner="mission",
                                  unit=Mission.objects.get(code=KL), platform_id="p1")


def test_compose_preview_submit_approve(account: Account) -> None:
    smo = staff_client(make_staff(KL, Role.SOCIAL_MEDIA_OFFICER))
    page = smo.get(reverse("console:publishing-calendar"))
    assert page.status_code == 200 and b"kbri_kl_p" in page.content and b"Asia/Kuala_Lumpur" in page.content
    answer = smo.post(reverse("console:publishing-compose"), {
        "accounts": [account.pk], "text": "Prabowo Subianto tiba di Kuala Lumpur", "scheduled_at": "2030-01-02 09:00"})
    draft = Draft.objects.get()
    assert answer.status_code == 302 and answer["Location"] == reverse("console:publishing-draft", args=[draft.pk])
    target = draft.targets.get()
    assert target.scheduled_at == dt.datetime(2030, 1, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Kuala Lumpur
    shown = smo.get(answer["Location"]).content.decode()
    assert "37 / 280" in shown and "09:00 Asia/Kuala_Lumpur" in shown and "disebut tanpa gelar" in shown  # the console speaks Indonesian first
    smo.post(reverse("console:publishing-act", args=[draft.pk, "ajukan"]))
    smo.post(reverse("console:publishing-act", args=[draft.pk, "setujui"]))  # own draft: refused
    assert Draft.objects.get().status == Draft.Status.SUBMITTED
    head = staff_client(make_staff(KL, Role.HEAD_OF_MISSION))
    head.post(reverse("console:publishing-act", args=[draft.pk, "setujui"]), {"comment": "OK"})
    assert Draft.objects.get().status == Draft.Status.APPROVED
    calendar = smo.get(reverse("console:publishing-calendar") + "?tahun=2030&bulan=1").content.decode()
    assert "09:00 X kbri_kl_p" in calendar


def test_other_units_and_other_roles_see_nothing(account: Account) -> None:
    smo = staff_client(make_staff(KL, Role.SOCIAL_MEDIA_OFFICER))
    smo.post(reverse("console:publishing-compose"), {"accounts": [account.pk], "text": "Halo"})
    draft = Draft.objects.get()
    other = staff_client(make_staff("KBRI-SINGAPORE", Role.SOCIAL_MEDIA_OFFICER))
    assert other.get(reverse("console:publishing-draft", args=[draft.pk])).status_code == 404
    consular = staff_client(make_staff(KL, Role.CONSULAR_OFFICER))
    assert consular.get(reverse("console:publishing-calendar")).status_code == 403


def test_crisis_mode_offers_a_bilingual_post_with_the_hotline(account: Account) -> None:
    crisis = Crisis.objects.create(title="Banjir Kuala Lumpur", status=Crisis.Status.ACTIVE,
                                   occurred_at=timezone.now())
    crisis.missions.add(Mission.objects.get(code=KL))
    smo = staff_client(make_staff(KL, Role.SOCIAL_MEDIA_OFFICER))
    page = smo.get(reverse("console:publishing-calendar")).content.decode()
    assert "Banjir Kuala Lumpur" in page and "+60176688032" in page and "[EN]" in page
    other = staff_client(make_staff("KBRI-SINGAPORE", Role.SOCIAL_MEDIA_OFFICER))
    assert "Banjir Kuala Lumpur" not in other.get(reverse("console:publishing-calendar")).content.decode()


def test_archive_export_lists_every_version(account: Account) -> None:
    smo_user = make_staff(KL, Role.SOCIAL_MEDIA_OFFICER)
    draft = Draft.objects.create(text="Versi satu", created_by=smo_user, status=Draft.Status.APPROVED)
    target = Target.objects.create(draft=draft, account=account, scheduled_at=timezone.now(), idempotency_key="k",
                                   status=Target.Status.PUBLISHED, platform_post_id="99")
    archive_add(target=target, event="published", text="Versi satu")
    archive_add(target=target, event="edited", text="Versi dua")
    archive_add(target=target, event="deleted", text="Versi dua")
    assert publish_target(target.pk) is None
    csv = staff_client(smo_user).get(reverse("console:publishing-archive")).content.decode()
    assert csv.splitlines()[0].startswith("at_utc,event,version")
    assert [line.split(",")[1] for line in csv.splitlines()[1:]] == ["published", "edited", "deleted"]
    assert "Versi dua" in csv
