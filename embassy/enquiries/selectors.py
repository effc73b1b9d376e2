"""Reads of enquiries. The counts carry no personal data (any staff member who sees the crisis reads them);
the list, a single enquiry and the export are personal data: staff whose role reads personal data at one of
the crisis's missions (headquarters: all), audited. A crisis outside the officer's missions is a 404."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.citizens.models import Citizen
from embassy.common.errors import NotFound, PermissionDenied
from embassy.crises.models import Affected, Crisis
from embassy.crises.selectors import crisis_get_for
from embassy.enquiries.models import Enquiry
from embassy.missions.selectors import scope_for


def may_read_enquiries(user: User, crisis: Crisis) -> bool:
    """Whether `user` reads personal data at one of the crisis's missions (or at headquarters)."""
    scope = scope_for(user)
    return scope.personal_all or any(scope.covers_personal(m) for m in crisis.missions.values_list("id", flat=True))


def require_enquiry_access(user: User, crisis: Crisis) -> None:
    """PermissionDenied (audited) unless may_read_enquiries."""
    if not may_read_enquiries(user, crisis):
        audit_record(actor=user, action="enquiry.denied", object_type="crisis", object_id=crisis.pk)
        raise PermissionDenied(_("Only officers of this crisis's missions read the families' enquiries."))


def crisis_for_enquiries(*, user: User, crisis_id: int) -> Crisis:
    crisis = crisis_get_for(user=user, crisis_id=crisis_id)  # NotFound outside the officer's missions
    require_enquiry_access(user, crisis)
    return crisis


def enquiry_counts(*, crisis_id: int) -> dict[str, int]:
    """Counts for the crisis room (no personal data): all, being looked for, to confirm, matched, closed, and
    families who were given news of the person."""
    agg = Enquiry.objects.filter(crisis_id=crisis_id).aggregate(
        total=Count("id"),
        sought=Count("id", filter=Q(status=Enquiry.Status.SOUGHT)),
        to_confirm=Count("id", filter=Q(status=Enquiry.Status.TO_CONFIRM)),
        matched=Count("id", filter=Q(status=Enquiry.Status.MATCHED)),
        closed=Count("id", filter=Q(status=Enquiry.Status.CLOSED)),
        told=Count("id", filter=Q(told_state__startswith="safe") | Q(told_state__startswith="help")),
        by_phone=Count("id", filter=Q(via=Enquiry.Via.PHONE)),
    )
    return {k: int(v or 0) for k, v in agg.items()}


def enquiry_list_for(*, user: User, crisis: Crisis, status: str = "") -> QuerySet[Enquiry]:
    require_enquiry_access(user, crisis)
    qs = Enquiry.objects.filter(crisis=crisis).select_related("citizen", "taken_by")
    if status in Enquiry.Status.values:
        qs = qs.filter(status=status)
    audit_record(actor=user, action="enquiry.list", object_type="crisis", object_id=crisis.pk,
                 detail={"status": status})
    return qs.order_by("-created_at", "-id")


def enquiry_get_for(*, user: User, crisis: Crisis, enquiry_id: int) -> Enquiry:
    require_enquiry_access(user, crisis)
    enquiry = Enquiry.objects.select_related("crisis", "citizen").filter(crisis=crisis, pk=enquiry_id).first()
    if enquiry is None:
        raise NotFound(_("No such enquiry."))
    audit_record(actor=user, action="enquiry.read", object_type="enquiry", object_id=enquiry.pk,
                 citizen_id=enquiry.citizen_id)
    return enquiry


def candidate_rows(enquiry: Enquiry) -> list[dict[str, Any]]:
    """The people an officer may confirm (strong candidates first, then name-only look-alikes), with their
    answer to this crisis's roll-call. Read with the enquiry (audited there)."""
    ids = [*enquiry.candidates, *[i for i in enquiry.possible if i not in enquiry.candidates]]
    citizens = Citizen.objects.in_bulk(ids)
    answers = dict(Affected.objects.filter(crisis_id=enquiry.crisis_id, citizen_id__in=ids)
                   .values_list("citizen_id", "answer"))
    return [{"citizen": citizens[i], "strong": i in enquiry.candidates, "answer": answers.get(i),
             "affected": i in answers} for i in ids if i in citizens]


def active_crises() -> QuerySet[Crisis]:
    """The emergencies families may ask about (titles only: public)."""
    return Crisis.objects.filter(status=Crisis.Status.ACTIVE).order_by("-created_at", "-id")
