"""The roll-call: signed links (tampered, expired, replayed, another crisis), answers, "I need help" → SOS,
reminders then emergency contacts, and a full drill from a recorded feed event to the counts."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import gsm0338  # noqa: F401  (the SMS checks encode with its codec)
import pytest
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.test import Client, TestCase
from django.utils import timezone

from config.fastpath import ApiFastPathMiddleware
from embassy.accounts.models import AuditEvent
from embassy.citizens.models import Citizen
from embassy.citizens.services import stay_register
from embassy.citizens.tests.factories import CitizenFactory, EmergencyContactFactory, StayFactory
from embassy.common.errors import PermissionDenied
from embassy.common.tests.factories import make_citizen_user, make_staff, verified
from embassy.crises import fastpath as crises_fastpath
from embassy.crises.answers import rollcall_answer_link
from embassy.crises.asking import rollcall_queue_asks, rollcall_remind
from embassy.crises.feeds import parse_usgs
from embassy.crises.ingest import crisis_ingest
from embassy.crises.links import LinkRefused, link_check, link_token
from embassy.crises.models import Affected, Answer, Crisis
from embassy.crises.rollcall import rollcall_start
from embassy.crises.selectors import help_list_for, rollcall_counts, silent_list_for
from embassy.crises.services import crisis_declare, crisis_dismiss
from embassy.missions.models import Role
from embassy.notify.dispatch import dispatch_due
from embassy.notify.models import Message, PushSubscription
from embassy.sos.models import Case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rollcall_channels")]
DATA = Path(__file__).parent / "data"




def _person(name: str, lat: float, lon: float, *, email: str = "", phone: str = "") -> Citizen:
    return StayFactory.create(citizen=CitizenFactory.create(full_name=name, email=email, phone=phone), lat=lat, lon=lon).citizen


def _officer() -> Any:
    return verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER, username="duty.rollcall"))


def _crisis(officer: Any, radius: float = 30) -> Crisis:
    return crisis_declare(actor=officer, title="Banjir Kuala Lumpur", kind="flood", lat=3.14, lon=101.69,
                          radius_km=radius)


def test_link_is_bound_to_person_and_crisis_and_expires(settings: Any) -> None:
    token = link_token(41, 7)
    assert link_check(token, 7) == (41, "p")
    with pytest.raises(LinkRefused) as other:
        link_check(token, 8)
    assert other.value.reason == "other_crisis"
    value, stamp, sig = token.split(":")
    for forged in (f"42.7.p:{stamp}:{sig}", f"{value}:{stamp}:{sig[:-2]}xx", token + "x", "41.7.p", ""):
        with pytest.raises(LinkRefused) as bad:
            link_check(forged, 7)
        assert bad.value.reason == "tampered"
    old = signing.TimestampSigner(salt="crises.rollcall")
    old.timestamp = lambda: signing.b62_encode(int(time.time()) - 15 * 24 * 3600)  # type: ignore[method-assign]
    with pytest.raises(LinkRefused) as expired:
        link_check(old.sign("41.7.p"), 7)
    assert expired.value.reason == "expired"
    settings.ROLLCALL_LINK_MAX_AGE = 20 * 24 * 3600
    assert link_check(old.sign("41.7.p"), 7) == (41, "p")


def test_answers_through_links_replays_and_another_crisis() -> None:
    officer = _officer()
    siti = _person("Siti", 3.14, 101.69, phone="+60123456789")
    crisis = _crisis(officer)
    other = crisis_declare(actor=officer, title="Other", kind="flood", lat=3.15, lon=101.70, radius_km=10)
    row = Affected.objects.get(crisis=crisis, citizen=siti)
    row_other = Affected.objects.get(crisis=other, citizen=siti)
    token = link_token(row.pk, crisis.pk)

    first = rollcall_answer_link(crisis_id=crisis.pk, token=token, answer="safe")
    again = rollcall_answer_link(crisis_id=crisis.pk, token=token, answer="safe")
    assert first.recorded and not again.recorded
    assert Answer.objects.filter(affected=row).count() == 1
    # The same link used under another crisis is refused, and a token for the other crisis's row too.
    with pytest.raises(LinkRefused):
        rollcall_answer_link(crisis_id=other.pk, token=token, answer="help")
    forged = link_token(row_other.pk, crisis.pk)  # a real signature, but that row is not in this crisis
    with pytest.raises(LinkRefused) as unknown:
        rollcall_answer_link(crisis_id=crisis.pk, token=forged, answer="help")
    assert unknown.value.reason == "unknown"
    # Changing one's mind: "I need help" after all opens an SOS case for the responsible mission.
    helped = rollcall_answer_link(crisis_id=crisis.pk, token=token, answer="help")
    assert helped.recorded and helped.case_id is not None
    case = Case.objects.get(pk=helped.case_id)
    assert case.citizen_id == siti.pk and case.user_id is None and case.mission_id == row.mission_id
    assert case.category == "disaster" and case.location == "known"
    row.refresh_from_db()
    assert (row.answer, row.answered_via, row.case_id) == ("help", "link", case.pk)
    # A closed crisis takes no more answers.
    crisis_dismiss(actor=officer, crisis=crisis, reason="over")
    with pytest.raises(LinkRefused) as closed:
        rollcall_answer_link(crisis_id=crisis.pk, token=token, answer="safe")
    assert closed.value.reason == "closed"


def test_the_link_page_without_signing_in(client: Client) -> None:
    officer = _officer()
    siti = _person("Siti", 3.14, 101.69, phone="+60123456789")
    crisis = _crisis(officer)
    row = Affected.objects.get(crisis=crisis, citizen=siti)
    token = link_token(row.pk, crisis.pk)
    page = client.get(f"/aman/{crisis.pk}/{token}/selamat/")
    assert page.status_code == 200 and b'data-auto="safe"' in page.content
    assert not Answer.objects.exists()  # opening (or previewing) the link records nothing
    done = client.post(f"/aman/{crisis.pk}/{token}/selamat/", {"answer": "safe"})
    assert done.status_code == 200 and b'data-testid="rollcall-done"' in done.content
    replay = client.post(f"/aman/{crisis.pk}/{token}/selamat/", {"answer": "safe"})
    assert replay.status_code == 200 and Answer.objects.count() == 1
    # "I need help", then what they need: the words reach the SOS case's timeline.
    client.post(f"/aman/{crisis.pk}/{token}/bantuan/", {"answer": "help"})
    client.post(f"/aman/{crisis.pk}/{token}/bantuan/", {"answer": "help", "text": "Kaki saya terluka"})
    case = Case.objects.get(citizen=siti)
    assert case.events.filter(kind="details", text="Kaki saya terluka").exists()
    assert client.get(f"/aman/{crisis.pk}/{token}x/").status_code == 403
    assert client.get(f"/aman/{crisis.pk + 1}/{token}/").status_code == 403
    # "Safe" again after "help": the latest answer wins, and the case's timeline says so (issue 9).
    api = client.post("/api/v1/rollcall/answer", json.dumps({"crisis": crisis.pk, "token": token, "answer": "safe"}),
                      content_type="application/json")
    assert api.status_code == 200 and api.json()["recorded"] is True and api.json()["answer"] == "safe"
    assert Affected.objects.get(pk=row.pk).answer == "safe"
    assert case.events.filter(kind="details", data__answer="safe").exists()
    bad = client.post("/api/v1/rollcall/answer", json.dumps({"crisis": crisis.pk, "token": "1.2.p:x:y",
                                                             "answer": "safe"}), content_type="application/json")
    assert bad.status_code == 403


def _links(body: str) -> dict[str, str]:
    """The answer links of a message: /aman/... per answer, or the SMS's one short link (its page takes both)."""
    short = re.search(r"https?://[^/\s]+/a/[0-9A-Za-z]+", body)
    if short:
        return {"selamat": short.group(0), "bantuan": short.group(0)}
    return {m.group(2): m.group(0) for m in re.finditer(r"https?://[^/\s]+/aman/(\d+)/[^/\s]+/(selamat|bantuan)/", body)}


