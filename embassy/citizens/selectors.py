"""Reads of citizens' personal data — the one scoping layer. Staff reads are audited here."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.citizens.models import NIK_CONTEXT, PASSPORT_CONTEXT, Citizen, Dependant, Stay
from embassy.citizens.validation import CONFIRM_EVERY, passport_warning
from embassy.common import crypto
from embassy.common.errors import NotFound, PermissionDenied
from embassy.geo.boundaries import validate_point
from embassy.geo.gazetteer import timezone_at
from embassy.geo.selectors import country_get
from embassy.missions.models import Mission
from embassy.missions.routing import get_router
from embassy.missions.selectors import scope_for


def _scoped(user: User, mission_id: int | None) -> QuerySet[Citizen]:
    """Refusals of staff are audited like the reads (a citizen or a visitor asking is no staff read)."""
    scope = scope_for(user)
    if not scope.personal_data:
        if scope.is_staff:
            audit_record(actor=user, action="citizen.list.denied", object_type="citizen")
        raise PermissionDenied(_("You may not read citizens' personal data."))
    if mission_id is not None and not scope.covers_personal(mission_id):
        audit_record(actor=user, action="citizen.list.denied", object_type="citizen",
                     detail={"mission_id": mission_id})
        raise PermissionDenied(_("This mission is outside your responsibility."), field="mission")
    qs = Citizen.objects.all()
    if mission_id is not None:
        qs = qs.filter(Exists(Stay.objects.filter(citizen=OuterRef("pk"), mission_id=mission_id)))
    elif not scope.personal_all:
        qs = qs.filter(Exists(Stay.objects.filter(citizen=OuterRef("pk"), mission_id__in=scope.personal_ids)))
    return qs


def citizen_list_for(*, user: User, mission_id: int | None = None, q: str = "") -> QuerySet[Citizen]:
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


def citizen_get_for(*, user: User, citizen_id: int) -> Citizen:
    """One citizen's record with stays and contacts, if the user's scope covers one of the citizen's
    stays. Both the read and a refusal are audited. Someone who is not staff gets NotFound whether or not the
    record exists."""
    scope = scope_for(user)
    if not scope.is_staff:
        raise NotFound(_("No such citizen."), field="citizen_id")
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
    return (citizen.stays.select_related("mission", "country", "citizen").prefetch_related("dependants")
            .order_by("-status", "-start_date"))


def dependants_of(citizen: Citizen) -> QuerySet[Dependant]:
    return citizen.dependants.all()


def confirmation_due(stay: Stay, *, now: Any = None) -> bool:
    """An active stay last confirmed more than six months ago."""
    now = now or timezone.now()
    return (stay.status == Stay.Status.ACTIVE and stay.confirmed_at is not None
            and stay.confirmed_at <= now - CONFIRM_EVERY)


def stay_passport_warning(stay: Stay) -> str:
    """The warning to show with an active stay when the citizen's passport expires too soon ("" if not)."""
    if stay.status != Stay.Status.ACTIVE:
        return ""
    return passport_warning(expiry=stay.citizen.passport_expiry, stay_end=stay.end_date, today=timezone.now().date())


def stay_timezone(stay: Stay) -> str:
    """The IANA zone a citizen reads the stay's times in: that of the stay's place (its point, or its country's
    biggest city once the point is deleted), else the responsible mission's."""
    if stay.lat is not None and stay.lon is not None:
        return timezone_at(stay.lat, stay.lon, stay.country_id)
    zone = timezone_at(None, None, stay.country_id)
    return zone if zone != "UTC" else (stay.mission.timezone or "UTC")


def own_stays_annotated(citizen: Citizen) -> list[Stay]:
    """The citizen's stays for their home page, each with `confirmation_due` and `passport_warning`."""
    now = timezone.now()
    stays = list(stays_of(citizen))
    for stay in stays:
        stay.confirmation_due = confirmation_due(stay, now=now)  # type: ignore[attr-defined]  # set for the template; not a field
        stay.passport_warning = stay_passport_warning(stay)  # type: ignore[attr-defined]  # set for the template; not a field
    return stays


def where_am_i(*, user: User, lat: Any, lon: Any) -> dict[str, Any]:
    """Which country a point (the phone's position) lies in, which mission is responsible there, and whether
    the signed-in citizen has an active stay in that country. Nothing is stored."""
    citizen = own_citizen(user=user)
    la, lo = validate_point(lat, lon)
    route = get_router().route(la, lo)
    mission = Mission.objects.filter(pk=route.mission_id).select_related("country").first()
    country = None
    if route.country:
        country = country_get(route.country)
    return {
        "country_code": route.country,
        "country_name": country.name() if country else None,
        "has_active_stay_there": bool(route.country) and citizen.stays.filter(
            status=Stay.Status.ACTIVE, country_id=route.country).exists(),
        "mission": {"code": mission.code, "name": mission.name(), "hotline": mission.hotline} if mission else None,
    }


def own_citizen(*, user: User) -> Citizen:
    """The signed-in citizen's own profile."""
    citizen = getattr(user, "citizen", None) if getattr(user, "is_authenticated", False) else None
    if citizen is None:
        raise PermissionDenied(_("Sign in as a citizen first."))
    return citizen


def own_stay(*, user: User, stay_id: int) -> Stay:
    stay = (Stay.objects.filter(pk=stay_id, citizen=own_citizen(user=user))
            .select_related("mission", "country", "citizen").prefetch_related("dependants").first())
    if stay is None:
        raise NotFound(_("No such stay."), field="stay_id")
    return stay


def stay_overview_for(*, user: User, mission: Mission | None) -> dict[str, Any]:
    """Counts of active stays for the console's home page: every mission's when a headquarters user acts for
    headquarters, else the stays of `mission` if the user's scope covers it; none for a user with no mission.
    Counts only, no personal data: not audited."""
    scope = scope_for(user)
    stays = Stay.objects.filter(status=Stay.Status.ACTIVE)
    if mission is None or not scope.covers(mission.pk):
        stays = stays.none()
    elif not (mission.is_hq and scope.all_missions):
        stays = stays.filter(mission=mission)
    by_country = stays.values("country__name_id", "country__name_en", "country_id").annotate(n=Count("id"))
    return {
        "active_stays": stays.count(),
        "citizens": stays.values("citizen_id").distinct().count(),
        "by_purpose": list(stays.values("purpose").annotate(n=Count("id")).order_by("-n")),
        "by_country": list(by_country.order_by("-n")[:10]),
        "purpose_labels": dict(Stay.Purpose.choices),
    }


def registered_by_mission() -> dict[int, int]:
    """How many citizens have an active stay, per mission: the size of each mission's registered community.
    Counts only, no personal data: not audited."""
    rows = (Stay.objects.filter(status=Stay.Status.ACTIVE).values("mission_id")
            .annotate(n=Count("citizen_id", distinct=True)).values_list("mission_id", "n"))
    return dict(rows)
