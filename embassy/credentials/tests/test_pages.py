"""The pages and API a person uses: the mission's console (issue, list, revoke; other missions' staff shut out),
the holder's card (large QR, what it shows, PDF), the public verification page (only what the holder lets show),
and staff verifications in the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
import segno
from django.conf import settings
from django.test import Client

from embassy.accounts.models import AuditEvent
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff, staff_client
from embassy.credentials.models import Credential
from embassy.credentials.pdf import QR_BORDER
from embassy.credentials.qr import qr_content
from embassy.credentials.tests.helpers import (
    KL,
    NIK,
    PASSPORT,
    citizen_client,
    issue,
    pdf_rects,
    qr_matrix_in,
    world,
)
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db


def test_a_consular_officer_issues_lists_and_revokes_a_worker_card_in_the_console() -> None:
    w = world()
    client = staff_client(w.officer)
    assert (
        client.get("/konsol/dokumen/")["Location"] == f"/konsol/dokumen/{KL}/"
    )  # one mission: straight to it
    found = client.get(f"/konsol/dokumen/{KL}/", {"warga": "Siti"})
    assert found.status_code == 200 and f"/konsol/dokumen/{KL}/terbitkan/{w.citizen.pk}/" in found.text
    form = client.get(f"/konsol/dokumen/{KL}/terbitkan/{w.citizen.pk}/")
    assert 'value="Keluarga Tan"' in form.text and 'value="2027-12-31"' in form.text  # from the work stay
    post = {
        "employer": "Keluarga Tan",
        "job": "Pekerja rumah tangga",
        "contract_start": "2026-01-01",
        "contract_end": "2025-12-31",
        "expires_on": "2027-12-31",
        "show": ["employer"],
    }
    bad = client.post(f"/konsol/dokumen/{KL}/terbitkan/{w.citizen.pk}/", post)
    assert (
        bad.status_code == 422 and 'data-field="contract_end"' in bad.text and not Credential.objects.exists()
    )
    done = client.post(
        f"/konsol/dokumen/{KL}/terbitkan/{w.citizen.pk}/", {**post, "contract_end": "2027-12-31"}
    )
    card = Credential.objects.get()
    assert done["Location"] == f"/konsol/dokumen/{KL}/{card.serial}/" and card.consented == ["employer"]
    assert card.fields["nik"] == NIK and card.fields["passport"] == PASSPORT and card.issued_by == w.officer
    detail = client.get(done["Location"])
    assert NIK in detail.text and "<svg" in detail.text
    assert card.serial in client.get(f"/konsol/dokumen/{KL}/").text
    assert client.post(f"/konsol/dokumen/{KL}/{card.serial}/cabut/", {"reason": " "}).status_code == 302
    assert Credential.objects.get().revoked_at is None  # a reason is required
    client.post(f"/konsol/dokumen/{KL}/{card.serial}/cabut/", {"reason": "Kontrak diputus"})
    card.refresh_from_db()
    assert (
        card.revoked_at is not None
        and card.revoke_reason == "Kontrak diputus"
        and card.revoked_by == w.officer
    )
    actions = set(AuditEvent.objects.filter(actor=w.officer).values_list("action", flat=True))
    assert {"credentials.issue", "credentials.revoke", "credentials.view", "citizen.view"} <= actions


def test_staff_of_another_mission_or_without_the_role_are_shut_out() -> None:
    w = world()
    card = issue(w)
    outsider = staff_client(make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER))
    for url in (
        f"/konsol/dokumen/{KL}/",
        f"/konsol/dokumen/{KL}/{card.serial}/",
        f"/konsol/dokumen/{KL}/{card.serial}/kartu.pdf",
        f"/konsol/dokumen/{KL}/terbitkan/{w.citizen.pk}/",
    ):
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/konsol/dokumen/{KL}/{card.serial}/cabut/", {"reason": "x"}).status_code == 404
    assert Credential.objects.get().revoked_at is None
    protection = staff_client(make_staff(KL, Role.PROTECTION_OFFICER))
    assert protection.get("/konsol/dokumen/").status_code == 403
    assert Client().get("/konsol/dokumen/").status_code == 302  # to the staff sign-in
    # the mission's own officer cannot issue for a citizen who never reported a stay to it
    stranger = make_citizen_user().citizen
    assert staff_client(w.officer).get(f"/konsol/dokumen/{KL}/terbitkan/{stranger.pk}/").status_code in (
        403,
        404,
    )
    sg = make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER)
    api = Client().post(
        f"/api/v1/credentials/missions/{KL}/worker-cards",
        headers=bearer(sg),
        content_type="application/json",
        data={
            "citizen_id": w.citizen.pk,
            "employer": "A",
            "job": "B",
            "contract_start": "2026-01-01",
            "contract_end": "2026-12-31",
            "expires_on": "2026-12-31",
        },
    )
    assert api.status_code == 404 and api.json()["code"] == "not_found"


def test_the_holder_sees_a_large_qr_chooses_what_shows_and_the_public_page_shows_only_that() -> None:
    w = world()
    card = issue(w, consented=["employer", "job", "nik"])
    old_qr = qr_content(card)
    holder = citizen_client(w.holder)
    page = holder.get(f"/kartu/{card.serial}/")
    assert page.status_code == 200 and 'class="qr-code"' in page.text and 'viewBox="0 0' in page.text
    assert 'width="' not in page.text.split('class="qr-code"')[0][-200:]  # sized by CSS: fills a 360 px phone
    assert card.serial in holder.get("/kartu/").text
    assert citizen_client(make_citizen_user()).get(f"/kartu/{card.serial}/").status_code == 404

    anonymous = Client()
    shown = anonymous.post("/verifikasi/", {"qr": old_qr}).text
    assert 'data-verdict="valid"' in shown and NIK in shown and "Pekerja rumah tangga" in shown

    holder.post(f"/kartu/{card.serial}/tampilkan/", {"show": ["employer"]})
    card.refresh_from_db()
    assert card.consented == ["employer"] and card.revision == 2 and qr_content(card) != old_qr
    for qr in (qr_content(card), old_qr):  # an older QR shows no more than the holder now allows
        shown = anonymous.post("/verifikasi/", {"qr": qr}).text
        assert 'data-verdict="valid"' in shown and "Keluarga Tan" in shown and "Siti Aminah" in shown
        assert NIK not in shown and "••••0001" in shown and "Pekerja rumah tangga" not in shown
        assert PASSPORT not in shown and 'data-testid="full-fields"' not in shown
    assert anonymous.get("/verifikasi/", {"qr": "SE1.nonsense"}).text.count('data-verdict="malformed"') == 1
    assert 'id="verify-form"' in anonymous.get("/verifikasi/").text
    assert not AuditEvent.objects.filter(action="credentials.verify").exists()  # the public is not audited


def test_every_staff_verification_is_audited_and_full_fields_go_only_to_the_missions_staff() -> None:
    w = world()
    card = issue(w)
    own = staff_client(w.officer).post("/verifikasi/", {"qr": qr_content(card)}).text
    assert 'data-testid="full-fields"' in own and NIK in own and PASSPORT in own
    other = make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER)
    seen = staff_client(other).post("/verifikasi/", {"qr": qr_content(card)}).text
    assert 'data-verdict="valid"' in seen and NIK not in seen and 'data-testid="full-fields"' not in seen
    staff_client(other).post("/verifikasi/", {"qr": "SE1.broken"})
    api = (
        Client()
        .post(
            "/api/v1/credentials/verify",
            {"qr": qr_content(card)},
            content_type="application/json",
            headers=bearer(w.officer),
        )
        .json()
    )
    assert api["full_fields"]["nik"] == NIK and api["fields"]["nik"] == "••••0001"
    no_otp = make_staff(KL, Role.CONSULAR_OFFICER, otp=False)
    half = staff_client(no_otp).post("/verifikasi/", {"qr": qr_content(card)}).text
    assert 'data-verdict="valid"' in half and NIK not in half
    events = list(AuditEvent.objects.filter(action="credentials.verify").order_by("id"))
    assert [(e.actor, e.object_id, e.detail) for e in events] == [
        (w.officer, card.serial, {"status": "valid", "full": True}),
        (other, card.serial, {"status": "valid", "full": False}),
        (other, "", {"status": "malformed", "full": False}),
        (w.officer, card.serial, {"status": "valid", "full": True}),
        (no_otp, card.serial, {"status": "valid", "full": False}),
    ]
    assert events[0].citizen_id == w.citizen.pk and events[0].mission_code == KL


def test_the_pdf_card_is_a_pdf_with_the_documents_qr_drawn_on_its_front() -> None:
    w = world()
    card = issue(w, consented=["employer"])
    response = citizen_client(w.holder).get(f"/kartu/{card.serial}/kartu.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 2
    expected = [
        list(row)
        for row in segno.make(qr_content(card), error=settings.CREDENTIALS_QR_ERROR, boost_error=False).matrix
    ]
    assert qr_matrix_in(pdf_rects(pdf), len(expected)) == [[bool(v) for v in row] for row in expected]
    assert QR_BORDER >= 2
    assert citizen_client(make_citizen_user()).get(f"/kartu/{card.serial}/kartu.pdf").status_code == 404
    staff_pdf = staff_client(w.officer).get(f"/konsol/dokumen/{KL}/{card.serial}/kartu.pdf")
    assert staff_pdf.content.startswith(b"%PDF")


def test_the_api_issues_lists_changes_consent_and_revokes() -> None:
    w = world()
    officer = bearer(w.officer)
    api = Client()
    body = {
        "citizen_id": w.citizen.pk,
        "employer": "Keluarga Tan",
        "job": "PRT",
        "contract_start": "2026-01-01",
        "contract_end": "2027-12-31",
        "expires_on": (dt.date.today() + dt.timedelta(days=200)).isoformat(),
        "consented": ["job"],
    }
    bad = api.post(
        f"/api/v1/credentials/missions/{KL}/worker-cards",
        {**body, "consented": ["name"]},
        content_type="application/json",
        headers=officer,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "consented"
    made = api.post(
        f"/api/v1/credentials/missions/{KL}/worker-cards",
        body,
        content_type="application/json",
        headers=officer,
    )
    assert made.status_code == 201
    serial = made.json()["serial"]
    assert made.json()["status"] == "valid" and made.json()["qr"].split("#")[1].startswith("SE1.")
    listed = api.get(f"/api/v1/credentials/missions/{KL}", headers=officer).json()
    assert [c["serial"] for c in listed] == [serial]

    holder = bearer(w.holder)
    mine = api.get("/api/v1/credentials/mine", headers=holder).json()
    assert [c["serial"] for c in mine] == [serial] and mine[0]["choosable"] == [
        "nik",
        "passport",
        "employer",
        "job",
        "contract_start",
        "contract_end",
    ]
    changed = api.put(
        f"/api/v1/credentials/mine/{serial}/consent",
        {"consented": ["employer", "contract_end"]},
        content_type="application/json",
        headers=holder,
    ).json()
    assert changed["consented"] == ["employer", "contract_end"] and changed["revision"] == 2
    assert api.get(f"/api/v1/credentials/mine/{serial}/pdf", headers=holder).content.startswith(b"%PDF")
    assert (
        api.get(f"/api/v1/credentials/mine/{serial}", headers=bearer(make_citizen_user())).status_code == 404
    )
    assert api.get("/api/v1/credentials/mine").status_code == 401

    revoke = f"/api/v1/credentials/missions/{KL}/{serial}/revoke"
    assert (
        api.post(revoke, {"reason": "Salah terbit"}, content_type="application/json", headers=officer).json()[
            "status"
        ]
        == "revoked"
    )
    again = api.post(revoke, {"reason": "Salah terbit"}, content_type="application/json", headers=officer)
    assert again.status_code == 409
    assert (
        api.put(
            f"/api/v1/credentials/mine/{serial}/consent",
            {"consented": []},
            content_type="application/json",
            headers=holder,
        ).status_code
        == 409
    )
    assert [e["s"] for e in api.get("/api/v1/credentials/revoked").json()["revoked"]] == [serial]


def test_the_keys_page_lists_every_missions_public_key() -> None:
    w = world()
    card = issue(w)
    page = Client().get("/verifikasi/kunci/")
    assert page.status_code == 200 and card.key.kid in page.text and card.key.public_key in page.text
    assert card.key.private_key not in page.text
