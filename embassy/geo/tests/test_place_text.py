from embassy.geo.place_text import place_from_text


def test_a_label_or_a_name_finds_the_place_in_either_language() -> None:
    for text in ("Kuala Lumpur, Malaysia", "kuala lumpur", "  Kuala   Lumpur ,  Malaysia ", "Kuala Lum"):
        place = place_from_text(text)
        assert place is not None and (place.name, place.country) == ("Kuala Lumpur", "MY"), text
    jeddah = place_from_text("Jeddah, Arab Saudi", language="id")
    assert jeddah is not None and jeddah.country == "SA"


def test_the_label_decides_between_places_of_the_same_name() -> None:
    a = place_from_text("Victoria, Seychelles")
    b = place_from_text("Victoria, Canada")
    assert a is not None and b is not None
    assert (a.country, b.country) == ("SC", "CA")


def test_nothing_for_too_little_or_an_unknown_place() -> None:
    assert place_from_text("") is None
    assert place_from_text("K") is None
    assert place_from_text("Xqzzyville") is None
