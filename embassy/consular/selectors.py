"""Reads of the service catalogue. Public: what a mission offers, on what terms, when it is open. Staff: the
missions whose terms a user may change (consular officers and heads of mission: their own; headquarters'
administrators: all)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet
from django.utils import translation

from embassy.accounts.models import User
from embassy.citizens.models import Citizen
from embassy.common.errors import NotFound
from embassy.consular.models import (
    LIVE,
    Booking,
    Counter,
    FixerFlag,
    MissionService,
    OpeningHours,
    Service,
    WaitlistEntry,
)
from embassy.missions.models import Membership, Mission, Role
from embassy.missions.selectors import scope_for


@dataclass(frozen=True)
class Offer:
    """A service as one mission offers it: the standard's terms with the mission's changes applied."""

    service: Service
    own: bool  # the mission's own service
    fee: Decimal | None
    currency: str
    target_days: int | None
    needs_appointment: bool
    note: str

    @property
    def code(self) -> str:
        return self.service.code

    @property
    def name(self) -> str:
        return self.service.name()

    @property
    def description(self) -> str:
        return _localised(self.service.description_id, self.service.description_en)

    @property
    def requirements(self) -> list[str]:
        return [_localised(r.get("id", ""), r.get("en", "")) for r in self.service.requirements]

    @property
    def documents(self) -> list[dict[str, object]]:
        return [{**d, "label": _localised(str(d.get("id", "")), str(d.get("en", "")))} for d in self.service.documents]


def _localised(id_text: str, en_text: str) -> str:
    return (en_text or id_text) if (translation.get_language() or "id").startswith("en") else (id_text or en_text)


def public_mission_get(*, code: str) -> Mission:
    mission = Mission.objects.select_related("country").filter(code=code, active=True).exclude(
        kind=Mission.Kind.HQ).first()
    if mission is None:
        raise NotFound("No such mission.")
    return mission


def offers_for(*, mission: Mission) -> list[Offer]:
    """What the mission offers: the active standard services it has not turned off, then its own ones."""
    terms = {t.service_id: t for t in MissionService.objects.filter(mission=mission)}
    offers = []
    for service in Service.objects.filter(Q(mission__isnull=True) | Q(mission=mission), active=True):
        t = terms.get(service.pk)
        if t is not None and not t.offered:
            continue
        changed_fee = t is not None and t.fee is not None
        offers.append(Offer(
            service=service, own=service.mission_id is not None,
            fee=t.fee if t is not None and changed_fee else service.fee,
            currency=t.currency if t is not None and changed_fee else service.currency,
            target_days=t.target_days if t is not None and t.target_days is not None else service.target_days,
            needs_appointment=(t.needs_appointment if t is not None and t.needs_appointment is not None
                               else service.needs_appointment),
            note=_localised(t.note_id, t.note_en) if t is not None else ""))
    return sorted(offers, key=lambda o: (o.own, o.service.order, o.code))


def offer_get(*, mission: Mission, code: str) -> Offer:
    for offer in offers_for(mission=mission):
        if offer.code == code:
            return offer
    raise NotFound("This mission does not offer that service.")


def opening_hours_of(*, mission: Mission) -> list[tuple[str, list[tuple[dt.time, dt.time]]]]:
    """(weekday's name, [(opens, closes)]) for the days the mission opens, Monday first."""
    days: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for h in OpeningHours.objects.filter(mission=mission):
        days.setdefault(h.weekday, []).append((h.opens, h.closes))
    return [(str(OpeningHours.Weekday(d).label), spans) for d, spans in sorted(days.items())]


TERMS_ROLES = frozenset({Role.CONSULAR_OFFICER, Role.HEAD_OF_CONSULAR, Role.HEAD_OF_MISSION})


def missions_managed_by(*, user: User) -> QuerySet[Mission]:
    """The missions whose consular terms, hours and counters `user` may change: headquarters' administrators
    all; consular officers and heads of mission their own (scope_for decides; a second factor is required)."""
    scope = scope_for(user)
    missions = Mission.objects.exclude(kind=Mission.Kind.HQ).filter(active=True).select_related("country")
    if Role.ADMINISTRATOR in scope.roles:
        return missions.order_by("code")
    ids = Membership.objects.filter(user_id=user.pk, role__in=TERMS_ROLES, mission_id__in=scope.mission_ids)
    return missions.filter(pk__in=ids.values("mission_id")).order_by("code")


def managed_mission_get(*, user: User, code: str) -> Mission:
    mission = missions_managed_by(user=user).filter(code=code).first()
    if mission is None:
        raise NotFound("No such mission among yours.")
    return mission


def standard_services() -> QuerySet[Service]:
    return Service.objects.filter(mission__isnull=True, active=True)


def standard_service_get(*, service_id: int) -> Service:
    service = standard_services().filter(pk=service_id).first()
    if service is None:
        raise NotFound("No such standard service.")
    return service


def service_for_mission(*, mission: Mission, service_id: int) -> Service:
    """A standard service or one of the mission's own."""
    service = Service.objects.filter(Q(mission__isnull=True) | Q(mission=mission), pk=service_id).first()
    if service is None:
        raise NotFound("No such service.")
    return service


def services_of(*, mission: Mission, ids: list[int]) -> list[Service]:
    """Those of `ids` that the mission may put on a counter: standard services and its own."""
    return list(Service.objects.filter(Q(mission__isnull=True) | Q(mission=mission), pk__in=ids))


def terms_of(*, mission: Mission) -> dict[str, object]:
    """What the console's catalogue page shows: each standard service with the mission's terms, the week's
    opening hours (two spans a day), the counters."""
    terms = {t.service_id: t for t in MissionService.objects.filter(mission=mission)}
    hours: dict[int, list[OpeningHours]] = {}
    for h in OpeningHours.objects.filter(mission=mission):
        hours.setdefault(h.weekday, []).append(h)
    return {
        "standard": [(s, terms.get(s.pk)) for s in standard_services()],
        "days": [(value, label, [*hours.get(value, []), None, None][:2])
                 for value, label in OpeningHours.Weekday.choices],
        "counters": Counter.objects.filter(mission=mission).prefetch_related("services"),
    }


# --- Appointments: the citizen's own ----------------------------------------------------------------------------
def booking_citizen(*, user: User) -> Citizen:
    """The signed-in citizen's record with only what booking reads (id, account, the identity's blind indexes):
    the sealed NIK and passport are not loaded, so not decrypted, on the hot path of a slot release."""
    citizen = Citizen.objects.only("id", "user_id", "nik_index", "passport_index").filter(user=user).first()
    if citizen is None:
        raise NotFound("No citizen record for this account.")
    return citizen


def bookings_of(*, citizen: Citizen) -> QuerySet[Booking]:
    """The person's appointments, upcoming first, then the last year's."""
    return (Booking.objects.select_related("slot__mission", "service").filter(citizen=citizen)
            .order_by("-slot__starts_at")[:50])


def live_booking_for(*, citizen: Citizen, service: Service) -> Booking | None:
    """The person's appointment for the service that holds a place (at most one: a unique index), if any."""
    return (Booking.objects.select_related("slot__mission").filter(citizen=citizen, service=service, status__in=LIVE)
            .first())


def booking_of(*, citizen: Citizen, reference: str) -> Booking:
    booking = (Booking.objects.select_related("slot__mission__country", "service", "citizen__user")
               .filter(citizen=citizen, reference=reference.strip().upper()).first())
    if booking is None:
        raise NotFound("No such appointment of yours.")
    return booking


def waitlist_of(*, citizen: Citizen) -> QuerySet[WaitlistEntry]:
    return (WaitlistEntry.objects.select_related("mission", "service", "booking__slot")
            .filter(citizen=citizen, status__in=["waiting", "offered"]).order_by("created_at"))


def waitlist_position(*, entry: WaitlistEntry) -> int:
    """1 for the next person to be offered a place."""
    return WaitlistEntry.objects.filter(mission_id=entry.mission_id, service_id=entry.service_id,
                                        status=WaitlistEntry.Status.WAITING,
                                        created_at__lt=entry.created_at).count() + 1


# --- Appointments: the mission's -------------------------------------------------------------------------------
def flags_for(*, missions: QuerySet[Mission] | list[Mission]) -> QuerySet[FixerFlag]:
    return FixerFlag.objects.select_related("mission", "reviewed_by").filter(mission__in=missions)
