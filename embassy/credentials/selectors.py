"""Reads of signed documents, scoped here and only here. Staff: consular officers and heads of mission manage
their own missions' documents, headquarters' administrators all (the consular catalogue's rule, scope_for
decides; a second factor is required). Holders: their own. Everyone: public keys and the revocation list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.citizens.models import Citizen, Stay
from embassy.citizens.selectors import citizen_get_for, own_citizen
from embassy.common.errors import NotFound
from embassy.credentials.models import Credential, SigningKey
from embassy.missions.models import Membership, Mission, Role
from embassy.missions.selectors import scope_for

MANAGER_ROLES = frozenset({Role.CONSULAR_OFFICER, Role.HEAD_OF_MISSION})


def missions_managed_by(*, user: User) -> QuerySet[Mission]:
    """The missions whose documents `user` may issue, list and revoke."""
    scope = scope_for(user)
    missions = Mission.objects.exclude(kind=Mission.Kind.HQ).filter(active=True).select_related("country")
    if Role.ADMINISTRATOR in scope.roles:
        return missions.order_by("code")
    ids = Membership.objects.filter(user_id=user.pk, role__in=MANAGER_ROLES, mission_id__in=scope.mission_ids)
    return missions.filter(pk__in=ids.values("mission_id")).order_by("code")


def managed_mission_get(*, user: User, code: str) -> Mission:
    mission = missions_managed_by(user=user).filter(code=code).first()
    if mission is None:
        raise NotFound(_("No such mission among yours."))
    return mission


def mission_credentials(*, user: User, mission: Mission, q: str = "") -> QuerySet[Credential]:
    """The mission's documents (the caller got `mission` from managed_mission_get), by serial or holder's name."""
    qs = Credential.objects.filter(mission=mission).select_related("citizen", "mission")
    if q.strip():
        qs = qs.filter(Q(serial__iexact=q.strip()) | Q(citizen__full_name__icontains=q.strip()))
    audit_record(
        actor=user,
        action="credentials.list",
        object_type="credentials.credential",
        mission_code=mission.code,
        detail={"q": bool(q.strip())},
    )
    return qs


def staff_credential_get(*, user: User, mission: Mission, serial: str) -> Credential:
    credential = (
        Credential.objects.filter(mission=mission, serial=serial)
        .select_related("citizen", "mission", "key", "issued_by", "revoked_by")
        .first()
    )
    if credential is None:
        raise NotFound(_("No such document."))
    audit_record(
        actor=user,
        action="credentials.view",
        object_type="credentials.credential",
        object_id=serial,
        citizen_id=credential.citizen_id,
        mission_code=mission.code,
    )
    return credential


def issuable_citizen_get(*, user: User, mission: Mission, citizen_id: int) -> Citizen:
    """A citizen the mission may issue a document for: one with a stay (lapor diri) reported to it. The read is
    scoped and audited by citizens.selectors."""
    citizen = citizen_get_for(user=user, citizen_id=citizen_id)
    if not Stay.objects.filter(citizen=citizen, mission=mission).exists():
        raise NotFound(_("This citizen has no stay reported to this mission."), field="citizen_id")
    return citizen


def work_stay_of(*, citizen: Citizen, mission: Mission) -> Stay | None:
    """The citizen's latest work stay at the mission, to prefill a worker card."""
    return (
        Stay.objects.filter(citizen=citizen, mission=mission, purpose=Stay.Purpose.WORK)
        .order_by("-start_date")
        .first()
    )


def own_credentials(*, user: User) -> QuerySet[Credential]:
    return Credential.objects.filter(citizen=own_citizen(user=user)).select_related("mission")


def own_credential_get(*, user: User, serial: str) -> Credential:
    credential = own_credentials(user=user).select_related("citizen", "key").filter(serial=serial).first()
    if credential is None:
        raise NotFound(_("No such document."))
    return credential


def credential_status(credential: Credential, *, today: dt.date | None = None) -> str:
    """valid, revoked or expired (a document is valid through the whole of its expiry day, UTC)."""
    if credential.revoked_at is not None:
        return "revoked"
    if credential.expires_on < (today or timezone.now().date()):
        return "expired"
    return "valid"


def published_keys() -> list[dict[str, Any]]:
    """Every key, current and retired, as the public key document lists it (also as a JWK, RFC 8037)."""
    return [
        {
            "kid": k.kid,
            "alg": "Ed25519",
            "public_key": k.public_key,
            "jwk": {
                "kty": "OKP",
                "crv": "Ed25519",
                "x": k.public_key,
                "kid": k.kid,
                "use": "sig",
                "alg": "EdDSA",
            },
            "mission": k.mission.code,
            "mission_kind": k.mission.kind,
            "mission_name_id": k.mission.name_id,
            "mission_name_en": k.mission.name_en,
            "created_at": k.created_at,
            "retired_at": k.retired_at,
        }
        for k in SigningKey.objects.select_related("mission").order_by("mission__code", "created_at")
    ]


def revocation_entries(*, today: dt.date | None = None) -> list[dict[str, str]]:
    """Revoked documents not yet expired (an expired one fails verification anyway), oldest first."""
    today = today or timezone.now().date()
    rows = (
        Credential.objects.filter(revoked_at__isnull=False, expires_on__gte=today - dt.timedelta(days=1))
        .order_by("revoked_at", "serial")
        .values_list("serial", "revoked_at")
    )
    return [{"s": serial, "at": at.isoformat(timespec="seconds") if at else ""} for serial, at in rows]


def headquarters() -> Mission | None:
    return Mission.objects.filter(kind=Mission.Kind.HQ, active=True).order_by("code").first()


def revocation_list_data() -> dict[str, Any]:
    now = timezone.now()
    next_update = now + dt.timedelta(hours=settings.CREDENTIALS_REVOCATION_LIST_HOURS)
    return {
        "v": 1,
        "issued_at": now.isoformat(timespec="seconds"),
        "next_update": next_update.isoformat(timespec="seconds"),
        "revoked": revocation_entries(),
    }
