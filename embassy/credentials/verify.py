"""Verifying a scanned QR: the one answer the public page, the API and staff share. Each outcome has a short
title and a sentence, in Indonesian and English at once (the verifier and the holder may not share a language).

Anyone sees the fields the holder chooses to show now (an older QR's extra fields are hidden again). A staff
member verifying is audited every time; one whose scope covers the mission's personal data also sees every
field from the register."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.credentials import signing
from embassy.credentials.kinds import BY_CODE, KINDS, mask, shown_mask
from embassy.credentials.models import Credential, SigningKey
from embassy.credentials.selectors import credential_status
from embassy.missions.models import Mission
from embassy.missions.selectors import scope_for

OUTCOMES: dict[str, tuple[Promise, Promise]] = {
    "valid": (_("Valid"), _("This document was signed by the mission and is in force.")),
    "revoked": (_("Revoked"), _("The mission has withdrawn this document. Do not accept it.")),
    "expired": (_("Expired"), _("This document is past its expiry date and no longer valid.")),
    "forged": (
        _("Not genuine"),
        _("The signature does not match: the document was altered or forged. Do not accept it."),
    ),
    "malformed": (
        _("Not readable"),
        _("This is not the QR code of a document from a mission. Scan it again, or type the code exactly."),
    ),
    "unknown_key": (
        _("Unknown signer"),
        _("The key that signed this is not among the ministry's published keys. Do not accept it."),
    ),
    "unregistered": (
        _("Not in the register"),
        _("The signature is the mission's, but the mission has no record of this document. Ask the mission."),
    ),
}


def bilingual(text: Promise) -> dict[str, str]:
    out = {}
    for lang in ("id", "en"):
        with translation.override(lang):
            out[lang] = str(text)
    return out


@dataclass
class Verdict:
    status: str
    credential: Credential | None = None
    mission: Mission | None = None
    shown: list[tuple[str, str, str]] = field(default_factory=list)  # (key, label, value)
    full: list[tuple[str, str, str]] | None = None  # every field: staff whose scope covers the mission only

    @property
    def ok(self) -> bool:
        return self.status == "valid"

    @property
    def title(self) -> str:
        return str(OUTCOMES[self.status][0])

    @property
    def message(self) -> str:
        return str(OUTCOMES[self.status][1])

    @property
    def other_language(self) -> dict[str, str]:
        """Title and message in the language the page is not in, when it differs (shown under the answer)."""
        other = "en" if (translation.get_language() or "id").startswith("id") else "id"
        with translation.override(other):
            title, message = str(OUTCOMES[self.status][0]), str(OUTCOMES[self.status][1])
        return {} if message == self.message else {"lang": other, "title": title, "message": message}

    def as_json(self) -> dict[str, Any]:
        c = self.credential
        return {
            "status": self.status,
            "valid": self.ok,
            "title": bilingual(OUTCOMES[self.status][0]),
            "message": bilingual(OUTCOMES[self.status][1]),
            "serial": c.serial if c else None,
            "kind": c.kind if c else None,
            "mission": {
                "code": self.mission.code,
                "name_id": self.mission.name_id,
                "name_en": self.mission.name_en,
            }
            if self.mission
            else None,
            "issued_on": c.issued_at.date() if c else None,
            "expires_on": c.expires_on if c else None,
            "revoked_on": c.revoked_at.date() if c and c.revoked_at else None,
            "fields": {k: v for k, _label, v in self.shown},
            "full_fields": {k: v for k, _label, v in self.full} if self.full is not None else None,
        }


def _payload_ok(data: dict[str, Any]) -> bool:
    try:
        dt.date.fromisoformat(str(data.get("x")))
    except ValueError:
        return False
    return (
        data.get("k") in BY_CODE
        and isinstance(data.get("s"), str)
        and isinstance(data.get("m"), str)
        and isinstance(data.get("f"), dict)
    )


def _authentic(text: str) -> tuple[SigningKey, dict[str, Any]] | Verdict:
    """The signing key and the payload of a token whose signature checks, or the verdict on why not."""
    try:
        parsed = signing.parse(text)
    except signing.Malformed:
        return Verdict("malformed")
    key = SigningKey.objects.select_related("mission").filter(kid=parsed.kid).first()
    if key is None:
        return Verdict("unknown_key")
    if not signing.signature_ok(parsed, signing.unb64u(key.public_key)):
        return Verdict("forged")
    try:
        data = parsed.data()
    except signing.Malformed:
        return Verdict("malformed")
    return (key, data) if _payload_ok(data) else Verdict("malformed")


def _check(text: str) -> Verdict:
    found = _authentic(text)
    if isinstance(found, Verdict):
        return found
    key, data = found
    if data["m"] != key.mission.code:
        return Verdict("forged", mission=key.mission)  # a mission's key vouches only for its own documents
    credential = Credential.objects.filter(serial=data["s"]).select_related("mission", "citizen").first()
    if credential is None:
        return Verdict("unregistered", mission=key.mission)
    if credential.mission_id != key.mission_id or credential.spec.code != data["k"]:
        return Verdict("forged", mission=key.mission)
    return Verdict(
        credential_status(credential),
        credential=credential,
        mission=credential.mission,
        shown=_shown(credential, data["f"]),
    )


def _shown(credential: Credential, carried: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The QR's fields that the holder lets show now; a masked field no longer chosen is masked again."""
    spec, chosen, out = credential.spec, set(credential.consented), []
    for f in spec.fields:
        value = str(carried.get(f.short, ""))
        if not value:
            continue
        if not (f.always or f.key in chosen):
            if not f.masked:
                continue
            value = value if value.startswith("*") else mask(value)
        out.append((f.key, str(f.label), shown_mask(value)))
    return out


def credential_verify(*, text: str, user: User | Any = None) -> Verdict:
    """Verify what a scanner read (the token, or the address holding it). A staff member's verification is
    audited, whatever the outcome."""
    verdict = _check(text)
    # Staff signed in without their second factor are audited too (and see only what the public sees).
    if not (isinstance(user, User) and user.kind == User.Kind.STAFF):
        return verdict
    scope = scope_for(user)
    c = verdict.credential
    if c is not None and scope.covers_personal(c.mission_id):
        verdict.full = [(f.key, str(f.label), c.fields.get(f.key, "")) for f in KINDS[c.kind].fields]
    audit_record(
        actor=user,
        action="credentials.verify",
        object_type="credentials.credential",
        object_id=c.serial if c else "",
        citizen_id=c.citizen_id if c else None,
        mission_code=verdict.mission.code if verdict.mission else "",
        detail={"status": verdict.status, "full": verdict.full is not None},
    )
    return verdict
