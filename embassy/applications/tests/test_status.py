"""The timeline: the allowed steps only, a reason for a return or a refusal, a notification at every step,
the correction sent again, lateness against the due day in working days, the dashboard's counts."""

from __future__ import annotations

import datetime as dt

import pytest

from embassy.accounts.models import AuditEvent, User
from embassy.applications import selectors
from embassy.applications.models import Application, Status, StatusEvent
from embassy.applications.services import application_advance, application_resubmit
from embassy.applications.tests.conftest import FRIDAY, RENEWAL_DOCS, pdf, submit
from embassy.common.errors import BadInput, Conflict, PermissionDenied
from embassy.common.tests.factories import make_staff, verified
from embassy.missions.models import Mission, Role
from embassy.notify.models import Message

pytestmark = pytest.mark.django_db
LATER = FRIDAY + dt.timedelta(hours=1)


def _kinds(user: User) -> list[str]:
    return list(Message.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def test_the_happy_path_writes_the_timeline_and_tells_the_citizen_at_each_step(
    citizen_user: User, mission: Mission, officer: User
) -> None:
    application = submit(citizen_user, mission)
    for to in (Status.DOCUMENTS_CHECKED, Status.IN_PROCESS, Status.READY, Status.COLLECTED):
        application_advance(actor=officer, application=application, to=to, now=LATER)
    application.refresh_from_db()
    assert application.status == Status.COLLECTED
    events = list(
        StatusEvent.objects.filter(application=application).values_list("previous", "status", "actor")
    )
    assert events == [
        ("", "submitted", citizen_user.pk),
        ("submitted", "documents_checked", officer.pk),
        ("documents_checked", "in_process", officer.pk),
        ("in_process", "ready", officer.pk),
        ("ready", "collected", officer.pk),
    ]
    assert _kinds(citizen_user) == [
        "application.submitted",
        "application.documents_checked",
        "application.in_process",
        "application.ready",
        "application.collected",
    ]
    ready = Message.objects.get(kind="application.ready")
    assert "siap" in ready.subject.lower() or "ready" in ready.subject.lower()
    assert (
        AuditEvent.objects.filter(
            action="applications.status", actor=officer, object_id=application.reference
        ).count()
        == 4
    )


def test_steps_that_are_not_allowed_are_refused_and_change_nothing(
    citizen_user: User, mission: Mission, officer: User
) -> None:
    application = submit(citizen_user, mission)
    for to in (Status.READY, Status.COLLECTED, Status.IN_PROCESS, Status.SUBMITTED):
        with pytest.raises(Conflict):
            application_advance(actor=officer, application=application, to=to)
    with pytest.raises(BadInput) as err:
        application_advance(actor=officer, application=application, to="lost")
    assert err.value.field == "status"
    application_advance(actor=officer, application=application, to=Status.REJECTED, note="Not a citizen.")
    with pytest.raises(Conflict):  # refused is final
        application_advance(actor=officer, application=application, to=Status.DOCUMENTS_CHECKED)
    assert StatusEvent.objects.filter(application=application).count() == 2
    assert _kinds(citizen_user) == ["application.submitted", "application.rejected"]


def test_a_return_needs_its_reason_and_the_citizen_corrects_and_sends_again(
    citizen_user: User, mission: Mission, officer: User
) -> None:
    application = submit(citizen_user, mission)
    with pytest.raises(BadInput) as err:
        application_advance(actor=officer, application=application, to=Status.RETURNED, note="  ")
    assert err.value.field == "note"
    application_advance(
        actor=officer,
        application=application,
        to=Status.RETURNED,
        note="The passport page is unreadable.",
        now=LATER,
    )
    application.refresh_from_db()
    assert (
        application.status == Status.RETURNED
        and application.status_note == "The passport page is unreadable."
    )
    assert "unreadable" in Message.objects.get(kind="application.returned").body
    assert selectors.sla(application, FRIDAY.date()).code == "waiting"
    old = application.documents.get(key=RENEWAL_DOCS[0])
    monday = dt.datetime(2027, 1, 11, 9, tzinfo=dt.UTC)
    application_resubmit(
        user=citizen_user,
        reference=application.reference,
        answers=None,
        files={RENEWAL_DOCS[0]: pdf("better.pdf")},
        now=monday,
    )
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.status_note == ""
    assert application.due_on == dt.date(2027, 1, 14)  # the target counts again from Monday
    new = application.documents.get(key=RENEWAL_DOCS[0])
    assert new.pk != old.pk and new.original_name == "better.pdf" and application.documents.count() == 2
    with pytest.raises(Conflict):  # only a returned application is sent again
        application_resubmit(
            user=citizen_user, reference=application.reference, answers=None, files={RENEWAL_DOCS[0]: pdf()}
        )
    assert _kinds(citizen_user)[-1] == "application.submitted"


def test_an_officer_of_another_mission_cannot_act(citizen_user: User, mission: Mission) -> None:
    application = submit(citizen_user, mission)
    other = verified(make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER))
    with pytest.raises(PermissionDenied):
        application_advance(actor=other, application=application, to=Status.DOCUMENTS_CHECKED)
    protection = verified(make_staff("KBRI-SINGAPORE", Role.PROTECTION_OFFICER))
    with pytest.raises(PermissionDenied):
        application_advance(actor=protection, application=application, to=Status.DOCUMENTS_CHECKED)
    head = verified(make_staff("KBRI-SINGAPORE", Role.HEAD_OF_MISSION))
    application_advance(actor=head, application=application, to=Status.DOCUMENTS_CHECKED)