def _path(url: str) -> str:
    return urlsplit(url).path


def _quake_near_fukushima() -> Crisis:
    """The recorded USGS event, ingested ten minutes after it: an auto-confirmed crisis."""
    events = parse_usgs((DATA / "usgs-significant_month-2022-04-05.geojson").read_bytes()).events
    quake = next(e for e in events if e.magnitude and e.magnitude >= 7 and 36 < e.lat < 39 and 140 < e.lon < 143)
    with TestCase.captureOnCommitCallbacks(execute=True):
        crisis, action = crisis_ingest(event=quake, now=quake.occurred_at + dt.timedelta(minutes=10))
    assert action == "created" and crisis is not None and crisis.status == Crisis.Status.ACTIVE
    return crisis


def _silence_reaches_the_contacts(client: Client, crisis: Crisis, silent: Citizen) -> dt.datetime:
    """Silence: reminders on schedule, then the emergency contacts, whose link answers for the person."""
    asked = Affected.objects.get(crisis=crisis, citizen=silent).asked_at
    assert asked is not None
    assert rollcall_remind(now=asked + dt.timedelta(minutes=10)) == 0
    assert rollcall_remind(now=asked + dt.timedelta(minutes=31)) >= 1
    assert rollcall_remind(now=asked + dt.timedelta(minutes=32)) == 0  # not twice
    assert rollcall_remind(now=asked + dt.timedelta(minutes=121)) >= 1
    row = Affected.objects.get(crisis=crisis, citizen=silent)
    assert row.reminders == 2
    assert rollcall_remind(now=asked + dt.timedelta(minutes=241)) >= 1
    contact = Message.objects.get(kind="crisis.contact", address="+6281234567890")
    assert "Citra" in contact.body and "/a/" in contact.body and len(contact.body.encode("gsm03.38")) <= 160
    assert client.post(_path(_links(contact.body)["selamat"]), {"answer": "safe"}).status_code == 200
    row.refresh_from_db()
    assert (row.answer, row.answered_via) == ("safe", "contact")
    return asked


