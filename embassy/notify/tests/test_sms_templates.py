"""Every SMS the platform sends, in Indonesian and in English, with the longest values it can meet, encodes
with the gsm0338 package's GSM 03.38 codec (strict: no UCS-2 character) into one 160-septet segment, link
whole. The longest values: the largest 64-bit ids in links and references, the longest SMS link base allowed,
the longest mission name and country name in the reference data, the longest hotline the field holds,
names and titles at their columns' full length (with letters GSM lacks)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import gsm0338  # noqa: F401  (registers the codec)
import pytest
from django.db.models.functions import Length
from django.urls import reverse
from django.utils import translation

from embassy.accounts.services import signin_code_text
from embassy.advisories.levels import Level
from embassy.advisories.tasks import level_change_sms
from embassy.citizens.models import Citizen, Stay
from embassy.citizens.services import stay_reminder_sms
from embassy.common.shortlinks import MAX_ID
from embassy.common.sms import LINK_BASE_MAX, sms_link
from embassy.crises.asking import ask_sms, contact_sms
from embassy.crises.links import CONTACT, PERSON, short_token, short_url
from embassy.crises.models import Crisis
from embassy.geo.models import Country
from embassy.missions.models import Mission
from embassy.sos.models import Case
from embassy.sos.notices import (
    sms_citizen_update,
    sms_digest,
    sms_escalated,
    sms_escalated_digest,
    sms_new_case,
    sms_where,
)

pytestmark = pytest.mark.django_db
LANGUAGES = ("id", "en")
BASE = "https://" + "w" * (LINK_BASE_MAX - len("https://"))  # the longest SMS_LINK_BASE the texts allow


@pytest.fixture(autouse=True)
def _longest_link_base(settings: Any) -> None:
    settings.SMS_LINK_BASE = BASE


def _longest(model: Any, field: str, **filters: Any) -> str:
    return str(model.objects.filter(**filters).annotate(n=Length(field)).order_by("-n").values_list(field, flat=True)[0])


def _full(model: Any, field: str, sample: str) -> str:
    """`sample` repeated to the column's full length."""
    size = model._meta.get_field(field).max_length
    return (sample * (size // len(sample) + 1))[:size]


def _builders() -> Iterator[tuple[str, Callable[[], str], list[str]]]:
    """(name, builder in the active language, what must be in the text whole)."""
    mission = _longest(Mission, "name_id")
    size = Mission._meta.get_field("hotline").max_length
    assert size is not None
    hotline = "+" + "9" * (size - 1)
    title = _full(Crisis, "title", "Gempa bumi M 7,8 — Kahramanmaraş, Türkiye; ")
    name = _full(Citizen, "full_name", "Siti Nurhaliza binti Abdul Ğafur Çelik ")
    ref = Case(pk=MAX_ID).reference
    person, contact = short_url(short_token(MAX_ID, PERSON)), short_url(short_token(MAX_ID, CONTACT))
    console = sms_link(reverse("console:sos-case", args=[MAX_ID]))
    citizen_case = sms_link(reverse("sos:case", args=[MAX_ID]))
    queue = sms_link(reverse("console:sos-queue"))
    stay = sms_link(f"/lapor-diri/{MAX_ID}/")
    place = _full(Stay, "city", "Kota Kinabalu, Sabah ")
    advisory = sms_link(reverse("advisories:country", args=["CD"]))
    where = sms_where(-89.99999, -179.99999, 999_999.0)
    yield "sign-in code", lambda: signin_code_text(code="999999", minutes=9999), ["999999"]
    yield "roll-call question", lambda: ask_sms(title=title, url=person, reminder=False), [person]
    yield "roll-call reminder", lambda: ask_sms(title=title, url=person, reminder=True), [person]
    yield "emergency contact", lambda: contact_sms(name=name, title=title, url=contact, hotline=hotline), \
        [contact, hotline]
    yield "emergency contact, no hotline", lambda: contact_sms(name=name, title=title, url=contact, hotline=""), \
        [contact]
    yield "staff: new SOS", lambda: sms_new_case(ref=ref, name=name, where=where, url=console), [ref, where, console]
    yield "staff: new SOS, no position", lambda: sms_new_case(ref=ref, name=name, where=sms_where(None, None, None),
                                                               url=console), [ref, console]
    yield "staff: new SOS by a contact", lambda: sms_new_case(ref=ref, name=name, where=where, url=console,
                                                               by_contact=True), [ref, where, console]
    yield "staff: SOS digest", lambda: sms_digest(count=99_999, mission=mission, url=queue), ["99999", queue]
    yield "staff: SOS escalated", lambda: sms_escalated(ref=ref, mission=mission, url=console), [ref, console]
    yield "staff: SOS escalated, summary", lambda: sms_escalated_digest(count=99_999, mission=mission, url=queue), \
        ["99999", queue]
    for kind in ("acknowledged", "message", "handed_over", "resolved", "other"):
        yield (f"citizen: SOS {kind}", lambda kind=kind: sms_citizen_update(  # type: ignore[misc]
            kind=kind, mission=mission, text=("Kami sedang menuju lokasi Anda — tunggu. " * 13)[:500],
            url=citizen_case), [citizen_case])
    yield "stay reminder", lambda: stay_reminder_sms(place=place, url=stay), [stay]
    for rose in (True, False):
        for level in Level:
            yield (f"advisory level {level.value} {'raised' if rose else 'lowered'}",
                   lambda level=level, rose=rose: level_change_sms(  # type: ignore[misc]
                       country=_longest(Country, "name_id" if translation.get_language() == "id" else "name_en"),
                       level=level.value, label=str(level.label), rose=rose, url=advisory),
                   [advisory, str(level.label)])  # the level's words arrive whole


def _cases() -> list[tuple[str, str]]:
    return [(language, name) for language in LANGUAGES for name in
            ("sign-in code", "roll-call question", "roll-call reminder", "emergency contact",
             "emergency contact, no hotline", "staff: new SOS", "staff: new SOS, no position",
             "staff: new SOS by a contact", "staff: SOS digest",
             "staff: SOS escalated", "staff: SOS escalated, summary", "citizen: SOS acknowledged", "citizen: SOS message", "citizen: SOS handed_over",
             "citizen: SOS resolved", "citizen: SOS other", "stay reminder",
             *(f"advisory level {n} {way}" for way in ("raised", "lowered") for n in range(1, 5)))]


@pytest.mark.parametrize(("language", "template"), _cases())
def test_every_sms_fits_one_gsm7_segment_with_the_longest_values(language: str, template: str) -> None:
    with translation.override(language):
        builders = {name: (build, whole) for name, build, whole in _builders()}
        assert set(builders) == {name for _lang, name in _cases() if _lang == language}
        build, whole = builders[template]
        text = build()
    encoded = text.encode("gsm03.38")  # strict: a character outside GSM 03.38 raises here
    assert len(encoded) <= 160, f"{len(encoded)} septets: {text}"
    for part in whole:
        assert part in text, (part, text)


def test_realistic_values_are_kept_whole(settings: Any) -> None:
    """Shortening is for the extremes: a real crisis title, a name and a mission are sent as they are."""
    settings.SMS_LINK_BASE = "https://peduliwni.kemlu.go.id"
    title = "M 7.8 - 26 km ENE of Nurdağı, Turkey"
    url = short_url(short_token(1_234_567, PERSON))
    for language in LANGUAGES:
        with translation.override(language):
            assert "M 7.8 - 26 km ENE of Nurdagi, Turkey" in ask_sms(title=title, url=url, reminder=True)
            text = contact_sms(name="Siti Nurhaliza", title=title, url=url, hotline="+60122556213")
            assert "Siti Nurhaliza" in text and "+60122556213" in text and url in text
            text = sms_new_case(ref="SOS-004321", name="Budi Santoso", where=sms_where(3.13900, 101.68690, 25.0),
                                url=sms_link("/konsol/sos/4321/"))
            assert "Budi Santoso" in text and "3.13900,101.68690 (+/-25 m)" in text
            assert "KBRI Kuala Lumpur" in sms_citizen_update(kind="acknowledged", mission="KBRI Kuala Lumpur",
                                                             text="", url=sms_link("/sos/kasus/4321/"))
