from __future__ import annotations

import datetime as dt

import pytest

from embassy.advisories.services import country_follow
from embassy.advisories.tests.helpers import analyst, publish
from embassy.citizens.services import stay_end, stay_register
from embassy.common.tests.factories import make_citizen_user
from embassy.notify.models import Message, Priority

pytestmark = pytest.mark.django_db
KL = (3.139, 101.6869)
BANGKOK = (13.7563, 100.5018)


def _staying(lat: float, lon: float, *, language: str = ""):
    user = make_citizen_user()
    if language:
        user.language = language
        user.save(update_fields=["language"])
    stay = stay_register(citizen=user.citizen, actor=user, lat=lat, lon=lon, start_date=dt.date(2026, 1, 1))
    return user, stay


def _advisory_messages(user) -> list[Message]:
    return list(Message.objects.filter(user=user, kind="advisory").order_by("id"))


def test_level_change_reaches_citizens_staying_there_and_followers(django_capture_on_commit_callbacks) -> None:
    ani, budi = analyst(), analyst()
    with django_capture_on_commit_callbacks(execute=True):
        publish("MY", author=ani, reviewer=budi, level=1, reason_id="Aman", reason_en="Calm")
    in_kl, _ = _staying(*KL)
    english, _ = _staying(*KL, language="en")
    left, left_stay = _staying(*KL)
    stay_end(stay=left_stay, actor=left)
    in_bangkok, _ = _staying(*BANGKOK)
    follower = make_citizen_user()
    country_follow(user=follower, country="MY")
    nobody = make_citizen_user()

    with django_capture_on_commit_callbacks(execute=True):
        raised = publish("MY", author=ani, reviewer=budi, level=3, reason_id="Kerusuhan di Sabah",
                         reason_en="Unrest in Sabah")
    for user in (in_kl, english, follower):
        messages = _advisory_messages(user)
        assert messages, user
        assert {m.priority for m in messages} == {Priority.HIGH}
        assert all(m.url.endswith("/informasi-negara/MY/") for m in messages)
    assert "Malaysia" in _advisory_messages(in_kl)[0].subject and "3" in _advisory_messages(in_kl)[0].subject
    assert "Kerusuhan di Sabah" in _advisory_messages(in_kl)[0].body  # Indonesian by default
    assert "raised to level 3" in _advisory_messages(english)[0].subject
    assert "Unrest in Sabah" in _advisory_messages(english)[0].body
    for user in (left, in_bangkok, nobody):
        assert not _advisory_messages(user), user
    assert all(m.dedupe_key == f"advisory:{raised.pk}:{in_kl.pk}" for m in _advisory_messages(in_kl))

    # the same level again: nobody is told anything new
    before = Message.objects.filter(kind="advisory").count()
    with django_capture_on_commit_callbacks(execute=True):
        publish("MY", author=ani, reviewer=budi, level=3, reason_en="Unrest continues")
    assert Message.objects.filter(kind="advisory").count() == before

    # lowered: normal priority
    with django_capture_on_commit_callbacks(execute=True):
        publish("MY", author=ani, reviewer=budi, level=2, reason_en="Calmer")
    latest = _advisory_messages(follower)[-1]
    assert latest.priority == Priority.NORMAL and "2" in latest.subject


def test_running_the_task_twice_sends_nothing_twice(django_capture_on_commit_callbacks) -> None:
    from embassy.advisories.tasks import notify_level_change

    ani, budi = analyst(), analyst()
    follower = make_citizen_user()
    country_follow(user=follower, country="TH")
    with django_capture_on_commit_callbacks(execute=True):
        version = publish("TH", author=ani, reviewer=budi, level=2)
    count = Message.objects.filter(user=follower, kind="advisory").count()
    assert count >= 1
    notify_level_change.call(version.pk)
    assert Message.objects.filter(user=follower, kind="advisory").count() == count
