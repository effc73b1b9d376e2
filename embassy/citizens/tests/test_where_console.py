"""Where citizens are — the console page, the tables, the density map and the list of names: scoped,
counts for every staff role, names and contacts for authorised staff only, every read and refusal audited."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from typing import Any

import pytest
from django.test import Client
from h3.api import basic_int as h3i

from embassy.accounts.models import AuditEvent
from embassy.citizens.models import Citizen, Stay
from embassy.citizens.services import citizen_update, dependant_add, stay_end, stay_register
from embassy.citizens.tests.factories import CitizenFactory
from embassy.citizens.where.selectors import density_res, stay_density_for
from embassy.common.tests.factories import bearer, make_staff, staff_client, verified
from embassy.geo.h3cells import cell_at
from embassy.missions.models import Mission, Role

pytestmark = pytest.mark.django_db
KL = "KBRI-KUALA-LUMPUR"


def _citizen(name: str, lat: float, lon: float, *, phone: str = "", family: int = 0, **stay: Any) -> Citizen:
    citizen = CitizenFactory.create(full_name=name)
    if phone:
        citizen_update(citizen=citizen, actor=None, data={"phone": phone, "email": f"{name.split()[0].lower()}@example.com"})
    ids = [dependant_add(citizen=citizen, actor=None, full_name=f"{name} child {i}", relationship="child").pk
           for i in range(family)]
    stay_register(citizen=citizen, actor=None, lat=lat, lon=lon, start_date=dt.date(2026, 1, 1), dependants=ids, **stay)
    return citizen


@pytest.fixture
def people() -> dict[str, Citizen]:
    ani = _citizen("Ani Kuala Lumpur", 3.139, 101.6869, phone="+60123456789", family=2, purpose="work",
                   occupation="domestic_worker", employer="Keluarga Tan", city="Kuala Lumpur")
    budi = _citizen("Budi Kuala Lumpur", 3.15, 101.7, purpose="study", city="Kuala Lumpur")
    citra = _citizen("Citra Jeddah", 21.5433, 39.1728, phone="+966501234567", purpose="work", city="Jeddah")
    gone = _citizen("Dedi Gone", 3.16, 101.71, purpose="tourism")
    stay_end(stay=gone.stays.get(), actor=None)  # ended stays are not counted
    return {"ani": ani, "budi": budi, "citra": citra}


def test_counts_by_group_with_family_members_are_scoped(client: Client, people: dict[str, Citizen]) -> None:
    officer = bearer(make_staff(KL, Role.CONSULAR_OFFICER))
    rows = {r["key"]: r for r in client.get("/api/v1/staff/where?by=purpose", headers=officer).json()["rows"]}
    assert set(rows) == {"work", "study"}  # Jeddah's stay is outside the officer's mission
    assert (rows["work"]["stays"], rows["work"]["with_dependants"], rows["work"]["dependants"]) == (1, 1, 2)
    assert (rows["study"]["with_dependants"], rows["study"]["dependants"]) == (0, 0)
    by_family = client.get("/api/v1/staff/where?by=dependants", headers=officer).json()
    assert [(r["key"], r["stays"], r["dependants"]) for r in by_family["rows"]] == [("0", 1, 0), ("2", 1, 2)]
    assert by_family["total"] == 2 and by_family["dependants"] == 2
    hq = bearer(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST))
    countries = {r["key"]: (r["stays"], r["label"]) for r in client.get("/api/v1/staff/where", headers=hq).json()["rows"]}
    assert countries == {"MY": (2, "Malaysia"), "SA": (1, "Arab Saudi")}
    cities = client.get("/api/v1/staff/where?by=city&purpose=work", headers=hq).json()["rows"]
    assert {r["key"]: r["stays"] for r in cities} == {"Kuala Lumpur": 1, "Jeddah": 1}
    assert client.get("/api/v1/staff/where?purpose=smuggling", headers=hq).status_code == 422


def test_mission_officer_sees_names_of_their_mission_only_and_each_read_is_audited(people: dict[str, Citizen]) -> None:
    officer = make_staff(KL, Role.CONSULAR_OFFICER)
    page = staff_client(officer).get("/konsol/sebaran/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Ani Kuala Lumpur" in html and "+60123456789" in html and "Budi Kuala Lumpur" in html
    assert "Citra Jeddah" not in html and "Dedi Gone" not in html
    assert 'data-testid="export-csv"' in html and "/api/v1/staff/where/density" in html
    read = AuditEvent.objects.get(actor=officer, action="citizens.where.list")
    assert read.mission_code == KL
    filtered = staff_client(officer).get("/konsol/sebaran/daftar/?purpose=study")
    assert "Budi Kuala Lumpur" in filtered.content.decode() and "Ani Kuala Lumpur" not in filtered.content.decode()
    assert AuditEvent.objects.filter(actor=officer, action="citizens.where.list", detail__purpose="study").exists()


def test_headquarters_sees_every_mission_and_can_narrow_to_one(client: Client, people: dict[str, Citizen]) -> None:
    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST)
    html = staff_client(analyst).get("/konsol/sebaran/").content.decode()
    assert "Ani Kuala Lumpur" in html and "Citra Jeddah" in html
    listed = client.get("/api/v1/staff/where/citizens?mission=KJRI-JEDDAH", headers=bearer(analyst)).json()
    assert listed["count"] == 1
    citra = listed["items"][0]
    assert (citra["full_name"], citra["phone"], citra["mission"], citra["country"]) == (
        "Citra Jeddah", "+966501234567", "KJRI-JEDDAH", "SA")
    ani = client.get("/api/v1/staff/where/citizens?occupation=domestic_worker", headers=bearer(analyst)).json()["items"]
    assert [(a["full_name"], a["employer"], a["dependants"]) for a in ani] == [("Ani Kuala Lumpur", "Keluarga Tan", 2)]
    assert AuditEvent.objects.filter(actor=analyst, action="citizens.where.list", mission_code="KJRI-JEDDAH").exists()


def test_social_media_officer_gets_counts_but_never_names_and_refusals_are_audited(
        client: Client, people: dict[str, Citizen]) -> None:
    social = make_staff(KL, Role.SOCIAL_MEDIA_OFFICER)
    web = staff_client(social)
    page = web.get("/konsol/sebaran/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="where-total">2<' in html
    assert "Ani" not in html and "+60123456789" not in html and "export-csv" not in html
    assert not AuditEvent.objects.filter(actor=social, action="citizens.where.list").exists()
    assert web.get("/konsol/sebaran/daftar/").status_code == 403
    assert web.get("/konsol/sebaran/ekspor.csv").status_code == 403
    api = bearer(social)
    assert client.get("/api/v1/staff/where/citizens", headers=api).status_code == 403
    assert client.get("/api/v1/staff/where/export.xlsx", headers=api).status_code == 403
    assert client.get("/api/v1/staff/where/density", headers=api).status_code == 200  # the map is for every role
    # ...but coarse for roles without personal data: a fine hexagon holding one stay points at one person.
    assert client.get("/api/v1/staff/where/density?zoom=14", headers=api).json()["resolution"] == 5
    officer = make_staff(KL, Role.PROTECTION_OFFICER)
    assert client.get("/api/v1/staff/where/density?zoom=14", headers=bearer(officer)).json()["resolution"] == 7
    denied = Counter(AuditEvent.objects.filter(actor=social).values_list("action", flat=True))
    assert denied == {"citizens.where.list.denied": 2, "citizens.where.export.denied": 2}


def test_a_mission_outside_the_officers_scope_is_refused_and_audited(client: Client, people: dict[str, Citizen]) -> None:
    officer = make_staff(KL, Role.PROTECTION_OFFICER)
    assert client.get("/api/v1/staff/where/citizens?mission=KJRI-JEDDAH", headers=bearer(officer)).status_code == 403
    assert client.get("/api/v1/staff/where/density?mission=KJRI-JEDDAH", headers=bearer(officer)).status_code == 403
    event = AuditEvent.objects.get(actor=officer, action="citizens.where.list.denied")
    assert event.mission_code == "KJRI-JEDDAH"
    assert client.get("/api/v1/staff/where/citizens?mission=NOPE", headers=bearer(officer)).status_code == 404


def test_headquarters_switches_to_one_mission_in_the_console(people: dict[str, Citizen]) -> None:
    web = staff_client(make_staff("HQ-PWNI", Role.ADMINISTRATOR))
    web.post("/konsol/misi/", {"mission": "KJRI-JEDDAH", "next": "/konsol/sebaran/"})
    html = web.get("/konsol/sebaran/").content.decode()
    assert "Citra Jeddah" in html and "Ani Kuala Lumpur" not in html
    tab = web.get("/konsol/sebaran/tabel/?by=occupation", HTTP_HX_REQUEST="true")
    assert tab.status_code == 200 and b"<html" not in tab.content and b'aria-current="page">' in tab.content


# --- Density ---------------------------------------------------------------------------------------------------
def _scatter(n: int, seed: int = 7) -> list[tuple[float, float]]:
    """Random points around Kuala Lumpur, Jeddah and across the antimeridian near Suva."""
    rng = random.Random(seed)
    centres = [(3.14, 101.69, 0.6), (21.54, 39.17, 1.5), (-17.5, 179.9, 0.5)]
    points = []
    for _ in range(n):
        lat, lon, spread = rng.choice(centres)
        lon = (lon + rng.uniform(-spread, spread) + 180) % 360 - 180
        points.append((lat + rng.uniform(-spread, spread), lon))
    return points


def _bulk_stays(points: list[tuple[float, float]]) -> list[int]:
    mission = Mission.objects.get(code=KL)
    citizen = CitizenFactory.create(full_name="Many stays")
    stays = [Stay(citizen=citizen, country_id="MY", mission=mission, lat=lat, lon=lon, cell=cell_at(lat, lon),
                  start_date=dt.date(2026, 1, 1)) for lat, lon in points]
    Stay.objects.bulk_create(stays)
    return [s.cell for s in stays if s.cell is not None]


def _counts(features: list[dict[str, Any]]) -> dict[int, int]:
    return {h3i.str_to_int(f["properties"]["cell"]): f["properties"]["stays"] for f in features}


def test_density_counts_equal_counting_every_stay(django_assert_max_num_queries: Any) -> None:
    cells = _bulk_stays(_scatter(400))
    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST)
    verified(analyst)  # signed in with the second factor
    digital = make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY)  # no personal data: the map is still theirs, coarser
    verified(digital)
    for user, zoom in [(analyst, z) for z in (0, 3, 5, 7, 9, 12, 18)] + [(digital, 18)]:
        res = min(density_res(zoom), 7 if user is analyst else 5)
        with django_assert_max_num_queries(3):
            doc = stay_density_for(user=user, zoom=zoom)
        assert doc["type"] == "FeatureCollection" and doc["resolution"] == res
        assert _counts(doc["features"]) == Counter(h3i.cell_to_parent(c, res) for c in cells)
    assert [density_res(z) for z in (0, 2, 4, 6, 8, 10, 12, 16)] == [2, 2, 3, 4, 5, 6, 7, 7]


def test_density_in_a_bounding_box_counts_every_hexagon_in_view_whole(client: Client) -> None:
    cells = _bulk_stays(_scatter(300, seed=11))
    api = bearer(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST))
    west, south, east, north = 101.2, 2.8, 101.9, 3.4
    r = client.get(f"/api/v1/staff/where/density?zoom=10&bbox={west},{south},{east},{north}", headers=api)
    assert r.status_code == 200 and r["Content-Type"] == "application/geo+json"
    got = _counts(r.json()["features"])
    everywhere = Counter(h3i.cell_to_parent(c, 6) for c in cells)
    in_view = {h3i.cell_to_parent(c, 6) for c in cells
               if south <= h3i.cell_to_latlng(c)[0] <= north and west <= h3i.cell_to_latlng(c)[1] <= east}
    assert in_view and in_view <= set(got)
    assert all(got[cell] == everywhere[cell] for cell in got)  # whole counts, also at the edges
    assert not any(h3i.cell_to_latlng(cell)[1] < 90 for cell in got)  # nothing from Jeddah
    assert client.get("/api/v1/staff/where/density?bbox=1,2,3", headers=api).status_code == 422
    assert client.get("/api/v1/staff/where/density?bbox=0,50,10,40", headers=api).status_code == 422


def test_density_hexagons_across_the_antimeridian_are_whole_in_the_maps_frame(client: Client) -> None:
    _bulk_stays([(-17.5, 179.99), (-17.5, -179.99), (-16.9, 179.2)])
    api = bearer(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST))
    for url, west in (("/api/v1/staff/where/density?zoom=4", -180),
                      ("/api/v1/staff/where/density?zoom=4&bbox=170,-25,190,-10", 170),  # panned across 180
                      ("/api/v1/staff/where/density?zoom=4&bbox=170,-25,-170,-10", 170)):
        features = client.get(url, headers=api).json()["features"]
        assert sum(f["properties"]["stays"] for f in features) == 3, url
        for f in features:
            ring = f["geometry"]["coordinates"][0]
            lons = [p[0] for p in ring]
            assert ring[0] == ring[-1] and max(lons) - min(lons) < 10  # continuous, not wrapped round the world
            assert west <= sum(lons[:-1]) / len(lons[:-1]) < west + 360
