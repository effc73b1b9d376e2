"""Whatever a request carries, the answer is a clear 4xx with the field, never a 500 (issue 9, point 5): on the
API, on the SOS fast path and on the web pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from embassy.common.tests.factories import bearer, make_citizen_user, make_staff, staff_client
from embassy.missions.models import Role
from embassy.sos.models import Case

pytestmark = pytest.mark.django_db
HUGE = "31845916577677700031840256"  # beyond 64 bits
DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture
def people() -> dict[str, Any]:
    citizen = make_citizen_user()
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER)
    return {"citizen": citizen, "officer": officer, "as_citizen": bearer(citizen), "as_officer": bearer(officer)}


def _client() -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize(("who", "path", "field"), [
    ("as_officer", "/api/v1/staff/citizens?offset=579292874871653335040", "offset"),
    ("as_officer", "/api/v1/staff/citizens?limit=" + HUGE, "limit"),
    ("as_officer", f"/api/v1/staff/citizens/{HUGE}", "citizen_id"),
    ("as_officer", f"/api/v1/sos/cases/{HUGE}", "case_id"),
    ("as_officer", f"/api/v1/sos/cases?limit={HUGE}", "limit"),
    ("as_citizen", f"/api/v1/sos/my-cases/{HUGE}", "case_id"),
    ("as_citizen", f"/api/v1/me/stays/{HUGE}", "stay_id"),
])
def test_integers_beyond_64_bits_in_ids_and_offsets_are_a_clear_error(people: dict, who: str, path: str,
                                                                       field: str) -> None:
    r = _client().get(path, headers=people[who])
    assert r.status_code == 422, r.content
    assert r.json()["errors"][0]["field"] == field


def test_a_huge_id_in_a_post_path_and_in_a_body(people: dict) -> None:
    r = _client().post(f"/api/v1/me/rollcalls/{HUGE}/answer", {"answer": "safe"}, content_type="application/json",
                       headers=people["as_citizen"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "crisis_id"
    body = {"start_date": "2026-06-01", "country": "MY", "dependants": [int(HUGE)]}
    r = _client().post("/api/v1/me/stays", json.dumps(body), content_type="application/json", headers=people["as_citizen"])
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "dependants.0"
    # the SOS fast path's roll-call answer (a signed link, no session)
    r = _client().post("/api/v1/rollcall/answer", json.dumps({"crisis": int(HUGE), "token": "x", "answer": "safe"}),
                       content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "crisis"
    # a case search by a number too large for a case reference finds nothing, and does not fail
    r = _client().get("/api/v1/sos/cases", {"q": HUGE}, headers=people["as_officer"])
    assert r.status_code == 200 and r.json() == []


def test_a_web_page_with_a_huge_id_is_not_found(people: dict) -> None:
    web = _client()
    web.force_login(people["citizen"])
    for path in (f"/sos/kasus/{HUGE}/", f"/lapor-diri/{HUGE}/"):
        assert web.get(path).status_code == 404, path
    hq = staff_client(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST))
    assert hq.get("/konsol/audit/", {"citizen_id": HUGE}).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/me/stays", "/api/v1/sos/alerts", "/api/v1/rollcall/answer"])
def test_json_nested_5000_deep_is_a_400(people: dict, path: str) -> None:
    r = _client().post(path, DEEP, content_type="application/json", headers=people["as_citizen"])
    assert r.status_code == 400, r.content
    assert r.json()["errors"][0]["field"] == "body"
    # moderately deep is refused the same way, before any validator walks it
    r = _client().post(path, '{"text": ' + "[" * 40 + "]" * 40 + "}", content_type="application/json",
                       headers=people["as_citizen"])
    assert r.status_code == 400


def test_a_body_over_the_limit_is_a_413(people: dict, settings: Any) -> None:
    big = b'{"text": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10) + b'"}'
    for path, auth in (("/api/v1/me/stays", people["as_citizen"]), ("/api/v1/sos/alerts", people["as_citizen"]),
                       ("/api/v1/sos/duty", people["as_officer"])):
        r = _client().post(path, big, content_type="application/json", headers=auth)
        assert r.status_code == 413, (path, r.content)
        assert r.json()["code"] == "bad_input"
    web = _client()
    web.force_login(people["citizen"])
    r = web.post("/profil/", b"full_name=" + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10),
                 content_type="application/x-www-form-urlencoded")
    assert r.status_code == 413
    r = _client().post("/api/v1/me/stays", b"{}", content_type="application/json", CONTENT_LENGTH="many",
                       headers=people["as_citizen"])
    assert r.status_code == 400


def test_multipart_without_a_boundary_is_a_400_everywhere(people: dict) -> None:
    officer_web = staff_client(people["officer"])
    officer_web.raise_request_exception = False
    for client, path, auth in ((officer_web, "/api/v1/sos/duty", {}),  # a staff session (CSRF reads the form)
                               (_client(), "/api/v1/me/stays", people["as_citizen"]),
                               (_client(), "/api/v1/auth/staff/token", {}),
                               (_client(), "/staf/masuk/", {}),
                               (_client(), "/masuk/", {})):
        r = client.post(path, b'{"username": "x"}', content_type="multipart/form-data", headers=auth)
        assert r.status_code == 400, (path, r.status_code)
    r = _client().post("/api/v1/me/stays", b'{"a": 1}', content_type="multipart/form-data",
                       headers=people["as_citizen"])
    assert r.json()["errors"][0]["field"] == "body"


def test_the_fast_path_checks_the_host_like_the_normal_path(people: dict) -> None:
    for path in ("/api/v1/sos/alerts", "/api/v1/rollcall/answer", "/api/v1/countries"):
        r = _client().post(path, "{}", content_type="application/json", HTTP_HOST="evil.example",
                           headers=people["as_citizen"])
        assert r.status_code == 400, (path, r.status_code)
    assert not Case.objects.exists()  # the panic button behind a forged host stored nothing
    r = _client().post("/api/v1/sos/alerts", "{}", content_type="application/json", headers=people["as_citizen"])
    assert r.status_code == 201


def test_booleans_are_not_coordinates(people: dict) -> None:
    auth = people["as_citizen"]
    stay = {"start_date": "2026-06-01", "lat": True, "lon": False}
    r = _client().post("/api/v1/me/stays", json.dumps(stay), content_type="application/json", headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lat"
    r = _client().post("/api/v1/me/position", '{"lat": 1.5, "lon": true}', content_type="application/json", headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lon"
    r = _client().get("/api/v1/me/where", {"lat": "true", "lon": "false"}, headers=auth)
    assert r.status_code == 422
    # an SOS is never refused for its position: a boolean makes the location unknown, not 1°N 0°E
    r = _client().post("/api/v1/sos/alerts", '{"lat": true, "lon": false}', content_type="application/json", headers=auth)
    assert r.status_code == 201 and r.json()["location"] == "unknown"
    # the one-tap form and the stay form (hidden fields the page's script fills)
    web = _client()
    web.force_login(people["citizen"])
    r = web.post("/lapor-diri/cepat/", {"lat": "true", "lon": "false"})
    assert r.status_code == 422
    r = web.post("/lapor-diri/", {"lat": "true", "lon": "false", "purpose": "tourism", "start_date": "2026-06-01"})
    assert r.status_code == 422
    assert not people["citizen"].citizen.stays.exists()
    # a crisis zone drawn by an officer
    hq = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST)
    declare = {"title": "Test", "kind": "earthquake", "lat": True, "lon": False, "radius_km": 50}
    r = _client().post("/api/v1/crises", json.dumps(declare), content_type="application/json", headers=bearer(hq))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "lat"
    ring = [[True, False], [1, 0], [1, 1], [True, False]]
    declare = {"title": "Test", "kind": "earthquake", "polygon": {"type": "Polygon", "coordinates": [ring]}}
    r = _client().post("/api/v1/crises", json.dumps(declare), content_type="application/json", headers=bearer(hq))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "polygon"


def test_nul_characters_never_reach_the_database(people: dict) -> None:
    """PostgreSQL cannot store or compare a text with a NUL: in an address it is refused, in a body dropped."""
    for path in ("/api/v1/sos/cases?q=a%00b", "/api/v1/staff/citizens?q=%00"):
        r = _client().get(path, headers=people["as_officer"])
        assert r.status_code == 400 and r.json()["errors"][0]["field"] == "query", path
    assert staff_client(people["officer"]).get("/konsol/warga/?q=%00").status_code == 400
    r = _client().post("/api/v1/sos/alerts", '{"text": "tolong\\u0000 saya"}', content_type="application/json",
                       headers=people["as_citizen"])
    assert r.status_code == 201
    assert Case.objects.get().text == "tolong saya"
    r = _client().patch("/api/v1/me/profile", '{"home_address": "Jl. Merdeka\\u0000 1"}',
                        content_type="application/json", headers=people["as_citizen"])
    assert r.status_code == 200 and r.json()["home_address"] == "Jl. Merdeka 1"


def test_a_refusal_speaks_the_language_of_its_own_request() -> None:
    """The front door answers before the locale middleware: each refusal must still be in the language the
    request asked for, not in the one the previous request on this thread used."""
    bad: dict[str, Any] = {"data": b"--x\r\nbroken", "content_type": "multipart/form-data"}  # no boundary parameter
    english = _client().post("/api/v1/auth/staff/token", headers={"accept-language": "en"}, **bad)
    indonesian = _client().post("/api/v1/auth/staff/token", headers={"accept-language": "id"}, **bad)
    english_again = _client().post("/api/v1/auth/staff/token", headers={"accept-language": "en"}, **bad)
    assert english.status_code == indonesian.status_code == 400
    assert english.json()["detail"] == english_again.json()["detail"] == "The form data cannot be read. Send it again."
    assert indonesian.json()["detail"] == "Data formulir tidak dapat dibaca. Kirim lagi."
