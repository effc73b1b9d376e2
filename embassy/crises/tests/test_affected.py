"""The affected set: the H3 engine against a brute-force computation on random data (the antimeridian and
the poles included), polygons, last known positions, dependants, and keeping the set current."""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

import h3
import pytest
from django.utils import timezone

from embassy.citizens.models import Citizen, Dependant, Stay
from embassy.citizens.services import citizen_position_report, stay_end, stay_update
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.errors import BadInput
from embassy.crises.affected import affected_refresh, find_affected
from embassy.crises.models import Affected, Crisis
from embassy.crises.tests.factories import CrisisRowFactory
from embassy.crises.zone import Zone, clean_polygon, descendant_range, merged_ranges
from embassy.geo.distance import haversine_km
from embassy.missions.models import Mission

pytestmark = pytest.mark.django_db


def _random_stays(rng: random.Random, centre: tuple[float, float], spread_km: float, n: int) -> list[Stay]:
    """n active stays scattered up to spread_km around the centre (uniform in bearing and distance)."""
    mission = Mission.objects.filter(active=True).exclude(code="HQ").order_by("id").first()
    citizens = Citizen.objects.bulk_create([Citizen(full_name=f"Acak {i}", source="demo") for i in range(n)])
    stays = []
    lat0, lon0 = map(math.radians, centre)
    for c in citizens:
        d = rng.uniform(0, spread_km) / 6371.0088
        b = rng.uniform(0, 2 * math.pi)
        lat = math.asin(math.sin(lat0) * math.cos(d) + math.cos(lat0) * math.sin(d) * math.cos(b))
        lon = lon0 + math.atan2(math.sin(b) * math.sin(d) * math.cos(lat0), math.cos(d) - math.sin(lat0) * math.sin(lat))
        la, lo = math.degrees(lat), (math.degrees(lon) + 540) % 360 - 180
        stays.append(Stay(citizen=c, country_id="MY", lat=la, lon=lo, cell=h3.str_to_int(h3.latlng_to_cell(la, lo, 9)),
                          mission=mission, start_date=dt.date(2026, 1, 1)))
    return Stay.objects.bulk_create(stays)


def _brute_circle(stays: list[Stay], lat: float, lon: float, radius: float) -> set[int]:
    return {s.citizen_id for s in stays if haversine_km(lat, lon, _float(s.lat), _float(s.lon)) <= radius}


def _float(value: float | None) -> float:
    assert value is not None  # every generated stay has a place
    return value


@pytest.mark.parametrize(("centre", "radius"), [
    ((3.14, 101.69), 40.0),      # Kuala Lumpur
    ((-17.9, 179.95), 300.0),    # Fiji, across the antimeridian
    ((64.0, -179.9), 250.0),     # Chukotka / Alaska, across the antimeridian at high latitude
    ((89.3, 40.0), 200.0),       # around the North Pole
    ((-88.9, -120.0), 350.0),    # around the South Pole
    ((35.0, 139.0), 3.0),        # a tiny circle
])
def test_circle_matches_brute_force_on_random_data(centre: tuple[float, float], radius: float) -> None:
    rng = random.Random(hash(centre) & 0xFFFF)
    stays = _random_stays(rng, centre, radius * 2.2, 1500)
    for _ in range(3):  # the given circle and shifted ones, with many points near every edge
        shift = radius / 111.0 / 2  # degrees: up to half the radius
        lat = max(-89.5, min(89.5, centre[0] + rng.uniform(-shift, shift)))
        lon = ((centre[1] + rng.uniform(-shift, shift)) + 540) % 360 - 180
        crisis = Crisis(lat=lat, lon=lon, radius_km=radius)
        expected = _brute_circle(stays, lat, lon, radius)
        assert set(find_affected(crisis)) == expected
        assert set(find_affected(crisis, coarse=False)) == expected
        assert 0 < len(expected) < len(stays)


