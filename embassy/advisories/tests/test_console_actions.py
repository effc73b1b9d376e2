"""The review buttons of the advisories console (through embassy.common.console): each goes back to the
version's page with a message saying what happened, or why nothing did."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext as _

from embassy.advisories.models import AdvisoryVersion
from embassy.advisories.services import advisory_draft_create, advisory_draft_update
from embassy.advisories.tests.helpers import analyst
from embassy.common.tests.factories import staff_client

pytestmark = pytest.mark.django_db


def _said(client: Client, url: str, data: dict[str, str] | None = None) -> tuple[str, str, str]:
    """Where the button leads, and the message it left (the newest: the pages that would show them are not
    opened here)."""
    response = client.post(url, data or {})
    assert response.status_code == 302
    message = list(get_messages(response.wsgi_request))[-1]
    return response["Location"], message.level_tag, str(message)


def test_submit_publish_and_reject_say_what_happened() -> None:
    ani, budi = analyst(), analyst()
    version = advisory_draft_create(actor=ani, country="MY")
    advisory_draft_update(actor=ani, version_id=version.pk, data={"reason_id": "Alasan", "reason_en": "Reason"})
    a, b = staff_client(ani), staff_client(budi)
    page = f"/konsol/advisories/versions/{version.pk}/"
    with translation.override("id"):
        assert _said(a, f"{page}submit/") == (page, "success", _("Sent for review."))
        assert _said(a, f"{page}publish/")[:2] == (page, "error")  # four eyes: the author may not publish
        assert _said(b, f"{page}reject/") == (page, "error", _("Say why the version is rejected."))
        assert _said(b, f"{page}reject/", {"note": "Sumber?"}) == (page, "success", _("Rejected."))
    assert AdvisoryVersion.objects.get(pk=version.pk).status == AdvisoryVersion.Status.REJECTED
