"""Writes for a citizen's own record: the profile, its encrypted numbers, verified new contacts. Every change
to personal data is audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.accounts.services import Address, address_parse, verify_code_check, verify_code_send
from embassy.citizens.models import NIK_CONTEXT, PASSPORT_CONTEXT, Citizen
from embassy.citizens.validation import (
    date_plausible,
)
from embassy.common import crypto
from embassy.common.errors import BadInput
from embassy.common.phones import phone_normalise
from embassy.common.text import line_clean, name_clean

PROFILE_FIELDS = {"full_name", "birth_date", "gender", "email", "phone", "nik", "passport_number",
                  "passport_expiry", "home_address", "share_location"}


def nik_validate(value: str) -> str:
    nik = crypto.normalise_identifier(value)
    if nik and (len(nik) != 16 or not nik.isdigit()):
        raise BadInput(_("The NIK has 16 digits."), field="nik")
    return nik


def passport_validate(value: str) -> str:
    number = crypto.normalise_identifier(value)
    if number and not (6 <= len(number) <= 12 and number.isalnum()):
        raise BadInput(_("A passport number has 6 to 12 letters and digits."), field="passport_number")
    return number


def citizen_ensure_for_user(*, user: User) -> Citizen:
    """The citizen profile of a signed-in citizen, created on first sign-in. An existing unclaimed record
    with the same verified email or phone (e.g. registered at a mission counter) is linked instead."""
    existing = Citizen.objects.filter(user=user).first()
    if existing:
        return existing
    contact = {"email": user.email} if user.email else {"phone": user.phone}
    candidates = list(Citizen.objects.filter(user__isnull=True, **contact)[:2])
    if len(candidates) == 1:
        citizen = candidates[0]
        citizen.user = user
        citizen.save(update_fields=["user", "updated_at"])
        audit_record(actor=user, action="citizen.claim", object_type="citizen", object_id=citizen.pk,
                     citizen_id=citizen.pk)
        return citizen
    return Citizen.objects.create(user=user, full_name="", email=user.email or "", phone=user.phone or "")


_CONTACT_CHANNELS = {"email": "email", "phone": "sms"}


def _contact_value(name: str, value: Any) -> str:
    """The normalised email address or E.164 phone number ("" clears it)."""
    if value is not None and not isinstance(value, str):
        raise BadInput(_("Enter text."), field=name)
    if name == "phone":
        return phone_normalise(value or "")
    text = (value or "").strip()
    if not text:
        return ""
    address = address_parse(text, field="email")
    if address.channel != "email":
        raise BadInput(_("This is not a valid email address."), field="email")
    return address.value


def _profile_value(citizen: Citizen, name: str, value: Any, today: dt.date) -> Any:
    """A profile field's value, checked and normalised (side indexes of identifiers updated)."""
    if name == "full_name":
        return name_clean(value, field="full_name")
    if name == "gender":
        if (value or "") not in Citizen.Gender.values:
            raise BadInput(_("Choose from the list."), field="gender")
        return value or ""
    if name == "home_address":
        return line_clean(value, field="home_address", max_length=300)
    if name == "nik":
        nik = nik_validate(value or "")
        citizen.nik_index = crypto.blind_index(nik, context=NIK_CONTEXT) if nik else ""
        return nik
    if name == "passport_number":
        number = passport_validate(value or "")
        citizen.passport_index = crypto.blind_index(number, context=PASSPORT_CONTEXT) if number else ""
        return number
    if name == "birth_date":
        return date_plausible(value, field=name, today=today, kind="birth")
    if name == "passport_expiry":
        return date_plausible(value, field=name, today=today, kind="passport")
    return value


@transaction.atomic
def citizen_update(*, citizen: Citizen, actor: User | None, data: dict[str, Any]) -> Citizen:
    """Change profile fields. Unknown fields are refused; every value is checked: names without invisible or
    control characters, plausible dates, valid identifiers.

    A new email or phone that the citizen gives themself is not used until it is confirmed: it waits in
    pending_email / pending_phone, a code goes to it (citizen_contact_verify takes the code), and the former one
    stays the one every message goes to. Giving the current value again cancels a pending change; clearing one
    applies at once. Set by the system or by staff (a record taken at the counter), a value applies at once.
    The codes sent are left on `citizen.codes_sent` ({field: code}) for the demo hint."""
    unknown = set(data) - PROFILE_FIELDS
    if unknown:
        raise BadInput(_("Unknown field."), field=sorted(unknown)[0])
    today = timezone.now().date()
    self_service = actor is not None and citizen.user_id is not None and getattr(actor, "pk", None) == citizen.user_id
    changed: list[str] = []
    to_verify: list[tuple[str, str]] = []
    for name, raw in data.items():
        value: Any
        if name in _CONTACT_CHANNELS:
            value = _contact_value(name, raw)
            pending = f"pending_{name}"
            if self_service and value and value != getattr(citizen, name):
                to_verify.append((name, value))
                name = pending
            elif getattr(citizen, pending):
                setattr(citizen, pending, "")
                changed.append(pending)
        elif name == "share_location":
            value = bool(raw)
            if not value:  # turning it off forgets the last position at once
                citizen.last_lat = citizen.last_lon = citizen.last_cell = citizen.last_seen_at = None
                citizen.last_country = ""
        else:
            value = _profile_value(citizen, name, raw, today)
        if getattr(citizen, name) != value:
            setattr(citizen, name, value)
            changed.append(name)
    citizen.codes_sent = {  # type: ignore[attr-defined]  # told back to the caller on the instance; not a field
        name: verify_code_send(address=Address(_CONTACT_CHANNELS[name], value)) for name, value in to_verify}
    if changed:
        citizen.save()
        audit_record(actor=actor, action="citizen.update", object_type="citizen", object_id=citizen.pk,
                     citizen_id=citizen.pk, detail={"fields": sorted(changed)})
    return citizen


def citizen_contact_verify(*, citizen: Citizen, actor: User | None, field: str, code: str) -> Citizen:
    """Confirm a pending email or phone (`field`) with the code sent to it: it replaces the former one. A wrong
    code is counted before the error (not in the caller's transaction: the count must stay)."""
    if field not in _CONTACT_CHANNELS:
        raise BadInput(_("Choose email or phone."), field="field")
    new = getattr(citizen, f"pending_{field}")
    if not new:
        raise BadInput(_("There is no new address waiting for a code."), field="code")
    verify_code_check(address=Address(_CONTACT_CHANNELS[field], new), code=code)
    with transaction.atomic():
        setattr(citizen, field, new)
        setattr(citizen, f"pending_{field}", "")
        citizen.save(update_fields=[field, f"pending_{field}", "updated_at"])
        audit_record(actor=actor, action="citizen.contact.verify", object_type="citizen", object_id=citizen.pk,
                     citizen_id=citizen.pk, detail={"field": field})
    return citizen
