from embassy.geo.gazetteer import resolve_one


def test_a_label_or_a_name_finds_the_place_in_either_language() -> None:
    for text in ("Kuala Lumpur, Malaysia", "kuala lumpur", "  Kuala   Lumpur ,  Malaysia ", "Kuala Lum"):
        place = resolve_one(text)
        assert place is not None and (place.name, place.country) == ("Kuala Lumpur", "MY"), text
    jeddah = resolve_one("Jeddah, Arab Saudi")
    assert jeddah is not None and jeddah.country == "SA"


def test_the_label_decides_between_places_of_the_same_name() -> None:
    a = resolve_one("Victoria, Seychelles")
    b = resolve_one("Victoria, Canada")
    assert a is not None and b is not None
    assert (a.country, b.country) == ("SC", "CA")


def test_nothing_for_too_little_or_an_unknown_place() -> None:
    assert resolve_one("") is None
    assert resolve_one("K") is None
    assert resolve_one("Xqzzyville") is None
