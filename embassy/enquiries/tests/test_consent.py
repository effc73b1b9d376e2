"""What the family is told: only what the person consented to, through the outbox (one GSM-7 segment), once per
piece of news; the same words for "not found" and "found but shares nothing"."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import TestCase
from django.utils import translation

from embassy.citizens.models import Citizen, EmergencyContact
from embassy.common.sms import fits
from embassy.crises.models import Affected, Crisis
from embassy.enquiries import consent
from embassy.enquiries.models import Enquiry, SharingPreference
from embassy.enquiries.services import enquiries_rematch, enquiry_follow_up, sharing_set
from embassy.enquiries.tests.helpers import ask, flood, person
from embassy.notify.models import Message

pytestmark = pytest.mark.django_db
BIRTH = dt.date(1990, 1, 5)
MOTHER = "+628111000001"


def _answer(crisis: Crisis, citizen: Citizen, answer: str) -> None:
    Affected.objects.filter(crisis=crisis, citizen=citizen).update(answer=answer, answered_at=dt.datetime.now(dt.UTC))


def _sms(enquiry: Enquiry) -> list[str]:
    return list(Message.objects.filter(channel="sms", data__enquiry=enquiry.pk).order_by("id")
                .values_list("body", flat=True))


def test_default_tells_an_emergency_contact_that_the_person_is_safe() -> None:
    siti = person("Siti Aminah", birth=BIRTH)
    EmergencyContact.objects.create(citizen=siti, name="Sumiati", phone=MOTHER)
    crisis = flood()
    _answer(crisis, siti, "safe")
    with translation.override("en"):
        enquiry = ask(crisis, sought_name="Siti Aminah", sought_birth_date=BIRTH)
    assert enquiry.told_state == "safe"
    [sms] = _sms(enquiry)
    assert "Siti Aminah told the mission they are safe." in sms and "/kabar/" in sms and fits(sms)
    assert "Kuala Lumpur." not in sms  # no city under the default


def test_default_tells_anyone_else_only_that_the_mission_is_looking() -> None:
    siti = person("Siti Aminah", birth=BIRTH)
    crisis = flood()
    _answer(crisis, siti, "safe")
    with translation.override("en"):
        matched = ask(crisis, sought_name="Siti Aminah", sought_birth_date=BIRTH, enquirer_phone="+628111000077")
        unknown = ask(crisis, sought_name="Orang Lain", enquirer_phone="+628111000078")
    assert matched.status == Enquiry.Status.MATCHED and matched.told_state == "looking"
    [a], [b] = _sms(matched), _sms(unknown)
    # the same words whether the person is registered or not
    assert a.replace("Siti Aminah", "X").split("http")[0] == b.replace("Orang Lain", "X").split("http")[0]
    assert "looking" in a and fits(a) and fits(b)


def test_nothing_is_shared_even_with_contacts_when_the_person_says_so() -> None:
    siti = person("Siti Aminah", birth=BIRTH)
    EmergencyContact.objects.create(citizen=siti, name="Sumiati", phone=MOTHER)
    SharingPreference.objects.create(citizen=siti, level=SharingPreference.Level.NOTHING)
    crisis = flood()
    _answer(crisis, siti, "help")
    enquiry = ask(crisis, sought_name="Siti Aminah", sought_birth_date=BIRTH)
    assert consent.news_for(enquiry).state == consent.LOOKING and enquiry.told_state == "looking"


def test_answer_and_city_when_the_person_shares_them_and_news_is_sent_once() -> None:
    siti = person("Siti Aminah", birth=BIRTH, city="Petaling Jaya")
    SharingPreference.objects.create(citizen=siti, level=SharingPreference.Level.STATUS_CITY)
    crisis = flood()
    with translation.override("en"):
        enquiry = ask(crisis, sought_name="Siti Aminah", sought_birth_date=BIRTH, enquirer_phone="",
                      enquirer_email="kakak@example.com")
        assert enquiry.told_state == "looking"  # no answer yet
        _answer(crisis, siti, "safe")
        assert enquiries_rematch()["told"] == 1
        assert enquiries_rematch()["told"] == 0  # once
    mails = list(Message.objects.filter(channel="email", data__enquiry=enquiry.pk).order_by("id"))
    assert len(mails) == 2 and "They are in Petaling Jaya." in mails[1].body
    assert "Siti Aminah" in mails[1].subject


def test_help_is_told_to_a_relative_when_shared_with_anyone() -> None:
    siti = person("Budi Santoso", birth=BIRTH)
    crisis = flood()
    _answer(crisis, siti, "help")
    sharing = SharingPreference.objects.create(citizen=siti, level=SharingPreference.Level.STATUS)
    with translation.override("en"):
        enquiry = ask(crisis, sought_name="Budi Santoso", sought_birth_date=BIRTH)
    assert enquiry.told_state == "help" and "asked the mission for help" in _sms(enquiry)[-1]
    assert sharing.level == "status"


def test_a_person_who_registers_later_is_matched_by_the_signal() -> None:
    crisis = flood()
    enquiry = ask(crisis, sought_name="Siti Aminah", sought_birth_date=BIRTH)
    assert enquiry.status == Enquiry.Status.SOUGHT
    with TestCase.captureOnCommitCallbacks(execute=True):
        person("Siti Aminah", birth=BIRTH)  # the stay's whereabouts signal re-matches
    enquiry.refresh_from_db()
    assert enquiry.status == Enquiry.Status.MATCHED


def test_the_citizen_chooses_what_to_share() -> None:
    from embassy.common.tests.factories import make_citizen_user

    user = make_citizen_user()
    sharing_set(user=user, level="status_city")
    assert consent.level_of(user.citizen.pk) == "status_city"
    follow = enquiry_follow_up(enquiry_id=0)
    assert follow is False
