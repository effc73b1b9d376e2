"""The panic button, through the API as phones use it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from embassy.citizens.models import Citizen
from embassy.citizens.services import stay_register
from embassy.common.tests.factories import bearer, make_citizen_user
from embassy.missions.models import Mission
from embassy.notify.models import Message
from embassy.sos.models import Alert, Case, Event, LocationPoint
from embassy.sos.tests.helpers import KL, _post

pytestmark = pytest.mark.django_db


def test_one_touch_opens_a_case_at_the_responsible_mission_and_alerts_the_duty_officer(
        client: Client, citizen: Any, kl_officer: Any, django_capture_on_commit_callbacks: Any) -> None:
    user, auth = citizen
    with django_capture_on_commit_callbacks(execute=True):
        r = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "k-000000001", **KL}, auth)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["created"] and body["mission"]["code"] == "KBRI-KUALA-LUMPUR"
    assert body["mission"]["hotline"]  # the citizen always gets a number to call
    case = Case.objects.get(pk=body["id"])
    assert case.location == "known" and case.accuracy_m == 12.5 and case.status == "new"
    assert LocationPoint.objects.filter(case=case).count() == 1
    sent = Message.objects.filter(user=kl_officer, kind="sos.new")
    assert sent.exists() and {m.channel for m in sent} >= {"email"}
    assert all(m.priority == 0 for m in sent)


def test_a_retry_with_the_same_key_never_creates_a_second_case(client: Client, citizen: Any, kl_officer: Any) -> None:
    _user, auth = citizen
    first = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "retry-key-1", **KL}, auth)
    again = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "retry-key-1", **KL}, auth)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["replay"] and again.json()["id"] == first.json()["id"]
    assert Case.objects.count() == 1 and Alert.objects.count() == 1


def test_a_second_press_while_a_case_is_open_joins_it(client: Client, citizen: Any, kl_officer: Any) -> None:
    _user, auth = citizen
    first = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "press-one-1", **KL}, auth).json()
    second = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "press-two-2", "lat": 3.15, "lon": 101.7}, auth)
    assert second.status_code == 200 and second.json()["joined"] and second.json()["id"] == first["id"]
    case = Case.objects.get()
    assert case.alerts == 2 and case.lat == 3.15
    assert case.events.filter(kind=Event.Kind.JOINED).count() == 1


@pytest.mark.parametrize("where", [
    {}, {"lat": 91, "lon": 10}, {"lat": "abc", "lon": "x"}, {"lat": 10}, {"lat": None, "lon": None},
    {"lat": "NaN", "lon": "inf"}, {"lat": 10, "lon": -181},
])
def test_missing_or_impossible_coordinates_still_create_the_case(client: Client, citizen: Any, where: dict) -> None:
    _user, auth = citizen
    r = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "no-location-1", **where}, auth)
    assert r.status_code == 201, r.content
    case = Case.objects.get(pk=r.json()["id"])
    assert case.location == "unknown" and case.lat is None
    assert r.json()["location"] == "unknown"
    assert case.mission.is_hq  # no stay, no position: headquarters has it


def test_without_a_position_the_case_goes_to_the_mission_of_the_active_stay(client: Client, citizen: Any) -> None:
    user, auth = citizen
    stay_register(citizen=user.citizen, actor=user, lat=21.5433, lon=39.1728, start_date=dt.date(2026, 1, 1))
    r = _post(client, "/api/v1/sos/alerts", {}, auth)  # a bare POST is a valid SOS
    assert r.status_code == 201
    assert r.json()["mission"]["code"] == "KJRI-JEDDAH" and r.json()["location"] == "unknown"


def test_staff_and_anonymous_cannot_raise(client: Client, kl_officer: Any) -> None:
    assert _post(client, "/api/v1/sos/alerts", {}, {}).status_code == 401
    assert _post(client, "/api/v1/sos/alerts", {}, bearer(kl_officer)).status_code == 403
    assert _post(client, "/api/v1/sos/alerts", {}, {"Authorization": "Bearer se_tampered"}).status_code == 401
    assert Case.objects.count() == 0


def test_offline_alert_sent_later_keeps_the_press_time(client: Client, citizen: Any) -> None:
    _user, auth = citizen
    pressed = (timezone.now() - dt.timedelta(minutes=20)).isoformat()
    r = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "offline-1", "pressed_at": pressed, **KL}, auth)
    assert r.status_code == 201
    raised = Event.objects.get(kind=Event.Kind.RAISED)
    assert raised.data["pressed_at"][:16] == pressed[:16]
    assert Alert.objects.get().sent_at is not None


def test_a_burst_of_cases_reaches_the_duty_officer_as_one_summary(client: Client, kl_officer: Any) -> None:
    from embassy.sos.notices import cases_alert_new

    for i in range(4):
        auth = bearer(make_citizen_user(f"burst{i}@example.com"))
        assert _post(client, "/api/v1/sos/alerts", {"idempotency_key": f"burst-{i}-key", **KL}, auth).status_code == 201
    assert cases_alert_new() == 4
    sent = Message.objects.filter(user=kl_officer)
    assert {m.kind for m in sent} == {"sos.new.digest"} and sent.filter(channel="email").count() == 1
    first = sent.first()
    assert first is not None and "4" in first.subject
    assert cases_alert_new() == 0  # nothing twice
    assert not Case.objects.filter(alerted_at__isnull=True).exists()


@pytest.mark.parametrize(("body", "status", "field"), [
    (b"not json", 400, "body"),  # not JSON at all: 400, as on the documented route
    (b"[1, 2]", 201, None),  # JSON but not an object: a bare press, which is a valid SOS
    (b'{"lat": {"x": 1}}', 422, "lat.float"),  # a field of the wrong type: the field is named
    (b'{"text": 5}', 422, "text"),
])
def test_malformed_bodies_get_a_clear_error_or_still_raise(client: Client, citizen: Any, body: bytes, status: int,
                                                            field: str | None) -> None:
    _user, auth = citizen
    r = client.post("/api/v1/sos/alerts", data=body, content_type="application/json", headers=auth)
    assert r.status_code == status, r.content
    if field is not None:
        assert r.json()["code"] == "bad_input" and r.json()["errors"][0]["field"] == field
        assert not Case.objects.exists()
    else:
        assert Case.objects.get().location == "unknown"


def test_the_browser_path_with_session_and_csrf_gives_the_same_answer(citizen: Any, kl_officer: Any) -> None:
    user, _auth = citizen
    web = Client(enforce_csrf_checks=True)
    web.force_login(user)
    page = web.get("/sos/")
    token = page.cookies["csrftoken"].value
    refused = web.post("/api/v1/sos/alerts", data=json.dumps({**KL}), content_type="application/json")
    assert refused.status_code == 403 and Case.objects.count() == 0  # no CSRF token, nothing stored
    r = web.post("/api/v1/sos/alerts", data=json.dumps({"idempotency_key": "browser-1", **KL}),
                 content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert r.status_code == 201 and r.json()["mission"]["code"] == "KBRI-KUALA-LUMPUR"
    assert r.json()["url"].endswith(f"/sos/kasus/{r.json()['id']}/")


def test_an_expired_or_revoked_token_is_refused_and_nothing_is_stored(client: Client, citizen: Any) -> None:
    from embassy.accounts.models import ApiToken

    user, auth = citizen
    ApiToken.objects.filter(user=user).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    r = _post(client, "/api/v1/sos/alerts", {**KL}, auth)
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated"
    fresh = bearer(user)
    ApiToken.objects.filter(user=user).update(revoked_at=timezone.now())
    assert _post(client, "/api/v1/sos/alerts", {**KL}, fresh).status_code == 401
    assert Case.objects.count() == 0


def test_where_the_mission_lists_no_hotline_the_answer_gives_headquarters_and_says_so(
        client: Client, citizen: Any) -> None:
    """Issue 9, point 2: the SOS answer (app and page) never leaves the citizen without a number, and never
    passes headquarters' hotline off as the mission's (nor a switchboard that nobody answers at night)."""
    from embassy.missions import contact
    from embassy.sos import present

    Mission.objects.filter(code="KBRI-KUALA-LUMPUR").update(hotline="", phone="+60321164000")
    present._missions.clear()
    contact._hq.clear()
    hq = Mission.objects.get(kind=Mission.Kind.HQ).hotline
    user, auth = citizen
    r = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "k-hq-fallback-1", **KL}, auth)
    mission = r.json()["mission"]
    assert mission["code"] == "KBRI-KUALA-LUMPUR"
    assert mission["hotline"] == hq and mission["hotline_fallback"] is True
    assert mission["phone"] == "+60321164000"
    web = Client(headers={"accept-language": "en"})
    web.force_login(user)
    page = web.get("/sos/").content.decode()  # the button: its offline SMS/call go to headquarters, said so
    assert 'data-testid="hq-fallback"' in page and f'href="tel:{hq}"' in page and "lists no hotline" in page
    own = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "k-hq-fallback-2", **KL}, auth).json()
    assert own["mission"]["hotline_fallback"] is True  # a joined press answers the same
    Mission.objects.filter(code="KBRI-KUALA-LUMPUR").update(hotline="+60176688032")
    present._missions.clear()
    again = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "k-hq-fallback-3", **KL}, auth).json()
    assert again["mission"]["hotline"] == "+60176688032" and again["mission"]["hotline_fallback"] is False


def test_the_hot_path_insert_stores_what_the_orm_would(citizen: Any) -> None:
    """bulk.insert skips the ORM's preparation only for values it would return unchanged; anything else
    (a number given as text, a datetime, a JSON dict, a country code key) is prepared by its field."""
    from embassy.common import bulk

    user, _auth = citizen
    citizen_row = Citizen.objects.get(user=user)
    now = timezone.now()
    mission = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    case_id = bulk.insert(Case, {"citizen_id": citizen_row.pk, "user_id": user.pk, "mission_id": str(mission.pk),
                                 "routing_rule": "jurisdiction", "country_id": "MY", "category": "", "text": "tolong",
                                 "raised_at": now, "waiting_since": now, "updated_at": now, "lat": 3.139,
                                 "lon": 101.6869, "accuracy_m": 12.5, "location": Case.Location.KNOWN})
    bulk.insert(Event, {"case_id": case_id, "at": now, "kind": Event.Kind.RAISED, "actor_id": user.pk,
                        "from_citizen": True, "public": False, "text": "", "data": {"key": "k-1", "n": [1, 2]}})
    case = Case.objects.get(pk=case_id)
    assert (case.mission_id, case.country_id, case.text, case.raised_at) == (mission.pk, "MY", "tolong", now)
    assert (case.lat, case.lon, case.accuracy_m, case.status) == (3.139, 101.6869, 12.5, Case.Status.NEW)
    event = Event.objects.get(case_id=case_id)
    assert event.from_citizen is True and event.public is False and event.data == {"key": "k-1", "n": [1, 2]}


def test_a_new_user_without_a_stay_is_told_the_mission_of_their_phone() -> None:
    """Issue 10: a +60 number without any stay reads "your mission: KBRI Kuala Lumpur", not headquarters; a
    phone position decides before the number; an e-mail-only user gets headquarters."""
    from embassy.accounts.models import User

    user = User.objects.create(username="new-my", phone="+60123456789", kind=User.Kind.CITIZEN)
    Citizen.objects.create(user=user, phone="+60123456789")
    web = Client(HTTP_ACCEPT_LANGUAGE="id")
    web.force_login(user)
    kl = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    assert f"<strong>{kl.name_id}</strong>" in web.get("/").content.decode()
    Citizen.objects.filter(user=user).update(last_lat=1.2903, last_lon=103.8519)  # the phone is in Singapore
    singapore = Mission.objects.get(code="KBRI-SINGAPORE")
    assert f"<strong>{singapore.name_id}</strong>" in web.get("/").content.decode()
    other = make_citizen_user("only.email@example.com")
    web.force_login(other)
    hq = Mission.objects.get(kind=Mission.Kind.HQ)
    assert f"<strong>{hq.name_id}</strong>" in web.get("/").content.decode()
