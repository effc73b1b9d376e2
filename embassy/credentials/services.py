"""Writes of signed documents: mission keys (made on first use, rotated), issuing, the holder's choice of what a
verifier sees (which re-signs the QR), revoking. Every staff write is audited."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.citizens.models import Citizen
from embassy.common.errors import BadInput, Conflict, PermissionDenied
from embassy.credentials import selectors, signing
from embassy.credentials.kinds import (
    MISSION_CONTACT,
    WORKER_CARD,
    KindSpec,
    clean_consent,
    clean_fields,
    kind_spec,
    mask,
)
from embassy.credentials.models import Credential, SigningKey
from embassy.missions.contact import hotline_for
from embassy.missions.models import Mission

MAX_YEARS = 10  # the furthest expiry a document may have
_SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U to misread


def signing_key_current(*, mission: Mission) -> SigningKey:
    """The mission's current key, made on first use. Two first uses at once: one key wins (the unique constraint
    on current keys), the other reads it."""
    key = SigningKey.objects.filter(mission=mission, retired_at__isnull=True).first()
    if key is not None:
        return key
    try:
        with transaction.atomic():
            return _key_create(mission)
    except IntegrityError:
        return SigningKey.objects.get(mission=mission, retired_at__isnull=True)


def _key_create(mission: Mission) -> SigningKey:
    private = signing.new_private_key()
    public = signing.public_of(private)
    return SigningKey.objects.create(
        mission=mission,
        kid=signing.key_id(public),
        public_key=signing.b64u(public),
        private_key=signing.b64u(private),
    )


def signing_key_rotate(*, mission: Mission, actor: User | None = None) -> SigningKey:
    """Retire the mission's current key (it stays published: what it signed still verifies) and make a new one.
    Documents re-signed later (the holder changing what shows) are signed with the new key."""
    with transaction.atomic():
        old = list(SigningKey.objects.select_for_update().filter(mission=mission, retired_at__isnull=True))
        SigningKey.objects.filter(pk__in=[k.pk for k in old]).update(retired_at=timezone.now())
        key = _key_create(mission)
    audit_record(
        actor=actor,
        action="credentials.key.rotate",
        object_type="credentials.key",
        object_id=key.kid,
        mission_code=mission.code,
        detail={"retired": [k.kid for k in old]},
    )
    return key


def _serial(spec: KindSpec) -> str:
    chars = "".join(secrets.choice(_SERIAL_ALPHABET) for _ in range(10))
    return f"{spec.prefix}-{chars[:5]}-{chars[5:]}"


def _payload(credential: Credential) -> dict[str, object]:
    """What the QR carries: the always-shown fields, those the holder chose, masks of the masked ones not chosen."""
    spec, values, chosen = credential.spec, credential.fields, set(credential.consented)
    shown: dict[str, str] = {}
    for field in spec.fields:
        value = values.get(field.key, "")
        if not value:
            continue
        if field.always or field.key in chosen:
            shown[field.short] = value
        elif field.masked:
            shown[field.short] = mask(value)
    return {
        "k": spec.code,
        "s": credential.serial,
        "m": credential.mission.code,
        "r": credential.revision,
        "i": timezone.localdate(credential.issued_at, dt.UTC).isoformat(),
        "x": credential.expires_on.isoformat(),
        "f": shown,
    }


def _sign(credential: Credential) -> None:
    key = signing_key_current(mission=credential.mission)
    credential.key = key
    credential.token = signing.sign(
        version=signing.VERSION,
        kid=key.kid,
        private_raw=signing.unb64u(key.private_key),
        data=_payload(credential),
    )


def credential_issue(
    *,
    actor: User,
    mission: Mission,
    citizen: Citizen,
    kind: str,
    fields: Mapping[str, object],
    consented: list[str],
    expires_on: dt.date,
) -> Credential:
    """Issue a document of `kind` ("worker_card", "splp") signed by `mission` for `citizen`.

    Preconditions: `actor` manages `mission` (consular officer or head of mission there, or a headquarters
    administrator; checked again here) and the caller has already read `citizen` through a scoped selector.
    `fields` are the kind's fields (kinds.KINDS) as text or dates; the mission's hotline is added. `consented`
    names the fields the holder agreed to show to any verifier (the holder may change it later)."""
    if not selectors.missions_managed_by(user=actor).filter(pk=mission.pk).exists():
        raise PermissionDenied(
            _("Only the mission's consular officers and head of mission issue its documents.")
        )
    spec = kind_spec(kind)
    clean = clean_fields(spec, fields)
    chosen = clean_consent(spec, consented)
    today = timezone.localdate(timezone.now(), dt.UTC)
    if expires_on <= today:
        raise BadInput(_("The expiry date must be after today."), field="expires_on")
    if expires_on > today + dt.timedelta(days=365 * MAX_YEARS + MAX_YEARS // 4 + 1):
        raise BadInput(_("A document is valid for at most ten years."), field="expires_on")
    clean[MISSION_CONTACT.key] = hotline_for(mission).number or mission.phone
    with transaction.atomic():
        credential = Credential(
            serial=_serial(spec),
            kind=kind,
            mission=mission,
            citizen=citizen,
            data=json.dumps(clean, sort_keys=True),
            consented=chosen,
            issued_at=timezone.now(),
            issued_by=actor,
            expires_on=expires_on,
        )
        _sign(credential)
        credential.save()
    audit_record(
        actor=actor,
        action="credentials.issue",
        object_type="credentials.credential",
        object_id=credential.serial,
        citizen_id=citizen.pk,
        mission_code=mission.code,
        detail={"kind": kind, "expires_on": expires_on.isoformat(), "consented": chosen},
    )
    return credential


def credential_consent_set(*, credential: Credential, actor: User, consented: list[str]) -> Credential:
    """The holder chooses what a verifier sees. The QR is signed again (revision + 1, the mission's current key);
    an older QR still verifies, but the verification page shows only what the holder now chooses."""
    if credential.citizen.user_id != actor.pk:
        raise PermissionDenied(_("Only the holder chooses what their document shows."))
    if credential.revoked_at is not None:
        raise Conflict(_("This document was revoked."))
    chosen = clean_consent(credential.spec, consented)
    if chosen == credential.consented:
        return credential
    with transaction.atomic():
        credential = Credential.objects.select_for_update().select_related("mission").get(pk=credential.pk)
        credential.consented = chosen
        credential.revision += 1
        _sign(credential)
        credential.save(update_fields=["consented", "revision", "key", "token"])
    audit_record(
        actor=actor,
        action="credentials.consent",
        object_type="credentials.credential",
        object_id=credential.serial,
        citizen_id=credential.citizen_id,
        mission_code=credential.mission.code,
        detail={"consented": chosen},
    )
    return credential


def credential_revoke(*, credential: Credential, actor: User, reason: str) -> Credential:
    """Revoke for good (lost, contract ended, issued in error...). The reason stays with the mission; the public
    revocation list has only the serial and the time."""
    if not selectors.missions_managed_by(user=actor).filter(pk=credential.mission_id).exists():
        raise PermissionDenied(
            _("Only the mission's consular officers and head of mission revoke its documents.")
        )
    reason = reason.strip()
    if not reason:
        raise BadInput(_("Say why the document is revoked."), field="reason")
    if len(reason) > 300:
        raise BadInput(_("At most 300 characters."), field="reason")
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential.pk)
        if credential.revoked_at is not None:
            raise Conflict(_("This document was already revoked."))
        credential.revoked_at, credential.revoked_by, credential.revoke_reason = timezone.now(), actor, reason
        credential.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
    audit_record(
        actor=actor,
        action="credentials.revoke",
        object_type="credentials.credential",
        object_id=credential.serial,
        citizen_id=credential.citizen_id,
        mission_code=credential.mission.code,
        detail={"reason": reason},
    )
    return credential


def revocation_list_publish() -> dict[str, object]:
    """The revocation list, signed with headquarters' current key: `signed` is a token like a document's
    (`SE1R.<kid>.<payload>.<signature>`) whose payload is the list; the same entries follow unsigned for
    convenience (trust only the signed ones). Without a headquarters unit the list goes out unsigned."""
    data = selectors.revocation_list_data()
    hq = selectors.headquarters()
    signed = ""
    if hq is not None:
        key = signing_key_current(mission=hq)
        signed = signing.sign(
            version=signing.LIST_VERSION, kid=key.kid, private_raw=signing.unb64u(key.private_key), data=data
        )
    return {**data, "signed": signed}


def worker_card_issue(
    *,
    actor: User,
    mission: Mission,
    citizen: Citizen,
    employer: str,
    job: str,
    contract_start: dt.date,
    contract_end: dt.date,
    expires_on: dt.date,
    consented: list[str],
    nik: str = "",
    passport: str = "",
) -> Credential:
    """A migrant worker card: the holder's name (and, unless given, ID numbers) from the citizen's record."""
    if contract_end < contract_start:
        raise BadInput(_("The contract cannot end before it starts."), field="contract_end")
    fields: dict[str, object] = {
        "name": citizen.full_name,
        "nik": nik.strip() or citizen.nik,
        "passport": passport.strip() or citizen.passport_number,
        "employer": employer,
        "job": job,
        "contract_start": contract_start,
        "contract_end": contract_end,
    }
    return credential_issue(
        actor=actor,
        mission=mission,
        citizen=citizen,
        kind=WORKER_CARD,
        fields=fields,
        consented=consented,
        expires_on=expires_on,
    )
