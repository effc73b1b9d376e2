"""The demo year: labelled demo, deterministic, and a dashboard with something in every part."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from embassy.common.tests.factories import make_staff, staff_client
from embassy.missions.models import Role
from embassy.social.demo import demo_seed
from embassy.social.models import Account, Follow, Post, PostSnapshot

pytestmark = pytest.mark.django_db


def test_the_demo_is_labelled_deterministic_and_fills_the_dashboard() -> None:
    first = demo_seed(today=dt.date(2026, 12, 1), days=40, missions=2, peers=1)
    assert first["accounts"] == 5 + 3 + 2 * 3 + 2
    demo = Account.objects.filter(demo=True)
    assert demo.count() == first["accounts"] and all(a.handle.startswith("demo.") for a in demo)
    assert all("example.org" in a.url for a in demo)
    posts = Post.objects.filter(account__demo=True).count()
    assert posts == first["posts"] > 0 and PostSnapshot.objects.count() <= posts * 10
    assert Follow.objects.exists()
    again = demo_seed(today=dt.date(2026, 12, 1), days=40, missions=2, peers=1)
    assert again["posts"] == first["posts"] and Post.objects.filter(account__demo=True).count() == posts
    page = staff_client(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY)).get(reverse("console:social-dashboard"))
    body = page.content.decode()
    assert page.status_code == 200 and "demo.kemlu" in body and "<polyline" in body
