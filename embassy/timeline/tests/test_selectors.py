"""The builder: merge order, every source, keyset pagination, kinds, scoping, the audit, the citizen's part,
and a bounded number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from embassy.accounts.models import AuditEvent
from embassy.common.errors import BadInput, NotFound, PermissionDenied
from embassy.common.tests.factories import make_staff, verified
from embassy.missions.models import Role
from embassy.sos.models import Event
from embassy.timeline.entries import KINDS, Cursor
from embassy.timeline.models import Note
from embassy.timeline.selectors import timeline_for, timeline_own
from embassy.timeline.tests.conftest import KL, SG, History, hour

pytestmark = pytest.mark.django_db


def _hours(entries: list) -> list[int]:
    return [int((e.at - hour(0)).total_seconds() // 3600) for e in entries]


def test_headquarters_sees_every_source_merged_newest_first(history: History, analyst) -> None:
    timeline = timeline_for(user=analyst, citizen_id=history.citizen.pk)
    assert _hours(timeline.entries) == history.expected()
    assert {e.kind for e in timeline.entries} == set(KINDS)
    assert all(e.at.tzinfo is not None and e.at.utcoffset() == dt.timedelta(0) for e in timeline.entries)
    assert not timeline.partial and timeline.next_cursor is None
    by_hour = dict(zip(_hours(timeline.entries), timeline.entries, strict=True))
    assert by_hour[2].link.endswith(f"/konsol/sos/{Event.objects.get(kind='raised').case_id}/")
    assert by_hour[11].link.endswith("/SG26-0001/") and by_hour[11].mission.code == SG
    assert by_hour[5].link == "/konsol/pengaduan/KBRI-KUALA-LUMPUR-2026-000001/"
    assert by_hour[9].link.startswith("/konsol/shelter/penghuni/")
    assert "A012" in by_hour[12].detail  # the counter ticket of the appointment
    assert by_hour[3].citizen_visible is False and by_hour[2].citizen_visible is True


def test_pages_by_cursor_without_gaps_or_repeats_even_on_equal_times(history: History, analyst) -> None:
    for n in range(3):  # three notes at the same instant as other entries
        Note.objects.create(citizen=history.citizen, mission=history.kl, kind="note", text=f"n{n}", at=hour(5),
                            author=history.officer)
    full = timeline_for(user=analyst, citizen_id=history.citizen.pk).entries
    seen, before = [], None
    for _ in range(40):
        page = timeline_for(user=analyst, citizen_id=history.citizen.pk, before=before, limit=4)
        seen += page.entries
        before = page.next_cursor
        if before is None:
            break
        before = Cursor.parse(str(before))  # as a client sends it back
    assert [e.key for e in seen] == [e.key for e in full] and len(full) == len(history.rows) + 3


def test_kinds_filter_and_bad_input(history: History, analyst) -> None:
    timeline = timeline_for(user=analyst, citizen_id=history.citizen.pk, kinds=frozenset({"note", "stay"}))
    assert _hours(timeline.entries) == [14, 13, 10, 1]
    with pytest.raises(BadInput):
        Cursor.parse("yesterday")
    with pytest.raises(BadInput):
        timeline_for(user=analyst, citizen_id=history.citizen.pk, limit=0)


def test_a_mission_officer_sees_their_missions_entries_only(history: History) -> None:
    kl = timeline_for(user=history.officer, citizen_id=history.citizen.pk)
    assert _hours(kl.entries) == history.expected(mission=KL) and kl.partial
    sg = verified(make_staff(SG, Role.HEAD_OF_MISSION))
    assert _hours(timeline_for(user=sg, citizen_id=history.citizen.pk).entries) == history.expected(mission=SG)


def test_strangers_get_not_found_and_social_media_nothing(history: History) -> None:
    bangkok = verified(make_staff("KBRI-BANGKOK", Role.PROTECTION_OFFICER))
    with pytest.raises(NotFound):
        timeline_for(user=bangkok, citizen_id=history.citizen.pk)
    with pytest.raises(NotFound):
        timeline_for(user=history.officer, citizen_id=999_999)
    for social in (make_staff(KL, Role.SOCIAL_MEDIA_OFFICER), make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY)):
        with pytest.raises(PermissionDenied):
            timeline_for(user=verified(social), citizen_id=history.citizen.pk)
    with pytest.raises(NotFound):  # a citizen is not staff, even for their own record
        timeline_for(user=history.user, citizen_id=history.citizen.pk)
    assert AuditEvent.objects.filter(action="timeline.denied", citizen_id=history.citizen.pk).count() == 3
    assert not AuditEvent.objects.filter(action="timeline.view").exists()


def test_each_read_is_audited_once(history: History, analyst) -> None:
    timeline_for(user=analyst, citizen_id=history.citizen.pk, limit=3)
    events = AuditEvent.objects.filter(action="timeline.view")
    assert events.count() == 1
    event = events.get()
    assert event.actor == analyst and event.citizen_id == history.citizen.pk and event.detail["entries"] == 3


def test_the_citizen_sees_their_part_only(history: History) -> None:
    mine = timeline_own(user=history.user)
    assert _hours(mine.entries) == history.expected(citizen=True)
    assert "note" not in {e.kind for e in mine.entries}
    assert not any("Majikan" in e.detail or "Menelepon" in e.title for e in mine.entries)
    assert all(e.citizen_visible for e in mine.entries)
    assert mine.timezone == "Asia/Singapore"  # the newest active stay's place
    assert not AuditEvent.objects.filter(action="timeline.view").exists()
    with pytest.raises(PermissionDenied):
        timeline_own(user=history.officer)


def _queries(user, citizen_id: int) -> int:
    with CaptureQueriesContext(connection) as ctx:
        timeline_for(user=user, citizen_id=citizen_id)
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_history(history: History, analyst) -> None:
    _queries(analyst, history.citizen.pk)  # the scope is memoised on the user
    few = _queries(analyst, history.citizen.pk)
    case = Event.objects.get(kind="raised").case
    for n in range(30):
        Note.objects.create(citizen=history.citizen, mission=history.kl, kind="note", text=f"n{n}", at=hour(50 + n),
                            author=history.officer)
        Event.objects.create(case=case, at=hour(50 + n), kind=Event.Kind.MESSAGE, public=True)
    assert _queries(analyst, history.citizen.pk) == few <= 12  # one per source, the audit, no N+1
    _queries(history.officer, history.citizen.pk)
    assert _queries(history.officer, history.citizen.pk) <= 13  # plus the check that the person is theirs
