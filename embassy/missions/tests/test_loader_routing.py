from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from django.conf import settings

from embassy.common.errors import BadInput
from embassy.geo.distance import haversine_km
from embassy.missions.loader import DataFileError, parse_units
from embassy.missions.models import Jurisdiction, Mission
from embassy.missions.routing import get_router, route_point
from embassy.missions.services import missions_load

MISSIONS = Path(settings.DATA_DIR) / "missions.csv"
HEADER = ("code,kind,name_id,name_en,city,country,lat,lon,timezone,address,phone,hotline,email,website,jurisdiction,"
          "sources,source_date")
HQ = 'HQ-X,HQ,Pusat,Headquarters,Jakarta,ID,-6.2,106.8,Asia/Jakarta,,,,,,,,'


def test_real_file_is_valid_and_complete() -> None:
    units = parse_units(MISSIONS.read_text(encoding="utf-8"), str(MISSIONS))
    kinds = {u.kind for u in units}
    assert kinds == {"HQ", "KBRI", "KJRI", "KRI", "PTRI", "KDEI"}
    assert len(units) >= 120
    codes = {u.code for u in units}
    assert {"KBRI-KUALA-LUMPUR", "KJRI-JEDDAH", "KDEI-TAIPEI", "PTRI-GENEVA", "HQ-PWNI"} <= codes
    assert "# " in MISSIONS.read_text(encoding="utf-8").splitlines()[0]  # sources named at the top


@pytest.mark.parametrize(
    ("row", "line", "field"),
    [
        ("KBRI-A,KBRI,A,A,City,ZZ,1,2,UTC,,,,,,,,", 4, "country"),
        ("KBRI-A,KBRI,A,A,City,MY,91,2,UTC,,,,,,,,", 4, "lat"),
        ("KBRI-A,KBRI,A,A,City,MY,abc,2,UTC,,,,,,,,", 4, "lat"),
        ("KBRI-A,KBRI,A,A,City,MY,1,2,Mars/Base,,,,,,,,", 4, "timezone"),
        ("KBRI-A,EMBASSY,A,A,City,MY,1,2,UTC,,,,,,,,", 4, "kind"),
        ("KBRI-A,KBRI,A,A,City,MY,1,2,UTC,,12,,,,,,", 4, "phone"),
        ("KBRI-A,KBRI,A,A,City,MY,1,2,UTC,,,,not-an-email,,,,", 4, "email"),
        ("KBRI-A,KBRI,A,A,City,MY,1,2,UTC,,,,,,XX,,", 4, "jurisdiction"),
        ("KBRI-A,KBRI,,A,City,MY,1,2,UTC,,,,,,,,", 4, "name_id"),
    ],
)
def test_broken_row_names_file_line_and_field(row: str, line: int, field: str) -> None:
    text = f"# comment\n{HEADER}\n{HQ}\n{row}\n"
    with pytest.raises(DataFileError) as exc:
        parse_units(text, "missions.csv")
    assert exc.value.path == "missions.csv"
    assert exc.value.line == line
    assert exc.value.column == field
    assert f"line {line}" in str(exc.value) and field in str(exc.value)


def test_area_assigned_twice_is_refused() -> None:
    text = f"{HEADER}\n{HQ}\nKBRI-A,KBRI,A,A,C,MY,1,2,UTC,,,,,,MY,,\nKBRI-B,KBRI,B,B,C,MY,1,2,UTC,,,,,,MY:01,,\n"
    with pytest.raises(DataFileError, match="split into subdivisions"):
        parse_units(text, "x.csv")


@pytest.mark.django_db
def test_broken_file_loads_nothing(tmp_path: Path) -> None:
    before = set(Mission.objects.values_list("code", "name_en"))
    juris = Jurisdiction.objects.count()
    good = MISSIONS.read_text(encoding="utf-8").rstrip("\n").splitlines()
    good[-1] = good[-1].replace(",", ",BROKEN", 1).replace("KBRI", "NOPE", 1)
    bad = tmp_path / "missions.csv"
    bad.write_text("\n".join([*good[:-1], "KBRI-NEW,KBRI,Baru,New,City,MY,1,2,UTC,,,,,,,,", good[-1]]) + "\n")
    with pytest.raises(DataFileError) as exc:
        missions_load(path=bad)
    assert str(bad) in str(exc.value)
    assert set(Mission.objects.values_list("code", "name_en")) == before
    assert Jurisdiction.objects.count() == juris


@pytest.mark.django_db
def test_reload_is_idempotent() -> None:
    result = missions_load(path=MISSIONS)
    assert result["created"] == 0 and result["updated"] == 0 and result["deactivated"] == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("lat", "lon", "code", "rule"),
    [
        (3.1390, 101.6869, "KBRI-KUALA-LUMPUR", "subdivision"),  # Kuala Lumpur
        (1.4927, 103.7414, "KJRI-JOHOR-BAHRU", "subdivision"),  # Johor Bahru
        (5.4141, 100.3288, "KJRI-PENANG", "subdivision"),  # George Town
        (1.5535, 110.3593, "KJRI-KUCHING", "subdivision"),  # Kuching
        (21.5433, 39.1728, "KJRI-JEDDAH", "subdivision"),  # Jeddah
        (24.7136, 46.6753, "KBRI-RIYADH", "subdivision"),  # Riyadh
        (1.2903, 103.8519, "KBRI-SINGAPORE", "jurisdiction"),
        (25.0330, 121.5654, "KDEI-TAIPEI", "jurisdiction"),
        (-8.5569, 125.5603, "KBRI-DILI", "jurisdiction"),
        (-6.2000, 106.8166, "HQ-PWNI", "home"),  # Jakarta: at home, headquarters
    ],
)
def test_route_by_jurisdiction(lat: float, lon: float, code: str, rule: str) -> None:
    route = route_point(lat, lon)
    assert (route.mission_code, route.rule) == (code, rule)


@pytest.mark.django_db
def test_at_sea_routes_to_nearest_mission() -> None:
    route = route_point(-5.0, 80.0)  # Indian Ocean, south of Sri Lanka and the Maldives
    assert route.rule == "nearest" and route.country is None
    missions = Mission.objects.filter(active=True, kind__in=["KBRI", "KJRI", "KRI", "KDEI"])
    best = min(missions, key=lambda m: haversine_km(-5.0, 80.0, m.lat, m.lon))
    assert route.mission_code == best.code
    assert math.isclose(route.distance_km, haversine_km(-5.0, 80.0, best.lat, best.lon), abs_tol=0.01)


@pytest.mark.django_db
def test_nearest_rule_matches_brute_force_everywhere() -> None:
    router = get_router()
    missions = list(Mission.objects.filter(active=True, kind__in=["KBRI", "KJRI", "KRI", "KDEI"]))
    rng = random.Random(5)
    for _ in range(3000):
        lat = math.degrees(math.asin(rng.uniform(-1, 1)))
        lon = rng.uniform(-180, 180)
        unit, dist = router.nearest(lat, lon)
        best = min(haversine_km(lat, lon, m.lat, m.lon) for m in missions)
        assert math.isclose(dist, best, rel_tol=1e-9, abs_tol=1e-6), (lat, lon)


@pytest.mark.django_db
@pytest.mark.parametrize(("lat", "lon", "field"), [("x", 1, "lat"), (1, "y", "lon"), (91, 0, "lat"), (0, 181, "lon"),
                                                   (float("nan"), 0, "lat")])
def test_bad_coordinates_are_refused_with_field(lat: object, lon: object, field: str) -> None:
    with pytest.raises(BadInput) as exc:
        route_point(lat, lon)
    assert exc.value.field == field
