"""Name similarity: tolerant to one misspelt letter per word and to transposed words, never to a missing word."""

from __future__ import annotations

import pytest

from embassy.enquiries.names import edits, name_key, names_overlap, names_similar


@pytest.mark.parametrize(("a", "b"), [
    ("Siti Aminah", "siti aminah"),
    ("Siti Aminah", "Aminah Siti"),  # transposed words
    ("Siti Aminah", "Siti Aminha"),  # transposed letters
    ("Muhammad Rizky", "Muhamad Rizky"),  # one letter missing
    ("Budi Santoso", "Santoso Budy"),  # transposed and misspelt
    ("Nur Haliza", "Nurhaliza"),  # spacing
    ("Siti Aminah binti Ahmad", "Siti Aminah Ahmad"),  # the connector is not a word
    ("Dédé Sunarya", "Dede Sunarya"),  # accents
])
def test_similar(a: str, b: str) -> None:
    assert names_similar(a, b)


@pytest.mark.parametrize(("a", "b"), [
    ("Siti", "Siti Aminah"),  # partial
    ("Siti Aminah", "Siti Aminah Rahayu"),  # a word more
    ("Budi Santoso", "Budi Susanto"),  # two different surnames
    ("Andi Wijaya", "Adi Wijaya"),  # short words must be exact
    ("Muhammad Rizky", "Mohammad Rizki"),  # one edit in each word is fine, but here …
    ("", "Siti Aminah"),
])
def test_not_similar(a: str, b: str) -> None:
    if (a, b) == ("Muhammad Rizky", "Mohammad Rizki"):
        assert names_similar(a, b)  # two edits in all: still similar (a strong key must come with it)
        assert not names_similar("Muhammad Rizky", "Mohammad Rizqi")  # three: not
        return
    assert not names_similar(a, b)


def test_helpers() -> None:
    assert edits("aminah", "aminha") == 1 and edits("abc", "xyz") == 3
    assert name_key("  SITI   Aminah, binti Ahmad ") == "siti aminah ahmad"
    assert names_overlap("Siti Aminah", "Aminah Binti Yusuf") and not names_overlap("Siti Aminah", "Budi Santoso")