def _lists_are_for_personal_data_roles(officer: Any, crisis: Crisis, silent_total: int) -> None:
    """The silent and help lists: names and phones for the protection officer, audited; refused to social media."""
    silent = silent_list_for(user=officer, crisis=crisis)
    assert silent["total"] == silent_total
    assert AuditEvent.objects.filter(action="crisis.silent.read").exists()
    social = verified(make_staff("KBRI-TOKYO", Role.SOCIAL_MEDIA_OFFICER, username="social.tokyo"))
    with pytest.raises(PermissionDenied):
        silent_list_for(user=social, crisis=crisis)
    assert AuditEvent.objects.filter(action="crisis.silent.denied").exists()
    assert help_list_for(user=officer, crisis=crisis)["total"] == 1
    with pytest.raises(PermissionDenied):
        help_list_for(user=social, crisis=crisis)
    assert AuditEvent.objects.filter(action="crisis.help.denied").exists()


def test_full_drill_from_a_recorded_feed_event(settings: Any, client: Client) -> None:
    """USGS recording → an auto-confirmed crisis near Fukushima → roll-call → answers → reminders → contacts."""
    a = _person("Ayu", 37.75, 140.47, email="ayu@example.org")     # Fukushima city: e-mail
    b = _person("Bima", 37.40, 140.38, phone="+81901234567")       # Koriyama: SMS (sink)
    c = _person("Citra", 37.05, 140.89, phone="+81907654321")      # Iwaki: SMS, stays silent
    EmergencyContactFactory.create(citizen=c, name="Ibu Citra", phone="+6281234567890")
    far = _person("Dewi", 34.69, 135.50, phone="+81900000000")     # Osaka: outside the zone
    crisis = _quake_near_fukushima()
    inside = set(Affected.objects.filter(crisis=crisis, inside=True).values_list("citizen_id", flat=True))
    assert {a.pk, b.pk, c.pk} <= inside and far.pk not in inside

    officer = verified(make_staff("KBRI-TOKYO", Role.PROTECTION_OFFICER, username="duty.tokyo"))
    with TestCase.captureOnCommitCallbacks(execute=True):
        rollcall_start(actor=officer, crisis=crisis)
    asks = Message.objects.filter(kind="crisis.rollcall")
    assert asks.count() == len(inside)
    assert set(asks.values_list("channel", flat=True)) == {"email", "sms"}
    assert asks.filter(priority=90).count() == asks.count()  # BULK: below SOS alerts
    while dispatch_due(limit=100):
        pass
    counts = rollcall_counts(crisis=crisis)
    assert counts["asked"] == len(inside) and counts["silent"] == len(inside)
    # Reached: delivered, as the SMS sink reports at once; e-mail sends no delivery report (handed over only).
    assert counts["reached"] == asks.filter(channel="sms").count() < len(inside)

    def message_to(citizen: Citizen) -> Message:
        row = Affected.objects.get(crisis=crisis, citizen=citizen)
        return asks.get(data__affected=row.pk)

    assert client.post(_path(_links(message_to(a).body)["selamat"]), {"answer": "safe"}).status_code == 200
    assert client.post(_path(_links(message_to(b).body)["bantuan"]),
                       {"answer": "help", "text": "Rumah roboh"}).status_code == 200
    counts = rollcall_counts(crisis=crisis)
    assert (counts["safe"], counts["help"], counts["silent"]) == (1, 1, len(inside) - 2)
    case = Case.objects.get(citizen=b)
    assert case.mission.code == "KBRI-TOKYO" and case.text == "Rumah roboh"

    asked = _silence_reaches_the_contacts(client, crisis, c)
    _lists_are_for_personal_data_roles(officer, crisis, silent_total=len(inside) - 3)
    assert timezone.now() > asked


