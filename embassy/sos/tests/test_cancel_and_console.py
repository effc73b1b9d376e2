"""Issue 10 on the SOS pages: an accidental press taken back (nothing deleted, still counted), a citizen's later
message marking the case in the queue, local times with their zone and positions people can open."""

from __future__ import annotations

import json
import re
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count
from django.test import Client

from embassy.accounts.models import AuditEvent, User
from embassy.common.tests.factories import bearer, make_citizen_user, make_staff, staff_client
from embassy.missions.models import Role
from embassy.notify.models import Message
from embassy.sos.models import Case, Event, Outcome
from embassy.sos.notices import cases_alert_new
from embassy.sos.services import case_acknowledge, case_reopen
from embassy.sos.tests.helpers import KL, _post

pytestmark = pytest.mark.django_db


@pytest.fixture
def citizen() -> tuple[Any, dict[str, str]]:
    user = make_citizen_user("warga.batal@example.com")
    return user, bearer(user)


@pytest.fixture
def kl_officer() -> Any:
    return make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.kl.batal")


def _raise(client: Client, auth: dict[str, str], key: str = "cancel-key-1") -> int:
    r = _post(client, "/api/v1/sos/alerts", {"idempotency_key": key, **KL}, auth)
    assert r.status_code == 201, r.content
    return int(r.json()["id"])


def _web(user: User) -> Client:
    web = Client()
    web.force_login(user)
    return web


def test_the_citizen_cancels_from_the_case_page_and_nothing_is_deleted(
        client: Client, citizen: Any, kl_officer: Any) -> None:
    user, auth = citizen
    case_id = _raise(client, auth)
    web = _web(user)
    page = web.get(f"/sos/kasus/{case_id}/").content.decode()
    assert 'data-testid="mistake"' in page  # the "I pressed by mistake" offer, just after the press
    assert f'action="/sos/kasus/{case_id}/batal/"' in page  # and the cancel button for later
    r = web.post(f"/sos/kasus/{case_id}/batal/")
    assert r.status_code == 302 and r["Location"] == f"/sos/kasus/{case_id}/"
    case = Case.objects.get(pk=case_id)
    assert case.status == Case.Status.RESOLVED and case.outcome == Outcome.CANCELLED and case.cancelled
    assert case.resolved_at is not None and case.unread_at is not None
    event = case.events.get(kind=Event.Kind.CANCELLED)
    assert event.from_citizen and event.public and event.actor_id == user.pk
    assert case.events.filter(kind=Event.Kind.RAISED).exists() and case.alert_set.count() == 1  # kept
    assert AuditEvent.objects.filter(action="sos.cancel", actor=user, object_id=str(case_id)).exists()
    after = web.get(f"/sos/kasus/{case_id}/").content.decode()
    assert 'data-testid="cancelled"' in after and 'data-testid="cancel-form"' not in after
    assert 'data-testid="mistake"' not in after
    # A second tap (a retry) changes nothing; a new press opens a new case, as after any closed case.
    assert web.post(f"/sos/kasus/{case_id}/batal/").status_code == 302
    assert case.events.filter(kind=Event.Kind.CANCELLED).count() == 1
    assert _raise(client, auth, key="cancel-key-2") != case_id


def test_cancel_through_the_api_is_idempotent_and_only_for_ones_own_case(client: Client, citizen: Any) -> None:
    _user, auth = citizen
    case_id = _raise(client, auth)
    first = client.post(f"/api/v1/sos/my-cases/{case_id}/cancel", headers=auth)
    assert first.status_code == 200, first.content
    assert first.json()["outcome"] == "cancelled" and first.json()["status"] == "resolved"
    assert [e["kind"] for e in first.json()["events"]][-1] == "cancelled"
    again = client.post(f"/api/v1/sos/my-cases/{case_id}/cancel", headers=auth)
    assert again.status_code == 200 and Event.objects.filter(kind="cancelled").count() == 1
    other = bearer(make_citizen_user("orang.lain@example.com"))
    assert client.post(f"/api/v1/sos/my-cases/{case_id}/cancel", headers=other).status_code == 404


