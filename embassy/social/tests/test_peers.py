"""Peer benchmarking: rankings, the mutual-follow graph, and the missions' league table normalised by their
community and their host country's internet users (docs/social-metrics.md, computed by hand)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from embassy.citizens.tests.factories import StayFactory
from embassy.missions.loader import DataFileError
from embassy.missions.models import Mission
from embassy.social import peers
from embassy.social.aggregates import refresh_days
from embassy.social.audience import audience_load
from embassy.social.models import Account, AccountDay, Follow, HostAudience, Post

pytestmark = pytest.mark.django_db
START, END = dt.datetime(2026, 11, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
SINGAPORE = (1.2897, 103.8501)


def account(handle: str, pid: str, *, unit: str | None = None, owner: str = "peer", followers: int = 0,
            posts: int = 0, interactions_each: int = 0, replies: int = 0) -> Account:
    acct = Account.objects.create(platform="x", handle=handle, url=f"https://x.com/{handle}", platform_id=pid,
                                  owner=owner if unit is None else "mission", owner_country="MY",
                                  owner_name="Peer" if unit is None else "",
                                  unit=Mission.objects.get(code=unit) if unit else None)
    AccountDay.objects.create(account=acct, day=dt.date(2026, 11, 30), followers=followers)
    for i in range(posts):
        Post.objects.create(account=acct, post_id=f"{pid}-{i}", published_at=START + dt.timedelta(days=i % 28, hours=3),
                            likes=interactions_each, comments=0, shares=0, is_reply=i < replies)
    refresh_days([acct.pk])  # as a pull or an import does
    return acct


def test_rankings_and_the_mutual_follow_graph() -> None:
    a = account("kemlu", "1", owner="ministry", followers=900, posts=10, interactions_each=5, replies=5)
    b = account("mfa_my", "2", followers=500, posts=6, interactions_each=50)
    c = account("mfa_sg", "3", followers=2000, posts=2, interactions_each=999)  # too few posts for per-post ranks
    d = account("mfa_th", "4", followers=100)
    for src, dst in [(a, b), (b, a), (a, c), (c, a), (b, c), (c, b), (d, a)]:  # d follows a; a does not follow back
        Follow.objects.create(account=src, target_id=dst.platform_id)
    rows = peers.benchmark([a, b, c, d], start=START, end=END)
    ranks = peers.rankings(rows)
    assert [r.account.handle for r, _v in ranks["most_followed"]] == ["mfa_sg", "kemlu", "mfa_my", "mfa_th"]
    assert [(r.account.handle, v) for r, v in ranks["most_effective"]] == [("mfa_my", 50.0), ("kemlu", 5.0)]
    assert [(r.account.handle, v) for r, v in ranks["most_conversational"]] == [("kemlu", 50.0), ("mfa_my", 0.0)]
    mutual = {r.account.handle: r.mutual for r in rows}
    assert mutual == {"kemlu": 2, "mfa_my": 2, "mfa_sg": 2, "mfa_th": 0}  # a one-way follow is not mutual
    assert [r.account.handle for r, _v in ranks["best_connected"]] == ["kemlu", "mfa_my", "mfa_sg"]


def test_the_league_table_judges_a_small_mission_fairly() -> None:
    kl = account("kbri_kl", "11", unit="KBRI-KUALA-LUMPUR", followers=10_000, posts=10, interactions_each=50)
    sg = account("kbri_sg", "12", unit="KBRI-SINGAPORE", followers=5_000, posts=30, interactions_each=20)
    for _ in range(4):
        StayFactory.create()  # Kuala Lumpur
    StayFactory.create(lat=SINGAPORE[0], lon=SINGAPORE[1], city="Singapore", country="SG")
    HostAudience.objects.update_or_create(country_id="MY", defaults={  # round numbers for the arithmetic
        "internet_users": 30_000_000, "internet_users_pct": 97.4, "population": 35_000_000, "year": 2024,
        "source_url": "https://example.org", "source_title": "t"})
    HostAudience.objects.update_or_create(country_id="SG", defaults={
        "internet_users": 5_000_000, "internet_users_pct": 96.0, "population": 5_900_000, "year": 2024,
        "source_url": "https://example.org", "source_title": "t"})
    table = peers.league(peers.benchmark([kl, sg], start=START, end=END))
    assert [r.unit_code for r in table] == ["KBRI-SINGAPORE", "KBRI-KUALA-LUMPUR"]
    first, second = table
    # Singapore: 5,000 followers for 1 registered citizen and 5 M internet users; Kuala Lumpur: 10,000 for 4 and 30 M.
    assert first.followers_per_1000_community == pytest.approx(5_000_000)
    assert second.followers_per_1000_community == pytest.approx(2_500_000)
    assert first.followers_per_million_internet == pytest.approx(1000)
    assert second.followers_per_million_internet == pytest.approx(10_000 / 30)
    assert (first.interactions_per_post, second.interactions_per_post) == (20, 50)
    assert first.parts == {"community": 100.0, "internet": 100.0, "effect": 0.0, "activity": 100.0}
    assert (first.score, second.score) == (75.0, 25.0)


def test_the_internet_users_file_loads_whole_or_not_at_all(tmp_path: Path) -> None:
    path = tmp_path / "internet_users.csv"
    header = "# source: World Bank\ncountry,internet_users_pct,population,internet_users,year,source_url,source_title\n"
    path.write_text(header + "MY,97.4,35126298,34213014,2023,https://data.worldbank.org/,WDI\n", encoding="utf-8")
    assert audience_load(path=path) == 1
    assert HostAudience.objects.get().internet_users == 34213014  # the file replaces what was loaded
    path.write_text(header + "MY,97.4,35126298,34213014,2023,https://data.worldbank.org/,WDI\n"
                    "XX,50,10,5,2023,https://data.worldbank.org/,WDI\n", encoding="utf-8")
    with pytest.raises(DataFileError) as info:
        audience_load(path=path)
    assert info.value.line == 4 and info.value.column == "country"
    assert HostAudience.objects.count() == 1  # the old figures stay


def test_the_shipped_internet_users_file_loads() -> None:
    from django.conf import settings

    assert audience_load(path=Path(settings.DATA_DIR) / "internet_users.csv") >= 90
    indonesia = HostAudience.objects.get(country_id="ID")
    assert indonesia.year >= 2023 and 0 < indonesia.internet_users < indonesia.population
