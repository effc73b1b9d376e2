import pytest

from embassy.common.errors import BadInput
from embassy.geo.countries import all_countries, country_info, is_country_code


def test_registry_covers_iso_3166_plus_kosovo():
    codes = [c.code for c in all_countries()]
    assert len(codes) >= 250
    assert len(codes) == len(set(codes))
    assert {"ID", "SG", "XK", "TW", "PS", "AQ"} <= set(codes)
    assert len({c.alpha3 for c in all_countries()}) == len(codes)


@pytest.mark.parametrize("code", ["id", "ID", "IDN", "idn", "360", " id ", "\tIdn\n"])
def test_country_info_accepts_every_code_form(code):
    info = country_info(code)
    assert info.code == "ID"
    assert info.alpha3 == "IDN"
    assert info.numeric == "360"


def test_numeric_codes_are_zero_padded():
    assert country_info("36").code == "AU"
    assert country_info("036").code == "AU"


@pytest.mark.parametrize("code", ["ZZ", "", "   ", "XYZ", "999", "INDONESIA", None, 360])
def test_unknown_codes_are_bad_input(code):
    with pytest.raises(BadInput) as exc:
        country_info(code)
    assert exc.value.field == "country"
    assert not is_country_code(code)


def test_bad_input_names_the_given_field():
    with pytest.raises(BadInput) as exc:
        country_info("ZZ", field="nationality")
    assert exc.value.field == "nationality"
    assert "'ZZ'" in exc.value.message


def test_indonesian_and_english_names():
    assert country_info("NL").name_id == "Belanda"
    assert country_info("DE").name_id == "Jerman"
    assert country_info("DE").name_en == "Germany"
    assert country_info("SY").name_id == "Suriah"
    assert country_info("ID").name_id == "Indonesia"  # no translation needed: falls back to English
    # common names, not the formal ISO names
    assert country_info("BO").name_en == "Bolivia"
    assert country_info("TW").name_en == "Taiwan"
    assert country_info("KR").name_id == "Korea Selatan"
    assert country_info("XK").name_en == "Kosovo"
    assert country_info("NL").name("en") == "Netherlands"
    assert country_info("NL").name("id") == "Belanda"
    assert all(c.name_id and c.name_en and len(c.name_id) <= 100 for c in all_countries())


def test_calling_codes():
    assert country_info("ID").calling_code == "62"
    assert country_info("MY").calling_code == "60"
    assert country_info("SG").calling_code == "65"
    assert country_info("XK").calling_code == "383"
    assert country_info("AQ").calling_code == ""


def test_kosovo_has_user_assigned_codes():
    info = country_info("XK")
    assert (info.alpha3, info.numeric) == ("XKX", "")
    assert country_info("xkx") is info
