from __future__ import annotations

from pathlib import Path

from django.db import transaction

from embassy.common.errors import BadInput
from embassy.missions.loader import read_units
from embassy.missions.models import HQ_ROLES, MISSION_ROLES, Jurisdiction, Membership, Mission, Role
from embassy.missions.routing import reset_router


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
                "website": row.website, "active": True,
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
        Jurisdiction.objects.all().delete()
        Jurisdiction.objects.bulk_create(
            Jurisdiction(mission=by_code[row.code], country_id=country, admin1=admin1)
            for row in rows
            for country, admin1 in row.jurisdiction
        )
        transaction.on_commit(reset_router)
    return {"units": len(rows), "created": created, "updated": updated, "deactivated": stale}


def membership_check(*, user: object, mission: Mission, role: str) -> None:
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


def membership_grant(*, user: object, mission: Mission, role: str) -> Membership:
    """Give a staff member a role at a unit (membership_check's rule)."""
    membership_check(user=user, mission=mission, role=role)
    membership, _ = Membership.objects.get_or_create(user=user, mission=mission, role=role)  # type: ignore[misc]
    return membership
