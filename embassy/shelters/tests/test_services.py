"""Check-in and check-out: the person from the registry (never by name), the linked cases of the same person
and mission, the beds (overflow only when confirmed), times that make sense; the repatriation steps in order;
every write audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from embassy.accounts.models import AuditEvent, User
from embassy.citizens.models import Citizen
from embassy.common.errors import BadInput, PermissionDenied
from embassy.common.tests.factories import make_citizen_with_stay, make_staff
from embassy.missions.models import Mission, Role
from embassy.shelters import services
from embassy.shelters.models import Residence, Shelter, Step
from embassy.shelters.tests.conftest import KL_POINT, SG_POINT, complaint_for, kl_time
from embassy.sos.services.raising import sos_open_for_citizen

pytestmark = pytest.mark.django_db


def _bad(field: str, call: object, **kwargs: object) -> BadInput:
    with pytest.raises(BadInput) as caught:
        call(**kwargs)  # type: ignore[operator]
    assert caught.value.field == field, caught.value.message
    return caught.value


def test_check_in_a_registered_person_and_someone_by_name(officer: User, shelter: Shelter, citizen: Citizen) -> None:
    r = services.residence_check_in(actor=officer, shelter=shelter, citizen_id=citizen.pk)
    assert r.citizen == citizen and r.person_name == "Siti Aminah" and r.present
    # Someone not registered, named like a registered person: never linked to the registry by the name.
    twin = services.residence_check_in(actor=officer, shelter=shelter, person_name="Siti Aminah")
    assert twin.citizen is None
    assert AuditEvent.objects.filter(action="shelter.check_in", citizen_id=citizen.pk).count() == 1
    assert AuditEvent.objects.filter(action="shelter.check_in", citizen_id=None).count() == 1
    _bad("person_name", services.residence_check_in, actor=officer, shelter=shelter)
    _bad("citizen_id", services.residence_check_in, actor=officer, shelter=shelter, citizen_id=citizen.pk)  # present


def test_the_registry_is_the_missions(officer: User, shelter: Shelter) -> None:
    in_singapore = make_citizen_with_stay(*SG_POINT, name="Dewi", nik="3171014101900002", passport="X7654322")
    _bad("citizen_id", services.residence_check_in, actor=officer, shelter=shelter, citizen_id=in_singapore.pk)
    _bad("citizen_id", services.residence_check_in, actor=officer, shelter=shelter, citizen_id=10**9)


def test_linked_cases_are_of_the_same_person_and_mission(officer: User, shelter: Shelter, citizen: Citizen,
                                                          kl: Mission) -> None:
    other = make_citizen_with_stay(*KL_POINT, name="Rina", nik="3171014101900003", passport="X7654323")
    theirs = complaint_for(kl, other, "KL-1")
    _bad("complaint_id", services.residence_check_in, actor=officer, shelter=shelter, citizen_id=citizen.pk,
         complaint_id=theirs.pk)
    sg = Mission.objects.get(code="KBRI-SINGAPORE")
    _bad("complaint_number", services.residence_check_in, actor=officer, shelter=shelter, citizen_id=citizen.pk,
         complaint_number=complaint_for(sg, citizen, "SG-1").number)
    case_id, _ = sos_open_for_citizen(citizen_id=citizen.pk, user_id=None, mission_id=kl.pk, stay_id=None, lat=None,
                                      lon=None, key="t1", text="tolong")
    mine = complaint_for(kl, citizen, "KL-2")
    # The person comes from the case when the officer did not choose them.
    r = services.residence_check_in(actor=officer, shelter=shelter, complaint_number="kl-2", sos_case_id=case_id)
    assert r.citizen == citizen and r.complaint == mine and r.sos_case_id == case_id
    # The complaint's history tells the stay (through the complaints app's own service).
    services.repatriation_step_record(actor=officer, residence=r, step=Step.DOCUMENTS, done_on=timezone.localdate())
    services.residence_check_out(actor=officer, residence=r, reason="repatriated")
    notes = list(mine.events.filter(kind="note").values_list("note", flat=True))
    assert len(notes) == 4 and "Shelter KBRI KL" in notes[0] and "Shelter KBRI KL" in notes[3]


def test_beds_overflow_only_when_confirmed(officer: User, shelter: Shelter) -> None:
    for n in range(3):
        services.residence_check_in(actor=officer, shelter=shelter, person_name=f"P{n}")
    error = _bad("overflow", services.residence_check_in, actor=officer, shelter=shelter, person_name="P3")
    assert "3" in error.message
    extra = services.residence_check_in(actor=officer, shelter=shelter, person_name="P3", overflow=True)
    assert extra.overflow
    first = Residence.objects.get(person_name="P0")
    services.residence_check_out(actor=officer, residence=first, reason="new_employer")
    services.residence_check_out(actor=officer, residence=extra, reason="left")
    assert not services.residence_check_in(actor=officer, shelter=shelter, person_name="P4").overflow


def test_times_that_make_sense(officer: User, shelter: Shelter) -> None:
    now = kl_time(2026, 11, 20)
    _bad("checked_in_at", services.residence_check_in, actor=officer, shelter=shelter, person_name="A",
         at=now + dt.timedelta(hours=1), now=now)
    r = services.residence_check_in(actor=officer, shelter=shelter, person_name="A", at=kl_time(2026, 11, 10),
                                    now=now)
    _bad("checked_out_at", services.residence_check_out, actor=officer, residence=r, at=kl_time(2026, 11, 9),
         reason="left", now=now)
    _bad("reason", services.residence_check_out, actor=officer, residence=r, reason="", now=now)
    services.residence_check_out(actor=officer, residence=r, at=kl_time(2026, 11, 12), reason="repatriated", now=now)
    _bad("residence", services.residence_check_out, actor=officer, residence=r, reason="left", now=now)
    r.refresh_from_db()
    assert r.checked_out_at == kl_time(2026, 11, 12) and r.checkout_reason == "repatriated"


def test_only_the_missions_staff_write(shelter: Shelter, sg_officer: User, analyst: User) -> None:
    for who in (sg_officer, analyst):
        with pytest.raises(PermissionDenied):
            services.residence_check_in(actor=who, shelter=shelter, person_name="X")
    socmed = make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER, username="kl.sm")
    socmed.is_verified = lambda: True
    with pytest.raises(PermissionDenied):
        services.residence_check_in(actor=socmed, shelter=shelter, person_name="X")
    unverified = make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER, username="kl.nootp", otp=False)
    with pytest.raises(PermissionDenied):
        services.residence_check_in(actor=unverified, shelter=shelter, person_name="X")


def test_repatriation_steps_in_order_with_dates(officer: User, shelter: Shelter, citizen: Citizen) -> None:
    now = kl_time(2026, 11, 30)
    r = services.residence_check_in(actor=officer, shelter=shelter, citizen_id=citizen.pk, at=kl_time(2026, 11, 1),
                                    repatriation=True, now=now)
    assert r.repatriation and r.handover_agency == "BP2MI" and r.repatriation_waiting_since == dt.date(2026, 11, 30)
    record = services.repatriation_step_record
    _bad("step", record, actor=officer, residence=r, step=Step.TICKET, done_on=dt.date(2026, 11, 5), now=now)
    _bad("step", record, actor=officer, residence=r, step="visa", done_on=dt.date(2026, 11, 5), now=now)
    _bad("done_on", record, actor=officer, residence=r, step=Step.DOCUMENTS, done_on=dt.date(2026, 12, 1), now=now)
    record(actor=officer, residence=r, step=Step.DOCUMENTS, done_on=dt.date(2026, 11, 5), now=now)
    _bad("done_on", record, actor=officer, residence=r, step=Step.EXIT_PERMIT, done_on=dt.date(2026, 11, 4), now=now)
    for step, day in ((Step.EXIT_PERMIT, 10), (Step.TICKET, 12), (Step.DEPARTURE, 14)):
        record(actor=officer, residence=r, step=step, done_on=dt.date(2026, 11, day), now=now)
    services.residence_check_out(actor=officer, residence=r, at=kl_time(2026, 11, 14, 6), reason="repatriated",
                                 now=now)
    record(actor=officer, residence=r, step=Step.ARRIVAL, done_on=dt.date(2026, 11, 15), agency="KP2MI", now=now)
    r.refresh_from_db()
    assert r.repatriation_step == Step.ARRIVAL and r.handover_agency == "KP2MI"
    assert [s.step for s in r.steps.all()] == list(Step.values)
    assert {s.done_by for s in r.steps.all()} == {officer}
    _bad("step", record, actor=officer, residence=r, step=Step.ARRIVAL, done_on=dt.date(2026, 11, 15), now=now)
    assert AuditEvent.objects.filter(action="shelter.repatriation_step", citizen_id=citizen.pk).count() == 5


def test_a_step_starts_the_pipeline(officer: User, shelter: Shelter) -> None:
    r = services.residence_check_in(actor=officer, shelter=shelter, person_name="B")
    assert not r.repatriation
    services.repatriation_step_record(actor=officer, residence=r, step=Step.DOCUMENTS,
                                      done_on=timezone.localdate())
    r.refresh_from_db()
    assert r.repatriation and r.repatriation_step == Step.DOCUMENTS
