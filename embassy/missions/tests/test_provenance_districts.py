"""Issue 9 (missions): per-row provenance, district-level jurisdiction, and routing that follows edits."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db.models import F

from embassy.missions import routing
from embassy.missions.loader import DataFileError, parse_units
from embassy.missions.models import Jurisdiction, Mission, RoutingVersion
from embassy.missions.routing import get_router, route_point
from embassy.missions.services import mission_save, routing_bump

MISSIONS = Path(settings.DATA_DIR) / "missions.csv"
HEADER = ("code,kind,name_id,name_en,city,country,lat,lon,timezone,address,phone,hotline,email,website,jurisdiction,"
          "sources,source_date")
HQ = "HQ-X,HQ,Pusat,Headquarters,Jakarta,ID,-6.2,106.8,Asia/Jakarta,,,,,,,,"
TODAY = dt.date(2026, 12, 3)


def _row(jurisdiction: str = "", sources: str = "", date: str = "", code: str = "KBRI-A") -> str:
    return f"{code},KBRI,A,A,City,US,1,2,UTC,,,,,,{jurisdiction},{sources},{date}"


def _parse(*rows: str, **kw: object) -> list:
    return parse_units("\n".join([HEADER, HQ, *rows]) + "\n", "m.csv", today=TODAY, **kw)  # type: ignore[arg-type]


# --- provenance ----------------------------------------------------------------------------------------------
def test_sources_and_date_are_read() -> None:
    units = _parse(_row(sources="https://kemlu.go.id/a https://example.org/b?x=1", date="2024-05"))
    assert units[1].sources == ["https://kemlu.go.id/a", "https://example.org/b?x=1"] and units[1].source_date == "2024-05"
    for date in ("2024", "2024-02-29", TODAY.isoformat()):
        assert _parse(_row(sources="https://kemlu.go.id", date=date))[1].source_date == date


@pytest.mark.parametrize(
    ("sources", "date", "field", "message"),
    [
        ("kemlu.go.id/dili", "", "sources", "not a URL"),
        ("https://kemlu.go.id|https://x.org", "", "sources", "not a URL"),
        ("ftp://kemlu.go.id/x", "", "sources", "not a URL"),
        ("https://kemlu.go.id", "03/12/2024", "source_date", "YYYY-MM-DD"),
        ("https://kemlu.go.id", "2024-13", "source_date", "no such date"),
        ("https://kemlu.go.id", "2023-02-29", "source_date", "no such date"),
        ("https://kemlu.go.id", "2026-12-04", "source_date", "in the future"),
        ("https://kemlu.go.id", "2027", "source_date", "in the future"),
        ("", "2024", "sources", "needs its sources"),
    ],
)
def test_bad_provenance_names_the_field(sources: str, date: str, field: str, message: str) -> None:
    with pytest.raises(DataFileError) as exc:
        _parse(_row(sources=sources, date=date))
    assert (exc.value.line, exc.value.column) == (3, field) and message in exc.value.message


@pytest.mark.django_db
def test_real_rows_keep_their_sources_in_the_database_and_the_admin() -> None:
    from embassy.common.tests.factories import make_staff, staff_client
    from embassy.missions.models import Role

    rmol = "https://rmol.id/amp/2024/12/02/647018/kbri-kuala-lumpur-terus-pantau-kondisi-wni-di-tengah-banjir-malaysia"
    kl = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    assert kl.source_urls[0] == rmol and len(kl.source_urls) == 3 and kl.source_date == "2024-12-02"
    assert not Mission.objects.filter(sources="").exists()  # every row names its sources (issue 9 research)
    admin = make_staff("HQ-PWNI", Role.ADMINISTRATOR, username="hq.admin.geo")
    type(admin).objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    admin.refresh_from_db()
    page = staff_client(admin).get(f"/admin/missions/mission/{kl.pk}/change/").content.decode()
    assert f'href="{rmol}"' in page and "2024-12-02" in page


# --- districts --------------------------------------------------------------------------------------------------
KNOWN = {("US", "CA"): {"075", "085", "037", "073"}}


def test_district_syntax() -> None:
    units = _parse(_row("US:CA.075|CA.085"), _row("US:CA.*|NV", code="KBRI-B"), districts=KNOWN)
    assert units[1].jurisdiction == [("US", "CA", "075"), ("US", "CA", "085")]
    assert units[2].jurisdiction == [("US", "CA", "*"), ("US", "NV", "")]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ((_row("US:CA.075|CA.*"), _row("US:CA", code="KBRI-B")), "split into districts here but assigned whole"),
        ((_row("US:CA.075"), _row("US:CA.085", code="KBRI-B")), "must take the others (US:CA.*)"),
        ((_row("US:CA.075|CA.*"), _row("US:CA.075", code="KBRI-B")), "US:CA.075 also on line 3"),
        ((_row("US:CA.999|CA.*"),), "unknown district US:CA.999"),
        ((_row("US:TX.201|TX.*"),), "no reference places"),
        ((_row("US:CA."),), "empty subdivision or district"),
    ],
)
def test_bad_districts_are_refused(rows: tuple[str, ...], message: str) -> None:
    with pytest.raises(DataFileError) as exc:
        _parse(*rows, districts=KNOWN)
    assert exc.value.column == "jurisdiction" and message in exc.value.message


def test_district_codes_of_the_real_reference_file() -> None:
    from embassy.missions.loader import district_codes

    codes = district_codes(Path(settings.DATA_DIR) / "admin2_places.csv")
    assert {"075", "085", "037", "073", "067", "019"} <= codes[("US", "CA")]  # SF, Santa Clara, LA, SD, ...
    assert len(codes[("US", "CA")]) == 57  # all of California's 58 counties but Alpine (no place of 1,000+)


SABAH = [  # GeoNames city centres
    ("Tawau", 4.24482, 117.89115, "KRI-TAWAU"),
    ("Semporna", 4.48178, 118.61119, "KRI-TAWAU"),
    ("Lahad Datu", 5.02298, 118.32897, "KRI-TAWAU"),
    ("Kunak", 4.68577, 118.24908, "KRI-TAWAU"),
    ("Sandakan", 5.8402, 118.1179, "KJRI-KOTA-KINABALU"),
    ("Kota Kinabalu", 5.9749, 116.0724, "KJRI-KOTA-KINABALU"),
    ("Keningau", 5.3378, 116.1602, "KJRI-KOTA-KINABALU"),
    ("Kudat", 6.88732, 116.82364, "KJRI-KOTA-KINABALU"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("place", "lat", "lon", "code"), SABAH, ids=[s[0] for s in SABAH])
def test_sabah_is_split_between_tawau_and_kota_kinabalu(place: str, lat: float, lon: float, code: str) -> None:
    """The real split (data/missions.csv): KRI Tawau serves the Tawau Division's districts, KJRI Kota
    Kinabalu the rest of Sabah — by location, and with Malaysia chosen."""
    route = route_point(lat, lon)
    assert (route.mission_code, route.rule, route.country) == (code, "district", "MY")
    assert get_router().route_in("MY", lat, lon).mission_code == code


def _split_california() -> None:
    """A district split of California between KJRI San Francisco and KJRI Los Angeles, as the loader
    would store it. The COUNTY LISTS ARE TEST FIXTURES, not the consulates' real districts (those come
    from research): a few Bay Area counties to San Francisco, every other county to Los Angeles."""
    sf = Mission.objects.get(code="KJRI-SAN-FRANCISCO")
    la = Mission.objects.get(code="KJRI-LOS-ANGELES")
    Jurisdiction.objects.filter(country_id="US", admin1="CA").delete()
    Jurisdiction.objects.bulk_create([
        Jurisdiction(mission=sf, country_id="US", admin1="CA", admin2="075"),  # San Francisco
        Jurisdiction(mission=sf, country_id="US", admin1="CA", admin2="085"),  # Santa Clara (San Jose)
        Jurisdiction(mission=sf, country_id="US", admin1="CA", admin2="067"),  # Sacramento
        Jurisdiction(mission=la, country_id="US", admin1="CA", admin2="*"),
    ])
    routing_bump()


DISTRICT_CASES = [
    ("San Francisco", 37.7749, -122.4194, "KJRI-SAN-FRANCISCO"),
    ("San Jose", 37.3382, -121.8863, "KJRI-SAN-FRANCISCO"),
    ("Sacramento", 38.5816, -121.4944, "KJRI-SAN-FRANCISCO"),
    ("Los Angeles", 34.0522, -118.2437, "KJRI-LOS-ANGELES"),
    ("San Diego", 32.7157, -117.1611, "KJRI-LOS-ANGELES"),
    ("Fresno (a county no one names: the default)", 36.7378, -119.7871, "KJRI-LOS-ANGELES"),
]


@pytest.mark.django_db
def test_points_route_to_their_district() -> None:
    _split_california()
    routing.reset_router()  # what the commit's on_commit does (the test's transaction never commits)
    try:
        got = {place: (r.mission_code, r.rule, r.country)
               for place, lat, lon, _code in DISTRICT_CASES for r in [route_point(lat, lon)]}
        assert got == {place: (code, "district", "US") for place, _la, _lo, code in DISTRICT_CASES}
        # a chosen country uses the same district rule, and its default for a point outside it
        router = get_router()
        assert router.route_in("US", 37.7749, -122.4194).mission_code == "KJRI-SAN-FRANCISCO"
        assert router.route_in("US", 0.0, -150.0).rule == "country-default"
    finally:
        routing.reset_router()


# --- routing follows edits ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_an_edit_elsewhere_reaches_this_process_without_a_restart(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process (the admin, in a web worker) deactivates KBRI Singapore: this process's router,
    built before, follows within ROUTER_CHECK_SECONDS — it sees the routing version move."""
    singapore = (1.2903, 103.8519)
    monkeypatch.setattr(routing, "BACKGROUND_REBUILD", False)  # our rows are in this test's transaction
    routing.reset_router()
    assert route_point(*singapore).mission_code == "KBRI-SINGAPORE"
    before = routing.routing_version()
    # what mission_save does in the other process: the row changes and the version moves in the database
    Mission.objects.filter(code="KBRI-SINGAPORE").update(active=False)
    RoutingVersion.objects.update_or_create(pk=1, defaults={"version": F("version") + 1})
    try:
        assert route_point(*singapore).mission_code == "KBRI-SINGAPORE"  # within the interval: no query
        clock = time.monotonic() + routing.ROUTER_CHECK_SECONDS + 0.1
        monkeypatch.setattr(routing.time, "monotonic", lambda: clock)
        route = route_point(*singapore)
        assert route.mission_code != "KBRI-SINGAPORE" and route.rule == "nearest"
        assert routing.routing_version() == (before or 0) + 1
    finally:
        monkeypatch.undo()
        routing.reset_router()


