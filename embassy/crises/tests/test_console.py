"""The officer console for crises: the scoped list, declaring over a circle, a polygon or countries, the crisis
room (counts, the live poll, the map), the silent list (personal data: scoped and audited), answers heard
by phone, notes, confirming, dismissing and starting the roll-call."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client, TestCase
from django.urls import reverse

from embassy.accounts.models import AuditEvent
from embassy.citizens.models import Citizen
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.tests.factories import make_staff, staff_client, verified
from embassy.crises.models import Affected, Crisis, CrisisEvent
from embassy.crises.services import crisis_declare
from embassy.crises.tests.factories import CrisisRowFactory
from embassy.missions.models import Role
from embassy.sos.models import Case

pytestmark = pytest.mark.django_db
KL = (3.14, 101.69)


def _person(name: str, lat: float, lon: float, *, phone: str = "", email: str = "") -> Citizen:
    return StayFactory.create(citizen=CitizenFactory.create(full_name=name, phone=phone, email=email), lat=lat, lon=lon).citizen


@pytest.fixture
def kl_officer() -> Any:
    return make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="crisis.kl")


@pytest.fixture
def web(kl_officer: Any) -> Client:
    return staff_client(kl_officer)


@pytest.fixture
def flood(kl_officer: Any) -> Crisis:
    """An active crisis over Kuala Lumpur with two registered citizens inside (one with a phone) and one
    far away in Penang."""
    _person("Siti Banjir", 3.139, 101.6869, phone="+60123456789", email="siti@example.com")
    _person("Budi Banjir", 3.15, 101.70)
    _person("Rina Penang", 5.41, 100.33)
    verified(kl_officer)  # the service is called directly, as the web layer would
    crisis = crisis_declare(actor=kl_officer, title="Banjir Kuala Lumpur", kind="flood", lat=KL[0], lon=KL[1],
                            radius_km=25)
    del kl_officer.is_verified
    return crisis


def _ids(page: Any) -> list[int]:
    return [int(x) for x in re.findall(rb'data-testid="crisis-row" data-crisis="(\d+)"', page.content)]


def test_the_list_is_scoped_to_the_missions_and_headquarters_sees_all(web: Client, flood: Crisis) -> None:
    page = web.get("/konsol/krisis/")
    assert page.status_code == 200
    assert _ids(page) == [flood.pk]
    assert b"Banjir Kuala Lumpur" in page.content and reverse("console:crisis-new").encode() in page.content
    jeddah = staff_client(make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER, username="crisis.jeddah"))
    other = jeddah.get("/konsol/krisis/")
    assert other.status_code == 200 and _ids(other) == [] and b"Banjir Kuala Lumpur" not in other.content
    assert jeddah.get(f"/konsol/krisis/{flood.pk}/").status_code == 404
    assert jeddah.get(f"/konsol/krisis/{flood.pk}/live/").status_code == 404
    assert jeddah.get(f"/konsol/krisis/{flood.pk}/peta.geojson").status_code == 404
    hq = staff_client(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="crisis.hq"))
    elsewhere = CrisisRowFactory.create(title="Gempa Jepang", kind="earthquake", source="usgs", source_id="us1")
    assert _ids(hq.get("/konsol/krisis/")) == [elsewhere.pk, flood.pk]
    assert _ids(hq.get("/konsol/krisis/?status=proposed")) == [elsewhere.pk]
    # the counts: two people inside, nobody answered yet
    found = re.search(rb'data-crisis="%d".*?</tr>' % flood.pk, page.content, re.S)
    assert found is not None
    row = found.group(0)
    assert re.findall(rb'<td class="num">(\d+)</td>', row) == [b"2", b"0", b"0", b"2"]  # affected, safe, need help, silent
    # not signed in with the second factor, or not staff: the sign-in page
    assert Client().get("/konsol/krisis/").status_code == 302


def test_declare_by_circle_creates_the_crisis_and_opens_the_room(web: Client) -> None:
    _person("Siti Banjir", 3.139, 101.6869)
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = web.post("/konsol/krisis/baru/", {"title": "Banjir KL", "kind": "flood", "zone": "circle",
                                              "lat": "3.14", "lon": "101.69", "radius_km": "20"})
    crisis = Crisis.objects.get(title="Banjir KL")
    assert r.status_code == 302 and r["Location"] == f"/konsol/krisis/{crisis.pk}/"
    assert crisis.status == Crisis.Status.ACTIVE and crisis.radius_km == 20 and crisis.registered_inside == 1
    assert list(crisis.missions.values_list("code", flat=True)) == ["KBRI-KUALA-LUMPUR"]
    room = web.get(r["Location"])
    assert room.status_code == 200 and b"Banjir KL" in room.content
    zone = re.search(rb'data-testid="zone-text">(.*?)</dd>', room.content, re.S)
    assert zone is not None
    zone_text = zone.group(1)
    assert b"20 km" in zone_text and b"3.1400, 101.6900" in zone_text


def test_declare_by_a_typed_city_and_radius_without_javascript(web: Client) -> None:
    """Issue 10: the circle can be set by typing a city and a radius (the form alone, no map script)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        r = web.post("/konsol/krisis/baru/", {"title": "Banjir Klang", "kind": "flood", "zone": "circle",
                                              "place": "Kuala Lumpur, Malaysia", "radius_km": "15"})
    crisis = Crisis.objects.get(title="Banjir Klang")
    assert r.status_code == 302
    assert crisis.lat is not None and crisis.lon is not None
    assert abs(crisis.lat - 3.1412) < 0.01 and abs(crisis.lon - 101.6865) < 0.01 and crisis.radius_km == 15
    refused = web.post("/konsol/krisis/baru/", {"title": "Nowhere", "kind": "flood", "zone": "circle",
                                                "place": "Qqqzzx", "radius_km": "15"})
    assert refused.status_code == 422 and b'data-testid="place-error"' in refused.content
    assert not Crisis.objects.filter(title="Nowhere").exists()


