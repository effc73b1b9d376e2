from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from embassy.accounts.models import AppendOnlyError, AuditEvent, SignInCode, User
from embassy.common.tests.factories import PASSWORD, bearer, make_citizen_with_stay, make_staff, staff_client
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db


def _code_from_mail() -> str:
    return re.search(r"\b(\d{6})\b", str(mail.outbox[-1].body)).group(1)  # type: ignore[union-attr]  # no code: the test fails here


def test_citizen_signs_in_with_email_code_and_gets_a_token(client: Client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post("/api/v1/auth/code", {"address": "Wati@Example.com"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["channel"] == "email"
    code = _code_from_mail()
    r = client.post("/api/v1/auth/code/verify", {"address": "wati@example.com", "code": code, "token_name": "phone"},
                    content_type="application/json")
    assert r.status_code == 200, r.content
    token = r.json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=auth).json()["kind"] == "citizen"
    # replaying the same code fails
    r = client.post("/api/v1/auth/code/verify", {"address": "wati@example.com", "code": code}, content_type="application/json")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "code"
    # the owner lists and revokes tokens; a revoked token stops working
    tokens = client.get("/api/v1/auth/tokens", headers=auth).json()
    assert [t["name"] for t in tokens] == ["phone"]
    assert client.delete(f"/api/v1/auth/tokens/{tokens[0]['id']}", headers=auth).status_code == 200
    assert client.get("/api/v1/auth/me", headers=auth).status_code == 401


def test_phone_sign_in_wrong_and_expired_codes(client: Client, settings) -> None:
    r = client.post("/api/v1/auth/code", {"address": "+60 12-345 6789"}, content_type="application/json")
    assert r.json() == {"channel": "sms", "address": "+60123456789", "expires_in": settings.SIGNIN_CODE_TTL_SECONDS}
    for _ in range(settings.SIGNIN_CODE_MAX_ATTEMPTS):
        r = client.post("/api/v1/auth/code/verify", {"address": "+60123456789", "code": "000000"}, content_type="application/json")
        assert r.status_code in (422, 429)
    r = client.post("/api/v1/auth/code/verify", {"address": "+60123456789", "code": "000000"}, content_type="application/json")
    assert r.status_code == 429
    SignInCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    r = client.post("/api/v1/auth/code/verify", {"address": "+60123456789", "code": "123456"},
                    content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422 and "expired" in r.json()["detail"]


@pytest.mark.parametrize("address", ["", "not-an-address", "+1 555", "a@b"])
def test_bad_addresses_get_a_clear_error(client: Client, address: str) -> None:
    r = client.post("/api/v1/auth/code", {"address": address}, content_type="application/json")
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "address"


def test_code_requests_are_rate_limited(client: Client, settings) -> None:
    for _ in range(settings.SIGNIN_CODE_MAX_PER_HOUR):
        assert client.post("/api/v1/auth/code", {"address": "x@example.com"}, content_type="application/json").status_code == 200
    assert client.post("/api/v1/auth/code", {"address": "x@example.com"}, content_type="application/json").status_code == 429


def test_staff_need_password_and_second_factor(client: Client) -> None:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="kl.officer")
    r = client.post("/staf/masuk/", {"username": "kl.officer", "password": PASSWORD})
    assert r.status_code == 302 and "/staf/verifikasi/" in r["Location"]
    assert client.get("/konsol/").status_code == 302  # password alone is not enough
    device = TOTPDevice.objects.get(user=officer)
    r = client.post("/staf/verifikasi/", {"otp": "000000"})
    assert r.status_code == 422
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # wrong codes slow further tries down (django-otp throttling)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    r = client.post("/staf/verifikasi/", {"otp": code})
    assert r.status_code == 302
    assert client.get("/konsol/").status_code == 200


def test_staff_enrol_a_new_authenticator(client: Client) -> None:
    make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER, username="fresh", otp=False)
    client.post("/staf/masuk/", {"username": "fresh", "password": PASSWORD})
    page = client.get("/staf/verifikasi/")
    assert b"<svg" in page.content and b"totp-secret" in page.content
    device = TOTPDevice.objects.get(user__username="fresh", confirmed=False)
    code = f"{TOTP(device.bin_key).token():06d}"
    assert client.post("/staf/verifikasi/", {"otp": code}).status_code == 302
    assert TOTPDevice.objects.get(user__username="fresh").confirmed


def test_failed_staff_sign_ins_lock_the_account(client: Client, settings) -> None:
    make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER, username="target")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/staf/masuk/", {"username": "target", "password": "wrong"})
    r = client.post("/staf/masuk/", {"username": "target", "password": PASSWORD})
    assert r.status_code == 429  # even the right password is refused while locked


