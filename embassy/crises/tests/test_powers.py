"""Crisis powers follow jurisdiction (issue 9, point 5): an officer declares, re-zones, confirms, closes and
starts a roll-call only for zones their missions are responsible for; at headquarters only the roles with
protection duties act. Through the API and the console; every refusal is audited."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from embassy.accounts.models import AuditEvent
from embassy.citizens.models import Citizen
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.errors import PermissionDenied
from embassy.common.tests.factories import bearer, make_staff, staff_client, verified
from embassy.crises.models import Crisis
from embassy.crises.powers import may_manage
from embassy.crises.reach import zone_missions
from embassy.crises.services import crisis_declare, crisis_zone_update
from embassy.missions.models import Mission, Role
from embassy.notify.models import Message

pytestmark = pytest.mark.django_db
JEDDAH: dict[str, Any] = {"lat": 21.49, "lon": 39.19, "radius_km": 40}



def _json(client: Client, method: str, url: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
    return getattr(client, method)(url, data=json.dumps(body), content_type="application/json", headers=auth)


def _pilgrim(lat: float, lon: float) -> Citizen:
    return StayFactory.create(citizen=CitizenFactory.create(full_name="Jamaah", phone="+966500000001"), lat=lat, lon=lon).citizen


def test_an_officer_acts_only_within_their_missions_jurisdiction(client: Client) -> None:
    _pilgrim(21.49, 39.19)
    kl_user = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="kl.powers")
    kl, jeddah = bearer(kl_user), bearer(make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER, username="jed.powers"))

    refused = _json(client, "post", "/api/v1/crises", {"title": "Banjir Jeddah", "kind": "flood", **JEDDAH}, kl)
    assert refused.status_code == 403 and not Crisis.objects.exists()
    assert AuditEvent.objects.filter(action="crisis.declare.denied", actor=kl_user).exists()
    made = _json(client, "post", "/api/v1/crises", {"title": "Banjir Jeddah", "kind": "flood", **JEDDAH}, jeddah)
    assert made.status_code == 201
    crisis = Crisis.objects.get(pk=made.json()["id"])
    assert {m.code for m in Mission.objects.filter(id__in=zone_missions(crisis))} == {"KJRI-JEDDAH"}

    # Even when the crisis concerns Kuala Lumpur (a KL-registered citizen there), KL may read it but not act.
    crisis.missions.add(Mission.objects.get(code="KBRI-KUALA-LUMPUR"))
    assert client.get(f"/api/v1/crises/{crisis.pk}", headers=kl).status_code == 200
    for method, url, body in (("post", f"/api/v1/crises/{crisis.pk}/rollcall", {}),
                              ("put", f"/api/v1/crises/{crisis.pk}/zone", {"lat": 21.5, "lon": 39.2, "radius_km": 80}),
                              ("post", f"/api/v1/crises/{crisis.pk}/dismiss", {"reason": "not ours"})):
        assert _json(client, method, url, body, kl).status_code == 403, url
    assert AuditEvent.objects.filter(actor=kl_user, action__in=[
        "crisis.rollcall.denied", "crisis.zone.denied", "crisis.close.denied"]).count() == 3
    crisis.refresh_from_db()
    assert crisis.status == Crisis.Status.ACTIVE and crisis.radius_km == 40 and crisis.rollcall_started_at is None
    assert not Message.objects.filter(kind="crisis.rollcall").exists()

    # Kuala Lumpur's own crisis cannot be moved to Jeddah either.
    own = crisis_declare(actor=verified(kl_user), title="Banjir KL", kind="flood", lat=3.14, lon=101.69, radius_km=20)
    with pytest.raises(PermissionDenied):
        crisis_zone_update(actor=verified(kl_user), crisis=own, **JEDDAH)
    own.refresh_from_db()
    assert (own.lat, own.lon) == (3.14, 101.69)


def test_at_headquarters_only_protection_roles_act(client: Client) -> None:
    _pilgrim(21.49, 39.19)
    jed = verified(make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER, username="jed.powers2"))
    crisis = crisis_declare(actor=jed, title="Banjir Jeddah", kind="flood", **JEDDAH)
    digital_user = make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY, username="digital.powers")
    digital = bearer(digital_user)
    moved = _json(client, "put", f"/api/v1/crises/{crisis.pk}/zone", {"lat": 21.5, "lon": 39.2, "radius_km": 500},
                  digital)
    assert moved.status_code == 403
    assert AuditEvent.objects.filter(action="crisis.zone.denied", actor=digital_user).exists()
    assert _json(client, "post", f"/api/v1/crises/{crisis.pk}/rollcall", {}, digital).status_code == 403
    # The console: the buttons are not offered, and a forged post changes nothing.
    web = staff_client(digital_user)
    room = web.get(f"/konsol/krisis/{crisis.pk}/").content.decode()
    assert 'data-testid="rollcall"' not in room and 'data-testid="close"' not in room
    web.post(f"/konsol/krisis/{crisis.pk}/zona/", {"zone": "circle", "lat": 21.5, "lon": 39.2, "radius_km": 500})
    crisis.refresh_from_db()
    assert crisis.radius_km == 40
    new = web.post("/konsol/krisis/baru/", {"title": "Banjir", "kind": "flood", "zone": "circle", "lat": 21.5,
                                            "lon": 39.2, "radius_km": 30})
    assert new.status_code == 403 and Crisis.objects.count() == 1

    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="analyst.powers")
    assert may_manage(verified(analyst), crisis)
    moved = _json(client, "put", f"/api/v1/crises/{crisis.pk}/zone", {"lat": 21.5, "lon": 39.2, "radius_km": 60},
                  bearer(analyst))
    assert moved.status_code == 200 and moved.json()["radius_km"] == 60


def test_the_console_refuses_a_declaration_outside_the_jurisdiction() -> None:
    kl_user = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="kl.console.powers")
    web = staff_client(kl_user)
    r = web.post("/konsol/krisis/baru/", {"title": "Banjir Jeddah", "kind": "flood", "zone": "circle", "lat": 21.49,
                                          "lon": 39.19, "radius_km": 40})
    assert r.status_code == 403 and not Crisis.objects.exists()
    assert AuditEvent.objects.filter(action="crisis.declare.denied", actor=kl_user).exists()
    r = web.post("/konsol/krisis/baru/", {"title": "Banjir KL", "kind": "flood", "zone": "circle", "lat": 3.14,
                                          "lon": 101.69, "radius_km": 20})
    assert r.status_code == 302 and Crisis.objects.count() == 1


def test_a_zone_across_a_border_is_in_both_missions_jurisdiction() -> None:
    """The Johor Strait: a 30 km circle between Johor Bahru and Singapore concerns both missions."""
    crisis = Crisis(lat=1.40, lon=103.80, radius_km=30)
    codes = {m.code for m in Mission.objects.filter(id__in=zone_missions(crisis))}
    assert {"KBRI-SINGAPORE", "KJRI-JOHOR-BAHRU"} <= codes
    for unit in ("KBRI-SINGAPORE", "KJRI-JOHOR-BAHRU"):
        officer = verified(make_staff(unit, Role.PROTECTION_OFFICER, username=f"border.{unit.lower()}"))
        assert may_manage(officer, crisis)
    assert not may_manage(verified(make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER, username="far.jed")), crisis)
