"""Submitting an application, all or nothing: the answers and every document are checked before anything is
written; the files are written, then the rows in one transaction; if that fails, the files are removed. A
double submit (the same client key) returns the first application."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.applications.models import Application, Document, Status
from embassy.applications.questions import answers_clean
from embassy.applications.services.common import mission_today, step
from embassy.applications.services.uploads import (
    PREFIX,
    Required,
    Stored,
    checked_uploads,
    discard,
    store_all,
)
from embassy.applications.workdays import add_working_days
from embassy.citizens.selectors import own_citizen
from embassy.common.errors import BadInput, Conflict, NotFound
from embassy.consular.booking import REFERENCE_ALPHABET
from embassy.consular.selectors import offer_get, public_mission_get

MAX_KEY = 64


@dataclass(frozen=True)
class Submitted:
    application: Application
    created: bool  # False: the client key was seen before, nothing new stored


def _label(doc: Required) -> str:
    return doc.label_en if (translation.get_language() or "id").startswith("en") else doc.label_id


def _reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def _documents(application: Application, stored: list[Stored], now: dt.datetime) -> None:
    Document.objects.bulk_create(
        [
            Document(
                application=application,
                key=s.key,
                label=s.label,
                content_type=s.content_type,
                size=s.size,
                sha256=s.sha256,
                path=s.path,
                original_name=s.original_name,
                uploaded_at=now,
            )
            for s in stored
        ]
    )


def application_submit(
    *,
    user: User,
    mission_code: str,
    service_code: str,
    answers: Mapping[str, Any],
    files: Mapping[str, Any],
    client_key: str = "",
    now: dt.datetime | None = None,
) -> Submitted:
    """The signed-in citizen applies for a service the mission offers. `files` maps each of the service's
    document keys to an upload (Django UploadedFile). Raises BadInput (naming the field or document key),
    NotFound (mission or service), PermissionDenied (not a citizen); on any of these nothing is stored."""
    now = now or timezone.now()
    citizen = own_citizen(user=user)
    client_key = client_key.strip()[:MAX_KEY]
    if client_key:
        seen = Application.objects.filter(citizen=citizen, client_key=client_key).first()
        if seen is not None:
            return Submitted(seen, created=False)
    mission = public_mission_get(code=mission_code)
    offer = offer_get(mission=mission, code=service_code)
    today = mission_today(mission, now)
    clean = answers_clean(code=offer.code, raw=answers, today=today)
    checked = checked_uploads(service=offer.service, files=files, label_of=_label)
    saved, stored = store_all(checked, _label)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                reference=_reference(),
                mission=mission,
                service=offer.service,
                citizen=citizen,
                answers=clean,
                fee=offer.fee,
                currency=offer.currency,
                target_days=offer.target_days,
                submitted_at=now,
                updated_at=now,
                client_key=client_key,
                due_on=add_working_days(today, offer.target_days) if offer.target_days is not None else None,
            )
            _documents(application, stored, now)
            step(
                application,
                status=Status.SUBMITTED,
                previous="",
                actor=user,
                by_citizen=True,
                note="",
                now=now,
            )
    except IntegrityError:
        discard(saved)
        seen = (
            Application.objects.filter(citizen=citizen, client_key=client_key).first() if client_key else None
        )
        if seen is not None:  # the same double submit won the race
            return Submitted(seen, created=False)
        raise
    except BaseException:
        discard(saved)
        raise
    return Submitted(application, created=True)


def application_resubmit(
    *,
    user: User,
    reference: str,
    answers: Mapping[str, Any] | None,
    files: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> Application:
    """The citizen corrects an application returned to them: new answers (None keeps them) and any documents
    to replace, checked as at submission, all or nothing. The processing target counts again from today
    (the complete application arrives today)."""
    now = now or timezone.now()
    citizen = own_citizen(user=user)
    application = (
        Application.objects.select_related("mission", "service")
        .filter(citizen=citizen, reference=reference)
        .first()
    )
    if application is None:
        raise NotFound(_("No such application."), field="reference")
    if application.status != Status.RETURNED:
        raise Conflict(_("Only an application returned to you for a correction can be sent again."))
    today = mission_today(application.mission, now)
    clean = (
        answers_clean(code=application.service.code, raw=answers, today=today)
        if answers is not None
        else application.answers
    )
    checked = checked_uploads(service=application.service, files=files, label_of=_label, require_all=False)
    if not checked and answers is None:
        raise BadInput(_("Correct an answer or add a document before sending it again."), field="documents")
    saved, stored = store_all(checked, _label)
    old: list[str] = []
    try:
        with transaction.atomic():
            locked = Application.objects.select_for_update().get(pk=application.pk)
            if locked.status != Status.RETURNED:
                raise Conflict(_("Only an application returned to you for a correction can be sent again."))
            replaced = Document.objects.filter(application=application, key__in=[s.key for s in stored])
            old = list(replaced.values_list("path", flat=True))
            replaced.delete()
            _documents(application, stored, now)
            application.answers, application.status, application.status_note = clean, Status.SUBMITTED, ""
            application.updated_at = now
            if application.target_days is not None:
                application.due_on = add_working_days(today, application.target_days)
            application.save(update_fields=["answers", "status", "status_note", "updated_at", "due_on"])
            step(
                application,
                status=Status.SUBMITTED,
                previous=Status.RETURNED,
                actor=user,
                by_citizen=True,
                note="",
                now=now,
            )
            transaction.on_commit(lambda: _remove(old))
    except BaseException:
        discard(saved)
        raise
    return application


def _remove(paths: list[str]) -> None:
    discard([f"{PREFIX}/{path}" for path in paths])
