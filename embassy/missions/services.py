from __future__ import annotations

from pathlib import Path

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F

from embassy.common.errors import BadInput
from embassy.geo.boundaries import validate_point
from embassy.missions.loader import read_units
from embassy.missions.models import (
    HQ_ROLES,
    MISSION_ROLES,
    Jurisdiction,
    Membership,
    Mission,
    Role,
    RoutingVersion,
)
from embassy.missions.routing import reset_router


def routing_bump() -> None:
    """Record that missions or jurisdictions changed: every process's router rebuilds within
    routing.ROUTER_CHECK_SECONDS (this one right after the commit). Call inside the changing transaction."""
    with transaction.atomic():
        if not RoutingVersion.objects.filter(pk=1).update(version=F("version") + 1):
            RoutingVersion.objects.create(pk=1, version=1)
        transaction.on_commit(reset_router)


@transaction.atomic
def mission_save(*, mission: Mission) -> Mission:
    """Save a mission edited by staff (the admin): coordinates validated, routing told."""
    mission.lat, mission.lon = validate_point(mission.lat, mission.lon)
    mission.save()
    routing_bump()
    return mission


@transaction.atomic
def mission_delete(*, mission: Mission) -> None:
    mission.delete()
    routing_bump()


def missions_load(*, path: Path) -> dict[str, int]:
    """Load units from a data file, all or nothing. Units no longer in the file are deactivated, not
    deleted (stays and cases keep pointing at them). Raises loader.DataFileError on a bad file."""
    rows = read_units(path)
    with transaction.atomic():
        existing = {m.code: m for m in Mission.objects.all()}
        created = updated = 0
        by_code: dict[str, Mission] = {}
        for row in rows:
            values = {
                "kind": row.kind, "name_id": row.name_id, "name_en": row.name_en, "city": row.city,
                "country_id": row.country, "lat": row.lat, "lon": row.lon, "timezone": row.timezone,
                "address": row.address, "phone": row.phone, "hotline": row.hotline, "email": row.email,
                "website": row.website, "sources": " ".join(row.sources), "source_date": row.source_date,
                "active": True,
            }
            mission = existing.get(row.code)
            if mission is None:
                mission = Mission.objects.create(code=row.code, **values)
                created += 1
            elif any(getattr(mission, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(mission, k, v)
                mission.save()
                updated += 1
            by_code[row.code] = mission
        stale = Mission.objects.exclude(code__in=by_code).filter(active=True).update(active=False)
        wanted = {(by_code[row.code].pk, *area) for row in rows for area in row.jurisdiction}
        have = set(Jurisdiction.objects.values_list("mission_id", "country_id", "admin1", "admin2"))
        if wanted != have:
            Jurisdiction.objects.all().delete()
            Jurisdiction.objects.bulk_create(
                Jurisdiction(mission_id=m, country_id=c, admin1=a1, admin2=a2) for m, c, a1, a2 in sorted(wanted)
            )
        if created or updated or stale or wanted != have:
            routing_bump()
    return {"units": len(rows), "created": created, "updated": updated, "deactivated": stale}


def membership_check(*, user: AbstractBaseUser, mission: Mission, role: str) -> None:
    """The rule for every grant (the services and the admin alike): roles go to staff accounts only;
    headquarters roles only at the HQ unit, mission roles only at missions abroad. BadInput otherwise."""
    if getattr(user, "kind", "") != "staff":
        raise BadInput("Roles are for staff accounts only", field="user")
    if role not in Role.values:
        raise BadInput(f"Unknown role {role!r}", field="role")
    if mission.is_hq and role not in HQ_ROLES:
        raise BadInput("Headquarters takes headquarters roles only", field="role")
    if not mission.is_hq and role not in MISSION_ROLES:
        raise BadInput("A mission abroad takes mission roles only", field="role")


def membership_grant(*, user: AbstractBaseUser, mission: Mission, role: str) -> Membership:
    """Give a staff member a role at a unit (membership_check's rule)."""
    membership_check(user=user, mission=mission, role=role)
    membership, _ = Membership.objects.get_or_create(user_id=user.pk, mission=mission, role=role)
    return membership
