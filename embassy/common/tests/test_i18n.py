from __future__ import annotations

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import translation


def test_both_catalogues_are_complete_and_compiled() -> None:
    # --check fails on any untranslated or fuzzy entry and on a .mo older than its .po
    call_command("compile_catalogues", check=True, verbosity=0)


def test_indonesian_is_the_default_and_english_the_second() -> None:
    with translation.override("id"):
        assert translation.gettext("Sign in") == "Masuk"
    with translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"


@pytest.mark.django_db
def test_pages_speak_the_chosen_language() -> None:
    client = Client()
    assert "Masuk" in client.get("/").content.decode()
    client.post("/bahasa/", {"language": "en", "next": "/"})
    page = client.get("/").content.decode()
    assert "Sign in" in page and 'lang="en"' in page
