"""The console page (filters, "older" with htmx, a call added with htmx), the citizen's page, the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from embassy.accounts.demo import demo_staff_ensure
from embassy.accounts.models import AuditEvent
from embassy.citizens.tests.factories import StayFactory
from embassy.common.errors import BadInput, NotFound, PermissionDenied
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff, staff_client, verified
from embassy.missions.models import Mission, Role
from embassy.timeline.models import Note
from embassy.timeline.services import note_add
from embassy.timeline.tests.conftest import KL, History

pytestmark = pytest.mark.django_db


def _url(history: History) -> str:
    return f"/konsol/warga/{history.citizen.pk}/riwayat/"


def test_the_officer_reads_the_page_filters_and_pages_older(history: History) -> None:
    web = staff_client(history.officer)
    page = web.get(_url(history))
    html = page.content.decode()
    assert page.status_code == 200 and html.count('data-testid="entry"') == 10
    assert 'data-testid="partial"' in html and "UTC+8" in html and "KBRI-SINGAPORE" not in html
    assert "Menelepon majikan." in html and 'data-testid="internal"' in html
    stays = web.get(_url(history), {"kind": "stay"}).content.decode()
    assert stays.count('data-testid="entry"') == 1
    first = web.get(_url(history), {"kind": ["sos", "note", "complaint"]}).content.decode()
    assert first.count('data-testid="entry"') == 6
    assert AuditEvent.objects.filter(action="timeline.view").count() == 3
    assert web.get(_url(history), {"before": "nonsense"}).status_code == 422


def test_older_entries_come_by_htmx(history: History, analyst, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("embassy.timeline.views.PAGE", 5)
    web = staff_client(analyst)
    html = web.get(_url(history)).content.decode()
    assert html.count('data-testid="entry"') == 5 and 'data-testid="older"' in html
    href = html.split('data-testid="older" href="')[1].split('"')[0].replace("&amp;", "&")
    more = web.get(_url(history) + href, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in more and more.count('data-testid="entry"') == 5


def test_a_call_is_added_with_htmx_and_never_edited(history: History) -> None:
    web = staff_client(history.officer)
    bad = web.post(f"{_url(history)}catatan/", {"kind": "call", "text": "  "}, HTTP_HX_REQUEST="true")
    assert bad.status_code == 422 and 'role="alert"' in bad.content.decode()
    ok = web.post(f"{_url(history)}catatan/", {"kind": "call", "text": "Menelepon keluarga di Cilacap."},
                  HTTP_HX_REQUEST="true")
    assert ok.status_code == 200 and "Menelepon keluarga di Cilacap." in ok.content.decode()
    note = Note.objects.get(text="Menelepon keluarga di Cilacap.")
    assert note.mission.code == KL and note.author == history.officer
    assert AuditEvent.objects.filter(action="timeline.note", object_id=str(note.pk)).exists()
    plain = web.post(f"{_url(history)}catatan/", {"kind": "note", "text": "Koreksi: Cilacap, bukan Cirebon."})
    assert plain.status_code == 302
    assert web.get(f"{_url(history)}catatan/").status_code == 405  # no edit, no delete: only appending


@translation.override("en")
def test_note_rules(history: History) -> None:
    with pytest.raises(PermissionDenied, match="outside"):
        note_add(actor=history.officer, citizen_id=history.citizen.pk, mission=history.sg, kind="note", text="x")
    with pytest.raises(BadInput, match="call or a note"):
        note_add(actor=history.officer, citizen_id=history.citizen.pk, mission=history.kl, kind="sms", text="x")
    with pytest.raises(BadInput, match="future"):
        note_add(actor=history.officer, citizen_id=history.citizen.pk, mission=history.kl, kind="call", text="x",
                 at=timezone.now() + dt.timedelta(hours=1))
    unverified = make_staff(KL, Role.PROTECTION_OFFICER)
    unverified.is_verified = lambda: False
    with pytest.raises(PermissionDenied):
        note_add(actor=unverified, citizen_id=history.citizen.pk, mission=history.kl, kind="call", text="x")
    stranger = verified(make_staff("KBRI-BANGKOK", Role.PROTECTION_OFFICER))
    with pytest.raises(NotFound, match="citizen"):
        note_add(actor=stranger, citizen_id=history.citizen.pk, mission=Mission.objects.get(code="KBRI-BANGKOK"),
                 kind="note", text="x")


def test_strangers_get_404_and_social_media_403_on_the_page(history: History) -> None:
    bangkok = staff_client(make_staff("KBRI-BANGKOK", Role.PROTECTION_OFFICER))
    assert bangkok.get(_url(history)).status_code == 404
    social = staff_client(make_staff(KL, Role.SOCIAL_MEDIA_OFFICER))
    assert social.get(_url(history)).status_code == 403
    assert Client().get(_url(history)).status_code == 302  # to the sign-in page


def test_the_citizen_page_shows_their_part_in_their_local_time(history: History) -> None:
    web = Client()
    web.force_login(history.user)
    html = web.get("/saya/riwayat/").content.decode()
    assert html.count('data-testid="entry"') == 8
    assert "Menelepon" not in html and "Paspor akan diambil" not in html and "Majikan" not in html
    assert 'href="/pengaduan/KBRI-KUALA-LUMPUR-2026-000001/"' in html and "Asia/Singapore" in html and "UTC+8" in html
    assert Client().get("/saya/riwayat/").status_code == 302


def test_the_api_for_staff_and_for_the_citizen(history: History, analyst) -> None:
    client = Client()
    url = f"/api/v1/timeline/citizens/{history.citizen.pk}"
    first = client.get(url, {"limit": 6}, headers=bearer(analyst)).json()
    assert len(first["entries"]) == 6 and first["next"] and first["partial"] is False
    rest = client.get(url, {"limit": 50, "before": first["next"]}, headers=bearer(analyst)).json()
    assert len(first["entries"]) + len(rest["entries"]) == len(history.rows) and rest["next"] is None
    entry = first["entries"][0]
    assert entry["at"].endswith("Z") and entry["mission"] == "KBRI-SINGAPORE" and "local_time" in entry
    notes = client.get(url, {"kind": ["note"]}, headers=bearer(analyst)).json()
    assert [e["kind"] for e in notes["entries"]] == ["note", "note"]
    officer = client.get(url, headers=bearer(history.officer)).json()
    assert {e["mission"] for e in officer["entries"]} == {KL} and officer["partial"] is True
    assert client.get(url, headers=bearer(make_staff("KBRI-BANGKOK", Role.PROTECTION_OFFICER))).status_code == 404
    assert client.get(url, headers=bearer(make_staff(KL, Role.SOCIAL_MEDIA_OFFICER))).status_code == 403
    bad = client.get(url, {"before": "x"}, headers=bearer(analyst))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "before"
    assert client.get(url).status_code == 401
    mine = client.get("/api/v1/timeline/me", headers=bearer(history.user)).json()
    assert len(mine["entries"]) == 8 and not any(e["kind"] == "note" for e in mine["entries"])
    assert all(e["citizen_visible"] for e in mine["entries"])
    assert client.get(url, headers=bearer(history.user)).status_code == 404
    with translation.override("en"):
        assert client.get("/api/v1/timeline/me", headers=bearer(analyst)).status_code == 403


def test_the_demo_command_is_idempotent(db: None) -> None:
    call_command("timeline_demo", verbosity=0)  # nothing to write to before seed_demo
    assert not Note.objects.exists()
    demo_staff_ensure()
    user = make_citizen_user("siti.rahayu@example.com")
    StayFactory.create(citizen=user.citizen)
    call_command("timeline_demo", verbosity=0)
    count = Note.objects.count()
    call_command("timeline_demo", verbosity=0)
    assert count > 0 and Note.objects.count() == count
