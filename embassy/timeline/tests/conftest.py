"""One person's history across two missions — Kuala Lumpur (a stay, an SOS with an internal note and an
escalation, a complaint, a crisis answer, a shelter stay, a call) and Singapore (an application, an appointment
with its counter ticket, a stay, a note) — one entry an hour from 1 November 2026, and the staff who read it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from embassy.accounts.models import User
from embassy.applications.models import Application, StatusEvent
from embassy.citizens.models import Citizen, Stay
from embassy.citizens.tests.factories import StayFactory
from embassy.common.tests.factories import make_citizen_user, make_staff, verified
from embassy.complaints.models import Complaint, ComplaintEvent
from embassy.consular.models import Booking, Service, Slot
from embassy.counter.models import Ticket
from embassy.crises.models import Affected, Answer
from embassy.crises.tests.factories import CrisisRowFactory
from embassy.missions.models import Mission, Role
from embassy.shelters.models import Residence, Shelter
from embassy.sos.models import Case, Event
from embassy.timeline.models import Note

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
KL, SG = "KBRI-KUALA-LUMPUR", "KBRI-SINGAPORE"


def hour(n: int) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


@dataclass
class History:
    citizen: Citizen
    user: User
    kl: Mission
    sg: Mission
    officer: User  # a protection officer of KL
    # (hour, kind, mission code, seen by the citizen) of every entry, as built
    rows: list[tuple[int, str, str, bool]] = field(default_factory=list)

    def expected(self, *, mission: str | None = None, citizen: bool = False) -> list[int]:
        """The hours of the entries a reader sees, newest first."""
        return sorted((h for h, _k, m, seen in self.rows
                       if (mission is None or m == mission) and (seen or not citizen)), reverse=True)


def _stay(citizen: Citizen, lat: float, lon: float, at: dt.datetime) -> Stay:
    stay = StayFactory.create(citizen=citizen, lat=lat, lon=lon)
    Stay.objects.filter(pk=stay.pk).update(created_at=at)
    return stay


def build_history(citizen: Citizen, user: User, officer: User, sg_officer: User) -> list[tuple[int, str, str, bool]]:
    kl, sg = Mission.objects.get(code=KL), Mission.objects.get(code=SG)
    rows: list[tuple[int, str, str, bool]] = []
    _stay(citizen, 3.139, 101.6869, hour(1))
    rows.append((1, "stay", KL, True))
    case = Case.objects.create(citizen=citizen, user=user, mission=kl, raised_at=hour(2), waiting_since=hour(2),
                               updated_at=hour(4), status=Case.Status.RESOLVED, category="employer_abuse")
    Event.objects.create(case=case, at=hour(2), kind=Event.Kind.RAISED, public=True, from_citizen=True)
    Event.objects.create(case=case, at=hour(3), kind=Event.Kind.NOTE, text="Majikan tidak bisa dihubungi.")
    Event.objects.create(case=case, at=hour(4), kind=Event.Kind.ESCALATED, public=True)
    rows += [(2, "sos", KL, True), (3, "sos", KL, False), (4, "sos", KL, False)]
    complaint = Complaint.objects.create(
        number="KBRI-KUALA-LUMPUR-2026-000001", mission=kl, citizen=citizen, subject_name=citizen.full_name,
        category="unpaid_salary", filed_by="self", text="Gaji tiga bulan belum dibayar.", filed_at=hour(5),
        updated_at=hour(6))
    ComplaintEvent.objects.create(complaint=complaint, at=hour(5), kind=ComplaintEvent.Kind.FILED)
    ComplaintEvent.objects.create(complaint=complaint, at=hour(6), kind=ComplaintEvent.Kind.ESCALATED, level=1)
    rows += [(5, "complaint", KL, True), (6, "complaint", KL, False)]
    crisis = CrisisRowFactory.create(title="Banjir Kuala Lumpur")
    affected = Affected.objects.create(crisis=crisis, citizen=citizen, mission=kl, added_at=hour(7))
    Answer.objects.create(affected=affected, answer="safe", via="link", key="k1", at=hour(8))
    rows += [(7, "crisis", KL, False), (8, "crisis", KL, True)]
    shelter = Shelter.objects.create(mission=kl, name="Rumah Singgah KBRI", beds=20)
    Residence.objects.create(shelter=shelter, citizen=citizen, person_name=citizen.full_name, checked_in_at=hour(9),
                             checked_out_at=hour(30), checked_in_by=officer, checkout_reason="repatriated")
    rows.append((9, "shelter", KL, True))
    Note.objects.create(citizen=citizen, mission=kl, kind="call", text="Menelepon majikan.", at=hour(10),
                        author=officer)
    rows.append((10, "note", KL, False))
    service = Service.objects.filter(mission__isnull=True).order_by("id").first()
    assert service is not None
    application = Application.objects.create(reference="SG26-0001", mission=sg, service=service, citizen=citizen,
                                             submitted_at=hour(11), updated_at=hour(11))
    StatusEvent.objects.create(application=application, status="submitted", at=hour(11), by_citizen=True)
    rows.append((11, "application", SG, True))
    slot = Slot.objects.create(mission=sg, service=service, starts_at=hour(40), ends_at=hour(41), capacity=2,
                               released_at=hour(0))
    booking = Booking.objects.create(reference="BK-0001", slot=slot, place=1, service=service, citizen=citizen,
                                     identity="nik:x", created_at=hour(12), status="attended")
    Ticket.objects.create(mission=sg, day=hour(40).date(), letter="A", number=12, kind="appointment",
                          service=service, booking=booking, token="t" * 40, issued_at=hour(40), queued_at=hour(40),
                          status="done")
    rows.append((12, "appointment", SG, True))
    Note.objects.create(citizen=citizen, mission=sg, kind="note", text="Paspor akan diambil kakaknya.", at=hour(13),
                        author=sg_officer)
    rows.append((13, "note", SG, False))
    _stay(citizen, 1.3521, 103.8198, hour(14))
    rows.append((14, "stay", SG, True))
    return rows


@pytest.fixture
def history(db: None) -> History:
    user = make_citizen_user("siti.timeline@example.com")
    citizen = user.citizen
    officer = verified(make_staff(KL, Role.PROTECTION_OFFICER))
    sg_officer = verified(make_staff(SG, Role.CONSULAR_OFFICER))
    rows = build_history(citizen, user, officer, sg_officer)
    return History(citizen=citizen, user=user, kl=Mission.objects.get(code=KL), sg=Mission.objects.get(code=SG),
                   officer=officer, rows=rows)


@pytest.fixture
def analyst(db: None) -> User:
    return verified(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST))
