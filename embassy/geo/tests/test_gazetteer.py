"""The offline gazetteer: places by the names people type, by position, and each place's time zone."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from embassy.geo import gazetteer


@pytest.mark.parametrize(("typed", "expected"), [
    ("kuala", ("Kuala Lumpur", "MY")),
    ("Kuala Lumpur", ("Kuala Lumpur", "MY")),
    ("lumpur", ("Kuala Lumpur", "MY")),  # a later word of the name
    ("Mekah", ("Makkah", "SA")),  # Indonesian name
    ("mecca", ("Makkah", "SA")),  # English name
    ("MAKKAH", ("Makkah", "SA")),
    ("jedah", None),  # no such spelling: nothing invented
    ("Jeddah", ("Jeddah", "SA")),
    ("hongkong", ("Hong Kong", "HK")),
    ("Jenewa", ("Geneva", "CH")),
    ("Den Haag", ("The Hague", "NL")),
    ("sao paulo", ("São Paulo", "BR")),  # accents ignored
    ("kota kinabalu", ("Kota Kinabalu", "MY")),
])
def test_search_by_the_names_people_type(typed: str, expected: tuple[str, str] | None) -> None:
    found = gazetteer.search(typed)
    if expected is None:
        assert not found or found[0].name not in {"Jeddah", "Makkah"}
        return
    assert found, typed
    assert (found[0].name, found[0].country) == expected


def test_search_ranks_the_main_name_and_the_bigger_place_first() -> None:
    assert [p.name for p in gazetteer.search("kuala", limit=3)][:2] == ["Kuala Lumpur", "Kuala Terengganu"]
    assert gazetteer.search("k") == []  # one letter is too little to search
    assert all(p.country == "MY" for p in gazetteer.search("ku", country="my", limit=5))
    assert len(gazetteer.search("san", limit=50)) == 50


def test_labels_name_the_country_in_the_reader_language() -> None:
    kl = gazetteer.search("Kuala Lumpur")[0]
    assert kl.label("en") == "Kuala Lumpur, Malaysia"
    assert gazetteer.search("Jeddah")[0].label("id") == "Jeddah, Arab Saudi"
    assert gazetteer.search("Jeddah")[0].label("en") == "Jeddah, Saudi Arabia"
    assert gazetteer.search("Singapore")[0].label("en") == "Singapore"  # a city-state is not "Singapore, Singapore"


def test_nearest_and_time_zone() -> None:
    place = gazetteer.nearest(3.1516, 101.6942)  # Bukit Bintang
    assert place is not None and place.name == "Kuala Lumpur"
    assert gazetteer.nearest(0.0, -150.0) is None  # the Pacific: nothing within 150 km
    assert gazetteer.timezone_at(3.1516, 101.6942) == "Asia/Kuala_Lumpur"
    assert gazetteer.timezone_at(-8.65, 115.22) == "Asia/Makassar"  # Bali is WITA, not Jakarta's WIB
    assert gazetteer.timezone_at(5.98, 116.07) == "Asia/Kuching"  # Kota Kinabalu
    assert gazetteer.timezone_at(None, None, "SA") == "Asia/Riyadh"
    assert gazetteer.timezone_at(None, None, None) == "UTC"


@pytest.mark.django_db
def test_places_api() -> None:
    client = Client()
    response = client.get("/api/v1/places", {"q": "mekah"}, HTTP_ACCEPT_LANGUAGE="id")
    assert response.status_code == 200
    first = response.json()["items"][0]
    assert first["name"] == "Makkah" and first["country"] == "SA" and first["timezone"] == "Asia/Riyadh"
    assert first["label"] == "Makkah, Arab Saudi"
    with translation.override("en"):
        english = client.get("/api/v1/places", {"q": "kuala", "limit": "2"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["items"][0]["label"] == "Kuala Lumpur, Malaysia"
    assert len(english.json()["items"]) == 2
    assert client.get("/api/v1/places", {"q": "x" * 101}).status_code == 422
    near = client.get("/api/v1/places/nearest", {"lat": "21.49", "lon": "39.19"})
    assert near.status_code == 200 and near.json()["name"] == "Jeddah"
    assert client.get("/api/v1/places/nearest", {"lat": 0, "lon": -150}).status_code == 404
    assert client.get("/api/v1/places/nearest", {"lat": 91, "lon": 0}).status_code in {400, 422}
