"""Sign-in, second factor, sessions, sign-in code limits, the audit log and the admin (issue 9, point 5)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from embassy.accounts.models import ApiToken, AuditEvent, SignInCode, User
from embassy.common.tests.factories import PASSWORD, bearer, make_citizen_user, make_staff, staff_client
from embassy.missions.models import Membership, Mission, Role

pytestmark = pytest.mark.django_db


def _totp(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def _staff_token(client: Client, **body: str) -> Any:
    return client.post("/api/v1/auth/staff/token", json.dumps({"username": "kl", "otp": "000000", **body}),
                       content_type="application/json")


def test_a_malformed_multipart_sign_in_answers_the_same_whatever_the_password() -> None:
    make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="kl")
    answers = []
    for password in ("wrong", PASSWORD):
        body = json.dumps({"username": "kl", "password": password, "otp": "123456"})
        for content_type in ("multipart/form-data", "multipart/form-data; boundary=x"):
            r = Client(raise_request_exception=False).post("/api/v1/auth/staff/token", body,
                                                           content_type=content_type)
            answers.append((r.status_code, r.content))
    assert answers[0][0] == 400  # no boundary: refused before any sign-in is tried
    assert answers[1][0] == 401  # a boundary but a JSON body: read as JSON, a failed sign-in (wrong code)
    assert answers[0] == answers[2] and answers[1] == answers[3]  # nothing tells the right password apart
    assert AccessAttempt.objects.get(username="kl").failures_since_start == 2  # both sign-ins tried were counted


def test_every_failed_staff_sign_in_counts_towards_the_lockout(settings: Any) -> None:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="kl")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):
        r = _staff_token(client, password="wrong")
        assert r.status_code == 401
    # the right password with a wrong code: the same answer as a wrong password, and a failure all the same
    r = _staff_token(client, password=PASSWORD)
    assert r.status_code == 401 and r.json() == _staff_token(Client(), username="nobody", password="x").json()
    r = _staff_token(client, password="wrong")  # the limit's failure: locked
    assert r.status_code == 429 and r.json()["code"] == "locked"
    r = _staff_token(client, password=PASSWORD, otp=_totp(officer))
    assert r.status_code == 429  # while locked, even everything right is refused
    assert not ApiToken.objects.filter(user=officer).exists()


def test_staff_token_issuance_is_audited() -> None:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="kl")
    r = _staff_token(Client(), password=PASSWORD, otp=_totp(officer), token_name="laptop")
    assert r.status_code == 200
    event = AuditEvent.objects.get(action="token.issue")
    assert event.actor == officer and event.object_id == str(r.json()["info"]["id"])


def test_a_password_only_session_does_nothing_in_the_api() -> None:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="kl")
    token = bearer(officer)
    token_id = ApiToken.objects.get(user=officer).pk
    web = Client()
    assert web.post("/staf/masuk/", {"username": "kl", "password": PASSWORD}).status_code == 302
    duty = {"mission_code": "KBRI-KUALA-LUMPUR", "on_duty": True}
    assert web.post("/api/v1/sos/duty", duty, content_type="application/json").status_code == 401
    assert web.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 401
    assert web.get("/api/v1/auth/me").status_code == 401
    assert Client().get("/api/v1/auth/me", headers=token).status_code == 200  # the token was not revoked
    # after the second factor the same session may
    before = web.session.session_key
    assert web.post("/staf/verifikasi/", {"otp": _totp(officer)}).status_code == 302
    assert web.session.session_key != before  # a new session id at the second factor
    assert web.post("/api/v1/sos/duty", duty, content_type="application/json").status_code == 200
    assert web.delete(f"/api/v1/auth/tokens/{token_id}").status_code == 200


def _ask(address: str, ip: str, lang: str = "en") -> Any:
    return Client().post("/api/v1/auth/code", {"address": address}, content_type="application/json",
                         REMOTE_ADDR=ip, HTTP_ACCEPT_LANGUAGE=lang)


def test_sign_in_codes_are_limited_per_network(settings: Any) -> None:
    answers = [_ask(f"+6012345{6700 + i}", "203.0.113.7").status_code for i in range(20)]
    assert answers == [200] * settings.SIGNIN_CODE_MAX_PER_IP_HOUR + [429] * (20 - settings.SIGNIN_CODE_MAX_PER_IP_HOUR)
    r = _ask("someone@example.com", "203.0.113.7")
    assert r.status_code == 429 and "network" in r.json()["detail"]
    assert r.json()["errors"][0]["field"] == "address"
    assert SignInCode.objects.count() == settings.SIGNIN_CODE_MAX_PER_IP_HOUR
    assert _ask("+60123456700", "198.51.100.9").status_code == 200  # another network is not affected
    # the web page says it too, with the same status
    page = Client().post("/masuk/", {"address": "+60123456799"}, REMOTE_ADDR="203.0.113.7",
                         HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 429 and b"network" in page.content


def test_sms_codes_are_limited_per_country_prefix_and_overall(settings: Any) -> None:
    settings.SIGNIN_CODE_MAX_PER_PREFIX_HOUR = 3
    settings.SIGNIN_CODE_MAX_SMS_PER_HOUR = 5
    for i in range(3):
        assert _ask(f"+6012345{6700 + i}", f"192.0.2.{i}").status_code == 200
    r = _ask("+60123456799", "192.0.2.50")
    assert r.status_code == 429 and "SMS" in r.json()["detail"]
    assert _ask("+6281234567001", "192.0.2.51").status_code == 200  # another prefix
    assert _ask("+6281234567002", "192.0.2.52").status_code == 200
    assert _ask("+6281234567003", "192.0.2.53").status_code == 429  # five SMS codes in the hour overall
    assert _ask("wati@example.com", "192.0.2.54").status_code == 200  # email still works


def test_a_genuine_sos_is_never_blocked_by_the_code_limits(settings: Any) -> None:
    user = make_citizen_user()
    auth = bearer(user)
    for i in range(settings.SIGNIN_CODE_MAX_PER_IP_HOUR + 1):
        _ask(f"+6012345{6700 + i}", "203.0.113.7")
    assert _ask("+60123456799", "203.0.113.7").status_code == 429
    r = Client().post("/api/v1/sos/alerts", {"lat": 3.139, "lon": 101.6869}, content_type="application/json",
                      REMOTE_ADDR="203.0.113.7", headers=auth)
    assert r.status_code == 201


def test_the_audit_export_neutralises_formulas() -> None:
    hq = make_staff("HQ-PWNI", Role.PROTECTION_ANALYST)
    Client().get("/api/v1/staff/citizens", HTTP_USER_AGENT='=HYPERLINK("http://evil.example","x")', headers=bearer(hq))
    AuditEvent.objects.create(action="test", actor_label="@SUM(1+1)", path="-2+3", object_id="+1 (ok)")
    for client, path in ((staff_client(hq), "/konsol/audit/export.csv"), (Client(), "/api/v1/auth/audit/export.csv")):
        response = client.get(path, headers={} if path.startswith("/konsol") else bearer(hq))
        rows = list(csv.reader(io.StringIO(response.getvalue().decode())))
        cells = [cell for row in rows[1:] for cell in row]
        assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in cells
        assert "'@SUM(1+1)" in cells and "'-2+3" in cells and "'+1 (ok)" in cells
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_the_audit_log_refuses_replace_and_upsert() -> None:
    event = AuditEvent.objects.create(action="test.event")
    columns = "(id, at, actor_label, action, object_type, object_id, mission_code, ip, user_agent, path, detail)"
    values = "VALUES (%s, %s, 'x', 'forged', '', '', '', '', '', '', '{}')"
    if connection.vendor == "sqlite":
        statements = [f"INSERT OR REPLACE INTO accounts_auditevent {columns} {values}",
                      f"REPLACE INTO accounts_auditevent {columns} {values}",
                      f"INSERT INTO accounts_auditevent {columns} {values} ON CONFLICT(id) DO UPDATE SET action = 'forged'"]
    else:
        statements = [f"INSERT INTO accounts_auditevent {columns} {values} ON CONFLICT (id) DO UPDATE SET action = 'forged'"]
    for sql in statements:
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [event.pk, connection.ops.adapt_datetimefield_value(event.at)])
    event.refresh_from_db()
    assert event.action == "test.event"
    assert AuditEvent.objects.create(action="still.appends").pk > event.pk


def _admin() -> Client:
    admin = make_staff("HQ-PWNI", Role.ADMINISTRATOR, username="hq.admin")
    User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    admin.refresh_from_db()
    return staff_client(admin)


def test_the_admin_grants_roles_by_the_services_rule() -> None:
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER, username="kl")
    citizen = make_citizen_user()
    admin = _admin()
    kl = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    hq = Mission.objects.get(code="HQ-PWNI")
    for user, mission, role in ((officer, kl, Role.ADMINISTRATOR), (officer, hq, Role.PROTECTION_OFFICER),
                                (citizen, kl, Role.PROTECTION_OFFICER)):
        r = admin.post("/admin/missions/membership/add/", {"user": user.pk, "mission": mission.pk, "role": role})
        assert r.status_code == 200 and b"errornote" in r.content, (user, mission, role)
    assert not Membership.objects.filter(user=officer, role=Role.ADMINISTRATOR).exists()
    assert not Membership.objects.filter(user=citizen).exists()
    r = admin.post("/admin/missions/membership/add/", {"user": officer.pk, "mission": hq.pk,
                                                      "role": Role.PROTECTION_ANALYST})
    assert r.status_code == 302
    assert Membership.objects.filter(user=officer, mission=hq, role=Role.PROTECTION_ANALYST).exists()


def test_the_admin_makes_staff_accounts_through_the_service_and_revokes_tokens() -> None:
    admin = _admin()
    r = admin.post("/admin/accounts/user/add/", {"username": "new.officer", "password1": "a long pass phrase 7",
                                                 "password2": "a long pass phrase 7", "usable_password": "true"})
    assert r.status_code == 302, r.content[:2000]
    created = User.objects.get(username="new.officer")
    assert created.kind == User.Kind.STAFF and created.check_password("a long pass phrase 7")
    assert AuditEvent.objects.filter(action="staff.create", object_id=str(created.pk)).exists()
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER)
    auth = bearer(officer)
    token = ApiToken.objects.get(user=officer)
    r = admin.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert r.status_code == 302
    assert Client().get("/api/v1/auth/me", headers=auth).status_code == 401
    assert AuditEvent.objects.filter(action="token.revoke", object_id=str(token.pk)).exists()
