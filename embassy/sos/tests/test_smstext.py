"""Reading texts sent by SMS or WhatsApp: the first word people answer or call for help with, and the position
the app's offline SOS writes in (the exact strings of static/sos/panic.js smsBody, in both languages)."""

from __future__ import annotations

import pytest

from embassy.sos.smstext import after_first_word, first_word, is_sos, read_position

# What panic.js writes: [name + ": "] + the data-t-sms intro + " " + position or the "no location" words.
PREFILLED_EN = ("Siti Aminah: SOS! I need help. My position: 3.13900,101.68690 (+/-12 m) "
                "https://osm.org/?mlat=3.13900&mlon=101.68690")
PREFILLED_ID = "SOS! Saya butuh bantuan. Posisi saya: -6.20000,106.81667 https://osm.org/?mlat=-6.20000&mlon=106.81667"
NO_POSITION_ID = "Budi: SOS! Saya butuh bantuan. Posisi saya: posisi tidak diketahui"
NO_POSITION_EN = "SOS! I need help. My position: position unknown"


@pytest.mark.parametrize(("text", "word"), [
    ("1", "1"), ("1.", "1"), (" 1 ", "1"), ("１", "1"), ("١", "1"), ("٢ أحتاج مساعدة", "2"), ("aman", "AMAN"),
    ("Aman!", "AMAN"), ("AMÁN, terima kasih", "AMAN"), ("safe :)", "SAFE"), ("Sáfe", "SAFE"), ("tolong!!", "TOLONG"),
    ("S.O.S", "SOS"), ("sos", "SOS"), ("🆘", "SOS"), ("🙏 aman", "AMAN"), ("— 2 —", "2"), ("12", "12"), ("", ""),
    ("   ", ""), ("😀😀", ""), ("我很安全", "我很安全"), ("مرحبا", "مرحبا"),
])
def test_the_first_word_ignores_case_accents_punctuation_and_reads_any_scripts_digits(text: str, word: str) -> None:
    assert first_word(text) == word


def test_what_follows_the_first_word_is_the_detail() -> None:
    assert after_first_word("2 rumah kami roboh") == "rumah kami roboh"
    assert after_first_word("2") == "" and after_first_word("") == ""


@pytest.mark.parametrize("text", [PREFILLED_EN, PREFILLED_ID, NO_POSITION_ID, NO_POSITION_EN, "sos banjir",
                                  "SOS!", "Tolong saya", "HELP me", "🆘 flood", "Nur Aini binti Ahmad: SOS! x"])
def test_sos_texts(text: str) -> None:
    assert is_sos(text)


@pytest.mark.parametrize("text", ["Apa kabar? Saya perlu paspor baru", "1", "aman", "", "Kapan kantor buka: SOS?",
                                  "Ada SOS di sini", "sosial budaya", "مرحبا"])
def test_not_sos_texts(text: str) -> None:
    assert not is_sos(text)


def test_the_prefilled_position_and_its_accuracy_are_read() -> None:
    assert read_position(PREFILLED_EN).point == (3.139, 101.6869, 12.0)
    assert read_position(PREFILLED_ID).point == (-6.2, 106.81667, None)


@pytest.mark.parametrize(("text", "point"), [
    ("SOS https://maps.google.com/?q=3.1390,101.6869", (3.139, 101.6869, None)),
    ("SOS https://www.google.com/maps?q=-33.8688%2C151.2093", (-33.8688, 151.2093, None)),
    ("tolong https://www.google.com/maps/@21.4225,39.8262,15z", (21.4225, 39.8262, None)),
    ("SOS https://www.google.com/maps/search/?api=1&query=24.7136,46.6753", (24.7136, 46.6753, None)),
    ("SOS https://www.openstreetmap.org/#map=17/1.35210/103.81980", (1.3521, 103.8198, None)),
    ("SOS 25.2048, 55.2708", (25.2048, 55.2708, None)),
    ("SOS mlat=3.13900&amp;mlon=101.68690", (3.139, 101.6869, None)),
])
def test_map_links_and_bare_pairs(text: str, point: tuple[float, float, None]) -> None:
    assert read_position(text).point == point


@pytest.mark.parametrize("text", [
    "SOS! My position: 95.00000,101.68690 https://osm.org/?mlat=95.00000&mlon=101.68690",  # latitude beyond 90
    "SOS https://maps.google.com/?q=3.1390,181.5",  # longitude beyond 180
    "SOS 0.00000,0.00000 https://osm.org/?mlat=0.00000&mlon=0.00000",  # no fix: 0,0
])
def test_impossible_coordinates_are_refused(text: str) -> None:
    found = read_position(text)
    assert found.point is None and found.problem == "invalid"


@pytest.mark.parametrize("text", [NO_POSITION_ID, NO_POSITION_EN, "SOS banjir di jalan 12, rumah 3", "SOS 1,2"])
def test_no_position(text: str) -> None:
    found = read_position(text)
    assert found.point is None and found.problem == "missing"
