"""The advisory scale, the fixed list of sections and emergency services, and bilingual text selection."""

from __future__ import annotations

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    NORMAL = 1, _("Exercise normal precautions")
    CAUTION = 2, _("Exercise increased caution")
    RECONSIDER = 3, _("Reconsider travel")
    DO_NOT_TRAVEL = 4, _("Do not travel")


COLOURS: dict[int, str] = {1: "green", 2: "yellow", 3: "orange", 4: "red"}
COLOUR_LABELS: dict[int, Promise] = {1: _("Green"), 2: _("Yellow"), 3: _("Orange"), 4: _("Red")}

SECTION_LABELS: dict[str, Promise] = {
    "security": _("Security"),
    "entry": _("Entry and immigration"),
    "laws": _("Local laws and customs"),
    "health": _("Health"),
    "emergency": _("Emergency numbers"),
    "currency": _("Currency"),
    "worship": _("Places of worship and halal food"),
}
SECTION_KEYS: tuple[str, ...] = tuple(SECTION_LABELS)

SERVICE_LABELS: dict[str, Promise] = {
    "general": _("Emergency (all services)"),
    "police": _("Police"),
    "ambulance": _("Ambulance"),
    "fire": _("Fire brigade"),
    "tourist_police": _("Tourist police"),
}
SERVICE_KEYS: tuple[str, ...] = tuple(SERVICE_LABELS)

LANGUAGES = ("id", "en")


def is_english(language: str | None = None) -> bool:
    return (language if language is not None else (get_language() or "id")).lower().startswith("en")


def pick(text_id: str, text_en: str, language: str | None = None) -> str:
    """The text in the viewer's language (English for "en*", Indonesian otherwise), else the other one."""
    first, second = (text_en, text_id) if is_english(language) else (text_id, text_en)
    return (first or "").strip() or (second or "").strip()


# CAP 1.2 <info> values for the level an alert announces (levels only rise into 2, 3 or 4).
CAP_URGENCY = {1: "Unknown", 2: "Future", 3: "Expected", 4: "Immediate"}
CAP_SEVERITY = {1: "Minor", 2: "Minor", 3: "Moderate", 4: "Severe"}
CAP_CERTAINTY = {1: "Unknown", 2: "Possible", 3: "Likely", 4: "Likely"}
CAP_RESPONSE = {1: "None", 2: "Monitor", 3: "Assess", 4: "Avoid"}
