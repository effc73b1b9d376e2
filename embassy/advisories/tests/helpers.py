"""Shared set-up for the advisories tests: editors and a publish-in-one-call helper."""

from __future__ import annotations

from typing import Any

from embassy.accounts.models import User
from embassy.advisories.models import AdvisoryVersion
from embassy.advisories.services import (
    advisory_draft_create,
    advisory_draft_update,
    advisory_publish,
    advisory_submit,
)
from embassy.common.tests.factories import make_staff
from embassy.missions.models import Role

HQ = "HQ-PWNI"


def verified(user: User) -> User:
    """The user as the request would see it after the second factor."""
    user.is_verified = lambda: True
    return user


def analyst(name: str | None = None) -> User:
    return verified(make_staff(HQ, Role.PROTECTION_ANALYST, username=name))


def publish(country: str, *, author: User, reviewer: User, **content: Any) -> AdvisoryVersion:
    """Draft → edit → submit by `author`, publish by `reviewer`."""
    version = advisory_draft_create(actor=author, country=country)
    content.setdefault("reason_id", "Alasan")
    content.setdefault("reason_en", "Reason")
    advisory_draft_update(actor=author, version_id=version.pk, data=content)
    advisory_submit(actor=author, version_id=version.pk)
    return advisory_publish(actor=reviewer, version_id=version.pk)
