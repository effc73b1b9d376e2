"""Filing by each kind of filer, the number, matching to the registry, escalation with its messages and audit,
casework, reopening, and that a complaint is never deleted."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from embassy.accounts.models import AuditEvent, User
from embassy.citizens.models import Citizen
from embassy.common.errors import BadInput, Conflict, NotFound, RateLimited
from embassy.common.tests.factories import make_citizen_with_stay
from embassy.complaints import services, signals, sla
from embassy.complaints.models import Complaint, ComplaintEvent, FiledBy, Level, NeverDeletedError
from embassy.complaints.services import ComplaintIn
from embassy.complaints.tests.conftest import KL, relative_form
from embassy.notify.models import Message, ProviderAccount

pytestmark = pytest.mark.django_db


def _born(citizen: Citizen, day: dt.date = dt.date(1990, 1, 1)) -> Citizen:
    Citizen.objects.filter(pk=citizen.pk).update(birth_date=day)
    citizen.refresh_from_db()
    return citizen


def test_a_relative_files_and_hears_the_number(siti: Citizen) -> None:
    _born(siti)
    ProviderAccount.objects.create(key="sms", name="SMS", vendor="generic", channel="sms")
    complaint = services.complaint_file_for(data=relative_form(), filed_by=FiledBy.RELATIVE, client_ip="10.0.0.1")
    year = complaint.filed_at.year
    assert re.fullmatch(rf"{KL}-{year}-\d{{5}}", complaint.number)
    assert complaint.citizen == siti and complaint.matched_by == "name_dob"
    assert complaint.status == Complaint.Status.OPEN and complaint.level == Level.OFFICER
    assert complaint.due_at == complaint.filed_at + sla.SERVICE_LEVELS["unpaid_salary"][1]
    assert list(complaint.stays.all()) == list(siti.stays.all())  # the person's stay is linked at once
    email = Message.objects.get(kind="complaint.filed", channel="email")
    assert email.address == "ahmad@example.com" and complaint.number in email.body
    sms = Message.objects.get(kind="complaint.filed", channel="sms")
    assert complaint.number in sms.body and len(sms.body) <= 160
    assert complaint.events.get().kind == ComplaintEvent.Kind.FILED
    assert AuditEvent.objects.filter(action="complaint.file", object_id=complaint.number).exists()


def test_an_employer_files_and_a_name_alone_never_matches(siti: Citizen) -> None:
    _born(siti)
    complaint = services.complaint_file_for(
        data=relative_form(subject_birth_date=None, filer_relation="", filer_phone=""), filed_by=FiledBy.EMPLOYER)
    assert complaint.citizen is None and complaint.matched_by == ""
    assert complaint.filed_by == "employer"


def test_matching_by_passport_and_nik_with_care(siti: Citizen) -> None:
    _born(siti)
    by_passport = services.complaint_file_for(data=relative_form(subject_name="S. Aminah", subject_birth_date=None,
                                                                 passport="x765 4321"), filed_by=FiledBy.RELATIVE)
    assert by_passport.citizen == siti and by_passport.matched_by == "passport"
    by_nik = services.complaint_file_for(data=relative_form(subject_name="Siti", nik="3171014101900001"),
                                         filed_by=FiledBy.RELATIVE)
    assert by_nik.citizen == siti and by_nik.matched_by == "nik"
    # the passport is hers but the date of birth is not: no match
    wrong = services.complaint_file_for(data=relative_form(passport="X7654321", subject_birth_date=dt.date(1991, 5, 5)),
                                        filed_by=FiledBy.RELATIVE)
    assert wrong.citizen is None
    # two people with the same name and date of birth: no match
    twin = _born(make_citizen_with_stay(3.1, 101.6, name="Siti Aminah", nik="3171014101900002", passport="X7654322"))
    assert twin.pk != siti.pk
    both = services.complaint_file_for(data=relative_form(), filed_by=FiledBy.RELATIVE)
    assert both.citizen is None


def test_numbers_are_unique_and_sequential_per_mission_and_year(siti: Citizen) -> None:
    numbers = [services.complaint_file_for(data=relative_form(filer_phone=f"+62812345670{i:02d}"),
                                           filed_by=FiledBy.RELATIVE).number for i in range(3)]
    assert len(set(numbers)) == 3
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [1, 2, 3]
    other = services.complaint_file_for(data=relative_form(mission_code="KBRI-SINGAPORE"), filed_by=FiledBy.RELATIVE)
    assert other.number.startswith("KBRI-SINGAPORE-") and other.number.endswith("-00001")
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.filter(number=numbers[1]).update(number=numbers[0])


def test_public_form_bad_input_names_the_field() -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"category": "gossip"}, "category"),
        ({"text": "  "}, "text"),
        ({"mission_code": "NOWHERE"}, "mission"),
        ({"mission_code": "HQ-PWNI"}, "mission"),
        ({"filer_phone": "", "filer_email": ""}, "filer_phone"),
        ({"filer_phone": "12"}, "filer_phone"),
        ({"filer_email": "not-an-address"}, "filer_email"),
        ({"subject_name": ""}, "subject_name"),
        ({"subject_name": "Si\u200bti"}, "subject_name"),
        ({"subject_birth_date": dt.date(2999, 1, 1)}, "subject_birth_date"),
        ({"passport": "X76<script>"}, "passport"),
        ({"filer_relation": ""}, "filer_relation"),
    ]
    for over, field in cases:
        with pytest.raises(BadInput) as err:
            services.complaint_file_for(data=relative_form(**over), filed_by=FiledBy.RELATIVE)
        assert err.value.field == field, over
    assert not Complaint.objects.exists()


def test_public_form_is_rate_limited_per_network_address() -> None:
    for i in range(5):
        services.complaint_file_for(data=relative_form(filer_phone=f"+62812345670{i:02d}", filer_email=""),
                                    filed_by=FiledBy.RELATIVE, client_ip="10.9.9.9")
    with pytest.raises(RateLimited):
        services.complaint_file_for(data=relative_form(filer_phone="+6281234567099"), filed_by=FiledBy.RELATIVE,
                                    client_ip="10.9.9.9")
    services.complaint_file_for(data=relative_form(filer_phone="+6281234567099"), filed_by=FiledBy.RELATIVE,
                                client_ip="10.9.9.8")


def test_the_same_complaint_sent_again_from_a_new_page_is_the_first(now: dt.datetime) -> None:
    first = services.complaint_file_for(data=relative_form(), filed_by=FiledBy.RELATIVE, now=now)
    again = services.complaint_file_for(data=relative_form(subject_name="SITI AMINAH"), filed_by=FiledBy.RELATIVE,
                                        now=now + dt.timedelta(minutes=5))
    assert again.pk == first.pk and Complaint.objects.count() == 1
    other = services.complaint_file_for(data=relative_form(text="Paspor ditahan majikan."),
                                        filed_by=FiledBy.RELATIVE, now=now + dt.timedelta(minutes=6))
    later = services.complaint_file_for(data=relative_form(), filed_by=FiledBy.RELATIVE,
                                        now=now + dt.timedelta(hours=2))
    assert len({first.pk, other.pk, later.pk}) == 3  # other words, or hours later: a complaint of its own


def test_a_double_submit_returns_the_first() -> None:
    first = services.complaint_file_for(data=relative_form(client_key="k1"), filed_by=FiledBy.RELATIVE)
    again = services.complaint_file_for(data=relative_form(client_key="k1"), filed_by=FiledBy.RELATIVE)
    assert first.pk == again.pk and Complaint.objects.count() == 1


def test_a_citizen_files_their_own(citizen_user: User) -> None:
    complaint = services.complaint_file_own(user=citizen_user, data=ComplaintIn(
        mission_code=KL, category="documents", text="Paspor ditahan majikan.", client_key="a"))
    assert complaint.filed_by == FiledBy.SELF and complaint.citizen == citizen_user.citizen
    assert complaint.filer_user == citizen_user and complaint.matched_by == "account"
    assert Message.objects.filter(user=citizen_user, kind="complaint.filed").exists()
    again = services.complaint_file_own(user=citizen_user, data=ComplaintIn(
        mission_code=KL, category="documents", text="Paspor ditahan majikan.", client_key="a"))
    assert again.pk == complaint.pk


def test_an_officer_files_from_a_call(officer: User, outsider: User, siti: Citizen) -> None:
    data = relative_form(passport="X7654321", filer_email="", filer_phone="")
    complaint = services.complaint_file_by_officer(actor=officer, data=data, channel="call")
    assert complaint.filed_by == FiledBy.OFFICER and complaint.channel == "call"
    assert complaint.assigned_to == officer and complaint.citizen == siti
    with pytest.raises(NotFound):  # not their mission
        services.complaint_file_by_officer(actor=outsider, data=data, channel="walk_in")
    with pytest.raises(BadInput):
        services.complaint_file_by_officer(actor=officer, data=data, channel="pigeon")


def _file(category: str = "abuse", **over: object) -> Complaint:
    return services.complaint_file_for(data=relative_form(category=category, **over), filed_by=FiledBy.RELATIVE)


def test_escalation_climbs_every_level_with_messages_and_audit(officer: User, consul: User, head: User,
                                                               hq: User) -> None:
    complaint = _file("trafficking")
    amber, red = sla.SERVICE_LEVELS["trafficking"]
    t0 = complaint.filed_at
    assert sla.rag(complaint, t0).code == "green"
    assert sla.rag(complaint, t0 + amber).code == "amber"
    assert services.complaints_escalate_due(now=t0 + red - dt.timedelta(seconds=1)) == 0
    steps = [(consul, Level.HEAD_OF_CONSULAR), (head, Level.HEAD_OF_MISSION), (hq, Level.HEADQUARTERS)]
    at = t0
    for user, level in steps:
        at = at + red
        assert services.complaints_escalate_due(now=at) == 1
        complaint.refresh_from_db()
        assert complaint.level == level and complaint.escalated_at == at
        message = Message.objects.get(kind="complaint.escalated", user=user)
        assert complaint.number in message.subject + message.body
        assert sla.rag(complaint, at).code == "red"
    assert complaint.due_at is None  # headquarters: no level above
    assert services.complaints_escalate_due(now=at + dt.timedelta(days=30)) == 0
    events = list(complaint.events.filter(kind=ComplaintEvent.Kind.ESCALATED).values_list("level", flat=True))
    assert events == [1, 2, 3]
    assert AuditEvent.objects.filter(action="complaint.escalate", object_id=complaint.number).count() == 3
    assert not Message.objects.filter(kind="complaint.escalated", user=officer).exists()


def test_escalation_in_bulk_touches_only_due_rows(consul: User) -> None:
    due = [_file("abuse", filer_phone=f"+62812345671{i:02d}") for i in range(3)]
    later = _file("documents", filer_phone="+6281234567200")
    resolved = _file("abuse", filer_phone="+6281234567201")
    Complaint.objects.filter(pk=resolved.pk).update(status="resolved", due_at=None, amber_at=None)
    now = due[0].filed_at + dt.timedelta(hours=5)
    assert services.complaints_escalate_due(now=now) == 3
    assert set(Complaint.objects.filter(level=1).values_list("pk", flat=True)) == {c.pk for c in due}
    later.refresh_from_db()
    assert later.level == 0
    digest = Message.objects.get(kind="complaint.escalated", user=consul, channel="email")
    assert all(c.number in digest.body for c in due)


def test_without_a_head_of_consular_affairs_the_head_of_mission_hears(head: User) -> None:
    complaint = _file("abuse")
    services.complaints_escalate_due(now=complaint.filed_at + dt.timedelta(hours=4))
    assert Message.objects.filter(kind="complaint.escalated", user=head).exists()


def test_casework_resolve_close_reopen(officer: User, siti: Citizen,
                                       django_capture_on_commit_callbacks: Any) -> None:
    closed: list[Complaint] = []
    signals.complaint_closed.connect(lambda sender, complaint, **kw: closed.append(complaint), weak=False,
                                     dispatch_uid="test-closed")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            complaint = _file("documents", passport="X7654321")
            services.complaint_progress(actor=officer, complaint=complaint)
            services.complaint_note(actor=officer, complaint=complaint, note="Called the employer.")
            with pytest.raises(BadInput):
                services.complaint_resolve(actor=officer, complaint=complaint, note="")
            services.complaint_resolve(actor=officer, complaint=complaint, note="Passport returned.")
            complaint.refresh_from_db()
            assert complaint.status == "resolved" and complaint.due_at is None and complaint.resolved_at
            services.complaint_close(actor=officer, complaint=complaint)
            complaint.refresh_from_db()
            assert complaint.status == "closed"
            with pytest.raises(Conflict):
                services.complaint_progress(actor=officer, complaint=complaint)
            services.complaint_reopen(actor=officer, complaint=complaint, note="Employer took it again.")
            complaint.refresh_from_db()
        assert complaint.status == "open" and complaint.due_at is not None and complaint.closed_at is None
        assert [c.pk for c in closed] == [complaint.pk]
        kinds = list(complaint.events.values_list("kind", flat=True))
        assert kinds == ["filed", "in_progress", "note", "resolved", "closed", "reopened"]
        assert AuditEvent.objects.filter(action="complaint.reopen", actor=officer).exists()
    finally:
        signals.complaint_closed.disconnect(dispatch_uid="test-closed")


def test_waiting_on_the_complainant_pauses_the_clock(officer: User) -> None:
    complaint = _file("documents")
    t0 = complaint.filed_at
    left = complaint.due_at - (t0 + dt.timedelta(days=1))  # type: ignore[operator]
    services.complaint_wait(actor=officer, complaint=complaint, note="Waiting for the contract.",
                            now=t0 + dt.timedelta(days=1))
    complaint.refresh_from_db()
    assert complaint.due_at is None and complaint.remaining_s == int(left.total_seconds())
    assert services.complaints_escalate_due(now=t0 + dt.timedelta(days=30)) == 0
    back = t0 + dt.timedelta(days=20)
    services.complaint_resume(actor=officer, complaint=complaint, now=back)
    complaint.refresh_from_db()
    assert complaint.due_at == back + left


def test_links_only_the_same_persons_records(officer: User, siti: Citizen) -> None:
    complaint = _file("abuse", passport="X7654321")
    other = make_citizen_with_stay(1.35, 103.8, name="Orang Lain", nik="3171014101900009", passport="Y1111111")
    with pytest.raises(NotFound):
        services.complaint_link(actor=officer, complaint=complaint, kind="stay", object_id=other.stays.get().pk)
    stay = siti.stays.get()
    complaint.stays.clear()
    services.complaint_link(actor=officer, complaint=complaint, kind="stay", object_id=stay.pk)
    assert list(complaint.stays.all()) == [stay]
    unknown = _file("abuse", subject_name="Tak Dikenal", filer_phone="+6281234567300")
    with pytest.raises(Conflict):
        services.complaint_link(actor=officer, complaint=unknown, kind="stay", object_id=stay.pk)
    services.complaint_identify(actor=officer, complaint=unknown, citizen_id=siti.pk)
    unknown.refresh_from_db()
    assert unknown.citizen == siti and unknown.matched_by == "officer"


def test_assign_only_to_an_officer_of_the_mission(officer: User, outsider: User, consul: User) -> None:
    complaint = _file()
    with pytest.raises(BadInput):
        services.complaint_assign(actor=officer, complaint=complaint, assignee_id=outsider.pk)
    services.complaint_assign(actor=officer, complaint=complaint, assignee_id=consul.pk)
    assert Message.objects.filter(kind="complaint.assigned", user=consul).exists()
    with pytest.raises(NotFound):
        services.complaint_note(actor=outsider, complaint=complaint, note="x")


def _raw_delete(pk: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM complaints_complaint WHERE id = %s", [pk])
        connection.check_constraints()


def test_a_complaint_is_never_deleted() -> None:
    complaint = _file()
    with pytest.raises(NeverDeletedError):
        complaint.delete()
    with pytest.raises(NeverDeletedError):
        Complaint.objects.all().delete()
    with pytest.raises(NeverDeletedError):
        complaint.events.get().delete()
    # nor by SQL: its history's foreign key holds it
    with pytest.raises(IntegrityError):
        _raw_delete(complaint.pk)
    assert Complaint.objects.filter(pk=complaint.pk).exists()