def test_coarse_cells_cover_every_inside_point_near_the_edge() -> None:
    """Points placed just inside the circle's edge: each one's res-9 cell is within a covering range."""
    rng = random.Random(7)
    for lat, lon, radius in [(0.0, 179.99, 80.0), (70.0, 20.0, 500.0), (-89.0, 0.0, 120.0), (10.0, 10.0, 1.0)]:
        zone = Zone.circle(lat, lon, radius)
        ranges = zone.ranges()
        for _ in range(400):
            d = radius * rng.uniform(0.98, 0.99999) / 6371.0088
            b = rng.uniform(0, 2 * math.pi)
            p1, l1 = math.radians(lat), math.radians(lon)
            p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
            l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
            cell = h3.str_to_int(h3.latlng_to_cell(math.degrees(p2), math.degrees(l2), 9))
            assert any(lo <= cell <= hi for lo, hi in ranges)


def test_descendant_ranges_are_exact() -> None:
    cell = h3.str_to_int(h3.latlng_to_cell(3.14, 101.69, 6))
    lo, hi = descendant_range(cell)
    children = sorted(h3.str_to_int(c) for c in h3.cell_to_children(h3.int_to_str(cell), 9))
    assert children[0] == lo and children[-1] == hi
    assert len(children) == 7 ** 3
    outside = h3.str_to_int(h3.latlng_to_cell(3.5, 102.5, 9))
    assert not lo <= outside <= hi
    assert merged_ranges([cell, cell]) == [(lo, hi)]


def test_polygon_matches_brute_force_including_across_the_antimeridian() -> None:
    rng = random.Random(11)
    stays = _random_stays(rng, (-17.5, 179.8), 400, 1500)
    # An L-shaped (non-convex) zone drawn on the map across the antimeridian (longitudes beyond 180).
    ring = [[178.0, -19.0], [182.0, -19.0], [182.0, -17.5], [180.0, -17.5], [180.0, -15.5], [178.0, -15.5],
            [178.0, -19.0]]
    polygon = {"type": "Polygon", "coordinates": [ring]}
    crisis = Crisis(polygon=polygon)
    from shapely.geometry import Point, Polygon

    shape = Polygon(ring)
    expected = {s.citizen_id for s in stays
                if shape.intersects(Point(_float(s.lon) if _float(s.lon) > 0 else _float(s.lon) + 360, s.lat))}
    assert 50 < len(expected) < len(stays)
    assert set(find_affected(crisis)) == expected
    # The same zone split at the antimeridian, as RFC 7946 asks.
    split = {"type": "MultiPolygon", "coordinates": [
        [[[178.0, -19.0], [180.0, -19.0], [180.0, -15.5], [178.0, -15.5], [178.0, -19.0]]],
        [[[-180.0, -19.0], [-178.0, -19.0], [-178.0, -17.5], [-180.0, -17.5], [-180.0, -19.0]]]]}
    assert set(find_affected(Crisis(polygon=split))) == expected


def test_polygon_validation() -> None:
    with pytest.raises(BadInput):
        clean_polygon({"type": "Polygon", "coordinates": [[[0, 0], [1, 1]]]})
    with pytest.raises(BadInput):  # a bow tie: edges cross
        clean_polygon({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]})
    with pytest.raises(BadInput):
        clean_polygon({"type": "Point", "coordinates": [0, 0]})
    with pytest.raises(BadInput):
        clean_polygon({"type": "Polygon", "coordinates": [[[0, 80], [10, 90], [20, 80], [0, 80]]]})
    closed = clean_polygon({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1]]]})
    assert closed["coordinates"][0][-1] == [0.0, 0.0]


def _register(name: str, lat: float, lon: float, **extra: Any) -> tuple[Citizen, Stay]:
    stay = StayFactory.create(citizen=CitizenFactory.create(full_name=name), lat=lat, lon=lon, **extra)
    return stay.citizen, stay


