"""What a relative may be told about a matched person: the citizen's SharingPreference decides.

The default (no preference set, Level.DEFAULT): a relative whom the citizen listed as an emergency contact
(same phone number or e-mail address) is told whether the person answered "safe" or "I need help"; anyone
else is told only that the mission is looking. Why: the citizen gave those contacts to be reached in an
emergency (the roll-call already asks them), while anyone can claim to be family — an abusive employer, an
agent or a partner the person fled. The message for a person not found, not matched, who did not answer, or
who shares nothing is the same ("the mission is looking"), so that it does not even tell whether the person
is registered. A location is never shared beyond the city, and only under Level.STATUS_CITY."""

from __future__ import annotations

from dataclasses import dataclass

from embassy.citizens.models import EmergencyContact
from embassy.common.errors import BadInput
from embassy.common.phones import phone_normalise
from embassy.crises.models import Affected
from embassy.enquiries.models import Enquiry, SharingPreference

LOOKING, SAFE, HELP = "looking", "safe", "help"
Level = SharingPreference.Level


@dataclass(frozen=True)
class News:
    state: str  # looking | safe | help
    city: str = ""

    @property
    def key(self) -> str:
        return f"{self.state}:{self.city}" if self.city else self.state


def level_of(citizen_id: int) -> str:
    return (SharingPreference.objects.filter(citizen_id=citizen_id).values_list("level", flat=True).first()
            or Level.DEFAULT)


def _same_phone(a: str, b: str) -> bool:
    try:
        return bool(a and b) and phone_normalise(a) == phone_normalise(b)
    except BadInput:
        return False


def is_emergency_contact(*, citizen_id: int, phone: str, email: str) -> bool:
    for c_phone, c_email in EmergencyContact.objects.filter(citizen_id=citizen_id).values_list("phone", "email"):
        if _same_phone(phone, c_phone) or (email and c_email and email.strip().lower() == c_email.strip().lower()):
            return True
    return False


def allowed_level(enquiry: Enquiry) -> str:
    """What this enquirer may hear about the matched citizen: nothing | status | status_city."""
    if enquiry.citizen_id is None:
        return Level.NOTHING
    level = level_of(enquiry.citizen_id)
    if level == Level.DEFAULT:
        contact = is_emergency_contact(citizen_id=enquiry.citizen_id, phone=enquiry.enquirer_phone,
                                       email=enquiry.enquirer_email)
        return Level.STATUS if contact else Level.NOTHING
    return level


def answer_of(enquiry: Enquiry) -> Affected | None:
    if enquiry.citizen_id is None:
        return None
    return (Affected.objects.select_related("stay").filter(crisis_id=enquiry.crisis_id, citizen_id=enquiry.citizen_id)
            .first())


def news_for(enquiry: Enquiry) -> News:
    """What the family may be told now (only a matched enquiry's news can be more than "looking")."""
    if enquiry.status != Enquiry.Status.MATCHED:
        return News(LOOKING)
    level = allowed_level(enquiry)
    if level == Level.NOTHING:
        return News(LOOKING)
    affected = answer_of(enquiry)
    if affected is None or affected.answer not in (Affected.Answer.SAFE, Affected.Answer.HELP):
        return News(LOOKING)
    state = SAFE if affected.answer == Affected.Answer.SAFE else HELP
    city = affected.stay.city if level == Level.STATUS_CITY and affected.stay is not None else ""
    return News(state, city)
