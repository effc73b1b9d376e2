from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from embassy.advisories.models import AdvisoryVersion, CountryFollow
from embassy.advisories.services import advisory_draft_create, advisory_draft_update
from embassy.advisories.tests.helpers import HQ, analyst, publish
from embassy.common.tests.factories import make_citizen_user, make_staff, staff_client
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db


def test_country_list_with_levels_and_search() -> None:
    publish("MY", author=analyst(), reviewer=analyst(), level=4, reason_en="War")
    client = Client()
    page = client.get("/informasi-negara/").content.decode()
    assert 'href="/informasi-negara/MY/"' in page and 'href="/informasi-negara/JP/"' in page
    assert "adv-chip adv-red" in page  # Malaysia's level 4 chip
    found = client.get("/informasi-negara/", {"q": "malay"}, headers={"hx-request": "true"}).content.decode()
    assert "/informasi-negara/MY/" in found and "/informasi-negara/JP/" not in found
    assert "<html" not in found  # just the list, for htmx


def test_country_page_shows_level_regions_numbers_missions_and_no_drafts() -> None:
    ani, budi = analyst(), analyst()
    publish("MY", author=ani, reviewer=budi, level=2, reason_id="Banjir musiman", reason_en="Seasonal floods",
            regions=[{"code": "MY-12", "level": 3, "reason_id": "Penculikan", "reason_en": "Kidnapping"}],
            emergency_numbers=[{"service": "general", "number": "999"}],
            sections={"laws": {"id": "Bawa paspor", "en": "Carry your passport"}})
    draft = advisory_draft_create(actor=ani, country="MY")
    advisory_draft_update(actor=ani, version_id=draft.pk, data={"reason_id": "RAHASIA DRAF", "level": 4})
    client = Client()
    response = client.get("/informasi-negara/my/")
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-level="2"' in page and "Banjir musiman" in page
    assert "Sabah" in page and "Penculikan" in page
    assert 'href="tel:999"' in page
    assert 'href="tel:+60176688032"' in page  # KBRI Kuala Lumpur's hotline, one tap
    assert "Bawa paspor" in page
    assert "RAHASIA DRAF" not in page and 'data-level="4"' not in page
    assert "data-testid=\"demo-ribbon\"" not in page
    english = Client(headers={"accept-language": "en"}).get("/informasi-negara/MY/").content.decode()
    assert "Seasonal floods" in english and "Carry your passport" in english
    # a country without published information still shows whom to call
    empty = client.get("/informasi-negara/JP/").content.decode()
    assert 'data-testid="mission"' in empty and 'href="tel:+6281290070027"' in empty  # HQ's hotline
    assert client.get("/informasi-negara/XX/").status_code == 404
    assert client.get("/informasi-negara/KBRI-KUALA-LUMPUR/").status_code == 404


def test_demo_content_carries_a_ribbon() -> None:
    publish("SG", author=analyst(), reviewer=analyst(), level=1, is_demo=True)
    assert 'data-testid="demo-ribbon"' in Client().get("/informasi-negara/SG/").content.decode()


def test_the_follow_button_is_loaded_separately() -> None:
    client = Client()
    page = client.get("/informasi-negara/MY/").content.decode()
    assert 'hx-get="/informasi-negara/MY/ikuti/"' in page and 'data-testid="follow-button"' not in page
    anonymous = client.get("/informasi-negara/MY/ikuti/").content.decode()
    assert reverse("accounts:signin") in anonymous and 'data-testid="follow-button"' not in anonymous
    citizen = make_citizen_user()
    client.force_login(citizen)
    button = client.get("/informasi-negara/MY/ikuti/")
    assert 'data-testid="follow-button"' in button.content.decode() and "no-store" in button["Cache-Control"]
    client.post("/informasi-negara/MY/ikuti/", {"follow": "1"}, headers={"hx-request": "true"})
    assert CountryFollow.objects.filter(user=citizen, country_id="MY").exists()
    unfollowed = client.post("/informasi-negara/MY/ikuti/", {"follow": "0"})  # a plain form, without htmx
    assert unfollowed.status_code == 302 and unfollowed["Location"] == "/informasi-negara/MY/"
    assert not CountryFollow.objects.filter(user=citizen, country_id="MY").exists()


