"""The console's listening pages as the digital-diplomacy team, a mission's social-media officer and others use
them, and the crisis room's listening panel. (This module is also the URL conf of its tests: the site's URLs
with listening's console URLs added, until the lead wires them into config/urls.py.)"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

import pytest
from django.test import TestCase
from django.urls import URLPattern, URLResolver, include, path, reverse
from django.utils import timezone

from config import urls as site
from embassy.accounts.models import AuditEvent
from embassy.common.tests.factories import make_staff, staff_client, verified
from embassy.common.when import local_label
from embassy.crises.services import crisis_declare
from embassy.listening.models import Heard, Stream
from embassy.listening.streams import crisis_streams_sync
from embassy.listening.urls import console_patterns
from embassy.missions.models import Mission, Role

_console: list[URLPattern | URLResolver] = list(site.console[0])
_named = {getattr(p, "name", None) for p in _console}
_others = [p for p in cast("list[URLPattern | URLResolver]", site.urlpatterns) if str(p.pattern) != "konsol/"]
urlpatterns: list[URLPattern | URLResolver] = [
    path("konsol/", include(([*_console, *[p for p in console_patterns if p.name not in _named]], site.console[1]))),
    *_others,
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def streams() -> dict[str, Stream]:
    kl, sg = Mission.objects.get(code="KBRI-KUALA-LUMPUR"), Mission.objects.get(code="KBRI-SINGAPORE")
    return {"kl": Stream.objects.create(name="Sungai Buloh", unit=kl, terms=["WNI Sungai Buloh"], platforms=["x"]),
            "sg": Stream.objects.create(name="Pekerja Singapura", unit=sg, terms=["TKI Singapura"], platforms=["x"]),
            "hq": Stream.objects.create(name="WNI", terms=["WNI"], platforms=["x", "bluesky"], builtin=True)}


def heard(stream: Stream, post_id: str, text: str, *, minutes: int = 10, **fields: Any) -> Heard:
    now = timezone.now()
    return Heard.objects.create(platform="x", post_id=post_id, published_at=now - dt.timedelta(minutes=minutes),
                                heard_at=now, text=text, author_handle=fields.pop("author", "siti_wni"),
                                streams=[stream.pk], **fields)


def test_the_team_sees_every_stream_a_missions_officer_only_their_units(streams: dict[str, Stream]) -> None:
    team = staff_client(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    body = team.get(reverse("console:listening-streams")).content.decode()
    assert all(s.name in body for s in streams.values())
    officer = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER))
    page = officer.get(reverse("console:listening-streams"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Sungai Buloh" in body and "Pekerja Singapura" not in body
    assert f'data-stream="{streams["hq"].pk}"' not in body
    singapore = streams["sg"].pk
    assert officer.get(reverse("console:listening-stream", args=[singapore])).status_code == 404
    assert officer.post(reverse("console:listening-stream-edit", args=[singapore]),
                        {"name": "mine", "terms": "WNI", "platforms": ["x"], "active": "1"}).status_code == 404
    assert officer.post(reverse("console:listening-stream-stop", args=[singapore])).status_code == 404
    assert officer.post(reverse("console:listening-stream-pull", args=[singapore])).status_code == 404
    streams["sg"].refresh_from_db()
    assert streams["sg"].name == "Pekerja Singapura" and streams["sg"].active
    protection = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER))
    assert protection.get(reverse("console:listening-streams")).status_code == 403
    assert protection.get(reverse("console:listening-stream", args=[streams["kl"].pk])).status_code == 403


def test_an_officer_adds_a_stream_for_their_unit_only(streams: dict[str, Stream]) -> None:
    officer = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER))
    response = officer.post(reverse("console:listening-stream-new"), {
        "name": "Selangor", "terms": "TKI Selangor\n\"PMI Selangor\"", "platforms": ["x", "mastodon"],
        "unit": "KBRI-KUALA-LUMPUR"}, follow=True)
    assert response.status_code == 200
    made = Stream.objects.get(name="Selangor")
    assert made.unit is not None and made.unit.code == "KBRI-KUALA-LUMPUR" and made.platforms == ["x", "mastodon"]
    assert AuditEvent.objects.filter(action="listening.stream_create", object_id=str(made.pk)).exists()
    assert officer.post(reverse("console:listening-stream-new"), {
        "name": "SG", "terms": "WNI", "platforms": ["x"], "unit": "KBRI-SINGAPORE"}).status_code == 404
    response = officer.post(reverse("console:listening-stream-new"), {
        "name": "HQ", "terms": "WNI", "platforms": ["x"], "unit": ""}, follow=True)
    assert response.status_code == 200 and not Stream.objects.filter(name="HQ").exists()
    response = officer.post(reverse("console:listening-stream-new"), {
        "name": "Kosong", "terms": "", "platforms": ["x"], "unit": "KBRI-KUALA-LUMPUR"}, follow=True)
    assert response.status_code == 200 and "Isi paling sedikit satu kata kunci" in response.content.decode()
    response = officer.post(reverse("console:listening-stream-edit", args=[made.pk]),
                            {"name": "Selangor", "terms": "TKI Selangor", "platforms": ["bluesky"]}, follow=True)
    made.refresh_from_db()
    assert made.terms == ["TKI Selangor"] and made.platforms == ["bluesky"] and not made.active  # box unticked
    officer.post(reverse("console:listening-stream-edit", args=[made.pk]),
                 {"name": "Selangor", "terms": "TKI Selangor", "platforms": ["bluesky"], "active": "1"})
    officer.post(reverse("console:listening-stream-stop", args=[made.pk]))
    made.refresh_from_db()
    assert not made.active


def test_a_streams_page_shows_its_heard_posts_filtered_with_its_health_and_audits_the_read(
        streams: dict[str, Stream]) -> None:
    stream = streams["kl"]
    cry = heard(stream, "1", "Tolong, WNI di Sungai Buloh paspor ditahan majikan", lang="id", sentiment="negative",
                distress=True, author_location="Sungai Buloh")
    heard(stream, "2", "Great help from the embassy today", lang="en", sentiment="positive", author="budi")
    heard(streams["sg"], "3", "TKI Singapura dapat pelatihan", lang="id")
    heard(stream, "4", "Berita lama WNI Sungai Buloh", minutes=60 * 24 * 10)
    Stream.objects.filter(pk=stream.pk).update(last_error="X: Service Unavailable", failures=2,
                                               last_error_at=timezone.now(),
                                               retry_after=timezone.now() + dt.timedelta(minutes=2))
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER)
    client = staff_client(officer)
    page = client.get(reverse("console:listening-stream", args=[stream.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "paspor ditahan majikan" in body and "Great help" in body
    assert "TKI Singapura" not in body and "Berita lama" not in body  # another stream's; older than 7 days
    assert "X: Service Unavailable" in body and 'data-health="error"' in body and 'data-testid="stale-note"' in body
    assert local_label(cry.published_at, "Asia/Kuala_Lumpur") in body  # in the officer's mission's zone
    only_english = client.get(reverse("console:listening-stream", args=[stream.pk]), {"bahasa": "en"}).content.decode()
    assert "Great help" in only_english and "paspor" not in only_english
    negative = client.get(reverse("console:listening-stream", args=[stream.pk]),
                          {"sentimen": "negative", "darurat": "1"}).content.decode()
    assert "paspor" in negative and "Great help" not in negative
    month = client.get(reverse("console:listening-stream", args=[stream.pk]), {"hari": "30", "q": "lama"})
    assert "Berita lama" in month.content.decode() and "paspor" not in month.content.decode()
    event = AuditEvent.objects.filter(action="listening.heard_read", actor=officer).first()
    assert event is not None and event.object_id == str(stream.pk) and event.mission_code == "KBRI-KUALA-LUMPUR"


def test_pull_now_reads_the_stream_and_shows_the_failure(streams: dict[str, Stream], settings: Any) -> None:
    settings.SOCIAL_API_BASE = {**settings.SOCIAL_API_BASE, "x": "http://127.0.0.1:9"}  # nothing listens there
    team = staff_client(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    stream = streams["kl"]
    response = team.post(reverse("console:listening-stream-pull", args=[stream.pk]), follow=True)
    assert response.status_code == 200
    stream.refresh_from_db()
    assert stream.last_pull_at is not None and "X account" in stream.last_error  # none connected in this test
    assert "X account" in response.content.decode()


def test_the_crisis_room_loads_a_listening_panel_with_the_crisis_streams_posts() -> None:
    officer = verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER))
    with TestCase.captureOnCommitCallbacks(execute=True):  # the crisis's missions are found on commit
        crisis = crisis_declare(actor=officer, title="Banjir Kuala Lumpur", kind="flood", lat=3.14, lon=101.69,
                                radius_km=30)
    crisis.missions.add(Mission.objects.get(code="KBRI-KUALA-LUMPUR"))  # as when registered citizens are inside
    client = staff_client(officer)
    room = client.get(reverse("console:crisis", args=[crisis.pk])).content.decode()
    panel_url = reverse("console:listening-crisis-panel", args=[crisis.pk])
    assert f'hx-get="{panel_url}?first=1"' in room and 'hx-trigger="load"' in room
    empty = client.get(panel_url, {"first": "1"}).content.decode()
    assert "dimulai dalam lima menit" in empty  # the console speaks Indonesian first
    crisis_streams_sync()
    stream = Stream.objects.get(crisis=crisis)
    heard(stream, "9", "Banjir di Kuala Lumpur, tolong WNI di Sentul terjebak", distress=True)
    panel = client.get(panel_url, {"first": "1"}).content.decode()
    assert "WNI di Sentul terjebak" in panel and 'hx-trigger="every 60s"' in panel
    assert AuditEvent.objects.filter(action="listening.heard_read", object_type="crises.crisis").count() == 1
    client.get(panel_url)  # a refresh is not audited again
    assert AuditEvent.objects.filter(action="listening.heard_read", object_type="crises.crisis").count() == 1
    singapore = staff_client(make_staff("KBRI-SINGAPORE", Role.PROTECTION_OFFICER))
    assert singapore.get(panel_url).status_code == 404  # not a crisis of their missions
    social = staff_client(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER))
    assert "Sentul" in social.get(panel_url).content.decode()
