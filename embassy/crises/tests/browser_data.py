"""Data for the crisis browser tests, made with the factories on the test server's database (harness.ServerSpec's
`setup` and Server.call run these through on_server, in the server's environment)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from embassy.accounts.demo import DEMO_PASSWORD, demo_totp_key
from embassy.accounts.models import User
from embassy.accounts.tests.factories import StaffFactory
from embassy.citizens.tests.factories import CitizenFactory, StayFactory
from embassy.common.tests.factories import verified
from embassy.crises.links import link_token, link_url
from embassy.crises.models import Affected
from embassy.crises.rollcall import rollcall_start
from embassy.crises.tests.factories import CrisisFactory
from embassy.missions.models import Role
from embassy.notify.models import Message


def drill_people(officer: str, people: list[list[Any]]) -> dict[str, str]:
    """The drill's officer (KBRI Kuala Lumpur, signing in with the demo password and the demo TOTP secret of
    their name) and its people (name, phone, lat, lon), each staying there for the last 30 days; returns the
    mission each person's stay was routed to."""
    StaffFactory.create(username=officer, password=DEMO_PASSWORD, first_name="Piket", last_name="Latihan",
                 mission="KBRI-KUALA-LUMPUR", role=Role.PROTECTION_OFFICER, totp_key=demo_totp_key(officer))
    missions = {}
    for name, phone, lat, lon in people:
        stay = StayFactory.create(citizen=CitizenFactory.create(full_name=name, phone=phone), lat=lat, lon=lon, city="Kuala Lumpur",
                           start_date=dt.date.today() - dt.timedelta(days=30))
        missions[name] = stay.mission.code
    return missions


def rollcall_messages() -> list[dict[str, str]]:
    """The roll-call's outbox rows, oldest first."""
    return [{"channel": m.channel, "address": m.address, "status": m.status, "body": m.body, "url": m.url}
            for m in Message.objects.filter(kind="crisis.rollcall").order_by("id")]


def open_rollcall(officer: str, citizen: str) -> dict[str, Any]:
    """A flood over central Kuala Lumpur declared by `officer`, its roll-call started (queued: no worker); returns
    the crisis, when it was declared, and the answer link of someone inside other than `citizen` (an address)."""
    actor = verified(User.objects.get(username=officer))
    crisis = CrisisFactory.create(actor=actor, title="LATIHAN: Banjir Kuala Lumpur", radius_km=15)
    rollcall_start(actor=actor, crisis=crisis)
    mine = Affected.objects.get(crisis=crisis, citizen__email=citizen)
    other = Affected.objects.filter(crisis=crisis, inside=True).exclude(pk=mine.pk).first()
    assert other is not None
    return {"crisis": crisis.pk, "occurred": crisis.created_at.isoformat(),
            "link": link_url(crisis.pk, link_token(other.pk, crisis.pk))}
