"""Which staff are told (embassy.accounts.staff): the one rule behind a new SOS, its escalation, crisis news and
who may take a case."""

from __future__ import annotations

from typing import Any

import pytest

from embassy.accounts.models import User
from embassy.accounts.staff import Purpose, is_staff_for, may_take_duty, staff_queryset, staff_to_notify
from embassy.common.tests.factories import make_staff
from embassy.missions.models import Membership, Mission, Role

pytestmark = pytest.mark.django_db

KL, SG, HQ = "KBRI-KUALA-LUMPUR", "KBRI-SINGAPORE", "HQ-PWNI"


@pytest.fixture
def people() -> dict[str, Any]:
    return {
        "kl_duty": make_staff(KL, Role.PROTECTION_OFFICER), "kl_head": make_staff(KL, Role.HEAD_OF_MISSION),
        "kl_consular": make_staff(KL, Role.CONSULAR_OFFICER), "kl_social": make_staff(KL, Role.SOCIAL_MEDIA_OFFICER),
        "sg_duty": make_staff(SG, Role.PROTECTION_OFFICER), "sg_head": make_staff(SG, Role.HEAD_OF_MISSION),
        "analyst": make_staff(HQ, Role.PROTECTION_ANALYST), "admin": make_staff(HQ, Role.ADMINISTRATOR),
        "digital": make_staff(HQ, Role.DIGITAL_DIPLOMACY),
        "kl_gone": make_staff(KL, Role.PROTECTION_OFFICER),
        "nobody": User.objects.create(username="no-role", kind=User.Kind.STAFF),
    }


def _ids(missions: list[str]) -> list[int]:
    return list(Mission.objects.filter(code__in=missions).values_list("id", flat=True))


def _names(users: list[Any], people: dict[str, Any]) -> set[str]:
    by_pk = {u.pk: name for name, u in people.items()}
    return {by_pk[u.pk] for u in users}


def test_each_purpose_names_its_roles_and_active_accounts_only(people: dict[str, Any]) -> None:
    User.objects.filter(pk=people["kl_gone"].pk).update(is_active=False)
    kl, both = _ids([KL]), _ids([KL, SG])
    assert _names(staff_to_notify(purpose=Purpose.DUTY, missions=kl), people) == {"kl_duty"}
    assert _names(staff_to_notify(purpose=Purpose.PROTECTION, missions=kl), people) == {"kl_duty", "kl_head"}
    assert _names(staff_to_notify(purpose=Purpose.PROTECTION, missions=both), people) == {
        "kl_duty", "kl_head", "sg_duty", "sg_head"}
    assert _names(staff_to_notify(purpose=Purpose.HEADQUARTERS), people) == {"analyst", "admin"}
    assert _names(list(staff_queryset(purpose=Purpose.CASEWORK, missions=kl)), people) == {
        "kl_duty", "kl_head", "kl_consular", "analyst", "admin"}
    assert staff_to_notify(purpose=Purpose.PROTECTION, missions=[]) == []


def test_the_duty_roster_comes_first_but_only_with_a_protection_role_there(people: dict[str, Any]) -> None:
    kl = _ids([KL])
    roster = [people["kl_head"].pk]
    assert _names(staff_to_notify(purpose=Purpose.DUTY, missions=kl, on_duty=roster), people) == {"kl_head"}
    # On the roster without a role at the mission (another mission's officer, a role since removed, no
    # role at all): not told; nobody left on the roster means the mission's protection duty officers.
    Membership.objects.filter(user=people["kl_head"]).delete()
    stale = [people["kl_head"].pk, people["sg_duty"].pk, people["nobody"].pk]
    assert _names(staff_to_notify(purpose=Purpose.DUTY, missions=kl, on_duty=stale), people) == {
        "kl_duty", "kl_gone"}
    User.objects.filter(pk=people["kl_duty"].pk).update(is_active=False)
    assert _names(staff_to_notify(purpose=Purpose.DUTY, missions=kl, on_duty=[people["kl_duty"].pk]),
                  people) == {"kl_gone"}


def test_who_may_take_duty_and_cases(people: dict[str, Any]) -> None:
    kl = _ids([KL])[0]
    assert may_take_duty(user=people["kl_duty"], mission_id=kl) and may_take_duty(user=people["kl_head"], mission_id=kl)
    assert not may_take_duty(user=people["kl_consular"], mission_id=kl)
    assert not may_take_duty(user=people["sg_duty"], mission_id=kl)
    assert is_staff_for(user=people["analyst"], purpose=Purpose.CASEWORK, mission_id=kl)
    assert is_staff_for(user=people["kl_consular"], purpose=Purpose.CASEWORK, mission_id=kl)
    for outsider in ("digital", "kl_social", "sg_duty", "nobody"):  # no personal data of this mission
        assert not is_staff_for(user=people[outsider], purpose=Purpose.CASEWORK, mission_id=kl), outsider
