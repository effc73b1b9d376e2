from __future__ import annotations

import pytest

from embassy.accounts.models import AuditEvent
from embassy.advisories.diff import version_diff
from embassy.advisories.models import AdvisoryVersion, CountryAdvisory
from embassy.advisories.selectors import advisory_current, advisory_versions_for, version_pair_for
from embassy.advisories.services import (
    advisory_draft_create,
    advisory_draft_update,
    advisory_publish,
    advisory_reject,
    advisory_submit,
)
from embassy.advisories.tests.helpers import HQ, analyst, publish, verified
from embassy.common.errors import BadInput, Conflict, NotFound, PermissionDenied
from embassy.common.tests.factories import make_staff
from embassy.missions.models import Role

pytestmark = pytest.mark.django_db


def test_draft_review_publish_with_four_eyes_and_every_version_kept() -> None:
    ani, budi = analyst("ani"), analyst("budi")
    draft = advisory_draft_create(actor=ani, country="my")
    assert draft.status == "draft" and draft.number == 1 and draft.country_id == "MY"
    advisory_draft_update(actor=ani, version_id=draft.pk, data={
        "level": 2, "reason_id": "Banjir musiman", "reason_en": "Seasonal floods",
        "sections": {"health": {"id": "Demam berdarah", "en": "Dengue"}},
        "regions": [{"code": "MY-12", "level": 3, "reason_id": "Penculikan", "reason_en": "Kidnapping"}],
        "emergency_numbers": [{"service": "general", "number": "999"}],
    })
    with pytest.raises(NotFound):  # nothing public yet
        advisory_current(country="MY")
    advisory_submit(actor=ani, version_id=draft.pk)
    with pytest.raises(PermissionDenied):  # the author cannot publish her own version
        advisory_publish(actor=ani, version_id=draft.pk)
    first = advisory_publish(actor=budi, version_id=draft.pk)
    assert first.status == "published" and first.reviewer == budi and first.published_at is not None
    assert advisory_current(country="MYS").pk == first.pk
    assert first.regions[0]["name"] == "Sabah"  # named from the ISO 3166-2 code
    assert CountryAdvisory.objects.get(country_id="MY").level == 2

    second = publish("MY", author=budi, reviewer=ani, level=3, reason_en="Unrest")
    first.refresh_from_db()
    assert first.status == "superseded" and second.status == "published" and second.previous_level == 2
    assert second.sections["health"]["en"] == "Dengue"  # the draft started from the published version
    assert [v.number for v in advisory_versions_for(user=ani, country="MY")] == [2, 1]
    actions = set(AuditEvent.objects.filter(object_type="advisory").values_list("action", flat=True))
    assert {"advisory.draft", "advisory.edit", "advisory.submit", "advisory.publish",
            "advisory.publish.denied"} <= actions


def test_self_publication_only_when_settings_allow(settings) -> None:
    ani = analyst()
    draft = advisory_draft_create(actor=ani, country="SG")
    advisory_draft_update(actor=ani, version_id=draft.pk, data={"reason_en": "Calm"})
    advisory_submit(actor=ani, version_id=draft.pk)
    settings.ADVISORIES_ALLOW_SELF_PUBLISH = True
    assert advisory_publish(actor=ani, version_id=draft.pk).status == "published"


def test_a_later_editor_cannot_publish_either() -> None:
    ani, budi, citra = analyst(), analyst(), analyst()
    draft = advisory_draft_create(actor=ani, country="TH")
    advisory_draft_update(actor=budi, version_id=draft.pk, data={"reason_en": "Edited by Budi"})
    advisory_submit(actor=ani, version_id=draft.pk)
    with pytest.raises(PermissionDenied):
        advisory_publish(actor=budi, version_id=draft.pk)
    assert advisory_publish(actor=citra, version_id=draft.pk).reviewer == citra


def test_one_open_version_per_country_and_only_drafts_change() -> None:
    ani, budi = analyst(), analyst()
    draft = advisory_draft_create(actor=ani, country="JP")
    with pytest.raises(Conflict):
        advisory_draft_create(actor=budi, country="JP")
    with pytest.raises(BadInput) as err:  # no reason yet
        advisory_submit(actor=ani, version_id=draft.pk)
    assert err.value.field == "reason_id"
    advisory_draft_update(actor=ani, version_id=draft.pk, data={"reason_id": "Gempa"})
    advisory_submit(actor=ani, version_id=draft.pk)
    with pytest.raises(Conflict):
        advisory_draft_update(actor=ani, version_id=draft.pk, data={"level": 4})
    with pytest.raises(Conflict):
        advisory_submit(actor=ani, version_id=draft.pk)


