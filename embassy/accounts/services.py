"""Writes for accounts: sign-in codes, API tokens, staff users and their second factor."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from embassy.accounts.audit import audit_record
from embassy.accounts.limits import code_send_check
from embassy.accounts.models import ApiToken, SignInCode, User
from embassy.accounts.signals import citizen_user_verified
from embassy.common.bulk import unless_busy, update_rows
from embassy.common.context import current_request
from embassy.common.errors import BadInput, NotFound, RateLimited
from embassy.common.phones import phone_normalise


@dataclass(frozen=True)
class Address:
    channel: str  # "email" | "sms"
    value: str  # normalised: lower-case email or E.164 phone


def address_parse(raw: str, *, field: str = "address") -> Address:
    """An email address or a phone number in international format (E.164)."""
    value = (raw or "").strip()
    if not value:
        raise BadInput(_("Enter an email address or a phone number."), field=field)
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError as exc:
            raise BadInput(_("This is not a valid email address."), field=field) from exc
        return Address("email", value.lower())
    return Address("sms", phone_normalise(value, field=field))


def _digest(value: str) -> str:
    return hashlib.sha256(f"{settings.SECRET_KEY}:{value}".encode()).hexdigest()


def signin_code_text(*, code: str, minutes: int) -> str:
    """The sign-in code message (SMS and e-mail body), in the active language: one GSM-7 SMS segment."""
    return _("Your Smart Embassy sign-in code is %(code)s. It expires in %(minutes)d minutes.") % {
        "code": code, "minutes": minutes}


def signin_code_request(*, address: str) -> tuple[Address, str]:
    """Create and send a six-digit code, within the limits of accounts.limits (per address, client address,
    country prefix and overall; RateLimited beyond them).
    Returns the address and the code (the code is returned for the demo hint only; never log it)."""
    addr = address_parse(address)
    counted = code_send_check(address=addr.value, channel=addr.channel, ip=current_request.get().ip)
    code = f"{secrets.randbelow(1_000_000):06d}"
    SignInCode.objects.create(
        address=addr.value,
        channel=addr.channel,
        code_hash=_digest(f"{addr.value}:{code}"),
        expires_at=timezone.now() + timedelta(seconds=settings.SIGNIN_CODE_TTL_SECONDS),
        **counted,
    )
    message = signin_code_text(code=code, minutes=settings.SIGNIN_CODE_TTL_SECONDS // 60)
    transaction.on_commit(lambda: _deliver(addr, message))
    return addr, code


def _deliver(addr: Address, message: str, subject: str = "") -> None:
    # The notify app (outbox with retries) takes this over; until then email goes through Django's mail
    # backend and SMS to the development sink file under var/.
    if addr.channel == "email":
        send_mail(subject or _("Your sign-in code"), message, None, [addr.value], fail_silently=False)
    else:
        sink = settings.VAR_DIR / "sms.log"
        with sink.open("a", encoding="utf-8") as fh:
            fh.write(f"{timezone.now().isoformat()} {addr.value} {message}\n")


def _code_consume(addr: Address, code: str, purpose: str) -> None:
    """Use up the latest live code of `purpose` sent to `addr`: it works once, within its lifetime, with at most
    SIGNIN_CODE_MAX_ATTEMPTS wrong tries. BadInput / RateLimited (field "code") otherwise; a wrong try is
    counted (committed) before the error is raised."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) != 6:
        raise BadInput(_("The code has six digits."), field="code")
    with transaction.atomic():
        pending = (
            SignInCode.objects.select_for_update()
            .filter(address=addr.value, purpose=purpose, used_at__isnull=True, expires_at__gt=timezone.now())
            .order_by("-created_at")
            .first()
        )
        if pending is None:
            raise BadInput(_("This code has expired or was already used. Ask for a new one."), field="code")
        if pending.attempts >= settings.SIGNIN_CODE_MAX_ATTEMPTS:
            raise RateLimited(_("Too many wrong codes. Ask for a new one."), field="code")
        if hmac.compare_digest(pending.code_hash, _digest(f"{addr.value}:{code}")):
            pending.used_at = timezone.now()
            pending.save(update_fields=["used_at"])
            return
        pending.attempts += 1
        pending.save(update_fields=["attempts"])
    raise BadInput(_("The code is not right."), field="code")


def signin_code_verify(*, address: str, code: str) -> User:
    """Check a sign-in code; on success return (creating if needed) the citizen's user."""
    addr = address_parse(address)
    _code_consume(addr, code, SignInCode.Purpose.SIGNIN)
    return _citizen_user_for(addr)