def _at(application: Application, *, status: str, due_on: dt.date | None) -> Application:
    Application.objects.filter(pk=application.pk).update(status=status, due_on=due_on)
    application.refresh_from_db()
    return application


def test_lateness_in_working_days_and_the_dashboard_counts(
    citizen_user: User, mission: Mission, settings: object
) -> None:
    settings.APPLICATION_DUE_SOON_DAYS = 1  # type: ignore[attr-defined]
    friday = dt.date(2027, 1, 8)
    apps = [submit(citizen_user, mission) for _ in range(6)]
    late = _at(apps[0], status=Status.IN_PROCESS, due_on=dt.date(2027, 1, 7))
    today = _at(apps[1], status=Status.SUBMITTED, due_on=friday)
    monday = _at(apps[2], status=Status.DOCUMENTS_CHECKED, due_on=dt.date(2027, 1, 11))  # 1 working day away
    tuesday = _at(apps[3], status=Status.SUBMITTED, due_on=dt.date(2027, 1, 12))  # 2 working days away
    no_target = _at(apps[4], status=Status.SUBMITTED, due_on=None)
    ready_late = _at(apps[5], status=Status.READY, due_on=dt.date(2027, 1, 1))
    codes = [selectors.sla(a, friday).code for a in (late, today, monday, tuesday, no_target, ready_late)]
    assert codes == ["late", "due_soon", "due_soon", "on_time", "no_target", "done"]
    assert selectors.sla(late, friday).label and selectors.sla(late, friday).colour == "red"
    assert selectors.lateness_counts(mission_id=mission.pk, today=friday) == {
        "late": 1,
        "due_soon": 2,
        "on_time": 1,
        "no_target": 1,
    }
    # On Saturday, Monday is still one working day away; Friday's is now late.
    assert selectors.lateness_counts(mission_id=mission.pk, today=dt.date(2027, 1, 9)) == {
        "late": 2,
        "due_soon": 1,
        "on_time": 1,
        "no_target": 1,
    }
    counts = selectors.status_counts(mission_id=mission.pk)
    assert counts["submitted"] == 3 and counts["in_process"] == 1 and counts["ready"] == 1
    assert counts["collected"] == 0 and sum(counts.values()) == 6
    other = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    assert sum(selectors.status_counts(mission_id=other.pk).values()) == 0


def test_the_dashboard_counts_take_two_queries(
    citizen_user: User, mission: Mission, django_assert_num_queries: object
) -> None:
    submit(citizen_user, mission)
    with django_assert_num_queries(2):  # type: ignore[operator]
        selectors.status_counts(mission_id=mission.pk)
        selectors.lateness_counts(mission_id=mission.pk, today=dt.date(2027, 1, 8))
