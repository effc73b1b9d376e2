"""The crises API: scoped lists, declaring, confirming and dismissing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from embassy.accounts.models import AuditEvent
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff
from embassy.crises.models import Crisis, FeedPoll
from embassy.crises.tests.factories import CrisisRowFactory
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db


def _post(client: Client, url: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=auth)


def test_declare_list_confirm_and_dismiss_through_the_api(client: Client) -> None:
    StayFactory.create(citizen=CitizenFactory.create(full_name="Warga KL"), lat=3.139, lon=101.6869)
    kl = bearer(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="api.kl"))
    jeddah = bearer(make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER, username="api.jeddah"))
    hq = bearer(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="api.hq"))

    r = _post(client, "/api/v1/crises", {"title": "Banjir KL", "kind": "flood", "lat": 3.14, "lon": 101.69,
                                         "radius_km": 20}, kl)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["status"] == "active" and body["registered_inside"] == 1 and body["missions"] == ["KBRI-KUALA-LUMPUR"]
    assert AuditEvent.objects.filter(action="crisis.declare").exists()
    bad = _post(client, "/api/v1/crises", {"title": "x", "kind": "flood", "lat": 3.1, "lon": 101.6,
                                           "radius_km": 99999}, kl)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "radius_km"
    assert _post(client, "/api/v1/crises", {"title": "x", "kind": "meteor", "countries": ["MY"]}, kl).status_code == 422

    assert [c["id"] for c in client.get("/api/v1/crises", headers=kl).json()] == [body["id"]]
    assert client.get("/api/v1/crises", headers=jeddah).json() == []  # not their mission
    assert client.get(f"/api/v1/crises/{body['id']}", headers=jeddah).status_code == 404
    assert [c["id"] for c in client.get("/api/v1/crises", headers=hq).json()] == [body["id"]]
    assert client.get("/api/v1/crises", headers=bearer(make_citizen_user())).status_code == 403
    assert client.get("/api/v1/crises").status_code == 401

    proposed = CrisisRowFactory.create(title="Possible quake", kind="earthquake", source="usgs", source_id="x1",
                                lat=3.0, lon=101.5, radius_km=60)
    proposed.missions.set(Crisis.objects.get(pk=body["id"]).missions.all())
    assert client.post(f"/api/v1/crises/{proposed.pk}/confirm", headers=jeddah).status_code == 404
    r = client.post(f"/api/v1/crises/{proposed.pk}/confirm", headers=kl)
    assert r.status_code == 200 and r.json()["status"] == "active"
    assert client.post(f"/api/v1/crises/{proposed.pk}/confirm", headers=kl).status_code == 409
    r = _post(client, f"/api/v1/crises/{body['id']}/dismiss", {"reason": "water receded"}, kl)
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert client.get("/api/v1/crises?status=nonsense", headers=kl).status_code == 422


def test_feed_polls_are_for_headquarters(client: Client) -> None:
    FeedPoll.objects.create(source="usgs", ok=True, events=3)
    assert client.get("/api/v1/crises/feed-polls", headers=bearer(make_staff("HQ-PWNI", Role.ADMINISTRATOR,
                                                                        username="api.admin"))).json()[0]["events"] == 3
    assert client.get("/api/v1/crises/feed-polls", headers=bearer(make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER,
                                                                        username="api.j2"))).status_code == 403
