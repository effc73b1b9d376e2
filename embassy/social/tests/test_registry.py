"""The registry data file, credentials and scoping: what headquarters and a mission's officer would notice."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from embassy.common.errors import NotFound
from embassy.common.tests.factories import make_staff, verified
from embassy.missions.loader import DataFileError
from embassy.missions.models import Mission, Role
from embassy.social.collectors import collector_for
from embassy.social.health import health_of, token_state
from embassy.social.models import Account, Platform
from embassy.social.registry import COLUMNS, read_accounts
from embassy.social.selectors import account_get_for, account_list_for
from embassy.social.services import account_connect, accounts_load, credentials_of, masked

pytestmark = pytest.mark.django_db
SRC = "https://example.org/source"
HEADER = "# a comment line\n" + ",".join(COLUMNS) + "\n"
GOOD = [
    f"ministry,,Kementerian Luar Negeri,ID,x,Kemlu_RI,https://x.com/Kemlu_RI,,yes,{SRC},2025-01",
    f"mission,KBRI-KUALA-LUMPUR,,,instagram,kbri_example,https://www.instagram.com/kbri_example/,,,{SRC},2024",
    f"peer,,Ministry of Foreign Affairs of Malaysia,MY,mastodon,wisma@mastodon.example,"
    f"https://mastodon.example/@wisma,,,{SRC},2024-05-01",
]


@pytest.fixture(autouse=True)
def _empty_registry() -> None:
    """These tests load files of their own: start from no accounts (the shipped registry is loaded for the
    session; this test's transaction gives it back)."""
    Account.objects.all().delete()


def write(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "social_accounts.csv"
    path.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_file_loads_and_a_second_load_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    assert accounts_load(path=path) == {"accounts": 3, "created": 3, "updated": 0, "deactivated": 0}
    assert accounts_load(path=path) == {"accounts": 3, "created": 0, "updated": 0, "deactivated": 0}
    kl = Account.objects.get(handle="kbri_example")
    assert kl.unit is not None and kl.unit.code == "KBRI-KUALA-LUMPUR" and kl.sources == SRC
    assert Account.objects.get(handle="Kemlu_RI").verified


def test_an_account_dropped_from_the_file_is_deactivated_not_deleted_and_hand_added_ones_stay(tmp_path: Path) -> None:
    accounts_load(path=write(tmp_path, GOOD))
    Account.objects.create(platform="bluesky", handle="kemlu.example", url="https://bsky.app/profile/kemlu.example",
                           owner="ministry")
    result = accounts_load(path=write(tmp_path, GOOD[:2]))
    assert result["deactivated"] == 1
    assert not Account.objects.get(handle="wisma@mastodon.example").active
    assert Account.objects.get(handle="kemlu.example").active


@pytest.mark.parametrize(("row", "field"), [
    (f"mission,,,,x,kbri_x,https://x.com/kbri_x,,,{SRC},2024", "unit"),
    (f"mission,KBRI-NOWHERE,,,x,kbri_x,https://x.com/kbri_x,,,{SRC},2024", "unit"),
    (f"ministry,,,,x,this_handle_is_far_too_long,https://x.com/a,,,{SRC},2024", "handle"),
    (f"ministry,,,,instagram,kemlu,https://x.com/kemlu,,,{SRC},2024", "url"),
    ("ministry,,,,x,kemlu,https://x.com/kemlu,,,,2024", "sources"),
    (f"ministry,,,,x,kemlu,https://x.com/kemlu,,,{SRC},last year", "source_date"),
    (f"peer,,,,x,kemlu,https://x.com/kemlu,,,{SRC},2024", "owner_country"),
    (f"embassy,,,,x,kemlu,https://x.com/kemlu,,,{SRC},2024", "owner"),
    (f"ministry,,,,friendster,kemlu,https://x.com/kemlu,,,{SRC},2024", "platform"),
])
def test_a_bad_row_is_refused_with_its_line_and_field_and_nothing_is_stored(tmp_path: Path, row: str,
                                                                           field: str) -> None:
    path = write(tmp_path, [*GOOD, row])
    with pytest.raises(DataFileError) as info:
        accounts_load(path=path)
    assert info.value.line == 6 and info.value.column == field
    assert not Account.objects.exists()


def test_the_same_handle_twice_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="already on line 3"):
        read_accounts(write(tmp_path, [GOOD[0], GOOD[0].replace("Kemlu_RI,", "kemlu_ri,")]),
                      units=set(Mission.objects.values_list("code", flat=True)))


def test_the_shipped_registry_file_is_valid() -> None:
    path = Path(settings.DATA_DIR) / "social_accounts.csv"
    if not path.exists():
        pytest.skip("no registry file shipped yet")
    rows = read_accounts(path, units=set(Mission.objects.values_list("code", flat=True)))
    assert rows and all(r.sources for r in rows)


def test_credentials_are_sealed_and_shown_masked(tmp_path: Path) -> None:
    accounts_load(path=write(tmp_path, GOOD))
    account = Account.objects.get(handle="Kemlu_RI")
    account_connect(account=account, credentials={"bearer_token": "AAAA-secret-bearer-1234"}, token_kind="app")
    account.refresh_from_db()
    assert "secret" not in account.credentials and account.credentials.startswith("ek1:")
    assert credentials_of(account) == {"bearer_token": "AAAA-secret-bearer-1234"}
    assert masked(account) == {"bearer_token": "••••••••1234"}
    account_connect(account=account, credentials={"bearer_token": ""})
    account.refresh_from_db()
    assert account.credentials == "" and credentials_of(account) == {}


def test_token_rules_a_page_token_without_expiry_is_not_dead() -> None:
    now = timezone.now()
    page = Account(platform="facebook", handle="p", credentials="ek1:x", token_kind="page", token_expires_at=None)
    assert token_state(page, now) == "ok"
    user = Account(platform="facebook", handle="u", credentials="ek1:x", token_kind="user",
                   token_expires_at=now + dt.timedelta(days=3))
    assert token_state(user, now) == "expiring"
    user.token_expires_at = now - dt.timedelta(minutes=1)
    assert token_state(user, now) == "expired"
    # TikTok: the 24-hour access token is past, its refresh token is good for months: fine.
    tiktok = Account(platform="tiktok", handle="t", credentials="ek1:x", token_kind="oauth2+refresh",
                     token_expires_at=now - dt.timedelta(hours=1), refresh_expires_at=now + dt.timedelta(days=200))
    assert token_state(tiktok, now) == "ok"
    tiktok.refresh_expires_at = now - dt.timedelta(days=1)
    assert token_state(tiktok, now) == "expired"
    tiktok.needs_reconnect = True
    assert token_state(tiktok, now) == "reconnect"


def test_health_says_when_numbers_are_stale_or_the_last_pull_failed() -> None:
    now = timezone.now()
    day = dt.timedelta(days=1)
    account = Account(platform="mastodon", handle="a@b.example")
    assert health_of(account, now=now, stale_after=day).state == "never"
    account.last_success_at = now - dt.timedelta(hours=2)
    assert health_of(account, now=now, stale_after=day).state == "ok"
    account.last_success_at = now - dt.timedelta(days=3)
    assert health_of(account, now=now, stale_after=day).state == "stale"
    account.last_error, account.last_error_at = "HTTP 503", now - dt.timedelta(hours=1)
    health = health_of(account, now=now, stale_after=day)
    assert health.state == "error" and health.last_error == "HTTP 503"


def test_a_missions_officer_sees_only_their_units_accounts_and_headquarters_sees_all(tmp_path: Path) -> None:
    accounts_load(path=write(tmp_path, GOOD))
    kl = verified(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER))
    sg = verified(make_staff("KBRI-SINGAPORE", Role.SOCIAL_MEDIA_OFFICER))
    hq = verified(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    protection = verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER))
    assert [a.handle for a in account_list_for(user=kl)] == ["kbri_example"]
    assert not account_list_for(user=sg).exists() and not account_list_for(user=protection).exists()
    assert account_list_for(user=hq).count() == 3
    other = Account.objects.get(handle="kbri_example")
    with pytest.raises(NotFound):
        account_get_for(user=sg, account_id=other.pk)


@pytest.mark.parametrize("platform", [p for p, _label in Platform.choices])
def test_every_platform_has_its_collector(platform: str) -> None:
    assert collector_for(platform).platform == platform