def verify_code_send(*, address: Address) -> str:
    """Send a six-digit code to a new address a citizen wants to be reached at (changed email or phone), within
    the limits of accounts.limits. Returns the code (for the demo hint only; never log it)."""
    counted = code_send_check(address=address.value, channel=address.channel, ip=current_request.get().ip)
    code = f"{secrets.randbelow(1_000_000):06d}"
    SignInCode.objects.create(
        address=address.value, channel=address.channel, purpose=SignInCode.Purpose.VERIFY,
        code_hash=_digest(f"{address.value}:{code}"),
        expires_at=timezone.now() + timedelta(seconds=settings.SIGNIN_CODE_TTL_SECONDS), **counted,
    )
    message = _("Your Smart Embassy code to confirm this address is %(code)s. It expires in %(minutes)d "
                "minutes.") % {"code": code, "minutes": settings.SIGNIN_CODE_TTL_SECONDS // 60}
    subject = _("Confirm your new address")
    transaction.on_commit(lambda: _deliver(address, message, subject))
    return code


def verify_code_check(*, address: Address, code: str) -> None:
    """The code that verify_code_send sent to `address`; BadInput or RateLimited (field "code") if it is not."""
    _code_consume(address, code, SignInCode.Purpose.VERIFY)


def _citizen_user_for(addr: Address) -> User:
    lookup = {"email": addr.value} if addr.channel == "email" else {"phone": addr.value}
    user = User.objects.filter(**lookup).first()
    if user is None:
        user = User(username=f"c-{secrets.token_hex(8)}", kind=User.Kind.CITIZEN, **lookup)
        user.set_unusable_password()
        user.save()
    citizen_user_verified.send(sender=User, user=user)
    return user


# --- API tokens ---------------------------------------------------------------------------------------------
TOKEN_PREFIX = "se_"  # noqa: S105 - a public marker, not a secret


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a bearer token. The plain key is returned once and never stored."""
    name = (name or "").strip()[:100] or "app"
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[:12],
        key_hash=hashlib.sha256(key.encode()).hexdigest(),
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_TTL_DAYS),
    )
    return token, key


# Every app request authenticates with a token, so this is written as one plain query (the ORM's query
# building cost more than the query itself). The user comes back with only these fields loaded; any
# other field is fetched on first access, as with QuerySet.only().
# Model.from_db wants the loaded fields in the model's field order.
_TOKEN_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields
                           if f.attname in {"id", "username", "email", "phone", "kind", "language", "is_active"})
_TOKEN_SQL = (
    "SELECT t.id, CASE WHEN t.last_used_at IS NULL OR t.last_used_at < %s THEN 1 ELSE 0 END, "
    + ", ".join(f"u.{f}" for f in _TOKEN_USER_FIELDS)
    + f" FROM {ApiToken._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id"
    " WHERE t.key_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s"
)
_ACTIVE = _TOKEN_USER_FIELDS.index("is_active")


def token_authenticate(key: str) -> ApiToken | None:
    """The live token for a bearer key, with its user (None if unknown, revoked, expired or the user is
    inactive). Records the last use at most every five minutes, and on SQLite only when no other writer is at
    work (bulk.unless_busy: the request never queues for it; a later one records it)."""
    if not key or not key.startswith(TOKEN_PREFIX):
        return None
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_SQL, [adapt(now - timedelta(minutes=5)), hashlib.sha256(key.encode()).hexdigest(),
                                    adapt(now)])
        row = cursor.fetchone()
        if row is None or not row[2 + _ACTIVE]:
            return None
        if row[1]:
            with unless_busy() as free:
                if free:
                    update_rows(ApiToken, ("last_used_at",), [(adapt(now), row[0])])
    values = list(row[2:])
    values[_ACTIVE] = bool(values[_ACTIVE])
    user = User.from_db(connection.alias, list(_TOKEN_USER_FIELDS), values)
    token = ApiToken.from_db(connection.alias, ["id", "user_id"], [row[0], user.pk])
    token.user = user
    return token


def staff_token_issue(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A bearer token for a staff member who has just given password and second factor; audited."""
    token, key = token_create(user=user, name=name)
    audit_record(actor=user, action="token.issue", object_type="api_token", object_id=token.pk,
                 detail={"name": token.name, "prefix": token.prefix})
    return token, key


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound(_("No such token."), field="token_id")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


# --- Staff --------------------------------------------------------------------------------------------------
def staff_create(*, username: str, password: str, email: str = "", first_name: str = "", last_name: str = "",
                 **extra: Any) -> User:
    user = User(username=username, email=email or None, first_name=first_name, last_name=last_name,
                kind=User.Kind.STAFF, is_staff=False, **extra)
    user.set_password(password)
    user.save()
    return user


def totp_device_for(*, user: User, confirmed: bool | None = None) -> TOTPDevice | None:
    qs = TOTPDevice.objects.filter(user=user)
    if confirmed is not None:
        qs = qs.filter(confirmed=confirmed)
    return qs.order_by("-confirmed", "id").first()


def totp_enroll(*, user: User) -> TOTPDevice:
    """Start (or restart) enrolment: an unconfirmed device whose secret the user scans."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def totp_check(*, user: User, code: str) -> bool:
    """Whether `code` is right for the user's confirmed authenticator (wrong tries are throttled by django-otp)."""
    try:
        totp_verify(user=user, code=code)
    except BadInput:
        return False
    return True


def totp_verify(*, user: User, code: str, confirm: bool = False) -> TOTPDevice:
    """Check a TOTP code against the user's device (confirming a pending enrolment when asked)."""
    code = (code or "").replace(" ", "")
    if not code.isdigit():
        raise BadInput(_("The code has six digits."), field="otp")
    device = totp_device_for(user=user, confirmed=None if confirm else True)
    if device is None:
        raise BadInput(_("Set up your authenticator first."), field="otp")
    if not device.verify_token(code):
        raise BadInput(_("The code is not right."), field="otp")
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return device