def test_the_set_is_stored_with_dependants_and_kept_current() -> None:
    inside, stay = _register("Siti Dalam", 3.14, 101.69)
    dep = Dependant.objects.create(citizen=inside, full_name="Anak Siti", relationship="child", nationality="ID")
    stay.dependants.add(dep)
    _register("Budi Luar", 5.41, 100.33)  # Penang, far outside
    crisis = CrisisRowFactory.create(title="Banjir KL", kind="flood", status=Crisis.Status.ACTIVE, lat=3.14, lon=101.69,
                              radius_km=30)
    result = affected_refresh(crisis)
    assert (result.added, result.inside, result.people) == (1, 1, 2)
    row = Affected.objects.get(crisis=crisis)
    assert row.citizen_id == inside.pk and row.dependants == 1 and row.via == "stay"

    # A newcomer registers inside the zone: found at once (after commit).
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        newcomer, _ = _register("Rina Baru", 3.10, 101.60)
    assert Affected.objects.filter(crisis=crisis, citizen=newcomer, inside=True).exists()
    crisis.refresh_from_db()
    assert crisis.registered_inside == 2  # counted by what changed, not by counting the whole set again
    # The first one moves away: kept, but no longer inside.
    with TestCase.captureOnCommitCallbacks(execute=True):
        stay_update(stay=stay, actor=inside.user, data={"lat": 5.40, "lon": 100.30})
    row.refresh_from_db()
    assert row.inside is False and row.left_at is not None
    crisis.refresh_from_db()
    assert crisis.registered_inside == 1
    # ...and ends the stay; a shared position from the app brings them back inside.
    with TestCase.captureOnCommitCallbacks(execute=True):
        stay_end(stay=Stay.objects.get(pk=stay.pk), actor=None)
    Citizen.objects.filter(pk=inside.pk).update(share_location=True)
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert citizen_position_report(citizen=Citizen.objects.get(pk=inside.pk), lat=3.15, lon=101.70)
    row.refresh_from_db()
    assert row.inside is True and row.via == "location" and row.dependants == 0
    crisis.refresh_from_db()
    assert crisis.registered_inside == 2

    # The zone shrinks: the newcomer (10 km away) leaves, the shared position stays.
    crisis.radius_km = 3
    crisis.save()
    result = affected_refresh(crisis)
    assert (result.left, result.inside) == (1, 1)


def test_positions_count_only_when_shared_and_recent() -> None:
    citizen = CitizenFactory.create(full_name="Tanpa Izin")
    assert citizen_position_report(citizen=citizen, lat=3.14, lon=101.69) is False  # not shared
    assert citizen_position_report(citizen=citizen, lat=3.14, lon=101.69, force=True) is True  # an SOS
    crisis = Crisis(lat=3.14, lon=101.69, radius_km=5)
    assert citizen.pk in find_affected(crisis)
    Citizen.objects.filter(pk=citizen.pk).update(last_seen_at=timezone.now() - dt.timedelta(days=30))
    assert citizen.pk not in find_affected(crisis)


def test_country_wide_crisis_counts_stays_in_the_country() -> None:
    a, _ = _register("Di Malaysia", 3.14, 101.69)
    _register("Di Jepang", 35.68, 139.76)
    crisis = CrisisRowFactory.create(title="Malaysia", kind="conflict", status=Crisis.Status.ACTIVE, countries=["MY"])
    affected_refresh(crisis)
    assert list(Affected.objects.filter(crisis=crisis).values_list("citizen_id", "via")) == [(a.pk, "country")]


def test_an_sos_position_becomes_the_last_known_position() -> None:
    from embassy.common.tests.factories import make_citizen_user
    from embassy.sos.notices import cases_alert_new
    from embassy.sos.services import sos_raise

    user = make_citizen_user()
    sos_raise(user=user, key="k-sos-position-1", lat=3.15, lon=101.70, accuracy=10)
    cases_alert_new()
    citizen = Citizen.objects.get(user=user)
    assert (citizen.last_lat, citizen.last_country) == (3.15, "MY") and citizen.last_seen_at is not None
    assert citizen.pk in find_affected(Crisis(lat=3.14, lon=101.69, radius_km=10))


