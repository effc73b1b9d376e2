"""Crisis mode: while a crisis is active (Crisis.status == ACTIVE), the calendar offers a ready-made bilingual post
with the hotline, for the ministry's accounts and those of the missions concerned (Crisis.missions). The hotline
is the mission's (data/missions.csv, Mission.hotline), else headquarters' citizen-protection hotline."""

from __future__ import annotations

from dataclasses import dataclass

from embassy.crises.models import Crisis
from embassy.missions.models import Mission
from embassy.social.models import Account


@dataclass(frozen=True)
class Offer:
    crisis: Crisis
    text: str
    accounts: list[Account]


def _hotline(crisis: Crisis) -> str:
    for mission in crisis.missions.all().order_by("code"):
        if mission.hotline:
            return str(mission.hotline)
    hq = Mission.objects.filter(kind=Mission.Kind.HQ).exclude(hotline="").values_list("hotline", flat=True).first()
    return str(hq or "")


def ready_text(crisis: Crisis) -> str:
    """Indonesian first, then English; the same words whatever the console's language (the post is bilingual)."""
    hotline = _hotline(crisis)
    call_id = f" Hubungi hotline perlindungan WNI: {hotline}." if hotline else ""
    call_en = f" Indonesian citizens' hotline: {hotline}." if hotline else ""
    return (f"[{crisis.title}] WNI di wilayah terdampak: tetap tenang, ikuti arahan otoritas setempat, dan lapor "
            f"diri.{call_id}\n\n[EN] Indonesian citizens in the affected area: stay calm, follow local authorities' "
            f"instructions and register with the embassy.{call_en}")


def offers(crises: list[Crisis], accounts: list[Account]) -> list[Offer]:
    """One offer per active crisis, with the accounts (of those the person may use) that should carry it."""
    found = []
    for crisis in crises:
        units = {m.pk for m in crisis.missions.all()}
        chosen = [a for a in accounts if a.owner in ("ministry", "minister") or a.unit_id in units]
        if chosen:
            found.append(Offer(crisis, ready_text(crisis), chosen))
    return found