def test_a_rebuild_after_an_edit_elsewhere_does_not_block_lookups(monkeypatch: pytest.MonkeyPatch) -> None:
    """While the new router is being built (about a second), lookups keep the current one; then it is
    swapped in."""
    import threading

    old, new, release = object(), object(), threading.Event()

    def slow_build() -> object:
        release.wait(5)
        return new

    monkeypatch.setattr(routing, "_router", old)
    monkeypatch.setattr(routing, "_router_version", 1)
    monkeypatch.setattr(routing, "_checked_at", 0.0)
    monkeypatch.setattr(routing, "routing_version", lambda: 2)
    monkeypatch.setattr(routing, "build_router", slow_build)
    started = time.perf_counter()
    assert routing.get_router() is old  # the version moved: rebuilding in the background
    assert time.perf_counter() - started < 0.5
    worker = routing._rebuilding
    assert worker is not None
    release.set()
    worker.join(5)
    monkeypatch.setattr(routing, "_checked_at", 0.0)
    assert routing.get_router() is new and routing._router_version == 2
    monkeypatch.setattr(routing, "_router", None)


@pytest.mark.django_db
def test_saving_a_mission_in_the_admin_bumps_the_routing_version() -> None:
    from embassy.common.tests.factories import make_staff, staff_client
    from embassy.missions.models import Role

    admin = make_staff("HQ-PWNI", Role.ADMINISTRATOR, username="hq.admin.geo2")
    type(admin).objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    admin.refresh_from_db()
    client = staff_client(admin)
    dili = Mission.objects.get(code="KBRI-DILI")
    before = routing.routing_version() or 0
    form = client.get(f"/admin/missions/mission/{dili.pk}/change/").context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items()}
    data.update({"country": "TL", "lat": "-8.5600", "lon": "125.5700", "active": "on",
                 "jurisdictions-TOTAL_FORMS": "0", "jurisdictions-INITIAL_FORMS": "0"})
    data.pop("sources", None)
    try:
        r = client.post(f"/admin/missions/mission/{dili.pk}/change/", data)
        assert r.status_code == 302, r.content.decode()[:2000]
        assert (routing.routing_version() or 0) > before
        dili.refresh_from_db()
        assert (dili.lat, dili.lon) == (-8.56, 125.57)
    finally:
        routing.reset_router()


@pytest.mark.django_db
def test_mission_save_refuses_impossible_coordinates() -> None:
    from embassy.common.errors import BadInput

    dili = Mission.objects.get(code="KBRI-DILI")
    dili.lat = 123.0
    with pytest.raises(BadInput) as exc:
        mission_save(mission=dili)
    assert exc.value.field == "lat"


@pytest.mark.django_db
def test_the_version_check_costs_nothing_on_the_hot_path(django_assert_num_queries) -> None:
    get_router()
    with django_assert_num_queries(0):
        for _ in range(10_000):
            get_router()
