"""What a roll-call answer does to the person's SOS case — always through the SOS services, so that the duty
officers are alerted and the console's cursor moves as for any SOS.

- "I need help" opens a case for the person's responsible mission, or joins their open case (the officers
  are then told again, as for a new case). Said by an emergency contact, the case says so: in its text, on
  its timeline (not from the citizen) and in the officers' alert (routing rule "rollcall-contact").
- "What do you need?" after the one-tap answer goes onto the case's timeline.
- "I am safe" said after "I need help" goes onto the case's timeline too; the case stays open until an
  officer closes it (a duty officer may still want to call).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from embassy.crises.models import Crisis
from embassy.geo.boundaries import country_at
from embassy.sos.services import case_rollcall_add, sos_open_for_citizen

CONTACT = "contact"
# Answers the person gave themselves (not a contact, not an officer): the link, the app, a reply by SMS or WhatsApp.
CITIZEN_VIA = ("link", "app", "sms", "whatsapp")


def help_case_open(*, crisis_id: int, affected_id: int, citizen_id: int, user_id: int | None, mission_id: int,
                   stay_id: int | None, lat: float | None, lon: float | None, via: str, text: str = "",
                   origin: dict[str, Any] | None = None) -> int:
    """Open (or join) the SOS case of a person who needs help; returns its id. Runs in the caller's
    transaction. `origin`: the channel and number of a reply by SMS/WhatsApp (officers answer there)."""
    title = Crisis.objects.filter(pk=crisis_id).values_list("title", flat=True).first() or ""
    if via == CONTACT:
        said = _("An emergency contact answered the roll-call for this person: they need help (%(title)s).") % {
            "title": title[:150]}
    else:
        said = _("Needs help (answer to the roll-call: %(title)s)") % {"title": title[:150]}
    case_id, _created = sos_open_for_citizen(
        citizen_id=citizen_id, user_id=user_id, mission_id=mission_id, stay_id=stay_id, lat=lat, lon=lon,
        key=f"rollcall:{crisis_id}:{affected_id}",
        country_id=country_at(lat, lon) if lat is not None and lon is not None else None,
        text=f"{said}\n{text}" if text and via == CONTACT else (text or said),
        reported_by=CONTACT if via == CONTACT else "", origin=origin)
    return case_id


def help_details_add(*, case_id: int, text: str, via: str, origin: dict[str, Any] | None = None) -> None:
    """The answer to "what do you need?" after the one-tap "I need help" (or a second "2 ..." reply)."""
    case_rollcall_add(case_id=case_id, text=text, data={"answered_via": via, **(origin or {})},
                      from_citizen=via in CITIZEN_VIA)


def help_now_safe(*, case_id: int, via: str) -> None:
    """"Safe" after "I need help": the case's timeline shows it (the case stays as the officers left it)."""
    if via == CONTACT:
        text = _("Roll-call: an emergency contact now says this person is safe.")
    else:
        text = _("Roll-call: the person now answers that they are safe.")
    case_rollcall_add(case_id=case_id, text=text, data={"answer": "safe", "answered_via": via},
                      from_citizen=via in CITIZEN_VIA)
