"""Sending the IKM survey and recording its answers.

Who is asked: the citizen (with an account) of each application collected, each counter visit served that was
booked (a walk-in left no address), and each complaint closed, in the last SURVEY_LOOKBACK_DAYS (a setting). One invitation
per subject (a unique constraint), one message per invitation (the outbox's dedupe key), whatever the number
of periodic runs or signals. The message goes through the outbox (push and e-mail; SMS when neither reaches)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.applications.models import Application
from embassy.applications.models import Status as AppStatus
from embassy.common.errors import BadInput
from embassy.common.sms import sms_fit
from embassy.complaints.models import Complaint
from embassy.counter.models import Ticket
from embassy.missions.models import Mission
from embassy.notify.services import notify_user
from embassy.performance.ikm import FIELDS, SCALE
from embassy.performance.links import LinkRefused, survey_check, survey_code, survey_sms_url, survey_url
from embassy.performance.models import Subject, SurveyInvite, SurveyResponse

MAX_COMMENT = 1000


def _not_asked(kind: str) -> Exists:
    return Exists(SurveyInvite.objects.filter(kind=kind, subject_id=OuterRef("pk")))


def _send(invite: SurveyInvite, mission: Mission, user: User) -> None:
    code = survey_code(invite.pk)
    with translation.override(user.language or "id"):
        subject = _("How was our service? %(mission)s") % {"mission": mission.name()}
        body = _("Please tell us how we served you: nine short questions, about two minutes. "
                 "Your answer is anonymous on the public figures.")
        sms, _cut = sms_fit(f"{mission.name_id}: " + _("How was our service? Survey:") + " "
                            + survey_sms_url(code))
        notify_user(user=user, subject=subject, body=body, url=survey_url(code), channels=("push", "email"),
                    fallback=("sms",), kind="performance.survey", dedupe_key=f"survey:{invite.pk}", sms=sms,
                    mission_id=mission.pk, data={"survey": invite.pk})


def survey_invite(*, kind: str, subject_id: int, mission: Mission, service_id: int | None, user: User | None,
                  now: dt.datetime | None = None) -> SurveyInvite | None:
    """Ask about one subject once: the new invitation (message queued), or None when it was already asked."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            invite = SurveyInvite.objects.create(kind=kind, subject_id=subject_id, mission=mission,
                                                 service_id=service_id, user=user, created_at=now)
            if user is not None and user.is_active:
                _send(invite, mission, user)
                invite.sent_at = now
                invite.save(update_fields=["sent_at"])
    except IntegrityError:
        return None  # asked already (another run or the signal got there first)
    return invite


def surveys_send_due(*, now: dt.datetime | None = None, limit: int = 2000) -> int:
    """Invite the people of recently finished services and closed complaints not yet asked; the number asked."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.SURVEY_LOOKBACK_DAYS)
    sent = 0
    apps = (Application.objects.filter(status=AppStatus.COLLECTED, updated_at__gte=since)
            .filter(~_not_asked(Subject.APPLICATION)).select_related("mission", "citizen__user")[:limit])
    for app in apps:
        sent += bool(survey_invite(kind=Subject.APPLICATION, subject_id=app.pk, mission=app.mission,
                                   service_id=app.service_id, user=app.citizen.user, now=now))
    tickets = (Ticket.objects.filter(status=Ticket.Status.DONE, finished_at__gte=since, booking__isnull=False)
               .filter(~_not_asked(Subject.TICKET)).select_related("mission", "booking__citizen__user")[:limit])
    for ticket in tickets:
        assert ticket.booking is not None
        sent += bool(survey_invite(kind=Subject.TICKET, subject_id=ticket.pk, mission=ticket.mission,
                                   service_id=ticket.service_id, user=ticket.booking.citizen.user, now=now))
    complaints = (Complaint.objects.filter(status=Complaint.Status.CLOSED, closed_at__gte=since)
                  .filter(~_not_asked(Subject.COMPLAINT)).select_related("mission", "filer_user", "citizen__user")[:limit])
    for complaint in complaints:
        sent += bool(complaint_survey(complaint=complaint, now=now))
    return sent


def complaint_survey(*, complaint: Complaint, now: dt.datetime | None = None) -> SurveyInvite | None:
    """Ask whoever filed a closed complaint (their citizen account; else the person concerned's); None when
    asked already."""
    user = complaint.filer_user
    if user is not None and user.kind != User.Kind.CITIZEN:
        user = None  # an officer filed it for the person: ask the person, never the officer
    if user is None and complaint.citizen is not None:
        user = complaint.citizen.user
    return survey_invite(kind=Subject.COMPLAINT, subject_id=complaint.pk, mission=complaint.mission,
                         service_id=None, user=user, now=now)


# --- Answering ----------------------------------------------------------------------------------------------------
def survey_open(*, code: str) -> SurveyInvite:
    """The invitation behind a link, still unanswered; raises LinkRefused."""
    invite_id = survey_check(code)
    invite = SurveyInvite.objects.select_related("mission", "service").filter(pk=invite_id).first()
    if invite is None:
        raise LinkRefused("unknown")
    if invite.answered_at is not None:
        raise LinkRefused("answered")
    return invite


def _clean(data: Mapping[str, str]) -> tuple[dict[str, int], str]:
    answers: dict[str, int] = {}
    for field in FIELDS:
        raw = (data.get(field) or "").strip()
        if not raw.isdigit() or int(raw) not in SCALE:
            raise BadInput(_("Please answer every question (1 to 4)."), field=field)
        answers[field] = int(raw)
    comment = (data.get("comment") or "").strip()
    if len(comment) > MAX_COMMENT:
        raise BadInput(_("The comment is too long (at most %(n)d characters).") % {"n": MAX_COMMENT},
                       field="comment")
    return answers, comment


def survey_answer(*, code: str, data: Mapping[str, str], now: dt.datetime | None = None) -> SurveyResponse:
    """Record the answers of a link once. Raises LinkRefused (forged, expired, used) or BadInput (a missing or
    out-of-range answer, a comment too long); nothing is stored then."""
    now = now or timezone.now()
    invite = survey_open(code=code)
    answers, comment = _clean(data)
    with transaction.atomic():
        # Compare-and-set: of two submits racing with the same link, one records.
        if not SurveyInvite.objects.filter(pk=invite.pk, answered_at__isnull=True).update(answered_at=now):
            raise LinkRefused("answered")
        return SurveyResponse.objects.create(invite=invite, mission=invite.mission, service=invite.service,
                                             kind=invite.kind, answered_at=now, comment=comment, **answers)
