"""The standard streams (loaded again and again without duplicates), a team's own streams (who may add and
change which), and a crisis's stream while the crisis is active."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from embassy.common.errors import BadInput, PermissionDenied
from embassy.common.tests.factories import make_staff, verified
from embassy.crises.models import Crisis
from embassy.crises.tests.factories import CrisisFactory, CrisisRowFactory
from embassy.listening.models import Stream
from embassy.listening.streams import (
    crisis_streams_sync,
    crisis_terms,
    may_manage,
    standard_streams_load,
    stream_create,
    stream_update,
)
from embassy.listening.tasks import crisis_streams
from embassy.missions.models import Mission, Role
from embassy.social.models import Account

pytestmark = pytest.mark.django_db


def test_the_standard_streams_are_loaded_once_and_follow_the_registry() -> None:
    kl = Mission.objects.get(code="KBRI-KUALA-LUMPUR")
    Account.objects.create(platform="x", handle="kbri_kl_uji", owner="mission", unit=kl, url="https://x.com/k")
    assert Account.objects.filter(handle="Kemlu_RI", owner="ministry").exists()  # the registry's (load_reference)
    first = standard_streams_load()
    missions = Mission.objects.filter(active=True).exclude(kind="HQ").count()
    assert first.created == 1 + 5 + missions and first.updated == 0
    again = standard_streams_load()
    assert (again.created, again.updated) == (0, 0)
    assert Stream.objects.filter(builtin=True).count() == 1 + 5 + missions
    stream = Stream.objects.get(builtin=True, unit=kl)
    assert stream.name == "KBRI Kuala Lumpur" and stream.kind == Stream.Kind.MENTION
    assert stream.terms[0] == '"KBRI Kuala Lumpur"' and "@kbri_kl_uji" in stream.terms
    assert stream.platforms == ["x", "mastodon", "bluesky"]
    ministry = Stream.objects.get(builtin=True, unit=None, kind=Stream.Kind.MENTION)
    assert "@Kemlu_RI" in ministry.terms and "Kemlu" in ministry.terms
    assert sorted(Stream.objects.filter(builtin=True, kind="keyword").values_list("name", flat=True)) == [
        "KBRI", "KJRI", "PMI", "TKI", "WNI"]
    Account.objects.create(platform="bluesky", handle="kbrikl.bsky.social", owner="mission", unit=kl,
                           url="https://bsky.app/profile/kbrikl.bsky.social")
    Stream.objects.filter(pk=stream.pk).update(active=False, platforms=["x"])  # the team's choice is kept
    assert standard_streams_load().updated == 1
    stream.refresh_from_db()
    assert stream.terms[-1] == "@kbrikl.bsky.social" and not stream.active and stream.platforms == ["x"]
    Mission.objects.filter(pk=kl.pk).update(active=False)
    Stream.objects.filter(pk=stream.pk).update(active=True)
    assert standard_streams_load().deactivated == 1
    call_command("listening_streams", verbosity=0)  # the command does the same, idempotently


def test_a_missions_officer_manages_only_their_own_units_streams() -> None:
    kl, sg = Mission.objects.get(code="KBRI-KUALA-LUMPUR"), Mission.objects.get(code="KBRI-SINGAPORE")
    officer = verified(make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER))
    mine = stream_create(actor=officer, name="Pekerja di Selangor", terms="TKI Selangor\n\"PMI Selangor\"",
                         platforms=["x", "bluesky"], unit=kl)
    assert mine.terms == ["TKI Selangor", '"PMI Selangor"'] and mine.created_by == officer
    with pytest.raises(PermissionDenied):
        stream_create(actor=officer, name="Singapura", terms="WNI Singapura", platforms=["x"], unit=sg)
    with pytest.raises(PermissionDenied):
        stream_create(actor=officer, name="Pusat", terms="WNI", platforms=["x"], unit=None)
    theirs = Stream.objects.create(name="SG", unit=sg, terms=["WNI"], platforms=["x"])
    assert not may_manage(officer, theirs.unit_id) and may_manage(officer, kl.pk)
    with pytest.raises(PermissionDenied):
        stream_update(actor=officer, stream=theirs, name="x", terms="y z", platforms=["x"], active=False)
    team = verified(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    stream_update(actor=team, stream=theirs, name="SG", terms=None, platforms=["mastodon"], active=False)
    theirs.refresh_from_db()
    assert theirs.platforms == ["mastodon"] and not theirs.active and theirs.terms == ["WNI"]
    protection = verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER))
    with pytest.raises(PermissionDenied):
        stream_create(actor=protection, name="x", terms="WNI", platforms=["x"], unit=kl)
    unverified = make_staff("KBRI-KUALA-LUMPUR", Role.SOCIAL_MEDIA_OFFICER, otp=False)
    with pytest.raises(PermissionDenied):
        stream_create(actor=unverified, name="x", terms="WNI", platforms=["x"], unit=kl)


@pytest.mark.parametrize(("terms", "platforms"), [
    ("", ["x"]), ("a", ["x"]), ('"unclosed phrase', ["x"]), ("x" * 101, ["x"]), ("WNI\x00", ["x"]),
    ("WNI", []), ("WNI", ["facebook"]), ("WNI", ["x", "nope"]),
])
def test_bad_terms_or_platforms_are_refused_with_their_field(terms: str, platforms: list[str]) -> None:
    team = verified(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    with pytest.raises(BadInput) as refused:
        stream_create(actor=team, name="Uji", terms=terms, platforms=platforms, unit=None)
    assert refused.value.field in {"terms", "platforms"}
    assert not Stream.objects.exists()


def test_a_crisis_gets_a_stream_on_its_places_with_wni_or_tki_while_it_is_active() -> None:
    crisis = CrisisFactory.create()  # declared (active) over Kuala Lumpur
    assert crisis.status == Crisis.Status.ACTIVE
    terms = crisis_terms(crisis)
    assert '"Kuala Lumpur" WNI' in terms and '"Kuala Lumpur" TKI' in terms and "Malaysia WNI" in terms
    proposed = CrisisRowFactory.create(lat=25.0, lon=121.5)
    assert crisis_streams_sync().created == 1
    stream = Stream.objects.get(kind=Stream.Kind.CRISIS)
    assert stream.crisis == crisis and stream.active and stream.unit is None and stream.terms == terms
    assert not Stream.objects.filter(crisis=proposed).exists()  # not active yet
    assert crisis_streams_sync().created == 0  # idempotent
    Crisis.objects.filter(pk=proposed.pk).update(status=Crisis.Status.ACTIVE)
    assert crisis_streams.call().startswith("1 created")  # the periodic task (django-tasks' .call runs it here)
    Crisis.objects.filter(pk=crisis.pk).update(status=Crisis.Status.CLOSED)
    assert crisis_streams_sync().ended == 1
    stream.refresh_from_db()
    assert not stream.active
