"""The panic button and the duty officer's casework, through the API as phones and consoles use it."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from embassy.accounts.models import AuditEvent
from embassy.citizens.models import Citizen
from embassy.citizens.services import stay_register
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff, staff_client
from embassy.missions.models import Mission, Role
from embassy.notify.models import Message
from embassy.sos.models import Alert, Case, Event, LocationPoint
from embassy.sos.services import cases_escalate_overdue, duty_set

pytestmark = pytest.mark.django_db

KL = {"lat": 3.139, "lon": 101.6869, "accuracy": 12.5}
JEDDAH = {"lat": 21.5433, "lon": 39.1728, "accuracy": 30}


def _post(client: Client, url: str, body: dict[str, Any], auth: dict[str, str]) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json", headers=auth)


@pytest.fixture
def citizen() -> tuple[Any, dict[str, str]]:
    user = make_citizen_user("warga.sos@example.com")
    return user, bearer(user)


@pytest.fixture
def kl_officer() -> Any:
    return make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.kl")


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


def test_the_officer_acknowledges_and_the_citizen_sees_it(client: Client, citizen: Any, kl_officer: Any,
                                                          django_capture_on_commit_callbacks: Any) -> None:
    user, auth = citizen
    case_id = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "ack-flow-1", **KL}, auth).json()["id"]
    staff = bearer(kl_officer)
    queue = client.get("/api/v1/sos/cases", headers=staff).json()
    assert [c["id"] for c in queue] == [case_id] and queue[0]["sla"] == "green"
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/api/v1/sos/cases/{case_id}/acknowledge", headers=staff)
    assert r.status_code == 200 and r.json()["status"] == "acknowledged"
    assert Message.objects.filter(user=user, kind="sos.acknowledged", channel="push").count() == 0  # no device yet
    msg = _post(client, f"/api/v1/sos/cases/{case_id}/messages", {"text": "We are calling you now."}, staff)
    assert msg.status_code == 201
    note = _post(client, f"/api/v1/sos/cases/{case_id}/notes", {"text": "internal only"}, staff)
    assert note.status_code == 201
    mine = client.get(f"/api/v1/sos/my-cases/{case_id}", headers=auth).json()
    assert mine["status"] == "acknowledged" and mine["acknowledged_at"]
    texts = [e["text"] for e in mine["events"]]
    assert "We are calling you now." in texts and "internal only" not in texts
    reply = _post(client, f"/api/v1/sos/my-cases/{case_id}/messages", {"text": "I am at the hospital"}, auth)
    assert reply.status_code == 201
    assert AuditEvent.objects.filter(action="sos.acknowledge", actor=kl_officer).exists()


def test_full_casework_assign_update_handover_resolve(client: Client, citizen: Any, kl_officer: Any) -> None:
    _user, auth = citizen
    case_id = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "casework-1", **KL}, auth).json()["id"]
    colleague = make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER, username="colleague.kl")
    outsider = make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER, username="duty.jeddah")
    staff = bearer(kl_officer)
    r = _post(client, f"/api/v1/sos/cases/{case_id}/assign", {"assignee_id": colleague.pk}, staff)
    assert r.status_code == 200 and r.json()["assigned_to"]
    bad = _post(client, f"/api/v1/sos/cases/{case_id}/assign", {"assignee_id": outsider.pk}, staff)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "assignee_id"
    r = client.patch(f"/api/v1/sos/cases/{case_id}", data=json.dumps({"category": "employer_abuse", "priority": 1}),
                     content_type="application/json", headers=staff)
    assert r.status_code == 200 and r.json()["category"] == "employer_abuse" and r.json()["priority"] == 1
    bad = client.patch(f"/api/v1/sos/cases/{case_id}", data=json.dumps({"priority": 9}),
                       content_type="application/json", headers=staff)
    assert bad.status_code == 422
    r = _post(client, f"/api/v1/sos/cases/{case_id}/handover", {"mission_code": "KJRI-JEDDAH", "reason": "moved"}, staff)
    assert r.status_code == 200 and r.json()["mission_code"] == "KJRI-JEDDAH" and r.json()["status"] == "new"
    # The old mission no longer sees it; the new one does.
    assert client.get(f"/api/v1/sos/cases/{case_id}", headers=staff).status_code == 403
    jeddah = bearer(outsider)
    assert client.get(f"/api/v1/sos/cases/{case_id}", headers=jeddah).status_code == 200
    r = _post(client, f"/api/v1/sos/cases/{case_id}/resolve", {"outcome": "nonsense"}, jeddah)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "outcome"
    r = _post(client, f"/api/v1/sos/cases/{case_id}/resolve", {"outcome": "assisted", "note": "Safe at shelter"}, jeddah)
    assert r.status_code == 200 and r.json()["status"] == "resolved"
    kinds = [e["kind"] for e in r.json()["events"]]
    assert kinds[0] == "raised" and {"assigned", "updated", "handed_over", "acknowledged", "resolved"} <= set(kinds)
    assert client.get(f"/api/v1/sos/my-cases/{case_id}", headers=auth).json()["outcome"] == "assisted"
    # A closed case takes no more messages from the citizen; a new press opens a new case.
    assert _post(client, f"/api/v1/sos/my-cases/{case_id}/messages", {"text": "hi"}, auth).status_code == 409
    again = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "casework-2"}, auth)
    assert again.status_code == 201 and again.json()["id"] != case_id


def test_an_officer_of_another_mission_is_refused_and_audited(client: Client, citizen: Any) -> None:
    _user, auth = citizen
    case_id = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "scope-1", **KL}, auth).json()["id"]
    outsider = make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER, username="other.mission")
    social = make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER, username="social.kl")
    r = client.get(f"/api/v1/sos/cases/{case_id}", headers=bearer(outsider))
    assert r.status_code == 403
    assert AuditEvent.objects.filter(action="sos.view.denied", actor=outsider, object_id=str(case_id)).exists()
    assert client.post(f"/api/v1/sos/cases/{case_id}/acknowledge", headers=bearer(outsider)).status_code == 403
    assert client.get("/api/v1/sos/cases", headers=bearer(outsider)).json() == []
    assert client.get("/api/v1/sos/cases", headers=bearer(social)).status_code == 403
    assert Case.objects.get().status == "new"
    # Web console too.
    web = staff_client(outsider)
    assert web.get(f"/konsol/sos/{case_id}/").status_code == 403


def test_headquarters_sees_every_open_case(client: Client, citizen: Any) -> None:
    _user, auth = citizen
    case_id = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "hq-1", **KL}, auth).json()["id"]
    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="analyst")
    assert [c["id"] for c in client.get("/api/v1/sos/cases", headers=bearer(analyst)).json()] == [case_id]
    page = staff_client(analyst).get("/konsol/sos/")
    assert page.status_code == 200 and b"SOS-" in page.content
    points = staff_client(analyst).get("/konsol/sos/peta.geojson").json()
    assert points["features"][0]["properties"]["id"] == case_id


def test_unacknowledged_cases_escalate_to_the_mission_then_headquarters(
        client: Client, citizen: Any, kl_officer: Any, settings: Any) -> None:
    settings.SOS_ESCALATE_AFTER_SECONDS = 300
    _user, auth = citizen
    head = make_staff("KBRI-KUALA-LUMPUR", Role.HEAD_OF_MISSION, username="head.kl")
    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="analyst.hq")
    duty_set(actor=kl_officer, mission=Mission.objects.get(code="KBRI-KUALA-LUMPUR"), on_duty=True)
    case_id = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "esc-1", **KL}, auth).json()["id"]
    assert not Message.objects.filter(user=head).exists()  # only the duty officer at first
    now = timezone.now()
    assert cases_escalate_overdue(now=now + dt.timedelta(minutes=4)) == 0
    assert cases_escalate_overdue(now=now + dt.timedelta(minutes=5, seconds=1)) == 1
    assert Message.objects.filter(user=head, kind="sos.escalated").exists()
    assert not Message.objects.filter(user=analyst).exists()
    assert cases_escalate_overdue(now=now + dt.timedelta(minutes=6)) == 0  # not yet: 5 more minutes at level 1
    assert cases_escalate_overdue(now=now + dt.timedelta(minutes=10, seconds=2)) == 1
    assert Message.objects.filter(user=analyst, kind="sos.escalated").exists()
    case = Case.objects.get(pk=case_id)
    assert case.escalation_level == 2
    assert case.events.filter(kind=Event.Kind.ESCALATED).count() == 2
    assert cases_escalate_overdue(now=now + dt.timedelta(hours=1)) == 0  # headquarters is the top


def test_acknowledged_cases_do_not_escalate(client: Client, citizen: Any, kl_officer: Any) -> None:
    _user, auth = citizen
    case_id = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "esc-2", **KL}, auth).json()["id"]
    client.post(f"/api/v1/sos/cases/{case_id}/acknowledge", headers=bearer(kl_officer))
    assert cases_escalate_overdue(now=timezone.now() + dt.timedelta(hours=1)) == 0


def test_location_updates_build_the_trail(client: Client, citizen: Any, kl_officer: Any) -> None:
    _user, auth = citizen
    case_id = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "trail-1"}, auth).json()["id"]
    for i in range(3):
        r = _post(client, f"/api/v1/sos/my-cases/{case_id}/locations", {"lat": 3.14 + i / 100, "lon": 101.69, "accuracy": 20}, auth)
        assert r.status_code == 204
    bad = _post(client, f"/api/v1/sos/my-cases/{case_id}/locations", {"lat": 200, "lon": 0}, auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "lat"
    detail = client.get(f"/api/v1/sos/cases/{case_id}", headers=bearer(kl_officer)).json()
    # Raised without a position, it went to headquarters; the first position moved it to KL.
    assert detail["mission_code"] == "KBRI-KUALA-LUMPUR"
    assert [e["kind"] for e in detail["events"]].count("handed_over") == 1
    assert len(detail["trail"]) == 3 and detail["location"] == "known" and detail["lat"] == pytest.approx(3.16)


def test_citizen_details_and_other_citizens_cases(client: Client, citizen: Any) -> None:
    _user, auth = citizen
    case_id = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "details-1", **KL}, auth).json()["id"]
    r = client.patch(f"/api/v1/sos/my-cases/{case_id}", data=json.dumps({"category": "crime", "text": "Robbed"}),
                     content_type="application/json", headers=auth)
    assert r.status_code == 200 and r.json()["category"] == "crime"
    bad = client.patch(f"/api/v1/sos/my-cases/{case_id}", data=json.dumps({"category": "aliens"}),
                       content_type="application/json", headers=auth)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"
    other = bearer(make_citizen_user("someone.else@example.com"))
    assert client.get(f"/api/v1/sos/my-cases/{case_id}", headers=other).status_code == 404
    assert client.get("/api/v1/sos/my-cases", headers=other).json() == []


def test_offline_alert_sent_later_keeps_the_press_time(client: Client, citizen: Any) -> None:
    _user, auth = citizen
    pressed = (timezone.now() - dt.timedelta(minutes=20)).isoformat()
    r = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "offline-1", "pressed_at": pressed, **KL}, auth)
    assert r.status_code == 201
    raised = Event.objects.get(kind=Event.Kind.RAISED)
    assert raised.data["pressed_at"][:16] == pressed[:16]
    assert Alert.objects.get().sent_at is not None


def test_citizen_pages_and_no_javascript_button(citizen: Any, kl_officer: Any) -> None:
    user, _auth = citizen
    web = Client()
    web.force_login(user)
    page = web.get("/sos/")
    assert page.status_code == 200 and b"data-sos-button" in page.content
    r = web.post("/sos/")
    assert r.status_code == 302
    case = Case.objects.get()
    page = web.get(r["Location"])
    assert page.status_code == 200 and case.reference.encode() in page.content
    assert web.get(f"/sos/kasus/{case.pk}/status/?after=0&status=new").status_code == 200
    last = case.events.order_by("-id").first()
    assert last is not None
    assert web.get(f"/sos/kasus/{case.pk}/status/?after={last.pk}&status=new").status_code == 204
    r = web.post(f"/sos/kasus/{case.pk}/pesan/", {"text": "Tolong"})
    assert r.status_code == 302 and case.events.filter(kind="message", from_citizen=True).exists()
    assert Citizen.objects.count() == 1


def test_console_queue_live_poll_and_actions(client: Client, citizen: Any, kl_officer: Any) -> None:
    _user, auth = citizen
    web = staff_client(kl_officer)
    page = web.get("/konsol/sos/")
    assert page.status_code == 200
    cursor = page.context["cursor"]
    assert web.get(f"/konsol/sos/live/?cursor={cursor}").status_code == 204  # nothing new
    case_id = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "console-1", **KL}, auth).json()["id"]
    live = web.get(f"/konsol/sos/live/?cursor={cursor}")
    assert live.status_code == 200 and f"SOS-{case_id:06d}".encode() in live.content
    detail = web.get(f"/konsol/sos/{case_id}/")
    assert detail.status_code == 200 and b"Warga" in detail.content
    r = web.post(f"/konsol/sos/{case_id}/acknowledge/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and Case.objects.get().status == "acknowledged"
    r = web.post(f"/konsol/sos/{case_id}/message/", {"text": ""}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b'role="alert"' in r.content
    r = web.post(f"/konsol/sos/{case_id}/resolve/", {"outcome": "false_alarm"})
    assert r.status_code == 302 and Case.objects.get().status == "resolved"
    assert AuditEvent.objects.filter(action="sos.view", actor=kl_officer).exists()


def test_a_burst_of_cases_reaches_the_duty_officer_as_one_summary(client: Client, kl_officer: Any) -> None:
    from embassy.sos.alerts import cases_alert_new

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


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b'{"lat": {"x": 1}}', b'{"text": 5}'])
def test_malformed_bodies_get_a_clear_error_or_still_raise(client: Client, citizen: Any, body: bytes) -> None:
    _user, auth = citizen
    r = client.post("/api/v1/sos/alerts", data=body, content_type="application/json", headers=auth)
    assert r.status_code in (201, 400, 422), r.content  # 400: not JSON at all, as on the documented route
    if r.status_code in (400, 422):
        assert r.json()["code"] == "bad_input" and r.json()["errors"][0]["field"]
    assert r.status_code != 500


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


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 2000
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4000


def test_photos_and_videos_are_checked_and_a_rejected_upload_keeps_the_case(
        client: Client, citizen: Any, kl_officer: Any, settings: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    _user, auth = citizen
    case_id = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "upload-1", **KL}, auth).json()["id"]
    url = f"/api/v1/sos/my-cases/{case_id}/attachments"

    r = client.post(url, {"file": SimpleUploadedFile("x.jpg", JPEG, content_type="image/jpeg")}, headers=auth)
    assert r.status_code == 201 and r.json()["kind"] == "photo" and r.json()["content_type"] == "image/jpeg"
    r = client.post(url, {"file": SimpleUploadedFile("clip.mp4", MP4, content_type="video/mp4")}, headers=auth)
    assert r.status_code == 201 and r.json()["kind"] == "video"
    # The declared type is not trusted: a script named like a photo is refused.
    r = client.post(url, {"file": SimpleUploadedFile("evil.jpg", b"#!/bin/sh\nrm -rf /", content_type="image/jpeg")},
                    headers=auth)
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "file"
    settings.SOS_MAX_PHOTO_BYTES = 1000
    r = client.post(url, {"file": SimpleUploadedFile("big.jpg", JPEG, content_type="image/jpeg")}, headers=auth)
    assert r.status_code == 422 and "MB" in r.json()["detail"]
    assert client.post(url, {}, headers=auth).status_code == 422
    case = Case.objects.get(pk=case_id)
    assert case.is_open and case.attachments.count() == 2  # rejected uploads changed nothing
    assert sorted(p.name for p in (tmp_path / "sos" / str(case_id)).iterdir()).__len__() == 2

    # The officer opens it (audited); another mission cannot.
    attachment = case.attachments.first()
    assert attachment is not None
    r = client.get(f"/api/v1/sos/cases/{case_id}/attachments/{attachment.pk}", headers=bearer(kl_officer))
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and r.getvalue() == JPEG
    outsider = make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER, username="attach.outsider")
    assert client.get(f"/api/v1/sos/cases/{case_id}/attachments/{attachment.pk}", headers=bearer(outsider)).status_code == 403


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


def test_the_outbox_link_is_only_in_the_menu_of_those_who_may_open_it(kl_officer: Any) -> None:
    page = staff_client(kl_officer).get("/konsol/sos/")
    assert b"/konsol/notify/" not in page.content
    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="menu.analyst")
    assert b"/konsol/notify/" in staff_client(analyst).get("/konsol/sos/").content


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