def test_public_reads_take_few_queries(django_assert_max_num_queries) -> None:
    from io import StringIO

    from django.core.management import call_command

    call_command("load_advisories", stdout=StringIO())
    client = Client()
    client.get("/informasi-negara/")  # warm the session and per-process caches
    with django_assert_max_num_queries(4):
        client.get("/api/v1/advisories")
    with django_assert_max_num_queries(6):
        assert client.get("/informasi-negara/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/informasi-negara/MY/").status_code == 200


def test_console_editing_review_and_diff() -> None:
    ani, budi = make_staff(HQ, Role.PROTECTION_ANALYST), make_staff(HQ, Role.PROTECTION_ANALYST)
    a, b = staff_client(ani), staff_client(budi)
    assert a.get("/konsol/advisories/").status_code == 200
    created = a.post("/konsol/advisories/MY/draft/")
    assert created.status_code == 302
    version = AdvisoryVersion.objects.get(country_id="MY")
    url = f"/konsol/advisories/versions/{version.pk}/"
    assert created["Location"] == url
    form = {"level": "3", "reason_id": "Kerusuhan", "reason_en": "Unrest", "regions": "Sabah [MY-12] | 4 | Culik | Kidnap",
            "num_general": "999", "health_en": "Dengue", "is_demo": ""}
    saved = a.post(url, {**form, "then": "submit"})
    assert saved.status_code == 302
    version.refresh_from_db()
    assert version.status == "in_review" and version.level == 3 and version.regions[0]["name"] == "Sabah"
    assert version.emergency_numbers == [{"service": "general", "number": "999"}]
    assert version.sections["health"] == {"id": "", "en": "Dengue"}
    a.post(f"{url}publish/")
    version.refresh_from_db()
    assert version.status == "in_review"  # four-eyes: the author's click did nothing
    b.post(f"{url}publish/")
    version.refresh_from_db()
    assert version.status == "published"
    history = b.get("/konsol/advisories/MY/").content.decode()
    assert "v1" in history
    # second version, then its diff
    b.post("/konsol/advisories/MY/draft/")
    second = AdvisoryVersion.objects.get(country_id="MY", number=2)
    b.post(f"/konsol/advisories/versions/{second.pk}/", {**form, "reason_en": "Unrest spreading"})
    diff = b.get(f"/konsol/advisories/versions/{second.pk}/diff/").content.decode()
    assert "<del>Unrest</del>" not in diff and "spreading</ins>" in diff


def test_console_form_errors_are_shown_and_nothing_is_lost() -> None:
    ani = make_staff(HQ, Role.PROTECTION_ANALYST)
    client = staff_client(ani)
    client.post("/konsol/advisories/MY/draft/")
    version = AdvisoryVersion.objects.get(country_id="MY")
    url = f"/konsol/advisories/versions/{version.pk}/"
    bad = client.post(url, {"level": "2", "reason_en": "Kept text", "regions": "Atlantis [ID-PA] | 2"})
    assert bad.status_code == 422
    page = bad.content.decode()
    assert "ID-PA" in page and "Kept text" in page and 'class="error"' in page
    bad = client.post(url, {"level": "2", "num_police": "call us"})
    assert bad.status_code == 422 and "call us" in bad.content.decode()


def test_mission_staff_read_but_cannot_edit_in_the_console() -> None:
    ani = analyst()
    version = advisory_draft_create(actor=ani, country="MY")
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER)
    client = staff_client(officer)
    assert client.get("/konsol/advisories/").status_code == 200
    page = client.get(f"/konsol/advisories/versions/{version.pk}/").content.decode()
    assert "<textarea" not in page and "/publish/" not in page
    client.post(f"/konsol/advisories/versions/{version.pk}/", {"level": "4", "reason_en": "Hacked"})
    client.post("/konsol/advisories/SG/draft/")
    version.refresh_from_db()
    assert version.level == 1 and version.reason_en == ""
    assert not AdvisoryVersion.objects.filter(country_id="SG").exists()
    assert Client().get("/konsol/advisories/").status_code == 302  # to the staff sign-in
