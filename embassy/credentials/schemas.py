from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field


class VerifyIn(Schema):
    qr: str = Field(
        max_length=4000, description="what the scanner read: the token, or the address holding it"
    )


class BilingualOut(Schema):
    id: str
    en: str


class MissionRefOut(Schema):
    code: str
    name_id: str
    name_en: str


class VerifyOut(Schema):
    status: str = Field(
        description="valid | revoked | expired | forged | malformed | unknown_key | unregistered"
    )
    valid: bool
    title: BilingualOut
    message: BilingualOut
    serial: str | None
    kind: str | None
    mission: MissionRefOut | None
    issued_on: dt.date | None
    expires_on: dt.date | None
    revoked_on: dt.date | None
    fields: dict[str, str] = Field(description="what the holder lets every verifier see")
    full_fields: dict[str, str] | None = Field(
        description="every field: only for staff whose scope covers the mission's personal data"
    )


class JwkOut(Schema):
    kty: str
    crv: str
    x: str
    kid: str
    use: str
    alg: str


class KeyOut(Schema):
    kid: str
    alg: str
    public_key: str = Field(description="base64url (no padding) of the 32-byte raw Ed25519 public key")
    jwk: JwkOut
    mission: str
    mission_kind: str
    mission_name_id: str
    mission_name_en: str
    created_at: dt.datetime
    retired_at: dt.datetime | None


class KeysOut(Schema):
    format: str
    keys: list[KeyOut]


class RevokedEntryOut(Schema):
    s: str = Field(description="serial")
    at: str = Field(description="when it was revoked (ISO 8601, UTC)")


class RevocationListOut(Schema):
    v: int
    issued_at: str
    next_update: str
    revoked: list[RevokedEntryOut]
    signed: str = Field(
        description="SE1R.<kid>.<payload>.<signature>, signed by headquarters' key: the payload is "
        "this list; trust only the signed copy"
    )


class CredentialOut(Schema):
    serial: str
    kind: str
    mission: str
    status: str
    issued_at: dt.datetime
    expires_on: dt.date
    revoked_at: dt.datetime | None
    consented: list[str]
    choosable: list[str]
    revision: int
    qr: str = Field(description="the QR code's content")
    fields: dict[str, str] = Field(description="every field of the document (the holder's own, or staff's)")


class ConsentIn(Schema):
    consented: list[str] = Field(max_length=20)


class WorkerCardIn(Schema):
    citizen_id: int
    employer: str = Field(max_length=200)
    job: str = Field(max_length=200)
    contract_start: dt.date
    contract_end: dt.date
    expires_on: dt.date
    nik: str = Field("", max_length=30, description="empty: the citizen's record's")
    passport: str = Field("", max_length=30, description="empty: the citizen's record's")
    consented: list[str] = Field(default_factory=list, max_length=20)


class RevokeIn(Schema):
    reason: str = Field(max_length=300)


def credential_out(credential: Any, *, status: str, qr: str) -> dict[str, Any]:
    return {
        "serial": credential.serial,
        "kind": credential.kind,
        "mission": credential.mission.code,
        "status": status,
        "issued_at": credential.issued_at,
        "expires_on": credential.expires_on,
        "revoked_at": credential.revoked_at,
        "consented": credential.consented,
        "choosable": [f.key for f in credential.spec.consentable if f.key in credential.fields],
        "revision": credential.revision,
        "qr": qr,
        "fields": credential.fields,
    }
