"""Issuing the SPLP (emergency travel document) of a ready SPLP application: a signed credential of
embassy.credentials (kind "splp"), printed as PDF with a QR code that any verifier checks like the worker card's.
The application keeps the credential's serial; issuing twice is refused."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.applications.models import Application, Status
from embassy.applications.questions import is_splp
from embassy.applications.services.common import require_officer
from embassy.common.errors import BadInput, Conflict
from embassy.credentials.kinds import SPLP
from embassy.credentials.models import Credential
from embassy.credentials.services import credential_issue


def application_splp_issue(
    *,
    actor: User,
    application: Application,
    birth_date: dt.date | str | None,
    birth_place: str,
    expires_on: dt.date,
) -> Credential:
    """Issue the SPLP for `application` (an SPLP application that is ready or collected). The holder's name
    and NIK come from the citizen's record, the destination from the application's answers; the date of birth
    is the record's unless the officer gives it. Raises Conflict when not ready or already issued, BadInput for
    a missing date of birth or a bad expiry (credentials decides its limits)."""
    require_officer(actor, application.mission_id)
    if not is_splp(code=application.service.code, answers=application.answers):
        raise Conflict(_("This application is not for an SPLP."))
    citizen = application.citizen
    birth = birth_date or citizen.birth_date
    if not birth:
        raise BadInput(_("Give the holder's date of birth."), field="birth_date")
    with transaction.atomic():
        locked = Application.objects.select_for_update().get(pk=application.pk)
        if locked.status not in (Status.READY, Status.COLLECTED):
            raise Conflict(_("The SPLP is issued when the application is ready."))
        if locked.credential_serial:
            raise Conflict(
                _("The SPLP of this application was issued already: %(serial)s.")
                % {"serial": locked.credential_serial}
            )
        credential = credential_issue(
            actor=actor,
            mission=application.mission,
            citizen=citizen,
            kind=SPLP,
            fields={
                "name": citizen.full_name,
                "birth_date": birth,
                "birth_place": birth_place.strip(),
                "nik": citizen.nik,
                "destination": application.answers.get("destination", ""),
            },
            consented=[],
            expires_on=expires_on,
        )
        application.credential_serial = credential.serial
        application.save(update_fields=["credential_serial"])
    return credential
