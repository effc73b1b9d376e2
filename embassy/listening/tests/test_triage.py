"""The protection duty officer's distress triage queue: who sees which posts (a Kuala Lumpur officer never sees a
Singapore post, headquarters' analyst sees all), the live poll, one click to a case (once), "not a case", the
reply through publishing, and the audit trail of every read."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from django.utils import timezone

from embassy.accounts.models import AuditEvent
from embassy.citizens.models import Citizen
from embassy.common.errors import NotFound
from embassy.common.tests.factories import make_staff, staff_client, verified
from embassy.listening import triage as tr
from embassy.listening.models import Heard, Triage
from embassy.missions.models import Mission, Role
from embassy.publishing.models import Draft
from embassy.social.distress import assess
from embassy.social.models import Account
from embassy.sos.models import Case, Category, Event

pytestmark = [pytest.mark.django_db]

KL, SG, HQ = "KBRI-KUALA-LUMPUR", "KBRI-SINGAPORE", "HQ-PWNI"
_ids = itertools.count(1000)


def queued(text: str, mission: str = KL, *, handle: str = "siti_pmi", minutes_ago: int = 0, platform: str = "x",
           source: str = "text", **extra: Any) -> Triage:
    """A heard post, assessed by the real detector, queued for `mission` as ingest does (status new)."""
    found = assess(text)
    assert found.flagged, text
    at = timezone.now() - dt.timedelta(minutes=minutes_ago)
    n = next(_ids)
    unit = Mission.objects.get(code=mission)
    heard = Heard.objects.create(
        platform=platform, post_id=str(n), published_at=at, heard_at=at, text=text,
        url=f"https://x.example/{handle}/status/{n}", author_id=f"u{n}", author_handle=handle, author_name="Siti",
        mission=unit, mission_source=source, distress=True,
        distress_category=found.category, distress_cues=list(found.cues), **extra)
    return Triage.objects.create(heard=heard, mission=unit, category=found.category, queued_at=at)


@pytest.fixture
def officer() -> Any:
    return make_staff(KL, Role.PROTECTION_OFFICER, username="kl.duty")


def actions(*names: str) -> int:
    return AuditEvent.objects.filter(action__in=names).count()


def test_the_queue_lists_the_officers_mission_newest_first_with_cues_marked(officer: Any) -> None:
    older = queued("gaji 6 bulan blm dibayar, majikan bilang nanti2 terus", minutes_ago=30)
    newer = queued("tolong sy disekap majikan di Riyadh", minutes_ago=1, handle="rina")
    singapore = queued("pls help my sister locked by employer in Dubai", SG, handle="sg_person")
    page = staff_client(officer).get("/konsol/triase/")
    assert page.status_code == 200
    html = page.content.decode()
    rows = re.findall(r'data-triage="(\d+)"', html)
    assert rows == [str(newer.pk), str(older.pk)]  # newest first; the Singapore post is not there
    assert str(singapore.pk) not in rows and "sg_person" not in html
    assert "<mark>disekap</mark>" in html and "<mark>tolong</mark>" in html  # cues, "tolong" as it was written
    assert "@rina" in html and 'data-testid="triage-category"' in html
    assert newer.heard.url in html
    assert actions("listening.triage.list") == 1


def test_headquarters_analyst_sees_every_mission() -> None:
    kl, sg = queued("tolong sy disekap majikan"), queued("paspor ditahan agen, sy gk bisa pulang", SG)
    analyst = make_staff(HQ, Role.PROTECTION_ANALYST)
    html = staff_client(analyst).get("/konsol/triase/").content.decode()
    assert set(re.findall(r'data-triage="(\d+)"', html)) == {str(kl.pk), str(sg.pk)}
    assert staff_client(analyst).get(f"/konsol/triase/{sg.pk}/").status_code == 200


def test_another_missions_post_is_not_found_even_by_url(officer: Any) -> None:
    singapore = queued("tolong sy disekap majikan", SG)
    web = staff_client(officer)
    assert web.get(f"/konsol/triase/{singapore.pk}/").status_code == 404
    assert web.post(f"/konsol/triase/{singapore.pk}/kasus/").status_code == 404
    assert web.post(f"/konsol/triase/{singapore.pk}/bukan-kasus/").status_code == 404
    assert web.get("/konsol/triase/999999/").status_code == 404
    assert not Case.objects.exists()
    singapore.refresh_from_db()
    assert singapore.status == Triage.Status.NEW
    assert actions("listening.triage.denied") == 3  # each refused read of a real post, audited


def test_staff_without_a_protection_role_may_not_read_the_queue() -> None:
    queued("tolong sy disekap majikan")
    social = make_staff(KL, Role.SOCIAL_MEDIA_OFFICER)
    assert staff_client(social).get("/konsol/triase/").status_code == 403
    assert staff_client(make_staff(KL, Role.PROTECTION_OFFICER, otp=False)).get("/konsol/triase/").status_code == 302


def test_the_live_poll_answers_204_until_a_post_arrives(officer: Any) -> None:
    web = staff_client(officer)
    html = web.get("/konsol/triase/").content.decode()
    cursor = re.search(r"cursor=([0-9-]+)", html).group(1)  # type: ignore[union-attr]
    assert web.get(f"/konsol/triase/live/?cursor={cursor}").status_code == 204
    post = queued("help me please, my madam beat me and took my phone")
    fresh = web.get(f"/konsol/triase/live/?cursor={cursor}")
    assert fresh.status_code == 200 and f'data-triage="{post.pk}"' in fresh.content.decode()
    assert 'hx-trigger="every 2s"' in fresh.content.decode()


def test_one_click_opens_one_case_for_the_author_and_lands_on_it(officer: Any) -> None:
    post = queued("Tolong KBRI, saya dipukuli majikan setiap hari", handle="@wati_hk", lat=3.14, lon=101.69,
                  source="position")
    web = staff_client(officer)
    first = web.post(f"/konsol/triase/{post.pk}/kasus/")
    case = Case.objects.get()
    assert first.status_code == 302 and first["Location"] == f"/konsol/sos/{case.pk}/"
    assert web.post(f"/konsol/triase/{post.pk}/kasus/")["Location"] == f"/konsol/sos/{case.pk}/"  # idempotent
    assert Case.objects.count() == 1
    post.refresh_from_db()
    assert (post.status, post.case_id, post.decided_by_id) == (Triage.Status.CASE, case.pk, officer.pk)
    assert case.mission.code == KL and case.category == Category.EMPLOYER_ABUSE
    assert case.status == Case.Status.ACKNOWLEDGED and case.assigned_to_id == officer.pk
    assert case.alerted_at is not None  # the officer who opened it is on it: no duty alert
    assert (case.lat, case.lon) == (3.14, 101.69)
    citizen = case.citizen
    assert (citizen.full_name, citizen.source, citizen.user_id, citizen.phone) == ("@wati_hk (X)", "social", None, "")
    note = case.events.get(kind=Event.Kind.NOTE)
    assert post.heard.url in note.text and "dipukuli majikan" in note.text
    assert note.data["post_id"] == post.heard.post_id
    page = web.get(f"/konsol/sos/{case.pk}/").content.decode()
    assert post.heard.url in page
    assert actions("listening.triage.case") == 1


def test_a_second_post_by_the_same_author_joins_the_open_case(officer: Any) -> None:
    first, second = queued("tolong sy disekap majikan"), queued("gaji 6 bulan blm dibayar", minutes_ago=1)
    actor = verified(officer)
    case = tr.triage_open_case(actor=actor, triage=first)
    assert tr.triage_open_case(actor=actor, triage=second).pk == case.pk
    assert Citizen.objects.filter(source="social").count() == 1
    assert case.events.filter(kind=Event.Kind.NOTE).count() == 2


def test_the_case_category_follows_the_distress_category() -> None:
    assert tr.CASE_CATEGORY["documents"] == Category.EMPLOYER_ABUSE
    assert tr.CASE_CATEGORY["trafficking"] == Category.CRIME
    assert tr.CASE_CATEGORY["detention"] == Category.ARREST
    assert set(tr.CASE_CATEGORY.values()) <= set(Category.values) - {Category.MESSAGE, Category.UNKNOWN}


def test_not_a_case_leaves_the_queue_with_its_note(officer: Any) -> None:
    post = queued("tolong sy disekap majikan")
    web = staff_client(officer)
    assert web.post(f"/konsol/triase/{post.pk}/bukan-kasus/", {"note": "film review"})["Location"] == "/konsol/triase/"
    post.refresh_from_db()
    assert (post.status, post.note, post.decided_by_id) == (Triage.Status.DISMISSED, "film review", officer.pk)
    assert f'data-triage="{post.pk}"' not in web.get("/konsol/triase/").content.decode()
    assert f'data-triage="{post.pk}"' in web.get("/konsol/triase/?status=dismissed").content.decode()
    assert actions("listening.triage.dismiss") == 1


def test_a_post_with_a_case_cannot_be_dismissed(officer: Any) -> None:
    post = queued("tolong sy disekap majikan")
    web = staff_client(officer)
    web.post(f"/konsol/triase/{post.pk}/kasus/")
    web.post(f"/konsol/triase/{post.pk}/bukan-kasus/", {"note": "x"})
    post.refresh_from_db()
    assert post.status == Triage.Status.CASE


def test_reading_a_post_is_audited(officer: Any) -> None:
    post = queued("tolong sy disekap majikan")
    assert staff_client(officer).get(f"/konsol/triase/{post.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="listening.triage.view")
    assert (event.object_id, event.mission_code) == (str(post.pk), KL)


def test_a_reply_without_the_missions_account_there_says_so(officer: Any) -> None:
    post = queued("tolong sy disekap majikan", platform="bluesky")
    web = staff_client(officer)
    assert 'data-testid="triage-no-account"' in web.get(f"/konsol/triase/{post.pk}/").content.decode()
    answer = web.post(f"/konsol/triase/{post.pk}/balas/", {"text": "Kami dari KBRI, silakan hubungi hotline"})
    assert answer.status_code == 409
    assert 'data-testid="triage-error"' in answer.content.decode()


def test_a_reply_goes_to_publishing_for_approval(officer: Any) -> None:
    post = queued("tolong sy disekap majikan")
    account = Account.objects.create(platform="x", handle="@KBRI_KualaLumpur", url="https://x.com/KBRI_KualaLumpur",
                                     owner="mission", unit=post.mission)
    # A protection officer does not run the mission's accounts, but may draft a reply on them (it is approved).
    web = staff_client(officer)
    answer = web.post(f"/konsol/triase/{post.pk}/balas/", {"text": "Kami dari KBRI Kuala Lumpur, silakan DM"})
    assert answer.status_code == 302, answer.content.decode()[-3000:]
    draft = Draft.objects.get()
    assert (draft.in_reply_to, draft.text) == (post.heard.post_id, "Kami dari KBRI Kuala Lumpur, silakan DM")
    assert draft.status == Draft.Status.SUBMITTED
    assert list(draft.targets.values_list("account_id", flat=True)) == [account.pk]
    assert actions("listening.triage.reply") == 1
    assert web.post(f"/konsol/triase/{post.pk}/balas/", {"text": "  "}).status_code in (409, 422)


def test_a_reply_refused_by_publishing_is_shown_not_raised(officer: Any) -> None:
    post = queued("tolong sy disekap majikan")
    Account.objects.create(platform="x", handle="@KBRI_KualaLumpur", url="https://x.com/KBRI_KualaLumpur",
                           owner="mission", unit=post.mission)
    too_long = "Kami dari KBRI " + "x" * 300  # over X's 280 characters: publishing refuses it
    answer = staff_client(officer).post(f"/konsol/triase/{post.pk}/balas/", {"text": too_long})
    assert answer.status_code in (409, 422)
    assert 'data-testid="triage-error"' in answer.content.decode()
    assert too_long in answer.content.decode()  # the text is kept for another try
    assert not Draft.objects.exists()


def test_the_selector_refuses_what_the_view_refuses(officer: Any) -> None:
    singapore = queued("tolong sy disekap majikan", SG)
    with pytest.raises(NotFound):
        tr.triage_get_for(user=verified(officer), triage_id=singapore.pk)
    with pytest.raises(NotFound):
        tr.triage_open_case(actor=verified(officer), triage=singapore)


def test_highlight_escapes_the_post() -> None:
    html = str(tr.highlight("<b>tlg</b> sy disekap", ["disekap", "tolong"]))
    assert html == "&lt;b&gt;<mark>tlg</mark>&lt;/b&gt; sy <mark>disekap</mark>"