def test_rejection_keeps_the_version_and_frees_the_country() -> None:
    ani, budi = analyst(), analyst()
    draft = advisory_draft_create(actor=ani, country="KR")
    advisory_draft_update(actor=ani, version_id=draft.pk, data={"level": 4, "reason_en": "Too strong"})
    advisory_submit(actor=ani, version_id=draft.pk)
    with pytest.raises(BadInput):
        advisory_reject(actor=budi, version_id=draft.pk, note="  ")
    rejected = advisory_reject(actor=budi, version_id=draft.pk, note="Level 4 is not justified")
    assert rejected.status == "rejected" and rejected.review_note == "Level 4 is not justified"
    with pytest.raises(Conflict):
        advisory_publish(actor=budi, version_id=draft.pk)
    again = advisory_draft_create(actor=ani, country="KR", base_version_id=draft.pk)
    assert again.number == 2 and again.level == 4 and again.reason_en == "Too strong"
    assert AdvisoryVersion.objects.filter(country_id="KR").count() == 2


def test_only_headquarters_editors_write() -> None:
    officer = verified(make_staff("KBRI-KUALA-LUMPUR", Role.PROTECTION_OFFICER))
    head = verified(make_staff("KBRI-KUALA-LUMPUR", Role.HEAD_OF_MISSION))
    socmed_hq = verified(make_staff(HQ, Role.DIGITAL_DIPLOMACY))
    unverified = make_staff(HQ, Role.ADMINISTRATOR)
    unverified.is_verified = lambda: False
    for user in (officer, head, socmed_hq, unverified):
        with pytest.raises(PermissionDenied):
            advisory_draft_create(actor=user, country="MY")
    admin = verified(make_staff(HQ, Role.ADMINISTRATOR))
    draft = advisory_draft_create(actor=admin, country="MY")
    advisory_draft_update(actor=admin, version_id=draft.pk, data={"reason_en": "x"})
    advisory_submit(actor=admin, version_id=draft.pk)
    with pytest.raises(PermissionDenied):
        advisory_publish(actor=officer, version_id=draft.pk)
    # every staff member may read the history, nobody else
    assert [v.pk for v in advisory_versions_for(user=officer, country="MY")] == [draft.pk]


@pytest.mark.parametrize(("data", "field"), [
    ({"level": 5}, "level"),
    ({"level": "high"}, "level"),
    ({"sections": {"weather": {"id": "x", "en": "y"}}}, "sections.weather"),
    ({"regions": [{"code": "ID-PA", "level": 3}]}, "regions.0.code"),  # a subdivision of another country
    ({"regions": [{"name": "", "level": 3}]}, "regions.0.name"),
    ({"regions": [{"name": "Sabah", "level": 2}, {"name": "sabah", "level": 3}]}, "regions.1.name"),
    ({"emergency_numbers": [{"service": "police", "number": "call us"}]}, "emergency_numbers.0.number"),
    ({"emergency_numbers": [{"service": "taxi", "number": "123"}]}, "emergency_numbers.0.service"),
    ({"reason_en": "x" * 2001}, "reason_en"),
    ({"author": 1}, "author"),
])
def test_bad_content_is_refused_with_the_field(data: dict, field: str) -> None:
    ani = analyst()
    draft = advisory_draft_create(actor=ani, country="MY")
    with pytest.raises(BadInput) as err:
        advisory_draft_update(actor=ani, version_id=draft.pk, data=data)
    assert err.value.field == field


def test_diff_between_any_two_versions_marks_changes_and_escapes_text() -> None:
    ani, budi = analyst(), analyst()
    v1 = publish("MY", author=ani, reviewer=budi, level=1, reason_en="Calm and safe",
                 sections={"laws": {"id": "", "en": "Carry your passport"}})
    v2 = publish("MY", author=ani, reviewer=budi, level=3, reason_en="Calm <b>unrest</b> in Sabah")
    v3 = publish("MY", author=ani, reviewer=budi, level=3, reason_en="Calm <b>unrest</b> in Sabah")
    old, new = version_pair_for(user=ani, version_id=v2.pk)
    assert (old.pk, new.pk) == (v1.pk, v2.pk)
    changed = {f.key: f for f in version_diff(old, new) if f.changed}
    assert set(changed) == {"level", "reason.en"}
    html = str(changed["reason.en"].html)
    assert "<del>and safe</del>" in html and "<ins>&lt;b&gt;unrest&lt;/b&gt; in Sabah</ins>" in html
    assert "<b>" not in html
    assert "-Calm and safe" in changed["reason.en"].unified
    # any pair, in either order
    old, new = version_pair_for(user=ani, version_id=v3.pk, against=v1.pk)
    assert (old.number, new.number) == (1, 3)
    assert not [f for f in version_diff(v2, v3) if f.changed]