def test_staff_api_token_requires_totp(client: Client) -> None:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER, username="api.officer")
    body = {"username": "api.officer", "password": PASSWORD, "otp": "000000"}
    wrong_code = client.post("/api/v1/auth/staff/token", body, content_type="application/json")
    wrong_password = client.post("/api/v1/auth/staff/token", {**body, "password": "wrong"}, content_type="application/json")
    # the same answer whichever part was wrong: it never tells that the password was right
    assert wrong_code.status_code == wrong_password.status_code == 401
    assert wrong_code.json() == wrong_password.json()
    TOTPDevice.objects.filter(user=officer).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    device = TOTPDevice.objects.get(user=officer)
    body["otp"] = f"{TOTP(device.bin_key).token():06d}"
    r = client.post("/api/v1/auth/staff/token", body, content_type="application/json")
    assert r.status_code == 200 and r.json()["token"].startswith("se_")


def test_passwords_are_hashed_with_argon2() -> None:
    from config import settings as project_settings  # the tests themselves use MD5 for speed

    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_audit_log_is_append_only() -> None:
    event = AuditEvent.objects.create(action="test.event")
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    for sql in ("UPDATE accounts_auditevent SET action = 'x'", "DELETE FROM accounts_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.filter(pk=event.pk, action="test.event").exists()


def test_headquarters_searches_and_exports_the_audit_log() -> None:
    siti = make_citizen_with_stay(3.1390, 101.6869)
    kl = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="kl.reader")
    staff_client(kl).get(f"/konsol/warga/{siti.pk}/", REMOTE_ADDR="10.1.2.3")
    hq = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST)
    r = Client().get(f"/api/v1/auth/audit?citizen_id={siti.pk}&action=citizen.view", headers=bearer(hq))
    assert r.status_code == 200
    items = r.json()["items"]
    assert items and items[0]["actor"] == "kl.reader" and items[0]["ip"] == "10.1.2.3"
    page = staff_client(hq).get("/konsol/audit/", {"actor": "kl.reader"})
    assert page.status_code == 200 and b"citizen.view" in page.content
    export = staff_client(hq).get("/konsol/audit/export.csv", {"citizen_id": siti.pk})
    body = b"".join(export.streaming_content).decode()  # type: ignore[attr-defined]
    assert body.splitlines()[0].startswith("id,at,actor") and "kl.reader" in body
    # a mission officer may not search the audit log
    assert Client().get("/api/v1/auth/audit", headers=bearer(kl)).status_code == 403
    assert staff_client(kl).get("/konsol/audit/").status_code == 403


def test_language_choice_is_remembered(client: Client) -> None:
    assert client.get("/").headers["Content-Language"] == "id"
    client.post("/bahasa/", {"language": "en", "next": "/"})
    assert client.get("/").headers["Content-Language"] == "en"
    user = User.objects.create(username="c-lang", email="lang@example.com", kind="citizen", language="en")
    fresh = Client()
    fresh.force_login(user)
    assert fresh.get("/perwakilan/").headers["Content-Language"] == "en"
    fresh.post("/bahasa/", {"language": "id", "next": "/"})
    user.refresh_from_db()
    assert user.language == "id"


def test_many_audit_events_in_one_call_are_written_like_single_ones() -> None:
    from embassy.accounts.audit import AuditItem, audit_record_many

    written = audit_record_many(actor=None, action="complaint.escalate", events=[
        AuditItem("complaint", f"KBRI-X-2026-{i:05}", citizen_id=i, mission_code="KBRI-X", detail={"level": 1})
        for i in range(1, 1201)])
    assert written == 1200
    events = AuditEvent.objects.filter(action="complaint.escalate")
    assert events.count() == 1200 and not events.filter(at__isnull=True).exists()
    last = events.get(object_id="KBRI-X-2026-01200")
    assert (last.actor_label, last.object_type, last.citizen_id, last.mission_code, last.detail) == (
        "anonymous", "complaint", 1200, "KBRI-X", {"level": 1})