def test_declare_by_polygon_and_by_country(web: Client) -> None:
    siti = _person("Siti Banjir", 3.139, 101.6869)
    ring = [[101.6, 3.0], [101.8, 3.0], [101.8, 3.3], [101.6, 3.3], [101.6, 3.0]]
    r = web.post("/konsol/krisis/baru/", {"title": "Banjir poligon", "kind": "flood", "zone": "polygon",
                                          "polygon": json.dumps({"type": "Polygon", "coordinates": [ring]}),
                                          "lat": "", "lon": "", "radius_km": ""})
    drawn = Crisis.objects.get(title="Banjir poligon")
    assert r.status_code == 302 and r["Location"] == f"/konsol/krisis/{drawn.pk}/"
    assert drawn.polygon is not None and drawn.polygon["type"] == "Polygon" and drawn.radius_km is None
    assert list(Affected.objects.filter(crisis=drawn).values_list("citizen_id", flat=True)) == [siti.pk]
    r = web.post("/konsol/krisis/baru/", {"title": "Kerusuhan Malaysia", "kind": "conflict", "zone": "countries",
                                          "countries": ["MY"], "lat": "3.1", "lon": "101.6"})
    whole = Crisis.objects.get(title="Kerusuhan Malaysia")
    assert r.status_code == 302 and whole.countries == ["MY"] and whole.radius_km is None
    assert whole.registered_inside == 1


@pytest.mark.parametrize(("data", "field", "needle"), [
    ({"zone": "circle", "lat": "3.1", "lon": "101.6", "radius_km": "99999"}, "radius_km", "radius"),
    ({"zone": "circle", "lat": "95", "lon": "101.6", "radius_km": "10"}, "lat", "lat"),
    ({"zone": "circle", "lat": "", "lon": "", "radius_km": "10"}, "zone", "centre"),
    ({"zone": "polygon", "polygon": ""}, "polygon", "polygon"),
    ({"zone": "polygon", "polygon": "{not json"}, "polygon", "polygon"),
    ({"zone": "polygon", "polygon": json.dumps({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1],
                                                                                     [0, 0]]]})}, "polygon", "cross"),
    ({"zone": "countries"}, "countries", "country"),
    ({"zone": "countries", "countries": ["XX"]}, "countries", ""),
    ({"zone": "moon"}, "zone", ""),
])
def test_bad_input_re_renders_the_form_with_the_error(web: Client, data: dict[str, Any], field: str,
                                                      needle: str) -> None:
    web.post("/bahasa/", {"language": "en", "next": "/"})
    r = web.post("/konsol/krisis/baru/", {"title": "Salah", "kind": "flood", **data})
    assert r.status_code == 422
    errors = r.context["form"].errors
    assert field in errors, errors
    assert needle in " ".join(errors[field]).lower()
    assert b'role="alert"' in r.content
    assert not Crisis.objects.exists()


