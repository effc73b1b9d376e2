from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from embassy.advisories.tests.helpers import HQ, analyst, publish
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db


def _json(client: Client, method: str, path: str, data: object = None, headers: dict[str, str] | None = None) -> Any:
    kwargs = {"content_type": "application/json", "data": json.dumps(data or {})} if method != "get" else {}
    return getattr(client, method)(path, **kwargs, headers=headers)


def test_published_advisory_as_json_with_missions_to_call() -> None:
    client = Client()
    assert client.get("/api/v1/countries/MY/advisory").status_code == 404
    publish("MY", author=analyst(), reviewer=analyst(), level=2, reason_id="Banjir", reason_en="Floods",
            sections={"health": {"id": "Demam berdarah", "en": "Dengue"}},
            regions=[{"code": "MY-12", "level": 3, "reason_en": "Kidnapping"}],
            emergency_numbers=[{"service": "general", "number": "999"}])
    body = client.get("/api/v1/countries/mys/advisory").json()
    assert body["country"] == "MY" and body["level"] == 2 and body["colour"] == "yellow"
    assert body["reason"] == "Banjir" and body["reason_en"] == "Floods"  # Indonesian by default
    assert body["regions"][0]["reason_en"] == "Kidnapping"
    assert body["regions"][0]["name"] == "Sabah" and body["regions"][0]["level"] == 3
    [health] = body["sections"]
    assert (health["key"], health["text"], health["id"], health["en"]) == ("health", "Demam berdarah",
                                                                           "Demam berdarah", "Dengue")
    assert body["emergency_numbers"][0]["number"] == "999"
    codes = [m["code"] for m in body["missions"]]
    assert codes[0] == "KBRI-KUALA-LUMPUR" and len(codes) > 1 and body["missions"][0]["hotline"]
    assert body["cap_url"].endswith(".xml")
    english = Client(headers={"accept-language": "en"}).get("/api/v1/countries/MY/advisory").json()
    assert english["reason"] == "Floods" and english["sections"][0]["text"] == "Dengue"
    assert client.get("/api/v1/countries/ZZ/advisory").status_code == 404


