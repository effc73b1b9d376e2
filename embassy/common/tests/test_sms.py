"""GSM-7 counting, GSM-safe values and fitting (embassy.common.sms), checked against the gsm0338 package's
codec; short signed codes (embassy.common.shortlinks): forged, altered, expired, rotated keys."""

from __future__ import annotations

import random
from typing import Any

import gsm0338  # noqa: F401  (registers the codec)
import pytest

from embassy.common import shortlinks, sms


def gsm_septets(text: str) -> int:
    """Septets according to the package's encoder (raises UnicodeEncodeError for UCS-2 text)."""
    return len(text.encode("gsm03.38"))


def test_septets_agree_with_the_package_encoder_on_random_text() -> None:
    rng = random.Random(9)
    pool = "".join(sorted(sms.BASIC | sms.EXTENSION)) + "—“”…áğıł東"
    for _ in range(2000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        try:
            expected: int | None = gsm_septets(text)
        except UnicodeEncodeError:
            expected = None
        assert sms.septets(text) == expected, text


def test_extension_characters_count_two_and_typography_forces_ucs2() -> None:
    assert sms.septets("Rp 10.000 atau €5 [x]") == len("Rp 10.000 atau €5 [x]") + 3
    for char in "—–“”‘’…±áçł":
        assert not sms.is_gsm(char)
    assert sms.segments("a" * 160) == 1 and sms.segments("a" * 161) == 2 and sms.segments("a" * 306) == 2
    assert sms.segments("—" + "a" * 69) == 1 and sms.segments("—" + "a" * 70) == 2  # UCS-2: 70, then 67 a part


def test_values_are_made_gsm_safe_without_losing_what_they_say() -> None:
    cleaned = sms.gsm_clean("Gempa “besar” — Nurdağı…\n±5 km, Łódź, Ça va, 東京")
    assert cleaned == 'Gempa "besar" - Nurdagi... +/-5 km, Lodz, Ça va, ??'
    gsm_septets(cleaned)  # encodes strictly
    assert sms.gsm_clean("Müller Ñoño Ærø àè") == "Müller Ñoño Ærø àè"  # GSM letters stay
    assert sms.gsm_clean("Ñandú José Ángel") == "Ñandu José Angel"  # GSM has é but neither ú nor Á


def test_render_shortens_the_named_value_and_keeps_the_link_whole() -> None:
    url = "https://" + "w" * 24 + "/a/" + "Z" * 25
    title = "Gempa bumi magnitudo 7,8 mengguncang Kahramanmaraş dan sekitarnya di Turki selatan " * 4
    text = sms.sms_render("Are you safe? %(title)s. Answer: %(url)s", {"title": title, "url": url},
                          shrink=("title",))
    assert text is not None and text.endswith(url) and "Gempa bumi" in text and "...." not in text
    assert gsm_septets(text) <= 160
    short = sms.sms_render("Are you safe? %(title)s. Answer: %(url)s", {"title": "Banjir Jakarta", "url": url},
                           shrink=("title",))
    assert short == f"Are you safe? Banjir Jakarta. Answer: {url}"
    assert sms.sms_render("%(url)s " + "x" * 150, {"url": url}) is None  # cannot fit: the caller decides
    assert sms.sms_render("Reminder — %(url)s", {"url": "u"}) is None  # a typographic template is refused


def test_fit_cuts_a_long_text_before_its_trailing_link() -> None:
    link = "https://example.org/aman/123/abc/"
    text, cut = sms.sms_fit("Subject\n" + "A long body that goes on. " * 20 + "\n" + link)
    assert cut and text.endswith(" " + link) and gsm_septets(text) <= 160
    text, cut = sms.sms_fit("Kode masuk: 123456 — berlaku 10 menit")
    assert not cut and text == "Kode masuk: 123456 - berlaku 10 menit"


def test_links_use_the_sms_base(settings: Any) -> None:
    settings.SITE_URL, settings.SMS_LINK_BASE = "https://smartembassy.kemlu.go.id/", ""
    assert sms.sms_link("/a/x") == "https://smartembassy.kemlu.go.id/a/x"
    settings.SMS_LINK_BASE = "https://wni.id/"
    assert sms.sms_link("/a/x") == "https://wni.id/a/x"


# --- Short codes ------------------------------------------------------------------------------------------
def test_short_codes_round_trip_with_the_largest_ids() -> None:
    for value in (0, 1, 61, 62, 10**6, shortlinks.MAX_ID):
        code = shortlinks.short_sign(kind="p", value=value, salt="t")
        assert len(code) <= shortlinks.MAX_LEN == 25 and code.isalnum()
        assert shortlinks.short_unsign(code, salt="t", max_age=60, kinds="pk") == ("p", value)


def test_short_codes_cannot_be_forged_altered_or_reused_elsewhere() -> None:
    code = shortlinks.short_sign(kind="p", value=4242, salt="t")
    head = 1 + shortlinks.MAC_LEN + shortlinks.STAMP_LEN
    other_id = code[:head] + shortlinks.b62(4243)
    flipped = code[:3] + ("A" if code[3] != "A" else "B") + code[4:]
    for bad in (other_id, flipped, "k" + code[1:], code + "0", code[:-1], "", "p" * 25, code[:head] + "0" + code[head:],
                code.replace(code[1], "-", 1)):
        with pytest.raises(shortlinks.ShortCodeRefused) as refused:
            shortlinks.short_unsign(bad, salt="t", max_age=60, kinds="pk")
        assert refused.value.reason == "tampered", bad
    with pytest.raises(shortlinks.ShortCodeRefused):
        shortlinks.short_unsign(code, salt="another-use", max_age=60, kinds="pk")
    with pytest.raises(shortlinks.ShortCodeRefused):
        shortlinks.short_unsign(code, salt="t", max_age=60, kinds="k")


def test_short_codes_expire_and_survive_a_key_rotation(settings: Any) -> None:
    issued = 1_800_000_000.0
    code = shortlinks.short_sign(kind="k", value=7, salt="t", now=issued)
    assert shortlinks.short_unsign(code, salt="t", max_age=3600, kinds="k", now=issued + 3500) == ("k", 7)
    with pytest.raises(shortlinks.ShortCodeRefused) as refused:
        shortlinks.short_unsign(code, salt="t", max_age=3600, kinds="k", now=issued + 3700)
    assert refused.value.reason == "expired"
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "x" * 50, [old_key]
    assert shortlinks.short_unsign(code, salt="t", max_age=3600, kinds="k", now=issued) == ("k", 7)
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(shortlinks.ShortCodeRefused):
        shortlinks.short_unsign(code, salt="t", max_age=3600, kinds="k", now=issued)
