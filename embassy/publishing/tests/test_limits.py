"""Each platform's counting and rules, as a person composing a post would meet them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from embassy.publishing import limits, protocol
from embassy.publishing.limits import MediaInfo


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The messages below are asserted in English."""
    with translation.override("en"):
        yield


def test_x_counts_urls_as_23_and_cjk_and_emoji_as_2() -> None:
    assert limits.x_length("a" * 280) == 280
    assert limits.x_length("Lihat https://kemlu.go.id/kualalumpur/berita/panjang-sekali-alamatnya") == 6 + 23
    assert limits.x_length("日本語") == 6
    assert limits.x_length("👍🏽") == 2  # an emoji with a skin tone is one emoji
    assert limits.x_length("👨‍👩‍👧") == 2  # a family joined by ZWJ
    assert limits.x_length("🇮🇩") == 2
    assert limits.x_length("café") == limits.x_length("cafe\u0301") == 4  # NFC
    assert limits.check("x", "日" * 141, []).problems  # 282 > 280
    assert limits.check("x", "日" * 140, []).ok


def test_bluesky_counts_graphemes_and_mastodon_urls() -> None:
    assert len(limits.graphemes("🇮🇩👍🏽e\u0301")) == 3
    assert limits.check("bluesky", "🇮🇩" * 300, []).ok
    assert not limits.check("bluesky", "a" * 301, []).ok
    assert limits.mastodon_length("hi @kemlu@mastodon.social https://example.org/" + "x" * 100) == 3 + 6 + 1 + 23


def test_media_rules_and_alt_text() -> None:
    photo = MediaInfo("foto.jpg", "image/jpeg", 2_000_000, "Duta Besar menyapa WNI")
    assert "Instagram needs at least one image." in limits.check("instagram", "Halo", []).problems
    assert limits.check("instagram", "Halo", [photo]).ok
    png = MediaInfo("peta.png", "image/png", 100, "Peta")
    assert limits.check("instagram", "Halo", [png]).problems  # JPEG only
    no_alt = MediaInfo("foto.jpg", "image/jpeg", 100, " ")
    assert any("alt text" in p for p in limits.check("x", "Halo", [no_alt]).problems)
    big = MediaInfo("besar.jpg", "image/jpeg", 1_500_000, "Foto")
    assert limits.check("bluesky", "Halo", [big]).problems and limits.check("x", "Halo", [big]).ok
    assert limits.check("x", "Halo", [photo] * 5).problems


def test_protocol_warns_on_misspelt_names_and_missing_titles() -> None:
    kinds = {(w.kind, w.message.split("”")[0]) for w in protocol.check("Kunjungan Prabowo Subiyanto ke Malaysia")}
    assert ("spelling", "“Prabowo Subiyanto") in kinds
    missing = protocol.check("Prabowo Subianto bertemu Lawrence Wong.")
    assert {w.kind for w in missing} == {"title"} and len(missing) == 2
    assert protocol.check("Presiden Prabowo Subianto bertemu Perdana Menteri Lawrence Wong.") == []
    assert protocol.check("President Prabowo Subianto met Prime Minister Anwar Ibrahim.") == []
    assert all(p.source_url.startswith("https://") for p in protocol.people())