def test_the_officer_sees_the_cancellation_in_the_queue_and_on_the_case_until_opened(
        client: Client, citizen: Any, kl_officer: Any) -> None:
    _user, auth = citizen
    case_id = _raise(client, auth)
    assert cases_alert_new() == 1  # the duty officer was told about the press…
    assert client.post(f"/api/v1/sos/my-cases/{case_id}/cancel", headers=auth).status_code == 200
    told = Message.objects.filter(user=kl_officer, kind="sos.cancelled")
    assert told.filter(channel="email").exists()  # …and hears it was taken back (no SMS for this)
    assert not told.filter(channel="sms").exists()
    web = staff_client(kl_officer)
    queue = web.get("/konsol/sos/").content.decode()
    row = re.search(rf'<li class="case-row[^"]*"[^>]*data-case="{case_id}".*?</li>', queue, re.S)
    assert row and 'data-testid="badge-cancelled"' in row.group(0)  # still in the open queue, marked
    page = web.get(f"/konsol/sos/{case_id}/").content.decode()
    assert 'data-testid="cancelled-by-citizen"' in page
    assert Case.objects.get(pk=case_id).unread_at is None  # opened: it leaves the open queue
    assert f'data-case="{case_id}"' not in web.get("/konsol/sos/").content.decode()
    assert f'data-case="{case_id}"' in web.get("/konsol/sos/?status=resolved").content.decode()
    # The officer may doubt it (a phone taken from a worker) and reopen it.
    case_reopen(case=Case.objects.get(pk=case_id), actor=_verified(kl_officer))
    assert Case.objects.get(pk=case_id).status == Case.Status.ACKNOWLEDGED


def test_a_press_taken_back_before_the_fan_out_wakes_no_one(client: Client, citizen: Any, kl_officer: Any) -> None:
    _user, auth = citizen
    case_id = _raise(client, auth)
    client.post(f"/api/v1/sos/my-cases/{case_id}/cancel", headers=auth)
    assert cases_alert_new() == 0
    assert not Message.objects.filter(user=kl_officer).exists()
    assert f'data-case="{case_id}"' in staff_client(kl_officer).get("/konsol/sos/").content.decode()


