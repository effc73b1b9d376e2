"""A tiny hand-made data set at KBRI Singapore (UTC+8), each figure computable by hand (docs/performance.md):
December 2026 holds almost everything; "now" is 20 January 2027, noon in Singapore."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest

from embassy.applications.models import Application, StatusEvent
from embassy.applications.models import Status as AppStatus
from embassy.citizens.models import Citizen
from embassy.common.tests.factories import make_citizen_user
from embassy.complaints.models import Complaint
from embassy.consular.models import Booking, Service, Slot
from embassy.counter.models import Ticket
from embassy.missions.models import Mission
from embassy.performance.models import Subject, SurveyInvite, SurveyResponse
from embassy.sos.models import Case

SG = ZoneInfo("Asia/Singapore")
NOW = dt.datetime(2027, 1, 20, 12, tzinfo=SG)


def sg(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SG)


@dataclass
class Tiny:
    mission: Mission
    service: Service
    citizens: list[Citizen]


def _bookings(mission: Mission, service: Service, citizen: Citizen) -> None:
    slot = Slot.objects.create(mission=mission, service=service, starts_at=sg(10, 10), ends_at=sg(10, 11), capacity=10,
                               released_at=sg(1, 9))
    old = Slot.objects.create(mission=mission, service=service, starts_at=sg(10, 10, year=2025),
                              ends_at=sg(10, 11, year=2025), capacity=10, released_at=sg(1, 9, year=2025))
    statuses = ["attended", "attended", "attended", "no_show", "cancelled"]
    for i, status in enumerate(statuses):
        Booking.objects.create(reference=f"TB{i}", slot=slot, place=i + 1, service=service, citizen=citizen,
                               identity=f"t:{i}", status=status, created_at=sg(1, 9))
    Booking.objects.create(reference="TBOLD", slot=old, place=1, service=service, citizen=citizen, identity="t:old",
                           status="no_show", created_at=sg(1, 9, year=2025))  # outside the 12 months


def _tickets(mission: Mission, service: Service) -> None:
    waits = [(9, 0, 10), (9, 5, 30), (9, 20, 20)]  # issued hh:mm, wait in minutes
    for n, (h, m, wait) in enumerate(waits, 1):
        issued = sg(10, h, m)
        Ticket.objects.create(mission=mission, day=dt.date(2026, 12, 10), letter="A", number=n, kind="appointment",
                              service=service, status="done", token=f"tk{n}", issued_at=issued, queued_at=issued,
                              called_at=issued + dt.timedelta(minutes=wait),
                              finished_at=issued + dt.timedelta(minutes=wait + 5))
    Ticket.objects.create(mission=mission, day=dt.date(2026, 12, 10), letter="B", number=1, kind="walk_in",
                          service=service, status="no_show", token="tk-walk", issued_at=sg(10, 9, 30),
                          queued_at=sg(10, 9, 30))


def _applications(mission: Mission, service: Service, citizen: Citizen) -> None:
    plans = [("TA1", sg(7, 10), sg(11, 15)), ("TA2", sg(7, 11), sg(16, 15)), ("TA3", sg(28, 10), None)]
    for ref, submitted, ready in plans:
        app = Application.objects.create(
            reference=ref, mission=mission, service=service, citizen=citizen, submitted_at=submitted,
            due_on=dt.date(2026, 12, 14), target_days=5, updated_at=ready or submitted,
            status=AppStatus.READY if ready else AppStatus.IN_PROCESS)
        StatusEvent.objects.create(application=app, status=AppStatus.SUBMITTED, at=submitted, by_citizen=True)
        if ready:
            StatusEvent.objects.create(application=app, status=AppStatus.READY, at=ready)


def _complaints(mission: Mission) -> None:
    common = {"mission": mission, "category": "documents", "filed_by": "self", "text": "-"}
    # Filed at 01:00 on 1 December in Singapore: still 30 November in UTC. The month is Singapore's.
    Complaint.objects.create(number="TC1", subject_name="Rahasia Satu", status="closed", filed_at=sg(1, 1),
                             updated_at=sg(2, 9), resolved_at=sg(1, 13), closed_at=sg(2, 9), **common)
    Complaint.objects.create(number="TC2", subject_name="Rahasia Dua", status="resolved", filed_at=sg(2, 10),
                             updated_at=sg(3, 10), resolved_at=sg(3, 10), **common)
    Complaint.objects.create(number="TC3", subject_name="Rahasia Tiga", status="open", filed_at=sg(5, 10),
                             updated_at=sg(5, 10), **common)


def _sos(mission: Mission, citizens: list[Citizen]) -> None:
    for citizen, raised, ack in ((citizens[0], sg(4, 10), 90), (citizens[1], sg(5, 10), 30), (citizens[2], sg(6, 10),
                                                                                              None)):
        Case.objects.create(citizen=citizen, mission=mission, raised_at=raised, waiting_since=raised, updated_at=raised,
                            status="new" if ack is None else "resolved",
                            acknowledged_at=raised + dt.timedelta(seconds=ack) if ack else None)


def answer(mission: Mission, service: Service | None, subject_id: int, values: list[int], at: dt.datetime) -> None:
    invite = SurveyInvite.objects.create(kind=Subject.TICKET, subject_id=subject_id, mission=mission, service=service,
                                         created_at=at, answered_at=at)
    SurveyResponse.objects.create(invite=invite, mission=mission, service=service, kind=invite.kind, answered_at=at,
                                  **{f"u{i}": v for i, v in enumerate(values, 1)})


@pytest.fixture
def tiny(db: None) -> Tiny:
    mission = Mission.objects.get(code="KBRI-SINGAPORE")
    service = Service.objects.filter(mission__isnull=True).order_by("code").first()
    assert service is not None
    citizens = [make_citizen_user(f"tiny{i}@example.com").citizen for i in range(3)]
    _bookings(mission, service, citizens[0])
    _tickets(mission, service)
    _applications(mission, service, citizens[0])
    _complaints(mission)
    _sos(mission, citizens)
    answer(mission, service, 9001, [4] * 9, sg(11, 12))
    answer(mission, service, 9002, [3] * 9, sg(12, 12))
    return Tiny(mission, service, citizens)
