"""A worker card's QR verifies with nothing but the published public key and the cryptography package; every bad
QR (forged, revoked, expired, malformed, unknown key) gets its own answer in both languages; the revocation list is
signed; a rotated key still verifies what it signed."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from embassy.common.errors import BadInput, PermissionDenied
from embassy.common.tests.factories import make_staff, verified
from embassy.credentials.models import Credential
from embassy.credentials.qr import qr_content
from embassy.credentials.services import credential_issue, credential_revoke, signing_key_rotate
from embassy.credentials.tests.helpers import NIK, b64u, b64u_decode, issue, world
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db
VERIFY = "/api/v1/credentials/verify"


def public_keys(client: Client) -> dict[str, bytes]:
    body = client.get("/api/v1/credentials/keys").json()
    return {k["kid"]: b64u_decode(k["jwk"]["x"]) for k in body["keys"]}


def check(client: Client, qr: str) -> dict[str, Any]:
    response = client.post(VERIFY, {"qr": qr}, content_type="application/json")
    assert response.status_code == 200
    return response.json()


def test_the_qr_verifies_offline_with_the_published_key_and_the_cryptography_package() -> None:
    w = world()
    card = issue(w, consented=["employer"])
    content = qr_content(card)
    assert content.startswith("http") and "/verifikasi/#SE1." in content
    token = content.split("#", 1)[1]
    version, kid, payload, signature = token.split(".")
    key = Ed25519PublicKey.from_public_bytes(public_keys(Client())[kid])
    key.verify(b64u_decode(signature), f"{version}.{kid}.{payload}".encode("ascii"))  # raises if not genuine
    data = json.loads(b64u_decode(payload))
    assert data["k"] == "pmi" and data["s"] == card.serial and data["m"] == "KBRI-KUALA-LUMPUR"
    assert data["f"]["n"] == "Siti Aminah" and data["f"]["emp"] == "Keluarga Tan"
    assert data["f"]["nik"] == "*0001" and NIK not in token  # not chosen: masked
    assert (
        "job" not in data["f"] and data["f"]["tel"]
    )  # not chosen: left out; the mission's hotline always in
    assert data["x"] == card.expires_on.isoformat()
    tampered = json.dumps({**data, "f": {**data["f"], "n": "Someone Else"}}).encode()
    with pytest.raises(InvalidSignature):
        key.verify(b64u_decode(signature), f"{version}.{kid}.{b64u(tampered)}".encode("ascii"))
    assert len(content) < 600  # a QR a phone reads from a screen and from the card


def test_each_bad_qr_gets_its_own_answer_in_both_languages() -> None:
    w = world()
    card = issue(w)
    client = Client()
    good = check(client, qr_content(card))
    assert (good["status"], good["valid"], good["serial"]) == ("valid", True, card.serial)
    assert good["title"]["en"] == "Valid" and set(good["message"]) == {"id", "en"}
    assert good["full_fields"] is None  # anonymous: never the full record

    version, kid, payload, signature = card.token.split(".")
    data = json.loads(b64u_decode(payload))
    altered = b64u(json.dumps({**data, "x": "2099-12-31"}).encode())
    other_key = Ed25519PrivateKey.generate()
    signed_elsewhere = f"{version}.{kid}.{payload}"
    impostor = f"{signed_elsewhere}.{b64u(other_key.sign(signed_elsewhere.encode()))}"
    unknown = f"SE1.AAAAAAAA.{payload}"
    cases = {
        "forged": [f"{version}.{kid}.{altered}.{signature}", impostor],
        "unknown_key": [f"{unknown}.{b64u(other_key.sign(unknown.encode()))}"],
        "malformed": [
            "hello",
            "SE1.abc.def",
            f"SE2.{kid}.{payload}.{signature}",
            f"{version}.{kid}.{payload}.AAAA",
            f"{version}.{kid}.{payload}!.{signature}",
            "x" * 5000,
        ],
    }
    for status, tokens in cases.items():
        for token in tokens:
            body = check(client, token[:4000])
            assert (body["status"], body["valid"]) == (status, False), token[:60]
            assert body["fields"] == {} and body["message"]["en"]
    assert check(client, card.token)["status"] == "valid"  # the bare token, without the address, too

    credential_revoke(credential=card, actor=w.officer, reason="Kontrak diputus")
    revoked = check(client, qr_content(card))
    assert (
        revoked["status"] == "revoked" and revoked["revoked_on"] and "withdrawn" in revoked["message"]["en"]
    )


def test_an_expired_card_is_answered_as_expired(monkeypatch: pytest.MonkeyPatch) -> None:
    w = world()
    card = issue(w, expires_on=dt.date.today() + dt.timedelta(days=2))
    later = timezone.now() + dt.timedelta(days=5)
    monkeypatch.setattr(timezone, "now", lambda: later)
    body = check(Client(), qr_content(card))
    assert (body["status"], body["valid"], body["title"]["en"]) == ("expired", False, "Expired")


def test_the_revocation_list_is_signed_by_headquarters_and_lists_only_serials() -> None:
    w = world()
    kept, dropped = issue(w), issue(w)
    credential_revoke(credential=dropped, actor=w.officer, reason="Hilang; pemegang melapor")
    client = Client()
    body = client.get("/api/v1/credentials/revoked").json()
    assert [e["s"] for e in body["revoked"]] == [dropped.serial] and body["issued_at"] and body["next_update"]
    version, kid, payload, signature = body["signed"].split(".")
    assert version == "SE1R"
    keys = client.get("/api/v1/credentials/keys").json()["keys"]
    signer = next(k for k in keys if k["kid"] == kid)
    assert signer["mission_kind"] == "HQ"
    Ed25519PublicKey.from_public_bytes(b64u_decode(signer["public_key"])).verify(
        b64u_decode(signature), f"{version}.{kid}.{payload}".encode()
    )
    signed = json.loads(b64u_decode(payload))
    assert [e["s"] for e in signed["revoked"]] == [dropped.serial] and kept.serial not in body["signed"]
    assert "Hilang" not in json.dumps(body)  # the reason stays with the mission


def test_a_rotated_key_stays_published_and_what_it_signed_still_verifies() -> None:
    w = world()
    card = issue(w)
    old_kid = card.key.kid
    new = signing_key_rotate(mission=w.mission, actor=w.officer)
    assert new.kid != old_kid
    keys = {k["kid"]: k for k in Client().get("/api/v1/credentials/keys").json()["keys"]}
    assert keys[old_kid]["retired_at"] is not None and keys[new.kid]["retired_at"] is None
    assert check(Client(), qr_content(card))["status"] == "valid"
    assert issue(w).key.kid == new.kid


def test_the_service_refuses_other_missions_staff_and_bad_fields() -> None:
    w = world()
    outsider = verified(make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER))
    protection = verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER))
    for actor in (outsider, protection):
        with pytest.raises(PermissionDenied):
            credential_issue(
                actor=actor,
                mission=w.mission,
                citizen=w.citizen,
                kind="worker_card",
                fields={"name": "X"},
                consented=[],
                expires_on=dt.date.today() + dt.timedelta(days=9),
            )
    base = {
        "name": "Siti",
        "employer": "Tan",
        "job": "PRT",
        "contract_start": "2026-01-01",
        "contract_end": "2026-12-31",
    }
    future = dt.date.today() + dt.timedelta(days=30)
    for fields, consented, expires_on, field in (
        ({**base, "employer": ""}, [], future, "employer"),
        ({**base, "contract_end": "31/12/2026"}, [], future, "contract_end"),
        ({**base, "salary": "1"}, [], future, "salary"),
        ({**base, "mission_contact": "+1"}, [], future, "mission_contact"),
        (base, ["name"], future, "consented"),
        (base, [], dt.date.today(), "expires_on"),
        (base, [], dt.date.today() + dt.timedelta(days=4000), "expires_on"),
    ):
        with pytest.raises(BadInput) as err:
            credential_issue(
                actor=w.officer,
                mission=w.mission,
                citizen=w.citizen,
                kind="worker_card",
                fields=fields,
                consented=consented,
                expires_on=expires_on,
            )
        assert err.value.field == field
    with pytest.raises(BadInput):
        credential_issue(
            actor=w.officer,
            mission=w.mission,
            citizen=w.citizen,
            kind="visa",
            fields=base,
            consented=[],
            expires_on=future,
        )
    assert not Credential.objects.exists()


def test_an_splp_is_signed_the_same_way() -> None:
    w = world()
    splp = credential_issue(
        actor=w.officer,
        mission=w.mission,
        citizen=w.citizen,
        kind="splp",
        fields={
            "name": "Siti Aminah",
            "birth_date": dt.date(1990, 1, 1),
            "nik": NIK,
            "destination": "Jakarta",
        },
        consented=["destination"],
        expires_on=dt.date.today() + dt.timedelta(days=30),
    )
    assert splp.serial.startswith("SPLP-")
    body = check(Client(), qr_content(splp))
    assert body["status"] == "valid" and body["kind"] == "splp"
    assert body["fields"] == {
        "name": "Siti Aminah",
        "nik": "••••0001",
        "destination": "Jakarta",
        "mission_contact": body["fields"]["mission_contact"],
    }
    assert "birth_date" not in body["fields"]


def test_the_rotation_command_gives_a_new_key_and_keeps_the_old_one() -> None:
    w = world()
    card = issue(w)
    out = StringIO()
    call_command("rotate_credential_keys", "KBRI-KUALA-LUMPUR", stdout=out)
    assert "KBRI-KUALA-LUMPUR: new key" in out.getvalue()
    assert check(Client(), qr_content(card))["status"] == "valid"
    with pytest.raises(CommandError):
        call_command("rotate_credential_keys", "KBRI-NOWHERE")
