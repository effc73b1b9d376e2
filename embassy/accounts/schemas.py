from __future__ import annotations

from datetime import datetime

from ninja import Schema


class CodeRequestIn(Schema):
    address: str  # email address or phone number in international format


class CodeRequestOut(Schema):
    channel: str
    address: str
    expires_in: int


class CodeVerifyIn(Schema):
    address: str
    code: str
    token_name: str = ""


class StaffTokenIn(Schema):
    username: str
    password: str
    otp: str
    token_name: str = "script"  # noqa: S105 - a label, not a secret


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    revoked: bool


class NewTokenOut(Schema):
    token: str
    info: TokenOut


class MeOut(Schema):
    id: int
    kind: str
    username: str
    email: str | None
    phone: str | None
    language: str
    roles: list[dict[str, str]]


class LanguageIn(Schema):
    language: str


class AuditOut(Schema):
    id: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    citizen_id: int | None
    mission_code: str
    ip: str

    @staticmethod
    def resolve_actor(obj: object) -> str:
        return str(getattr(obj, "actor_label", ""))
