"""The distress detector (embassy.social.distress) on posts written the way workers and families write them,
in Indonesian (informal spelling included), Malay-flavoured Indonesian and English, and on posts that mention
the same words without anyone in trouble."""

from __future__ import annotations

import pytest

from embassy.social.distress import assess

DISTRESS = [
    ("Tolong sy min, paspor saya ditahan majikan udah 2 tahun", "documents"),
    ("gaji 5 bulan belum dibayar sama majikan, mau pulang gk boleh", "abuse"),
    ("gaji sy gk dibayar2 udah 7 bln @KBRI_KualaLumpur", "unpaid_salary"),
    ("Sy TKW di Penang, tidak digaji dan tidak boleh keluar rumah. Tolongggg", "abuse"),
    ("adik saya disekap agen di Riyadh, hp nya diambil", "abuse"),
    ("Kakak saya dipukuli majikan tiap hari, tolong bantu KJRI Jeddah", "abuse"),
    ("Saya kabur dari majikan, sekarang di jalan tidak punya apa2", "abuse"),
    ("teman saya dijual agen ke majikan lain, ini perdagangan orang", "trafficking"),
    ("sudah 3 bulan hilang kontak dengan ibu saya yang kerja di Taiwan", "whereabouts"),
    ("SOS tolong saya takut sekali sama majikan", "other"),
    ("Please help, my employer took my passport and I have not been paid for months", "documents"),
    ("My sister is locked in the house by her employer in Dubai", "abuse"),
    ("URGENT: Indonesian maid trapped in apartment, no food for 2 days", "abuse"),
]

CALM = [
    "Terima kasih KBRI Kuala Lumpur atas bantuannya, paspor baru sudah jadi",
    "Alhamdulillah majikan saya baik, gaji selalu dibayar tepat waktu",
    "Kapan KBRI buka layanan paspor hari Sabtu?",
    "tolong info lowongan kerja di Taiwan dong",
    "Selamat Hari Pahlawan dari KJRI Hong Kong!",
    "The embassy's cultural night was lovely, thank you",
    "Paspor saya tidak ditahan, aman kok",
    "",
    "🙏🙏🙏",
]


@pytest.mark.parametrize(("text", "category"), DISTRESS)
def test_distress_posts_are_flagged_with_their_category(text: str, category: str) -> None:
    result = assess(text)
    assert result.flagged, text
    assert result.category == category, (text, result)
    assert result.cues


@pytest.mark.parametrize("text", CALM)
def test_posts_without_anyone_in_trouble_are_not_flagged(text: str) -> None:
    assert not assess(text).flagged, (text, assess(text))


def test_cues_name_what_was_found_harm_first() -> None:
    result = assess("tolong, paspor saya ditahan majikan")
    assert result.cues == ("paspor saya ditahan", "tolong")
    assert assess("gaji 5 bln blm dibayar").cues == ("gaji 5 bulan belum dibayar",)


def test_a_negated_harm_word_is_not_harm() -> None:
    assert not assess("alhamdulillah saya tidak dipukul, majikan baik").flagged
    assert assess("saya dipukul majikan").flagged