def _answer_sequence(client: Client, crisis: Crisis, token: str) -> list[tuple[int, Any]]:
    """Statuses and bodies of one person's answers: help, the same again, another crisis, a bad answer, no JSON."""

    def post(body: Any) -> Any:
        return client.post("/api/v1/rollcall/answer", body if isinstance(body, str) else json.dumps(body),
                           content_type="application/json")

    replies = [post({"crisis": crisis.pk, "token": token, "answer": "help"}),
               post({"crisis": crisis.pk, "token": token, "answer": "help"}),
               post({"crisis": crisis.pk + 1, "token": token, "answer": "safe"}),
               post({"crisis": crisis.pk, "token": token, "answer": "maybe"}),
               post("{not json")]
    return [(r.status_code, r.json()) for r in replies]


def test_the_fast_path_answers_like_the_documented_route() -> None:
    """Without cookies, POST /api/v1/rollcall/answer is served before the page machinery (config.fastpath); with
    a cookie it reaches the documented API route (crises.api.rollcall_link_answer). Both answer alike."""
    officer = _officer()
    siti = _person("Siti", 3.14, 101.69, phone="+60123456789")
    budi = _person("Budi", 3.15, 101.70, phone="+60123456780")
    crisis = _crisis(officer)
    fast_token, route_token = (link_token(Affected.objects.get(crisis=crisis, citizen=c).pk, crisis.pk)
                               for c in (siti, budi))
    fresh = Client()
    fast = _answer_sequence(fresh, crisis, fast_token)
    assert not fresh.cookies
    with_cookie = Client()
    with_cookie.cookies["seen"] = "1"  # any cookie: the fast path steps aside
    def steps_aside(request: HttpRequest) -> HttpResponse | None:
        response = crises_fastpath.rollcall_answer(request)
        assert response is None, "the fast path answered a request with a cookie"
        return response

    with mock.patch.dict(ApiFastPathMiddleware.routes, {crises_fastpath.PATH: steps_aside}):
        route = _answer_sequence(with_cookie, crisis, route_token)

    first = fast[0][1]
    assert fast[0][0] == 200 and first["recorded"] is True and first["case_id"]
    assert fast[1][1]["recorded"] is False
    assert fast[2][0] == 403 and fast[2][1]["errors"][0]["field"] == "token"
    assert fast[3][0] == 422 and fast[3][1]["errors"][0]["field"] == "answer"
    assert fast[4][0] == 400  # not JSON at all
    assert route[0][1]["case_id"] and route[0][1]["case_id"] != first["case_id"]  # budi's own case
    for replies in (fast, route):  # each person's own case; the same one on the replay
        assert replies[1][1]["case_id"] == replies[0][1]["case_id"]
        for _status, body in replies[:2]:
            body["case_id"] = "their case"
    assert fast == route