def test_title_and_kind_are_required(web: Client) -> None:
    r = web.post("/konsol/krisis/baru/", {"title": "", "kind": "meteor", "zone": "countries", "countries": ["MY"]})
    assert r.status_code == 422 and {"title", "kind"} <= set(r.context["form"].errors)
    assert not Crisis.objects.exists()


def test_only_crisis_managers_declare(flood: Crisis) -> None:
    social = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER, username="crisis.social"))
    assert b'data-testid="declare-link"' not in social.get("/konsol/krisis/").content
    r = social.post("/konsol/krisis/baru/", {"title": "Tidak boleh", "kind": "flood", "zone": "countries",
                                             "countries": ["MY"]})
    assert r.status_code == 403 and r.context["form"].non_field_errors()
    assert not Crisis.objects.filter(title="Tidak boleh").exists()


def test_the_room_shows_counts_and_the_live_poll_answers_204_until_something_changes(
        web: Client, flood: Crisis, django_assert_max_num_queries: Any) -> None:
    room = web.get(f"/konsol/krisis/{flood.pk}/")
    assert room.status_code == 200
    counts = room.context["counts"]
    assert (counts["registered"], counts["affected"], counts["safe"], counts["help"], counts["silent"]) == \
        (2, 2, 0, 0, 2)
    assert re.search(rb'data-count="affected">2<', room.content) and re.search(rb'data-count="silent">2<',
                                                                               room.content)
    assert b'data-testid="by-mission"' in room.content and b"KBRI-KUALA-LUMPUR" in room.content
    assert b'id="crisis-zone"' in room.content  # the zone for the map's script
    state = room.context["state"]
    assert f"/konsol/krisis/{flood.pk}/live/?state={state}".encode() in room.content
    # polled every 2 s by every officer in the room: session, user, second factor, scope, crisis, state (the
    # people's counts, the log's last entry, and the roll-call's messages per channel: receipts change it)
    with django_assert_max_num_queries(8):
        assert web.get(f"/konsol/krisis/{flood.pk}/live/?state={state}").status_code == 204
    # Someone answers: the poll brings the new counts, the mission table and the log.
    row = Affected.objects.filter(crisis=flood).order_by("id").first()
    assert row is not None
    r = web.post(f"/konsol/krisis/{flood.pk}/orang/{row.pk}/jawab/", {"answer": "safe"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    live = web.get(f"/konsol/krisis/{flood.pk}/live/?state={state}")
    assert live.status_code == 200
    assert re.search(rb'data-count="safe">1<', live.content) and re.search(rb'data-count="silent">1<', live.content)
    assert live.context["state"] != state
    assert b'id="room-missions" class="card" hx-swap-oob="true"' in live.content
    assert b'id="log" class="crisis-log" data-testid="crisis-log" hx-swap-oob="true"' in live.content
    assert web.get(f"/konsol/krisis/{flood.pk}/live/?state={live.context['state']}").status_code == 204
    # The map: hexagons with the answers, no names.
    geo = web.get(f"/konsol/krisis/{flood.pk}/peta.geojson?res=6").json()
    assert geo["type"] == "FeatureCollection"
    assert sum(f["properties"]["safe"] for f in geo["features"]) == 1
    assert sum(f["properties"]["total"] for f in geo["features"]) == 2
    assert "Siti" not in json.dumps(geo)
    assert web.get(f"/konsol/krisis/{flood.pk}/peta.geojson?res=banyak").json()["type"] == "FeatureCollection"


def test_the_silent_list_is_for_personal_data_roles_and_every_read_is_audited(web: Client, flood: Crisis) -> None:
    before = AuditEvent.objects.filter(action="crisis.silent.read").count()
    room = web.get(f"/konsol/krisis/{flood.pk}/")
    assert b'data-testid="silent-list"' in room.content
    assert b"Siti Banjir" in room.content and b'href="tel:+60123456789"' in room.content
    assert b"siti@example.com" in room.content and b"Rina Penang" not in room.content
    assert AuditEvent.objects.filter(action="crisis.silent.read").count() == before + 1
    page = web.get(f"/konsol/krisis/{flood.pk}/orang/?page=1", HTTP_HX_REQUEST="true")
    assert page.status_code == 200 and b"Budi Banjir" in page.content
    assert AuditEvent.objects.filter(action="crisis.silent.read", actor__username="crisis.kl").count() == before + 2

    social_user = make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER, username="crisis.social2")
    social = staff_client(social_user)
    room = social.get(f"/konsol/krisis/{flood.pk}/")
    assert room.status_code == 200
    assert b'data-testid="no-personal-data"' in room.content
    assert b"Siti Banjir" not in room.content and b"+60123456789" not in room.content
    assert b'data-count="affected">2<' in room.content  # the counts are not personal data
    people = social.get(f"/konsol/krisis/{flood.pk}/orang/")
    assert b'data-testid="no-personal-data"' in people.content and b"Siti Banjir" not in people.content
    assert not AuditEvent.objects.filter(action="crisis.silent.read", actor=social_user).exists()
    # answering for someone is refused too
    row = Affected.objects.filter(crisis=flood).first()
    assert row is not None
    assert social.post(f"/konsol/krisis/{flood.pk}/orang/{row.pk}/jawab/", {"answer": "safe"}).status_code == 404
    assert Affected.objects.get(pk=row.pk).answer == ""


def test_silent_list_pages(web: Client, kl_officer: Any, settings: Any) -> None:
    for i in range(30):
        _person(f"Warga {i:02d}", 3.14 + i / 1000, 101.69)
    verified(kl_officer)
    crisis = crisis_declare(actor=kl_officer, title="Banjir besar", kind="flood", lat=KL[0], lon=KL[1],
                            radius_km=25)
    first = web.get(f"/konsol/krisis/{crisis.pk}/")
    assert first.context["silent_total"] == 30 and len(first.context["silent"]) == 25
    assert b'data-testid="next-page"' in first.content
    second = web.get(f"/konsol/krisis/{crisis.pk}/orang/?page=2", HTTP_HX_REQUEST="true")
    assert second.status_code == 200 and len(second.context["silent"]) == 5
    assert web.get(f"/konsol/krisis/{crisis.pk}/orang/?page=999").context["page_number"] == 2
    assert web.get(f"/konsol/krisis/{crisis.pk}/orang/?page={'9' * 30}").context["page_number"] == 2
    assert web.get(f"/konsol/krisis/{crisis.pk}/orang/?page=x&mission=nope").context["page_number"] == 1


def test_an_answer_heard_by_phone_updates_the_counts_and_help_opens_an_sos_case(web: Client, flood: Crisis) -> None:
    siti = Affected.objects.get(crisis=flood, citizen__full_name="Siti Banjir")
    budi = Affected.objects.get(crisis=flood, citizen__full_name="Budi Banjir")
    r = web.post(f"/konsol/krisis/{flood.pk}/orang/{budi.pk}/jawab/", {"answer": "safe", "note": "by phone"},
                 HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b"Budi Banjir" not in r.content  # no longer in the silent list
    budi.refresh_from_db()
    assert budi.answer == "safe" and budi.answered_via == "staff"
    assert AuditEvent.objects.filter(action="crisis.answer", object_id=str(budi.pk)).exists()
    # without htmx: back to the room with a message
    r = web.post(f"/konsol/krisis/{flood.pk}/orang/{siti.pk}/jawab/", {"answer": "help", "note": "trapped"})
    assert r.status_code == 302 and r["Location"] == f"/konsol/krisis/{flood.pk}/#people"
    siti.refresh_from_db()
    assert siti.case_id is not None
    case = Case.objects.get(pk=siti.case_id)
    room = web.get(f"/konsol/krisis/{flood.pk}/")
    counts = room.context["counts"]
    assert (counts["safe"], counts["help"], counts["silent"]) == (1, 1, 0)
    assert f'href="/konsol/sos/{case.pk}/"'.encode() in room.content
    assert AuditEvent.objects.filter(action="crisis.help.read").exists()
    assert b'data-testid="silent-empty"' in room.content
    # a bad answer is shown, not a 500
    r = web.post(f"/konsol/krisis/{flood.pk}/orang/{siti.pk}/jawab/", {"answer": "maybe"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b'data-testid="answer-error"' in r.content


def test_notes_confirm_dismiss_and_the_roll_call(web: Client, flood: Crisis) -> None:
    r = web.post(f"/konsol/krisis/{flood.pk}/catatan/", {"text": "Tim menuju lokasi."})
    assert r.status_code == 302
    assert CrisisEvent.objects.filter(crisis=flood, kind="note", text="Tim menuju lokasi.").exists()
    room = web.get(f"/konsol/krisis/{flood.pk}/")
    assert b"Tim menuju lokasi." in room.content
    web.post(f"/konsol/krisis/{flood.pk}/catatan/", {"text": "   "})
    assert CrisisEvent.objects.filter(crisis=flood, kind="note").count() == 1
    assert b'class="msg error"' in web.get(f"/konsol/krisis/{flood.pk}/").content

    # the roll-call: the dialog tells how many people will be asked
    assert b'data-testid="rollcall"' in room.content and re.search(rb"2 (people|orang)", room.content)
    with TestCase.captureOnCommitCallbacks(execute=False):
        r = web.post(f"/konsol/krisis/{flood.pk}/panggil/")
    assert r.status_code == 302
    flood.refresh_from_db()
    assert flood.rollcall_started_at is not None
    room = web.get(f"/konsol/krisis/{flood.pk}/")
    assert b'data-testid="rollcall"' not in room.content
    web.post(f"/konsol/krisis/{flood.pk}/panggil/")  # twice: refused with a message, nothing breaks
    assert CrisisEvent.objects.filter(crisis=flood, kind="rollcall").count() == 1

    # a proposed crisis from a feed: confirm from the list, another dismissed from the room
    proposed = CrisisRowFactory.create(title="Gempa Selangor", kind="earthquake", source="usgs", source_id="us7",
                                lat=3.07, lon=101.52, radius_km=50)
    proposed.missions.set(flood.missions.all())
    listing = web.get("/konsol/krisis/")
    assert f'action="/konsol/krisis/{proposed.pk}/konfirmasi/"'.encode() in listing.content
    r = web.post(f"/konsol/krisis/{proposed.pk}/konfirmasi/", {"next": "list"})
    assert r.status_code == 302 and r["Location"] == "/konsol/krisis/"
    assert Crisis.objects.get(pk=proposed.pk).status == Crisis.Status.ACTIVE
    another = CrisisRowFactory.create(title="Banjir Selangor", kind="flood", source="gdacs", source_id="g7",
                               lat=3.07, lon=101.52, radius_km=30)
    another.missions.set(flood.missions.all())
    web.post(f"/konsol/krisis/{another.pk}/tutup/", {"reason": "false alarm"})
    assert Crisis.objects.get(pk=another.pk).status == Crisis.Status.DISMISSED
    # closing the active crisis; the phone answers are then refused with a message
    web.post(f"/konsol/krisis/{flood.pk}/tutup/", {"reason": "water receded"})
    assert Crisis.objects.get(pk=flood.pk).status == Crisis.Status.CLOSED
    row = Affected.objects.filter(crisis=flood, answer="").first()
    assert row is not None
    r = web.post(f"/konsol/krisis/{flood.pk}/orang/{row.pk}/jawab/", {"answer": "safe"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b'data-testid="answer-error"' in r.content
    assert Affected.objects.get(pk=row.pk).answer == ""


def test_the_zone_can_be_changed_from_the_room(web: Client, flood: Crisis) -> None:
    r = web.post(f"/konsol/krisis/{flood.pk}/zona/", {"zone": "circle", "lat": "3.139", "lon": "101.6869",
                                                      "radius_km": "0.5"})
    assert r.status_code == 302
    flood.refresh_from_db()
    assert flood.radius_km == 0.5 and flood.registered_inside == 1
    assert CrisisEvent.objects.filter(crisis=flood, kind="zone_changed").exists()
    web.post(f"/konsol/krisis/{flood.pk}/zona/", {"zone": "circle", "lat": "3.1", "lon": "101.6",
                                                  "radius_km": "-1"})
    assert Crisis.objects.get(pk=flood.pk).radius_km == 0.5
    assert b'class="msg error"' in web.get(f"/konsol/krisis/{flood.pk}/").content


def test_the_room_links_to_the_report(web: Client, flood: Crisis) -> None:
    room = web.get(f"/konsol/krisis/{flood.pk}/").content
    assert b'data-testid="report-box"' in room
    assert reverse("console:crisis-report", args=[flood.pk]).encode() in room


def test_the_console_menu_links_to_crises(web: Client) -> None:
    assert b'href="/konsol/krisis/" data-testid="nav-crises"' in web.get("/konsol/").content
