"""The duty officer's casework and the citizen's side of it, through the API and pages as phones and
consoles use them."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from embassy.accounts.models import AuditEvent
from embassy.citizens.models import Citizen
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff, staff_client
from embassy.missions.models import Mission, Role
from embassy.notify.models import Message
from embassy.sos.models import Case, Event
from embassy.sos.services import cases_escalate_overdue, duty_set
from embassy.sos.tests.helpers import KL, _post

pytestmark = pytest.mark.django_db


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 2000
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 4000


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
    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg" and b"".join(r.streaming_content) == JPEG  # type: ignore[attr-defined]  # a FileResponse streams
    outsider = make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER, username="attach.outsider")
    assert client.get(f"/api/v1/sos/cases/{case_id}/attachments/{attachment.pk}", headers=bearer(outsider)).status_code == 403


def test_the_outbox_link_is_only_in_the_menu_of_those_who_may_open_it(kl_officer: Any) -> None:
    page = staff_client(kl_officer).get("/konsol/sos/")
    assert b"/konsol/notify/" not in page.content
    analyst = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST, username="menu.analyst")
    assert b"/konsol/notify/" in staff_client(analyst).get("/konsol/sos/").content
