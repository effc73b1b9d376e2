"""The resident's case history: each check-in, check-out and repatriation step is told to the linked
complaint's history, through the complaints app's public service (`complaint_note`: a note event, audited
there). SOS cases are not written to: their timeline belongs to the duty console."""

from __future__ import annotations

from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.complaints.services import complaint_note
from embassy.shelters.models import Residence


def tell(residence: Residence, *, actor: User, note: str) -> None:
    """Append `note` to the linked complaint's history (nothing when no complaint is linked)."""
    if residence.complaint is None:
        return
    complaint_note(actor=actor, complaint=residence.complaint,
                   note=_("Shelter: %(note)s") % {"note": note})