def test_officers_cannot_pick_cancelled_as_their_own_outcome(client: Client, citizen: Any, kl_officer: Any) -> None:
    _user, auth = citizen
    case_id = _raise(client, auth)
    web = staff_client(kl_officer)
    page = web.get(f"/konsol/sos/{case_id}/").content.decode()
    assert 'value="cancelled"' not in page
    r = web.post(f"/konsol/sos/{case_id}/resolve/", {"outcome": "cancelled"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b'role="alert"' in r.content
    assert Case.objects.get(pk=case_id).is_open


def test_cancelled_presses_still_count(client: Client, kl_officer: Any) -> None:
    ids = []
    for n in range(3):
        auth = bearer(make_citizen_user(f"hitung{n}@example.com"))
        ids.append(_raise(client, auth, key=f"count-key-{n}"))
        if n == 0:
            client.post(f"/api/v1/sos/my-cases/{ids[0]}/cancel", headers=auth)
    web = staff_client(kl_officer)
    listed = web.get("/api/v1/sos/cases?status=all").json()
    assert {c["id"] for c in listed} == set(ids)
    assert [c["id"] for c in listed if c["cancelled"]] == [ids[0]] and all(c["unread"] == c["cancelled"] for c in listed)
    by_outcome = dict(Case.objects.values_list("outcome").annotate(n=Count("id")))
    assert by_outcome == {"cancelled": 1, "": 2}


def test_a_message_after_the_acknowledgement_marks_the_case_until_an_officer_opens_it(
        client: Client, citizen: Any, kl_officer: Any) -> None:
    user, auth = citizen
    case_id = _raise(client, auth)
    case_acknowledge(case=Case.objects.get(pk=case_id), actor=_verified(kl_officer))
    web = staff_client(kl_officer)
    cursor = web.get("/konsol/sos/").context["cursor"]
    assert 'data-testid="badge-unread"' not in web.get("/konsol/sos/").content.decode()
    r = client.post(f"/api/v1/sos/my-cases/{case_id}/messages", data=json.dumps({"text": "Saya dikunci di kamar"}),
                    content_type="application/json", headers=auth)
    assert r.status_code == 201
    live = web.get(f"/konsol/sos/live/?cursor={cursor}")
    assert live.status_code == 200 and 'data-testid="badge-unread"' in live.content.decode()
    assert web.get(f"/konsol/sos/{case_id}/").status_code == 200
    assert Case.objects.get(pk=case_id).unread_at is None
    assert 'data-testid="badge-unread"' not in web.get("/konsol/sos/").content.decode()


def test_times_are_local_with_their_zone_and_positions_use_a_dot(
        client: Client, citizen: Any, kl_officer: Any) -> None:
    user, auth = citizen
    case_id = _raise(client, auth)
    case = Case.objects.get(pk=case_id)
    local = case.raised_at.astimezone(ZoneInfo("Asia/Kuala_Lumpur")).strftime("%H:%M")
    citizen_page = _web(user).get(f"/sos/kasus/{case_id}/", HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert f"{local} UTC+8" in citizen_page and "UTC</p>" not in citizen_page
    console = staff_client(kl_officer)
    for url in (f"/konsol/sos/{case_id}/", "/konsol/sos/"):
        page = console.get(url).content.decode()
        assert re.search(rf'<time datetime="[^"]+Z" title="[^"]*UTC">[^<]*{local} UTC\+8</time>', page), url
    page = console.get(f"/konsol/sos/{case_id}/").content.decode()
    assert "3.13900, 101.68690" in page and "3,13900" not in page
    assert "(±12 m)" in page or "(±13 m)" in page
    assert "https://www.openstreetmap.org/?mlat=3.13900&amp;mlon=101.68690" in page and 'href="geo:3.13900,101.68690"' in page
    assert 'data-testid="case-place"' in page and "Kuala Lumpur" in page
    found = re.search(r'<script id="case-geo" type="application/json">(.*?)</script>', page, re.S)
    assert found is not None
    geo = json.loads(found.group(1))
    assert geo["lat"] == 3.139 and "Kuala Lumpur" in geo["place"]


def test_phone_numbers_do_not_wrap(client: Client, citizen: Any, kl_officer: Any) -> None:
    user, auth = citizen
    case_id = _raise(client, auth)
    page = _web(user).get(f"/sos/kasus/{case_id}/").content.decode()
    assert re.search(r'data-testid="call-mission">[^<]*<span class="tel">\+', page)
    home = _web(user).get("/sos/").content.decode()
    assert re.search(r'data-testid="sos-call" href="tel:[^"]+">[^<]*<span class="tel">\+', home)


def _verified(user: User) -> User:
    user.is_verified = lambda: True
    return user


def test_without_a_position_the_citizen_reads_times_in_the_zone_of_the_stay(client: Client, citizen: Any) -> None:
    import datetime as dt

    from embassy.citizens.services import stay_register
    from embassy.sos.present import citizen_timezone

    user, auth = citizen
    stay_register(citizen=user.citizen, actor=user, lat=21.5433, lon=39.1728, start_date=dt.date(2026, 1, 1))
    r = _post(client, "/api/v1/sos/alerts", {"idempotency_key": "no-position-1"}, auth)
    case = Case.objects.select_related("stay", "mission").get(pk=r.json()["id"])
    assert case.lat is None and citizen_timezone(case) == "Asia/Riyadh"
    page = _web(user).get(f"/sos/kasus/{case.pk}/").content.decode()
    assert re.search(r'<time datetime="[^"]+Z" title="[^"]+UTC">[^<]+ UTC\+3</time>', page)