@pytest.mark.usefixtures("rollcall_channels")
def test_people_who_come_into_a_zone_during_a_rollcall_are_asked_by_one_coalesced_task() -> None:
    """New people inside (a stay, an SOS position) are asked by the worker, through one kick per crisis: the
    transaction that found them (an SOS fan-out, a request) never queues the crisis's questions itself."""
    from django.test import TestCase

    from embassy.common.models import PendingKick
    from embassy.crises.affected import affected_citizens_changed
    from embassy.notify.models import Message

    crisis = CrisisRowFactory.create(title="Banjir KL", kind="flood", status=Crisis.Status.ACTIVE, lat=3.14,
                                     lon=101.69, radius_km=30)
    affected_refresh(crisis)
    Crisis.objects.filter(pk=crisis.pk).update(rollcall_started_at=timezone.now())
    people = [_register(f"Warga Baru {n}", 3.10 + n / 100, 101.60)[0] for n in range(3)]
    for n, person in enumerate(people):  # reachable by SMS
        Citizen.objects.filter(pk=person.pk).update(phone=f"+62812000000{n + 1}")
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        assert affected_citizens_changed([p.pk for p in people]) == 3
    assert not Message.objects.filter(kind="crisis.rollcall").exists()  # nothing asked inside that transaction
    crisis.refresh_from_db()
    assert crisis.registered_inside == 3
    for callback in callbacks:
        callback()
    assert Message.objects.filter(kind="crisis.rollcall").count() == 3
    assert PendingKick.objects.filter(name=f"crisis.asks:{crisis.pk}", pending_since=None).exists()  # ran, cleared


@pytest.mark.usefixtures("rollcall_channels")
def test_newcomers_during_the_first_pass_are_asked_alone_and_overlapping_runs_ask_nobody_twice(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A countrywide roll-call's first pass takes minutes; people who come into the zone meanwhile are asked by the
    newcomers' run, which reads only them (not the hundreds of thousands the first pass is asking) and leaves the
    first pass to say when everyone was asked. A run working from a list read before another run asked those
    people skips them."""
    from embassy.crises import asking
    from embassy.crises.affected import affected_citizens_changed
    from embassy.notify.models import Message

    crisis = CrisisRowFactory.create(title="Banjir KL", kind="flood", status=Crisis.Status.ACTIVE, lat=3.14,
                                     lon=101.69, radius_km=30)
    before = [_register(f"Warga Lama {n}", 3.10 + n / 100, 101.60)[0] for n in range(2)]
    affected_refresh(crisis)
    Crisis.objects.filter(pk=crisis.pk).update(rollcall_started_at=timezone.now())  # its first pass is running
    newcomer = _register("Warga Baru", 3.12, 101.61)[0]
    for n, person in enumerate([*before, newcomer]):  # reachable by SMS
        Citizen.objects.filter(pk=person.pk).update(phone=f"+62812000000{n + 1}")
    assert affected_citizens_changed([newcomer.pk]) == 1
    stale = list(asking._people(crisis.pk, "a.inside = %s AND a.asked_at IS NULL AND a.answer = ''", [True]))

    assert asking.rollcall_queue_asks(crisis.pk, newcomers=True) == 1
    asked = set(Affected.objects.filter(crisis=crisis, asked_at__isnull=False).values_list("citizen_id", flat=True))
    assert asked == {newcomer.pk}
    crisis.refresh_from_db()
    assert "asked_everyone_at" not in (crisis.data or {})  # the first pass says so, when it is done

    monkeypatch.setattr(asking, "_people", lambda *_args, **_kwargs: iter(stale))  # the first pass's list, read earlier
    assert asking.rollcall_queue_asks(crisis.pk) == 2  # the two others; the newcomer is not asked again
    assert Message.objects.filter(kind="crisis.rollcall").count() == 3
    assert asking.rollcall_queue_asks(crisis.pk) == 0  # the same stale list once more: nobody twice
    crisis.refresh_from_db()
    assert crisis.data["asked_everyone_at"]