def test_the_app_shows_the_same_question_and_takes_the_answer(client: Client) -> None:
    user = make_citizen_user()
    stay_register(citizen=user.citizen, actor=user, lat=3.14, lon=101.69, start_date=dt.date(2026, 1, 1))
    officer = _officer()
    crisis = _crisis(officer)
    client.force_login(user)
    assert b'data-testid="rollcall-question"' not in client.get("/").content  # not asked yet
    rollcall_start(actor=officer, crisis=crisis)
    home = client.get("/")
    assert b'data-testid="rollcall-question"' in home.content and crisis.title.encode() in home.content
    done = client.post(f"/krisis/{crisis.pk}/jawab/", {"answer": "safe"})
    assert done.status_code == 302
    row = Affected.objects.get(crisis=crisis, citizen=user.citizen)
    assert (row.answer, row.answered_via) == ("safe", "app")
    api = client.get("/api/v1/me/rollcalls")
    assert api.json()[0]["answer"] == "safe"
    helped = client.post(f"/api/v1/me/rollcalls/{crisis.pk}/answer", json.dumps({"answer": "help"}),
                         content_type="application/json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert helped.status_code == 200 and helped.json()["case_id"]


def test_shared_position_puts_a_person_without_a_stay_in_the_zone(client: Client) -> None:
    user = make_citizen_user()
    client.force_login(user)
    client.get("/")  # CSRF cookie
    csrf = {"X-CSRFToken": client.cookies["csrftoken"].value}
    body = json.dumps({"lat": 3.15, "lon": 101.70})
    assert client.post("/api/v1/me/position", body, content_type="application/json", headers=csrf).status_code == 204
    user.citizen.refresh_from_db()
    assert user.citizen.last_lat is None  # not shared: nothing stored
    assert client.patch("/api/v1/me/profile", json.dumps({"share_location": True}), content_type="application/json",
                        headers=csrf).status_code == 200
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/api/v1/me/position", body, content_type="application/json", headers=csrf)
    user.citizen.refresh_from_db()
    assert (user.citizen.last_lat, user.citizen.last_country) == (3.15, "MY")
    crisis = _crisis(_officer())
    assert Affected.objects.get(crisis=crisis, citizen=user.citizen).via == "location"
    client.patch("/api/v1/me/profile", json.dumps({"share_location": False}), content_type="application/json", headers=csrf)
    user.citizen.refresh_from_db()
    assert user.citizen.last_lat is None and user.citizen.last_seen_at is None


def test_push_goes_first_to_each_of_the_persons_devices(settings: Any) -> None:
    settings.NOTIFY_PUSH_HOSTS = ["*"]
    user = make_citizen_user()
    user.citizen.phone = "+60123456789"
    user.citizen.save()
    stay_register(citizen=user.citizen, actor=user, lat=3.14, lon=101.69, start_date=dt.date(2026, 1, 1))
    subs = [PushSubscription.objects.create(user=user, endpoint=f"http://127.0.0.1:9/push/{i}", p256dh="x" * 87,
                                            auth="y" * 22) for i in range(2)]
    officer = _officer()
    crisis = _crisis(officer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        rollcall_start(actor=officer, crisis=crisis)
    asks = Message.objects.filter(kind="crisis.rollcall")
    assert sorted(asks.values_list("channel", "address")) == sorted(("push", str(s.pk)) for s in subs)
    assert Affected.objects.get(crisis=crisis, citizen=user.citizen).channel == "push"


def test_people_no_channel_reaches_are_counted_once_everyone_was_asked() -> None:
    officer = _officer()
    _person("Bisa Dihubungi", 3.14, 101.69, phone="+60123456789")
    _person("Tanpa Kontak", 3.15, 101.70)  # no phone, no e-mail, no app
    crisis = _crisis(officer)
    rollcall_start(actor=officer, crisis=Crisis.objects.get(pk=crisis.pk))  # questions not written yet
    assert rollcall_counts(crisis=Crisis.objects.get(pk=crisis.pk))["unreachable"] == 0
    assert rollcall_queue_asks(crisis.pk) == 1
    crisis.refresh_from_db()
    assert crisis.data["asked_everyone_at"]
    counts = rollcall_counts(crisis=crisis)
    assert (counts["asked"], counts["unreachable"]) == (1, 1)
