"""Lapor diri's upkeep of stays: the six-monthly confirmation, location retention, verification by the mission,
"you are in a new country", the scheduled jobs and key rotation (moved from test_lapor_diri.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from embassy.accounts.models import AuditEvent
from embassy.citizens.models import Citizen, Dependant, Stay
from embassy.citizens.services import (
    stay_confirm,
    stay_end,
    stay_location_purge,
    stay_locations_purge_due,
    stay_register,
    stay_verify,
)
from embassy.citizens.tests.factories import CitizenFactory, DependantFactory
from embassy.citizens.tests.places import KL, SINGAPORE, START
from embassy.common.errors import Conflict, NotFound, PermissionDenied
from embassy.common.tests.factories import (
    bearer,
    make_citizen_user,
    make_citizen_with_stay,
    make_staff,
    staff_client,
    verified,
)
from embassy.missions.models import Mission, Role

pytestmark = pytest.mark.django_db


def _citizen(name: str = "Test") -> Citizen:
    return CitizenFactory.create(full_name=name)



# --- Six-monthly confirmation ----------------------------------------------------------------------------------------
def test_confirmation_reminder_is_sent_once_per_period() -> None:
    pytest.importorskip("embassy.notify.services", reason="embassy.notify (the outbox) is not installed yet")
    from embassy.citizens.services import stay_reminders_send
    from embassy.notify.models import Message

    user = make_citizen_user()
    user.language = "en"
    user.save()
    stay = stay_register(citizen=user.citizen, actor=user, country="MY", city="Kuala Lumpur", start_date=START)
    demo = make_citizen_with_stay(*KL)  # no account: cannot be reached, skipped
    long_ago = timezone.now() - dt.timedelta(days=200)
    Stay.objects.filter(pk__in=[stay.pk, demo.stays.get().pk]).update(confirmed_at=long_ago)

    assert stay_reminders_send() == 1
    assert stay_reminders_send() == 0  # same period: nothing new
    messages = Message.objects.filter(kind="stay-confirm", user=user)
    assert messages.count() == 1
    assert messages.get().subject == "Are you still in Kuala Lumpur?"
    assert f"/lapor-diri/{stay.pk}/" in messages.get().url

    later = timezone.now() + dt.timedelta(days=190)  # unanswered for another period: reminded again
    assert stay_reminders_send(now=later) == 1
    assert Message.objects.filter(kind="stay-confirm", user=user).count() == 2

    stay.refresh_from_db()
    stay_confirm(stay=stay, actor=user)
    assert stay_reminders_send(now=later) == 0  # confirmed: the next reminder is six months away
    stay_end(stay=stay, actor=user)
    with pytest.raises(Conflict):
        stay_confirm(stay=stay, actor=user)


def test_reminders_in_windows_reach_each_person_on_their_channels_once() -> None:
    """The job reads the stays in windows of ids: people spread over several windows are each reminded once,
    on push and email as notify_user would, in their language; an inactive account and a confirmed stay get
    nothing; a run cut short after the messages (before the stays were marked) reminds nobody twice."""
    from embassy.citizens.services import stay_reminders_send
    from embassy.notify.models import Message, PushSubscription

    long_ago = timezone.now() - dt.timedelta(days=200)
    users, stays = [], []
    for n in range(7):
        user = make_citizen_user()
        user.language = "en" if n % 2 else "id"
        user.save()
        users.append(user)
        stays.append(stay_register(citizen=user.citizen, actor=user, country="MY", city=f"Kota {n}",
                                   start_date=START))
    PushSubscription.objects.create(user=users[0], endpoint="http://127.0.0.1:9/push/a", p256dh="x" * 87, auth="y" * 22)
    users[5].is_active = False
    users[5].save()
    Stay.objects.filter(pk__in=[s.pk for s in stays if s is not stays[6]]).update(confirmed_at=long_ago)

    assert stay_reminders_send(window=2) == 5  # 7 people; one inactive, one confirmed recently
    mine = Message.objects.filter(kind="stay-confirm")
    assert sorted(mine.filter(user=users[0]).values_list("channel", flat=True)) == ["email", "push"]
    assert not mine.filter(user__in=[users[5], users[6]]).exists()
    assert mine.get(user=users[1]).subject == "Are you still in Kota 1?"
    assert mine.get(user=users[2]).subject == "Apakah Anda masih berada di Kota 2?"
    assert mine.count() == 6

    Stay.objects.filter(pk=stays[1].pk).update(reminded_at=None)  # as if the run had stopped before the UPDATE
    assert stay_reminders_send(window=3) == 1
    assert mine.count() == 6  # the same period's message is not queued again


def test_home_page_asks_to_confirm_a_long_stay_with_one_tap() -> None:
    user = make_citizen_user()
    stay = stay_register(citizen=user.citizen, actor=user, country="MY", city="Penang", start_date=START)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    assert "Are you still in Penang?" not in client.get("/").content.decode()
    Stay.objects.filter(pk=stay.pk).update(confirmed_at=timezone.now() - dt.timedelta(days=183))
    home = client.get("/").content.decode()
    assert "Are you still in Penang?" in home and f"/lapor-diri/{stay.pk}/konfirmasi/" in home
    assert client.post(f"/lapor-diri/{stay.pk}/konfirmasi/").status_code == 302
    assert "Are you still in Penang?" not in client.get("/").content.decode()
    assert AuditEvent.objects.filter(action="stay.confirm", object_id=str(stay.pk)).exists()
    api = client.post(f"/api/v1/me/stays/{stay.pk}/confirm", headers=bearer(user))
    assert api.status_code == 200 and api.json()["confirmation_due"] is False


# --- Location retention ----------------------------------------------------------------------------------------------
def test_retention_job_purges_locations_of_trips_past_their_return_plus_the_chosen_days() -> None:
    citizen = _citizen()
    today = dt.date(2026, 6, 1)

    def trip(days: int | None, ended: dt.date, **kw) -> Stay:
        stay = stay_register(citizen=citizen, actor=None, lat=KL[0], lon=KL[1], address="Jalan 1", city="KL",
                             start_date=dt.date(2026, 1, 1), end_date=ended, location_purge_days=days, **kw)
        stay_end(stay=stay, actor=None, end_date=ended)
        return stay

    due = trip(30, today - dt.timedelta(days=31))
    not_yet = trip(30, today - dt.timedelta(days=29))
    week = trip(7, today - dt.timedelta(days=8))
    keep = trip(None, dt.date(2026, 1, 10))
    assert stay_locations_purge_due(today=today) == 2
    for stay in (due, not_yet, week, keep):
        stay.refresh_from_db()
    assert (due.lat, due.lon, due.cell, due.address) == (None, None, None, "")
    assert (due.country_id, due.city, due.mission.code) == ("MY", "KL", "KBRI-KUALA-LUMPUR")
    assert due.location_purged_at is not None and week.location_purged_at is not None
    assert not_yet.lat is not None and keep.lat is not None and not_yet.location_purged_at is None
    assert AuditEvent.objects.filter(action="stay.location.purge", object_id=str(due.pk),
                                     detail__reason="retention:30d").exists()
    assert stay_locations_purge_due(today=today) == 0  # nothing twice


def test_retention_job_works_through_many_stays_in_short_batches() -> None:
    today = dt.date(2026, 6, 1)
    citizens = [_citizen(f"Orang {n}") for n in range(3)]
    stays = [stay_register(citizen=citizens[n % 3], actor=None, lat=KL[0], lon=KL[1], address="Jalan 1", city="KL",
                           start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 3, 1), location_purge_days=days)
             for n, days in enumerate([7, 7, 30, 30, 30, 30, 30, 90, 90, None])]
    assert stay_locations_purge_due(today=today, batch=2) == 9  # every batch size, the last one short
    left = Stay.objects.filter(pk__in=[s.pk for s in stays], lat__isnull=False)
    assert list(left.values_list("location_purge_days", flat=True)) == [None]
    events = AuditEvent.objects.filter(action="stay.location.purge")
    assert sorted(int(pk) for pk in events.values_list("object_id", flat=True)) == sorted(s.pk for s in stays[:9])
    assert {(e.citizen_id, e.detail["reason"]) for e in events.filter(object_id=str(stays[7].pk))} == {
        (stays[7].citizen_id, "retention:90d")}
    assert stay_locations_purge_due(today=today, batch=2) == 0


def test_citizen_can_delete_a_stays_location_now() -> None:
    user = make_citizen_user()
    stay = stay_register(citizen=user.citizen, actor=user, lat=KL[0], lon=KL[1], address="Jalan 2", start_date=START)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    page = client.get(f"/lapor-diri/{stay.pk}/")
    assert page.status_code == 200 and "Delete the location now" in page.content.decode()
    assert client.post(f"/lapor-diri/{stay.pk}/hapus-lokasi/").status_code == 302
    stay.refresh_from_db()
    assert stay.lat is None and stay.address == "" and stay.mission.code == "KBRI-KUALA-LUMPUR"
    assert AuditEvent.objects.filter(action="stay.location.purge", detail__reason="citizen").exists()
    other = stay_register(citizen=user.citizen, actor=user, lat=KL[0], lon=KL[1], start_date=START)
    api = client.post(f"/api/v1/me/stays/{other.pk}/purge-location", headers=bearer(user))
    assert api.status_code == 200 and api.json()["lat"] is None and api.json()["location_purged_at"]
    stay_location_purge(stay=other, actor=user)  # again: harmless


def test_web_form_choice_of_retention() -> None:
    user = make_citizen_user()
    client = Client()
    client.force_login(user)
    for choice, stored in (("7", 7), ("never", None), ("", 30)):
        assert client.post("/lapor-diri/", {"country": "TH", "purpose": "tourism", "start_date": "2026-01-01",
                                            "location_purge_days": choice}).status_code == 302
        assert Stay.objects.filter(citizen__user=user).latest("id").location_purge_days == stored


# --- Verification by the mission -----------------------------------------------------------------------------------
def test_only_the_responsible_mission_verifies_and_refusals_are_audited() -> None:
    citizen = make_citizen_with_stay(*KL)
    stay = citizen.stays.get()
    jeddah = verified(make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER))
    socmed = verified(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER))
    for refused in (jeddah, socmed):
        with pytest.raises(PermissionDenied):
            stay_verify(actor=refused, stay_id=stay.pk)
    assert AuditEvent.objects.filter(action="stay.verify.denied", object_id=str(stay.pk)).count() == 2
    with pytest.raises(NotFound):
        stay_verify(actor=jeddah, stay_id=10**9)
    kl = make_staff("KBRI-KUALA-LUMPUR", Role.CONSULAR_OFFICER)
    denied = Client().post(f"/api/v1/staff/stays/{stay.pk}/verify", headers=bearer(jeddah))
    assert denied.status_code == 403
    ok = Client().post(f"/api/v1/staff/stays/{stay.pk}/verify", headers=bearer(kl))
    assert ok.status_code == 200 and ok.json()["verified_at"]
    stay.refresh_from_db()
    assert stay.verified_by == kl
    assert AuditEvent.objects.filter(action="stay.verify", actor=kl, citizen_id=citizen.pk).exists()
    hq = verified(make_staff("HQ-PWNI", Role.PROTECTION_ANALYST))
    assert stay_verify(actor=hq, stay_id=stay.pk).verified_by == kl  # already verified: unchanged


def test_console_verify_button_swaps_the_row_and_the_citizen_sees_it() -> None:
    user = make_citizen_user()
    stay = stay_register(citizen=user.citizen, actor=user, lat=KL[0], lon=KL[1], start_date=START)
    officer = make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER)
    console = staff_client(officer)
    record = console.get(f"/konsol/warga/{user.citizen.pk}/").content.decode()
    assert f"/konsol/warga/tinggal/{stay.pk}/verifikasi/" in record
    row = console.post(f"/konsol/warga/tinggal/{stay.pk}/verifikasi/", HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    assert row.content.decode().lstrip().startswith("<tr") and 'data-testid="verified"' in row.content.decode()
    plain = console.post(f"/konsol/warga/tinggal/{stay.pk}/verifikasi/")
    assert plain.status_code == 302 and plain["Location"] == f"/konsol/warga/{user.citizen.pk}/"
    other = staff_client(make_staff("KJRI-JEDDAH", Role.PROTECTION_OFFICER))
    assert other.post(f"/konsol/warga/tinggal/{stay.pk}/verifikasi/").status_code == 403
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    assert f"Verified by {stay.mission.name_en}" in client.get("/").content.decode()


# --- New country -------------------------------------------------------------------------------------------------------
def test_where_endpoint_and_the_one_tap_report() -> None:
    user = make_citizen_user()
    stay_register(citizen=user.citizen, actor=user, lat=KL[0], lon=KL[1], start_date=START)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    auth = bearer(user)
    here = client.get(f"/api/v1/me/where?lat={KL[0]}&lon={KL[1]}", headers=auth).json()
    assert here["country_code"] == "MY" and here["has_active_stay_there"] is True
    assert here["mission"]["code"] == "KBRI-KUALA-LUMPUR"
    there = client.get(f"/api/v1/me/where?lat={SINGAPORE[0]}&lon={SINGAPORE[1]}", headers=auth).json()
    assert there == {"country_code": "SG", "country_name": "Singapore", "has_active_stay_there": False,
                     "mission": {"code": "KBRI-SINGAPORE", "name": Mission.objects.get(code="KBRI-SINGAPORE").name_en,
                                 "hotline": Mission.objects.get(code="KBRI-SINGAPORE").hotline}}
    sea = client.get("/api/v1/me/where?lat=0&lon=-30", headers=auth).json()
    assert sea["country_code"] is None and sea["has_active_stay_there"] is False
    assert client.get("/api/v1/me/where?lat=95&lon=0", headers=auth).status_code == 422
    assert client.get(f"/api/v1/me/where?lat={KL[0]}&lon={KL[1]}").status_code == 401

    client.force_login(user)
    home = client.get("/").content.decode()
    assert "data-where=" in home and "citizens/where.js" in home and "/lapor-diri/cepat/" in home
    quick = client.post("/lapor-diri/cepat/", {"lat": SINGAPORE[0], "lon": SINGAPORE[1]})
    stay = Stay.objects.filter(citizen__user=user).latest("id")
    assert quick.status_code == 302 and quick["Location"] == f"/lapor-diri/{stay.pk}/"
    assert (stay.country_id, stay.mission.code, stay.purpose, stay.start_date) == (
        "SG", "KBRI-SINGAPORE", "other", timezone.now().date())
    assert client.get(f"/lapor-diri/{stay.pk}/").status_code == 200
    assert client.get(f"/api/v1/me/where?lat={SINGAPORE[0]}&lon={SINGAPORE[1]}").json()["has_active_stay_there"]


def test_edit_page_updates_the_stay() -> None:
    user = make_citizen_user()
    stay = stay_register(citizen=user.citizen, actor=user, lat=KL[0], lon=KL[1], start_date=START, purpose="work",
                         employer="Tan")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    page = client.get(f"/lapor-diri/{stay.pk}/").content.decode()
    assert 'value="Tan"' in page and 'name="passport_number"' not in page
    form = {"lat": KL[0], "lon": KL[1], "country": "MY", "purpose": "crew", "vessel_name": "MV Nusantara Star",
            "vessel_imo": "9074729", "employer": "Tan", "start_date": "2026-01-01", "location_purge_days": "90"}
    assert client.post(f"/lapor-diri/{stay.pk}/", form).status_code == 302
    stay.refresh_from_db()
    assert (stay.purpose, stay.vessel_name, stay.employer, stay.location_purge_days) == (
        "crew", "MV Nusantara Star", "", 90)
    bad = client.post(f"/lapor-diri/{stay.pk}/", {**form, "vessel_imo": "9074728"})
    assert bad.status_code == 422 and "check digit" in bad.content.decode()
    assert client.get(f"/lapor-diri/{make_citizen_with_stay(*KL).stays.get().pk}/").status_code == 404


def test_one_tap_report_without_a_readable_position_changes_nothing() -> None:
    user = make_citizen_user()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    for bad in ({}, {"lat": "x", "lon": "1"}, {"lat": "91", "lon": "0"}):
        response = client.post("/lapor-diri/cepat/", bad)
        assert response.status_code == 422 and "could not be read" in response.content.decode()
    assert client.post("/lapor-diri/cepat/", {"lat": "0", "lon": "-30"}).status_code == 422  # at sea
    assert not Stay.objects.filter(citizen__user=user).exists()


def test_new_routes_are_documented_in_openapi() -> None:
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path, method in (("/api/v1/me/stays/{stay_id}", "patch"), ("/api/v1/me/stays/{stay_id}/confirm", "post"),
                         ("/api/v1/me/stays/{stay_id}/purge-location", "post"), ("/api/v1/me/where", "get"),
                         ("/api/v1/me/dependants", "post"), ("/api/v1/me/dependants/{dependant_id}", "delete"),
                         ("/api/v1/staff/stays/{stay_id}/verify", "post")):
        assert method in paths[path], path


def test_jobs_are_registered_with_the_scheduler_and_run() -> None:
    from embassy.citizens import tasks
    from embassy.common.tasks import REGISTRY

    names = {job.task for job in REGISTRY.values()}
    assert tasks.purge_stay_locations in names and tasks.remind_stay_confirmations in names
    stay = stay_register(citizen=_citizen(), actor=None, lat=KL[0], lon=KL[1], start_date=dt.date(2020, 1, 1),
                         end_date=dt.date(2020, 2, 1), location_purge_days=7)
    assert tasks.purge_stay_locations.enqueue().return_value == 1
    stay.refresh_from_db()
    assert stay.lat is None


def test_key_rotation_covers_family_members(settings) -> None:
    import base64
    import secrets

    from django.core.management import call_command

    dependant = DependantFactory.create(citizen=_citizen(), full_name="Anak", passport_number="C7654321")
    new_key = "k9:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    settings.FIELD_ENCRYPTION_KEYS = f"{new_key},{settings.FIELD_ENCRYPTION_KEYS}"
    call_command("rotate_field_keys", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT passport_number FROM citizens_dependant WHERE id = %s", [dependant.pk])
        assert cursor.fetchone()[0].startswith("ek1:k9:")
    settings.FIELD_ENCRYPTION_KEYS = new_key
    assert Dependant.objects.get(pk=dependant.pk).passport_number == "C7654321"
