"""Which mission a post concerns (embassy.social.whereabouts): its position, else the author's profile location,
else the first mission, account, city or country abroad named in its text; never a place in Indonesia, and
never an everyday word that happens to be a town's name."""

from __future__ import annotations

import pytest

from embassy.missions.models import Mission
from embassy.social.models import Account
from embassy.social.whereabouts import from_text, whereabouts

pytestmark = pytest.mark.django_db


def test_the_posts_position_comes_first() -> None:
    found = whereabouts(lat=3.1390, lon=101.6869, profile_location="Jeddah", text="kerja di Taiwan")
    assert found is not None and (found.mission, found.source) == ("KBRI-KUALA-LUMPUR", "post")


def test_then_the_profiles_location() -> None:
    found = whereabouts(profile_location="Jeddah, Saudi Arabia", text="saya di Taiwan")
    assert found is not None and (found.mission, found.source) == ("KJRI-JEDDAH", "profile")


@pytest.mark.parametrize(("text", "mission", "evidence"), [
    ("Tolong, KJRI Jeddah, paspor saya ditahan", "KJRI-JEDDAH", "kjri jeddah"),
    ("Sy TKW di Penang, tidak digaji 2 tahun", "KJRI-PENANG", "penang"),
    ("adik saya disekap agen di Riyadh", "KBRI-RIYADH", "riyadh"),
    ("kerja di Taiwan, paspor ditahan agensi", "KDEI-TAIPEI", "taiwan"),
    ("majikan di Hong Kong tidak bayar gaji", "KJRI-HONG-KONG", "hong kong"),
])
def test_then_the_places_named_in_the_text(text: str, mission: str, evidence: str) -> None:
    found = whereabouts(text=text)
    assert found is not None, text
    assert (found.mission, found.source, found.evidence) == (mission, "text", evidence)


def test_a_mention_of_a_missions_account_names_the_mission() -> None:
    unit = Mission.objects.get(code="KJRI-PENANG")
    Account.objects.create(platform="x", handle="KJRI_Penang", unit=unit, owner="mission")
    found = from_text("@KJRI_Penang tolong saya kabur dari majikan")
    assert found is not None and (found.mission, found.evidence) == ("KJRI-PENANG", "@KJRI_Penang")


@pytest.mark.parametrize("text", [
    "Saya di Jakarta, mau tanya perpanjang paspor",  # at home
    "tolong, majikan saya jahat sekali",  # nowhere named
    "batu di kota itu besar",  # towns' names that are everyday words
    "",
])
def test_nothing_abroad_is_none(text: str) -> None:
    assert whereabouts(text=text) is None
