"""The public pages show counts, never a person, and suppress small counts; the league table at headquarters;
the costs headquarters enters."""

from __future__ import annotations

from unittest import mock

import pytest
from django.test import Client

from embassy.common.tests.factories import make_staff, staff_client
from embassy.missions.models import Role
from embassy.performance.models import MissionCost
from embassy.performance.rollup import rollup_mission
from embassy.performance.tests.conftest import NOW, Tiny

pytestmark = pytest.mark.django_db


def test_public_page_has_no_personal_data_and_suppresses_small_counts(tiny: Tiny) -> None:
    rollup_mission(mission=tiny.mission)  # "now": the data set's months may be outside; counts stay small anyway
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get("/kinerja/KBRI-SINGAPORE/")
    assert page.status_code == 200
    html = page.content.decode()
    for personal in ("Rahasia", "tiny0@example.com", "Warga", "TB0", "TA1", "TC1", "tk1"):
        assert personal not in html, personal
    for citizen in tiny.citizens:
        assert citizen.full_name not in html
    assert "<svg" in html and "Digital take-up" in html
    assert "not entered" in html  # no cost: never invented


def test_small_counts_on_the_page(tiny: Tiny) -> None:
    rollup_mission(mission=tiny.mission, now=NOW)
    with mock.patch("embassy.performance.present.timezone.now", return_value=NOW):
        html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/kinerja/KBRI-SINGAPORE/").content.decode()
    block = html.split('data-testid="counter-figures"')[1].split("</div>")[0]
    assert "fewer than 5" in block  # 4 appointments, 1 no-show, 4 visitors
    assert ">4<" not in block and ">1<" not in block


def test_league_pages_and_costs(tiny: Tiny) -> None:
    rollup_mission(mission=tiny.mission)
    assert Client().get("/kinerja/").status_code == 200
    assert Client().get("/kinerja/NO-SUCH/").status_code == 404
    officer = staff_client(make_staff("KBRI-SINGAPORE", Role.CONSULAR_OFFICER))
    assert officer.get("/konsol/kinerja/").status_code == 403
    analyst = staff_client(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST))
    page = analyst.get("/konsol/kinerja/")
    assert page.status_code == 200 and b'data-testid="cost-form"' not in page.content
    refused = analyst.post("/konsol/kinerja/biaya/", {"mission": "KBRI-SINGAPORE", "year": "2026", "amount": "1000"})
    assert refused.status_code == 403 and not MissionCost.objects.exists()
    admin = staff_client(make_staff("HQ-PWNI", Role.ADMINISTRATOR))
    assert b'data-testid="cost-form"' in admin.get("/konsol/kinerja/").content
    bad = admin.post("/konsol/kinerja/biaya/", {"mission": "KBRI-SINGAPORE", "year": "2026", "amount": "-5",
                                                "currency": "SGD"})
    assert bad.status_code == 302 and not MissionCost.objects.exists()
    ok = admin.post("/konsol/kinerja/biaya/", {"mission": "KBRI-SINGAPORE", "year": "2026", "amount": "1200000",
                                               "currency": "SGD", "note": "Realisasi anggaran 2026"})
    assert ok.status_code == 302
    cost = MissionCost.objects.get()
    assert (cost.year, cost.amount, cost.currency) == (2026, 1200000, "SGD")


def test_public_api_applies_the_same_rule(tiny: Tiny) -> None:
    rollup_mission(mission=tiny.mission, now=NOW)
    with mock.patch("embassy.performance.present.timezone.now", return_value=NOW):
        body = Client().get("/api/v1/performance/missions/KBRI-SINGAPORE").json()
    assert body["bookings"] is None and body["no_show_rate"] is None and body["ikm"] is None  # 4, 4 and 2: small
    assert body["min_count"] == 5 and body["months"] == 12
    assert Client().get("/api/v1/performance/missions/NOPE").status_code == 404
