"""Reads of citizens' personal data — the one scoping layer. Staff reads are audited here."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.citizens.models import Citizen, Stay
from embassy.citizens.services import NIK_CONTEXT, PASSPORT_CONTEXT
from embassy.common import crypto
from embassy.common.errors import NotFound, PermissionDenied
from embassy.missions.selectors import scope_for


def _scoped(user: Any, mission_id: int | None) -> QuerySet[Citizen]:
    scope = scope_for(user)
    if not scope.personal_data:
        raise PermissionDenied(_("You may not read citizens' personal data."))
    if mission_id is not None and not scope.covers_personal(mission_id):
        raise PermissionDenied(_("This mission is outside your responsibility."), field="mission")
    qs = Citizen.objects.all()
    if mission_id is not None:
        qs = qs.filter(Exists(Stay.objects.filter(citizen=OuterRef("pk"), mission_id=mission_id)))
    elif not scope.personal_all:
        qs = qs.filter(Exists(Stay.objects.filter(citizen=OuterRef("pk"), mission_id__in=scope.personal_ids)))
    return qs


def citizen_list_for(*, user: Any, mission_id: int | None = None, q: str = "") -> QuerySet[Citizen]:
    """Citizens with a stay at the given mission (or any mission in the user's scope), optionally
    searched by name, or exactly by NIK or passport number. The read is audited once per call."""
    qs = _scoped(user, mission_id)
    q = (q or "").strip()
    if q:
        ident = crypto.normalise_identifier(q)
        qs = qs.filter(
            Q(full_name__icontains=q)
            | Q(nik_index=crypto.blind_index(ident, context=NIK_CONTEXT))
            | Q(passport_index=crypto.blind_index(ident, context=PASSPORT_CONTEXT))
        )
    audit_record(actor=user, action="citizen.list", object_type="citizen",
                 detail={"mission_id": mission_id, "q": bool(q)})
    return qs.order_by("full_name", "id")


def citizen_get_for(*, user: Any, citizen_id: int) -> Citizen:
    """One citizen's record with stays and contacts, if the user's scope covers one of the citizen's
    stays. Both the read and a refusal are audited."""
    scope = scope_for(user)
    citizen = Citizen.objects.filter(pk=citizen_id).first()
    if citizen is None:
        raise NotFound(_("No such citizen."), field="citizen_id")
    missions = set(Stay.objects.filter(citizen=citizen).values_list("mission_id", flat=True))
    allowed = scope.personal_all or bool(missions & scope.personal_ids)
    if not allowed:
        audit_record(actor=user, action="citizen.view.denied", object_type="citizen", object_id=citizen_id,
                     citizen_id=citizen_id)
        raise PermissionDenied(_("This citizen is outside your responsibility."))
    audit_record(actor=user, action="citizen.view", object_type="citizen", object_id=citizen_id,
                 citizen_id=citizen_id)
    return citizen


def stays_of(citizen: Citizen) -> QuerySet[Stay]:
    return citizen.stays.select_related("mission", "country").order_by("-status", "-start_date")


def own_citizen(*, user: Any) -> Citizen:
    """The signed-in citizen's own profile."""
    citizen = getattr(user, "citizen", None) if getattr(user, "is_authenticated", False) else None
    if citizen is None:
        raise PermissionDenied(_("Sign in as a citizen first."))
    return citizen


def own_stay(*, user: Any, stay_id: int) -> Stay:
    stay = Stay.objects.filter(pk=stay_id, citizen=own_citizen(user=user)).select_related("mission", "country").first()
    if stay is None:
        raise NotFound(_("No such stay."), field="stay_id")
    return stay