def test_the_index_supports_conditional_requests() -> None:
    client = Client()
    ani, budi = analyst(), analyst()
    publish("MY", author=ani, reviewer=budi, level=2)
    first = client.get("/api/v1/advisories")
    assert first.status_code == 200 and first["ETag"] and first["Last-Modified"]
    body = first.json()
    assert body["count"] == 1 and body["countries"][0]["code"] == "MY" and body["countries"][0]["level"] == 2
    again = client.get("/api/v1/advisories", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == first["ETag"]
    assert client.get("/api/v1/advisories", headers={"if-modified-since": first["Last-Modified"]}).status_code == 304
    publish("SG", author=ani, reviewer=budi, level=1)
    changed = client.get("/api/v1/advisories", headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"] and changed.json()["count"] == 2


def test_the_workflow_through_the_api_with_four_eyes() -> None:
    ani, budi = make_staff(HQ, Role.PROTECTION_ANALYST), make_staff(HQ, Role.ADMINISTRATOR)
    client = Client()
    created = _json(client, "post", "/api/v1/advisories/MY/drafts", {}, headers=bearer(ani))
    assert created.status_code == 201, created.content
    vid = created.json()["id"]
    bad = _json(client, "patch", f"/api/v1/advisory-versions/{vid}", {"level": 7}, headers=bearer(ani))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "level"
    bad = _json(client, "patch", f"/api/v1/advisory-versions/{vid}",
                {"regions": [{"name": "Atlantis", "code": "XX-1", "level": 2}]}, headers=bearer(ani))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "regions.0.code"
    edited = _json(client, "patch", f"/api/v1/advisory-versions/{vid}", {
        "level": 3, "reason_en": "Unrest", "sections": {"entry": {"id": "Visa", "en": "Visa"}},
        "emergency_numbers": [{"service": "police", "number": "999"}]}, headers=bearer(ani))
    assert edited.status_code == 200 and edited.json()["level"] == 3
    # a draft is invisible to the public, visible to staff
    assert Client().get(f"/api/v1/advisory-versions/{vid}").status_code == 404
    assert Client().get("/api/v1/countries/MY/advisory").status_code == 404
    assert client.get(f"/api/v1/advisory-versions/{vid}", headers=bearer(budi)).json()["status"] == "draft"
    assert _json(client, "post", f"/api/v1/advisory-versions/{vid}/submit", headers=bearer(ani)).json()["status"] == "in_review"
    refused = _json(client, "post", f"/api/v1/advisory-versions/{vid}/publish", headers=bearer(ani))
    assert refused.status_code == 403
    published = _json(client, "post", f"/api/v1/advisory-versions/{vid}/publish", headers=bearer(budi))
    assert published.status_code == 200 and published.json()["status"] == "published"
    assert Client().get(f"/api/v1/advisory-versions/{vid}").json()["level"] == 3  # now public

    second = _json(client, "post", "/api/v1/advisories/MY/drafts", {}, headers=bearer(budi)).json()["id"]
    _json(client, "patch", f"/api/v1/advisory-versions/{second}", {"level": 2}, headers=bearer(budi))
    rejected = _json(client, "post", f"/api/v1/advisory-versions/{second}/reject", {"note": "Too early"}, headers=bearer(ani))
    assert rejected.json()["status"] == "rejected" and rejected.json()["review_note"] == "Too early"
    history = client.get("/api/v1/advisories/MY/versions", headers=bearer(ani)).json()
    assert [(v["number"], v["status"]) for v in history] == [(2, "rejected"), (1, "published")]
    diff = client.get(f"/api/v1/advisory-versions/{second}/diff", headers=bearer(ani)).json()
    assert {f["key"] for f in diff["fields"] if f["changed"]} == {"level"}
    # the public may diff published versions only
    assert Client().get(f"/api/v1/advisory-versions/{second}/diff").status_code == 404


def test_permissions_on_the_workflow() -> None:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER)
    citizen = make_citizen_user()
    client = Client()
    assert _json(client, "post", "/api/v1/advisories/MY/drafts").status_code == 401
    assert _json(client, "post", "/api/v1/advisories/MY/drafts", headers=bearer(officer)).status_code == 403
    assert _json(client, "post", "/api/v1/advisories/MY/drafts", headers=bearer(citizen)).status_code == 403
    assert client.get("/api/v1/advisories/MY/versions", headers=bearer(citizen)).status_code == 403
    assert client.get("/api/v1/advisories/MY/versions", headers=bearer(officer)).status_code == 200
    ani = make_staff(HQ, Role.PROTECTION_ANALYST)
    vid = _json(client, "post", "/api/v1/advisories/MY/drafts", headers=bearer(ani)).json()["id"]
    _json(client, "patch", f"/api/v1/advisory-versions/{vid}", {"reason_en": "x"}, headers=bearer(ani))
    _json(client, "post", f"/api/v1/advisory-versions/{vid}/submit", headers=bearer(ani))
    assert _json(client, "post", f"/api/v1/advisory-versions/{vid}/publish", headers=bearer(officer)).status_code == 403
    assert client.get(f"/api/v1/advisory-versions/{vid}", headers=bearer(citizen)).status_code == 404


def test_citizens_follow_and_unfollow_countries() -> None:
    citizen = make_citizen_user()
    client = Client()
    assert client.get("/api/v1/me/follows").status_code == 401
    assert _json(client, "post", "/api/v1/me/follows/MY").status_code == 401
    followed = _json(client, "post", "/api/v1/me/follows/my", headers=bearer(citizen))
    assert followed.status_code == 201 and followed.json()["country"] == "MY"
    assert _json(client, "post", "/api/v1/me/follows/MY", headers=bearer(citizen)).status_code == 201  # idempotent
    _json(client, "post", "/api/v1/me/follows/JPN", headers=bearer(citizen))
    assert [f["country"] for f in client.get("/api/v1/me/follows", headers=bearer(citizen)).json()] == ["JP", "MY"]
    assert client.delete("/api/v1/me/follows/MY", headers=bearer(citizen)).status_code == 204
    assert [f["country"] for f in client.get("/api/v1/me/follows", headers=bearer(citizen)).json()] == ["JP"]
    assert _json(client, "post", "/api/v1/me/follows/QQ", headers=bearer(citizen)).status_code == 404
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER)
    assert _json(client, "post", "/api/v1/me/follows/MY", headers=bearer(officer)).status_code == 403
