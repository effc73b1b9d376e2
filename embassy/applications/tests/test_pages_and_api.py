"""The citizen's pages and API, the officer's queue and application page: scoped to the officer's missions
(another mission's application is a 404), every read of an application or a document audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from embassy.accounts.models import AuditEvent, User
from embassy.applications.models import Application, Status
from embassy.applications.services import application_advance
from embassy.applications.tests.conftest import PDF, RENEWAL_DOCS, pdf, png, submit
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff, staff_client
from embassy.missions.models import Mission, Role

pytestmark = pytest.mark.django_db


def _citizen_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_citizen_applies_on_the_web_and_follows_the_timeline(
    citizen_user: User, mission: Mission, officer: User
) -> None:
    client = _citizen_client(citizen_user)
    assert client.get(reverse("applications:list")).status_code == 200
    choose = client.get(reverse("applications:choose"), {"mission": mission.code}).content.decode()
    assert reverse("applications:apply", args=[mission.code, "passport-renewal"]) in choose
    url = reverse("applications:apply", args=[mission.code, "passport-renewal"])
    form = client.get(url).content.decode()
    assert f'name="doc-{RENEWAL_DOCS[0]}"' in form and 'enctype="multipart/form-data"' in form
    bad = client.post(
        url,
        {
            "reason": "expired",
            "passport_expiry": "2026-12-01",
            "client_key": "w1",
            f"doc-{RENEWAL_DOCS[0]}": SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>"),
            f"doc-{RENEWAL_DOCS[1]}": png(),
        },
    )
    assert bad.status_code == 422 and 'role="alert"' in bad.content.decode()
    assert 'value="2026-12-01"' in bad.content.decode()  # what was typed is kept
    assert not Application.objects.exists()
    done = client.post(
        url,
        {
            "reason": "expired",
            "passport_expiry": "2026-12-01",
            "client_key": "w1",
            f"doc-{RENEWAL_DOCS[0]}": pdf(),
            f"doc-{RENEWAL_DOCS[1]}": png(),
        },
    )
    application = Application.objects.get()
    assert done.status_code == 302 and done["Location"] == reverse(
        "applications:detail", args=[application.reference]
    )
    application_advance(actor=officer, application=application, to=Status.RETURNED, note="Foto buram.")
    page = client.get(done["Location"]).content.decode()
    assert "Foto buram." in page and application.reference in page and "Asia/Singapore" in page
    assert 'data-testid="correct"' in page
    resent = client.post(
        reverse("applications:resubmit", args=[application.reference]),
        {"reason": "expired", "passport_expiry": "2026-12-01", f"doc-{RENEWAL_DOCS[1]}": png()},
    )
    assert resent.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    stranger = _citizen_client(make_citizen_user("other@example.com"))
    assert stranger.get(done["Location"]).status_code == 404
    assert Client().get(done["Location"]).status_code == 302  # to sign-in


def test_the_officers_queue_and_application_page_are_scoped_and_audited(
    citizen_user: User, mission: Mission
) -> None:
    application = submit(citizen_user, mission)
    Application.objects.filter(pk=application.pk).update(due_on=dt.date(2020, 1, 1))
    officer = make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER)
    client = staff_client(officer)
    assert client.get(reverse("console:applications"))["Location"] == reverse(
        "console:applications-queue", args=[mission.code]
    )
    queue = client.get(reverse("console:applications-queue", args=[mission.code])).content.decode()
    assert application.reference in queue and 'data-sla="late"' in queue
    assert AuditEvent.objects.filter(action="applications.list", actor=officer).exists()
    assert (
        application.reference
        not in client.get(
            reverse("console:applications-queue", args=[mission.code]), {"status": "collected"}
        ).content.decode()
    )
    detail = reverse("console:applications-detail", args=[mission.code, application.reference])
    page = client.get(detail).content.decode()
    assert citizen_user.citizen.full_name in page and "Asia/Singapore" in page
    assert AuditEvent.objects.filter(
        action="applications.view",
        actor=officer,
        object_id=application.reference,
        citizen_id=application.citizen_id,
    ).exists()
    doc = application.documents.get(key=RENEWAL_DOCS[0])
    download = client.get(
        reverse("console:applications-document", args=[mission.code, application.reference, doc.pk])
    )
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF  # type: ignore[attr-defined]
    assert download["Content-Type"] == "application/pdf" and download["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(
        action="applications.document", actor=officer, detail__document=RENEWAL_DOCS[0]
    ).exists()
    client.post(
        reverse("console:applications-advance", args=[mission.code, application.reference]),
        {"to": "documents_checked"},
    )
    application.refresh_from_db()
    assert application.status == Status.DOCUMENTS_CHECKED
    refused = client.post(
        reverse("console:applications-advance", args=[mission.code, application.reference]),
        {"to": "collected"},
        follow=True,
    )
    assert refused.status_code == 200 and Application.objects.get().status == Status.DOCUMENTS_CHECKED

    kl = make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER)
    other = staff_client(kl)
    kl_code = "KBRI-KUALA-LUMPUR"
    assert (
        other.get(reverse("console:applications-detail", args=[kl_code, application.reference])).status_code
        == 404
    )
    assert other.get(detail).status_code == 404
    assert (
        other.get(
            reverse("console:applications-document", args=[mission.code, application.reference, doc.pk])
        ).status_code
        == 404
    )
    assert (
        other.post(
            reverse("console:applications-advance", args=[kl_code, application.reference]),
            {"to": "in_process"},
        ).status_code
        == 404
    )
    assert Application.objects.get().status == Status.DOCUMENTS_CHECKED
    assert not AuditEvent.objects.filter(action="applications.view", actor=kl).exists()
    social = staff_client(make_staff("KBRI-SINGAPORE", Role.SOCIAL_MEDIA_OFFICER))
    assert social.get(reverse("console:applications")).status_code == 403


def test_the_api_lists_reads_and_creates_with_multipart(citizen_user: User, mission: Mission) -> None:
    client, headers = Client(), bearer(citizen_user)
    form = client.get(f"/api/v1/applications/forms/{mission.code}/passport-renewal", headers=headers).json()
    assert [d["key"] for d in form["documents"]] == list(RENEWAL_DOCS) and form["questions"][0][
        "name"
    ] == "reason"
    body = {
        "mission": mission.code,
        "service": "passport-renewal",
        "client_key": "api-1",
        "answers": json.dumps({"reason": "full", "passport_expiry": "2031-05-01"}),
        RENEWAL_DOCS[0]: pdf(),
        RENEWAL_DOCS[1]: pdf(),
    }
    created = client.post("/api/v1/applications/", body, headers=headers)
    assert created.status_code == 201, created.content
    data = created.json()
    assert (
        data["status"] == "submitted"
        and len(data["documents"]) == 2
        and data["timeline"][0]["status"] == "submitted"
    )
    assert data["timeline"][0]["local_time"].endswith("UTC+8") and data["timezone"] == "Asia/Singapore"
    body.update({RENEWAL_DOCS[0]: pdf(), RENEWAL_DOCS[1]: pdf()})
    again = client.post("/api/v1/applications/", body, headers=headers)
    assert again.status_code == 200 and again.json()["reference"] == data["reference"]
    wrong = client.post(
        "/api/v1/applications/",
        {
            "mission": mission.code,
            "service": "passport-renewal",
            "reason": "full",
            "passport_expiry": "2031-05-01",
            RENEWAL_DOCS[0]: SimpleUploadedFile("a.pdf", b"PK\x03\x04 a zip file"),
            RENEWAL_DOCS[1]: pdf(),
        },
        headers=headers,
    )
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == RENEWAL_DOCS[0]
    impossible = client.post(
        "/api/v1/applications/",
        {
            "mission": mission.code,
            "service": "passport-renewal",
            "reason": "full",
            "passport_expiry": "2031-02-29",
            RENEWAL_DOCS[0]: pdf(),
            RENEWAL_DOCS[1]: pdf(),
        },
        headers=headers,
    )
    assert impossible.status_code == 422 and impossible.json()["errors"][0]["field"] == "passport_expiry"
    assert Application.objects.count() == 1
    listed = client.get("/api/v1/applications/", headers=headers).json()
    assert [a["reference"] for a in listed] == [data["reference"]]
    assert (
        client.get(f"/api/v1/applications/{data['reference']}", headers=headers).json()["answers"]["reason"]
        == "full"
    )
    stranger = bearer(make_citizen_user("other@example.com"))
    assert client.get(f"/api/v1/applications/{data['reference']}", headers=stranger).status_code == 404
    assert client.get("/api/v1/applications/").status_code == 401
    staff = bearer(make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER))
    assert client.get("/api/v1/applications/", headers=staff).status_code == 403
