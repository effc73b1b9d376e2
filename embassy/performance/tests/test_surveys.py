"""The IKM survey: asked once per finished service or closed complaint, through the outbox, by a signed
single-use link; forged, replayed and expired links are refused with a clear page."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client

from embassy.applications.models import Application
from embassy.complaints.models import Complaint
from embassy.complaints.signals import complaint_closed
from embassy.notify.models import Message
from embassy.performance.links import survey_code
from embassy.performance.models import Subject, SurveyInvite, SurveyResponse
from embassy.performance.surveys import surveys_send_due
from embassy.performance.tests.conftest import NOW, Tiny, sg

pytestmark = pytest.mark.django_db
ANSWERS = {f"u{i}": "3" for i in range(1, 10)}


def _collected(tiny: Tiny) -> None:
    Application.objects.filter(reference="TA1").update(status="collected", updated_at=sg(10, 9, month=1, year=2027))


def test_sent_once_through_the_outbox(tiny: Tiny) -> None:
    _collected(tiny)
    Complaint.objects.filter(number="TC1").update(closed_at=sg(10, 9, month=1, year=2027),
                                                  citizen=tiny.citizens[1])
    assert surveys_send_due(now=NOW) == 2  # the collected application and the closed complaint
    assert surveys_send_due(now=NOW) == 0  # asked once, whatever the number of runs
    kinds = sorted(SurveyInvite.objects.filter(created_at=NOW).values_list("kind", flat=True))
    assert kinds == [Subject.APPLICATION, Subject.COMPLAINT]
    messages = Message.objects.filter(kind="performance.survey")
    assert messages.count() == 2
    assert all("/survei/" in m.url for m in messages)
    # Tickets served in December are older than the look-back: not asked.
    assert not SurveyInvite.objects.filter(kind=Subject.TICKET, created_at=NOW).exists()


def test_the_complaint_closed_signal_asks_once(tiny: Tiny) -> None:
    complaint = Complaint.objects.get(number="TC1")
    complaint.filer_user = tiny.citizens[2].user
    complaint_closed.send(sender=None, complaint=complaint)
    complaint_closed.send(sender=None, complaint=complaint)
    invite = SurveyInvite.objects.get(kind=Subject.COMPLAINT, subject_id=complaint.pk)
    assert invite.user == tiny.citizens[2].user and invite.sent_at is not None
    assert Message.objects.filter(kind="performance.survey", user=tiny.citizens[2].user).count() == 1


def _invite(tiny: Tiny) -> SurveyInvite:
    return SurveyInvite.objects.create(kind=Subject.APPLICATION, subject_id=1, mission=tiny.mission,
                                       service=tiny.service, created_at=NOW)


def test_answer_once_then_the_link_is_refused(tiny: Tiny) -> None:
    invite = _invite(tiny)
    code = survey_code(invite.pk)
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = web.get(f"/survei/{code}/")
    assert page.status_code == 200 and b'name="u9"' in page.content
    done = web.post(f"/survei/{code}/", {**ANSWERS, "comment": "Cepat dan ramah"})
    assert done.status_code == 200 and b"Thank you" in done.content
    response = SurveyResponse.objects.get(invite=invite)
    assert (response.u1, response.u9, response.comment) == (3, 3, "Cepat dan ramah")
    replay = web.post(f"/survei/{code}/", {**ANSWERS, "u1": "1"})
    assert replay.status_code == 410 and b"already been answered" in replay.content
    assert web.get(f"/survei/{code}/").status_code == 410
    assert SurveyResponse.objects.filter(invite=invite).count() == 1
    assert SurveyResponse.objects.get(invite=invite).u1 == 3


def test_forged_and_expired_links_are_refused(tiny: Tiny) -> None:
    invite = _invite(tiny)
    code = survey_code(invite.pk)
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    forged = code[:-1] + ("2" if code[-1] != "2" else "3")  # another invitation's id, same MAC
    for bad in (forged, "s" + "A" * 16, "hello"):
        page = web.post(f"/survei/{bad}/", ANSWERS)
        assert page.status_code in (403, 404), bad
        assert b"not valid" in page.content
    old = survey_code(invite.pk, now=time.time() - settings.SURVEY_LINK_MAX_AGE - 120)
    page = web.get(f"/survei/{old}/")
    assert page.status_code == 410 and b"expired" in page.content
    assert not SurveyResponse.objects.filter(invite=invite).exists()


def test_an_incomplete_answer_is_refused_and_nothing_stored(tiny: Tiny) -> None:
    invite = _invite(tiny)
    code = survey_code(invite.pk)
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    missing = {k: v for k, v in ANSWERS.items() if k != "u5"}
    page = web.post(f"/survei/{code}/", missing)
    assert page.status_code == 400 and b"every question" in page.content
    out_of_range = web.post(f"/survei/{code}/", {**ANSWERS, "u2": "5"})
    assert out_of_range.status_code == 400
    too_long = web.post(f"/survei/{code}/", {**ANSWERS, "comment": "x" * 1001})
    assert too_long.status_code == 400
    assert not SurveyResponse.objects.filter(invite=invite).exists()
    invite.refresh_from_db()
    assert invite.answered_at is None
