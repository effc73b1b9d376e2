"""Issue 9: coastal places route to their country's mission; a chosen country decides by its own rules;
a mission without a hotline shows headquarters' and says so; every inhabited country has a mission."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from embassy.geo.countries import all_countries
from embassy.geo.naturalearth import PART_OF
from embassy.missions.loader import parse_units
from embassy.missions.models import Mission
from embassy.missions.routing import get_router, route_point

pytestmark = pytest.mark.django_db

KL_SOURCE = "https://rmol.id/amp/2024/12/02/647018/kbri-kuala-lumpur-terus-pantau-kondisi-wni-di-tengah-banjir-malaysia"
BREMERTON, LABUAN, BANDAR_ABBAS, KUTA = (47.5673, -122.6326), (5.2831, 115.2308), (27.1865, 56.2808), (-8.7233, 115.1723)


def test_use_my_location_on_the_coast() -> None:
    """"Use my location" in Kota Kinabalu or Lagos: the stay goes to the country's mission, no refusal."""
    kk = route_point(5.9749, 116.0724)
    assert (kk.mission_code, kk.country, kk.place) == ("KJRI-KOTA-KINABALU", "MY", "coastal")
    assert route_point(6.4541, 3.3947).mission_code == "KBRI-ABUJA"


@pytest.mark.parametrize(
    ("country", "point", "mission_country", "code"),
    [
        ("US", BREMERTON, "US", None),  # was KJRI Vancouver
        ("MY", LABUAN, "MY", None),  # was KBRI Bandar Seri Begawan
        ("IR", BANDAR_ABBAS, "IR", "KBRI-TEHRAN"),  # was KJRI Dubai
        ("ID", KUTA, "ID", "HQ-PWNI"),  # was KBRI Dili: at home, headquarters
    ],
)
def test_a_chosen_country_decides_by_its_rules(country: str, point: tuple[float, float], mission_country: str,
                                               code: str | None) -> None:
    route = get_router().route_in(country, *point)
    mission = Mission.objects.get(pk=route.mission_id)
    assert mission.country_id == mission_country and route.country == country
    if code:
        assert mission.code == code
    assert route_point(*point).mission_id == route.mission_id  # the point alone now agrees


def test_a_territory_inside_another_countrys_outline_can_be_chosen() -> None:
    """Réunion (RE) is drawn inside France's feature: a citizen there who chooses Réunion is not refused,
    and the stay keeps Réunion as its country."""
    import datetime as dt

    from embassy.citizens.services import stay_register
    from embassy.common.tests.factories import make_citizen_user

    user = make_citizen_user()
    route = get_router().route_in("RE", -20.8823, 55.4504)  # Saint-Denis
    assert route.country == "RE" and route.mission_code == get_router().route(-20.8823, 55.4504).mission_code
    stay = stay_register(citizen=user.citizen, actor=user, country="RE", lat=-20.8823, lon=55.4504,
                         start_date=dt.date(2026, 1, 1))
    assert stay.country_id == "RE"


def test_a_point_far_outside_the_chosen_country_gets_its_default() -> None:
    route = get_router().route_in("MY", 0.0, -150.0)  # the middle of the Pacific
    assert (route.mission_code, route.rule) == ("KBRI-KUALA-LUMPUR", "country-default")


def test_stay_registration_on_the_coast_with_and_without_a_country() -> None:
    from embassy.citizens.services import stay_register
    from embassy.common.errors import BadInput
    from embassy.common.tests.factories import make_citizen_user

    user = make_citizen_user()
    import datetime as dt

    start = dt.date(2026, 1, 1)
    stay = stay_register(citizen=user.citizen, actor=user, lat=BREMERTON[0], lon=BREMERTON[1], start_date=start)
    assert stay.country_id == "US" and stay.mission.country_id == "US"
    stay = stay_register(citizen=user.citizen, actor=user, country="MY", lat=LABUAN[0], lon=LABUAN[1], start_date=start)
    assert stay.mission.country_id == "MY"
    with pytest.raises(BadInput) as exc:  # a pin on another country's land is still a mistake worth saying
        stay_register(citizen=user.citizen, actor=user, country="MY", lat=-6.2, lon=106.8166, start_date=start)
    assert exc.value.field == "country"


# --- the headquarters hotline where a mission has none -------------------------------------------------------------
# KBRI Yaoundé: a mission for which research found no published hotline (data/missions.csv, issue 9 research).
YAOUNDE = (3.8667, 11.5167)


def test_missions_without_a_hotline_show_headquarters_and_say_so() -> None:
    hq = Mission.objects.get(code="HQ-PWNI")
    yaounde = Mission.objects.get(code="KBRI-YAOUNDE")
    assert not yaounde.hotline and hq.hotline
    api = Client().get("/api/v1/missions/KBRI-YAOUNDE").json()
    assert api["hotline"] == hq.hotline and api["hotline_fallback"] is True
    own = Client().get("/api/v1/missions/KBRI-KUALA-LUMPUR").json()
    assert own["hotline"] == "+60176688032" and own["hotline_fallback"] is False
    assert own["sources"][0] == KL_SOURCE and own["source_date"] == "2024-12-02"
    page = Client(headers={"accept-language": "en"}).get("/perwakilan/", {"q": "Yaound"}).content.decode()
    assert 'data-testid="hq-fallback"' in page and f'href="tel:{hq.hotline}"' in page
    assert "No hotline listed for this mission" in page
    country = Client(headers={"accept-language": "en"}).get("/informasi-negara/CM/").content.decode()
    assert 'data-testid="hq-fallback"' in country


def test_sos_case_page_says_the_number_is_headquarters() -> None:
    from embassy.common.tests.factories import make_citizen_user
    from embassy.sos.services.raising import sos_raise

    user = make_citizen_user()
    raised = sos_raise(user=user, key="yaounde-1", lat=YAOUNDE[0], lon=YAOUNDE[1])
    assert raised.case.mission.code == "KBRI-YAOUNDE"
    web = Client(headers={"accept-language": "en"})
    web.force_login(user)
    page = web.get(f"/sos/kasus/{raised.case.pk}/").content.decode()
    hq = Mission.objects.get(code="HQ-PWNI").hotline
    assert 'data-testid="hq-fallback"' in page and f'href="tel:{hq}"' in page and "lists no hotline" in page


# --- every inhabited country has a responsible mission -----------------------------------------------------------
# ISO 3166-1 codes with no permanent population (CIA World Factbook, "People and Society: Population":
# https://www.cia.gov/the-world-factbook/ — Antarctica, Bouvet Island, Heard Island and McDonald Islands,
# South Georgia and the South Sandwich Islands, United States Pacific Island Wildlife Refuges / minor
# outlying islands, French Southern and Antarctic Lands, British Indian Ocean Territory: "no indigenous
# inhabitants" / "uninhabited").
UNINHABITED = {"AQ", "BV", "HM", "GS", "UM", "TF", "IO"}


def _uncovered() -> list[str]:
    path = Path(settings.DATA_DIR) / "missions.csv"
    units = parse_units(path.read_text(encoding="utf-8"), str(path))
    home = next(u.country for u in units if u.kind == "HQ")
    covered = {home} | {c for u in units if u.kind != "HQ" for c, _a1, _a2 in u.jurisdiction}
    # a territory inside another feature's boundary is routed by that feature's country (naturalearth.PART_OF)
    return sorted(c.code for c in all_countries()
                  if c.code not in UNINHABITED and c.code not in covered and PART_OF.get(c.code) not in covered)


def test_every_inhabited_country_and_territory_has_a_mission() -> None:
    assert _uncovered() == []
