"""What the citizen hears at each step of their application: one message through the outbox (push and
e-mail; SMS when neither reaches them), in their language, queued in the same transaction as the step."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from embassy.applications.models import Application, Status, StatusEvent
from embassy.common.links import absolute_url, url_path
from embassy.common.sms import sms_fit, sms_link
from embassy.notify.services import notify_user

CHANNELS = ("push", "email")
FALLBACK = ("sms",)


def _subject(status: str, ref: str) -> str:
    subjects = {
        Status.SUBMITTED: _("Application %(ref)s received"),
        Status.DOCUMENTS_CHECKED: _("Application %(ref)s: documents checked"),
        Status.IN_PROCESS: _("Application %(ref)s is being processed"),
        Status.READY: _("Application %(ref)s is ready: you can collect it"),
        Status.COLLECTED: _("Application %(ref)s collected"),
        Status.RETURNED: _("Application %(ref)s needs a correction from you"),
        Status.REJECTED: _("Application %(ref)s was refused"),
    }
    return subjects.get(Status(status), _("Application %(ref)s updated")) % {"ref": ref}


def status_notify(application: Application, event: StatusEvent) -> None:
    """Tell the citizen about `event` (nothing for a citizen without an account: the mission calls them).
    Idempotent per event (dedupe key)."""
    user = application.citizen.user
    if user is None:
        return
    with translation.override(user.language or "id"):
        mission = application.mission.name()
        subject = _subject(event.status, application.reference)
        body = f"{mission} · {application.service.name()}\n{subject}."
        if event.note:
            body += "\n" + event.note
        sms, _cut = sms_fit(
            f"{application.mission.name_id}: {subject}. "
            f"{sms_link(url_path('applications:detail', application.reference))}"
        )
        notify_user(
            user=user,
            subject=subject,
            body=body,
            url=absolute_url("applications:detail", application.reference),
            channels=CHANNELS,
            fallback=FALLBACK,
            kind=f"application.{event.status}",
            dedupe_key=f"application-event:{event.pk}",
            sms=sms,
            mission_id=application.mission_id,
            data={"application": application.reference, "status": event.status},
        )
