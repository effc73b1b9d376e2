"""Writes of the service catalogue: the standard services from their data file, a mission's terms, its opening
hours and counters. Changes by staff are audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import BadInput
from embassy.consular.booking import slots_release
from embassy.consular.catalogue import CURRENCY, read_services
from embassy.consular.models import Counter, MissionService, OpeningHours, Service
from embassy.missions.models import Mission


def catalogue_load(*, path: Path) -> dict[str, int]:
    """Load the standard services, all or nothing (raises missions.loader.DataFileError). A standard service
    no longer in the file is deactivated, never deleted (missions' terms and applications keep it)."""
    rows = read_services(path)
    created = updated = 0
    with transaction.atomic():
        existing = {s.code: s for s in Service.objects.filter(mission__isnull=True)}
        for row in rows:
            values = {"name_id": row.name_id, "name_en": row.name_en, "description_id": row.description_id,
                      "description_en": row.description_en, "requirements": row.requirements,
                      "documents": row.documents, "fee": row.fee, "currency": row.currency,
                      "target_days": row.target_days, "needs_appointment": row.needs_appointment,
                      "legal_basis": row.legal_basis, "sources": row.sources, "order": row.order, "active": True,
                      "from_file": True}
            service = existing.get(row.code)
            if service is None:
                Service.objects.create(code=row.code, **values)
                created += 1
            elif any(getattr(service, k) != v for k, v in values.items()):
                Service.objects.filter(pk=service.pk).update(**values)
                updated += 1
        gone = (Service.objects.filter(mission__isnull=True, from_file=True, active=True)
                .exclude(code__in=[r.code for r in rows]).update(active=False))
    return {"services": len(rows), "created": created, "updated": updated, "deactivated": gone}


def mission_terms_set(*, actor: User, mission: Mission, service: Service, offered: bool, fee: Decimal | None,
                      currency: str, target_days: int | None, needs_appointment: bool | None, note_id: str = "",
                      note_en: str = "") -> MissionService:
    """Set a mission's terms for a standard service (None keeps the standard's)."""
    if service.mission_id is not None:
        raise BadInput(_("Only a standard service has terms per mission; edit the mission's own service instead."),
                       field="service")
    if fee is not None and fee < 0:
        raise BadInput(_("The fee cannot be negative."), field="fee")
    if fee is not None and not CURRENCY.fullmatch(currency):
        raise BadInput(_("Give the fee's currency as an ISO 4217 code, e.g. SGD."), field="currency")
    if target_days is not None and target_days > 365:
        raise BadInput(_("Processing days must be 0 to 365."), field="target_days")
    terms, _created = MissionService.objects.update_or_create(
        mission=mission, service=service,
        defaults={"offered": offered, "fee": fee, "currency": currency if fee is not None else "",
                  "target_days": target_days, "needs_appointment": needs_appointment, "note_id": note_id,
                  "note_en": note_en})
    audit_record(actor=actor, action="consular.terms", object_type="consular.service", object_id=service.pk,
                 mission_code=mission.code, detail={"offered": offered, "fee": str(fee) if fee is not None else None,
                                                    "currency": terms.currency, "target_days": target_days,
                                                    "needs_appointment": needs_appointment})
    return terms


def opening_hours_set(*, actor: User, mission: Mission, hours: list[tuple[int, dt.time, dt.time]]) -> None:
    """Replace the mission's opening hours: (weekday 0 = Monday … 6 = Sunday, opens, closes) in its local time."""
    for weekday, opens, closes in hours:
        if not 0 <= weekday <= 6:
            raise BadInput(_("A weekday is 0 (Monday) to 6 (Sunday)."), field="weekday")
        if closes <= opens:
            raise BadInput(_("Closing time must be after opening time."), field="closes")
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, opens, closes in sorted(hours):
        if by_day.get(weekday) and by_day[weekday][-1][1] > opens:
            raise BadInput(_("Opening hours of one day overlap."), field="opens")
        by_day.setdefault(weekday, []).append((opens, closes))
    with transaction.atomic():
        OpeningHours.objects.filter(mission=mission).delete()
        OpeningHours.objects.bulk_create([OpeningHours(mission=mission, weekday=w, opens=o, closes=c)
                                          for w, o, c in hours])
    audit_record(actor=actor, action="consular.hours", object_type="missions.mission", object_id=mission.pk,
                 mission_code=mission.code,
                 detail={"hours": [[w, o.isoformat("minutes"), c.isoformat("minutes")] for w, o, c in sorted(hours)]})


def counter_create(*, actor: User, mission: Mission, name: str, services: list[Service] | None = None) -> Counter:
    name = name.strip()
    if not name:
        raise BadInput(_("Name the counter."), field="name")
    if Counter.objects.filter(mission=mission, name=name).exists():
        raise BadInput(_("The mission has a counter with this name."), field="name")
    counter = Counter.objects.create(mission=mission, name=name)
    if services:
        counter.services.set(services)
    audit_record(actor=actor, action="consular.counter", object_type="consular.counter", object_id=counter.pk,
                 mission_code=mission.code, detail={"name": name})
    return counter


def slots_release_batch(*, actor: User, mission: Mission, service: Service | None, first_day: dt.date, days: int,
                        minutes: int, per_counter: int, released_at: dt.datetime,
                        now: dt.datetime | None = None) -> int:
    """Announce a batch: the slots of `days` days from `first_day`, bookable from `released_at` (shown on the
    service's booking page until then). Audited."""
    now = now or timezone.now()
    zone = ZoneInfo(mission.timezone)
    if first_day <= now.astimezone(zone).date():
        raise BadInput(_("Release days from tomorrow on."), field="first_day")
    if not 1 <= days <= 92:
        raise BadInput(_("Release between 1 and 92 days at a time."), field="days")
    if released_at.astimezone(zone).date() >= first_day:
        raise BadInput(_("Slots must be released before their first day."), field="released_at")
    made = slots_release(mission=mission, service=service, first_day=first_day, days=days, minutes=minutes,
                         per_counter=per_counter, released_at=released_at)
    audit_record(actor=actor, action="consular.release", object_type="mission", object_id=mission.pk,
                 mission_code=mission.code, detail={"service": service.code if service else "", "slots": made,
                                                    "first_day": first_day.isoformat(), "days": days,
                                                    "released_at": released_at.isoformat()})
    return made
