"""Compose, approval, embargo and replies, as the team works: who may draft and approve what."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from embassy.common.errors import BadInput, PermissionDenied
from embassy.common.tests.factories import make_staff, verified
from embassy.missions.models import Mission, Role
from embassy.publishing.models import Approval, Approver, Draft, Target
from embassy.publishing.services import (
    Upload,
    accounts_for_drafting,
    draft_approve,
    draft_create,
    draft_request_changes,
    draft_submit,
    reply_draft,
)
from embassy.social.models import Account


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The messages below are asserted in English."""
    with translation.override("en"):
        yield

pytestmark = pytest.mark.django_db
KL = "KBRI-KUALA-LUMPUR"
LATER = timezone.now() + dt.timedelta(days=1)


def _account(platform: str, handle: str, unit: str, owner: str = "mission") -> Account:
    return Account.objects.create(platform=platform, handle=handle, url=f"https://example.org/{handle}", owner=owner,
                                  unit=Mission.objects.get(code=unit), platform_id=f"id-{handle}")


@pytest.fixture
def accounts() -> dict[str, Account]:
    return {"kl_x": _account("x", "kbri_kl", KL), "kl_fb": _account("facebook", "kbrikl", KL),
            "sg_x": _account("x", "kbri_sg", "KBRI-SINGAPORE"),
            "hq_x": _account("x", "kemlu", "HQ-PWNI", owner="ministry"),
            "peer": Account.objects.create(platform="x", handle="mfa_my", url="https://example.org/m", owner="peer")}


def test_officers_draft_for_their_unit_and_hq_for_all(accounts: dict[str, Account]) -> None:
    officer = verified(make_staff(KL, Role.SOCIAL_MEDIA_OFFICER))
    team = verified(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    assert {"kbri_kl", "kbrikl"} <= {a.handle for a in accounts_for_drafting(officer)}
    assert {a.unit_id for a in accounts_for_drafting(officer)} == {Mission.objects.get(code=KL).pk}
    every = {a.handle for a in accounts_for_drafting(team)}
    assert {"kbri_kl", "kbrikl", "kbri_sg", "kemlu"} <= every and "mfa_my" not in every
    with pytest.raises(PermissionDenied):
        draft_create(actor=officer, account_ids=[accounts["sg_x"].pk], text="Halo", scheduled_at=LATER)
    consular = verified(make_staff(KL, Role.CONSULAR_OFFICER))
    assert accounts_for_drafting(consular) == []


def test_approval_needs_another_person_with_rights_for_every_unit(accounts: dict[str, Account]) -> None:
    team = verified(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    draft = draft_create(actor=team, account_ids=[accounts["kl_x"].pk, accounts["hq_x"].pk],
                         text="Selamat Hari Diplomasi", scheduled_at=LATER)
    draft_submit(actor=team, draft=draft)
    officer = verified(make_staff(KL, Role.SOCIAL_MEDIA_OFFICER))
    with pytest.raises(PermissionDenied):
        draft_approve(actor=officer, draft=draft)  # no approval rights
    head = verified(make_staff(KL, Role.HEAD_OF_MISSION))
    draft_approve(actor=head, draft=draft)
    draft.refresh_from_db()
    assert draft.status == Draft.Status.SUBMITTED  # headquarters' account still waits
    assert set(draft.targets.values_list("status", flat=True)) == {Target.Status.PENDING}
    # The team's own member cannot approve their draft even with approval rights; the lead can.
    Approver.objects.create(unit=Mission.objects.get(code="HQ-PWNI"), user=team)
    with pytest.raises(PermissionDenied):
        draft_approve(actor=team, draft=draft)
    lead = verified(make_staff("HQ-PWNI", Role.DIGITAL_DIPLOMACY))
    Approver.objects.create(unit=Mission.objects.get(code="HQ-PWNI"), user=lead)
    draft_approve(actor=lead, draft=draft, comment="OK")
    draft.refresh_from_db()
    assert draft.status == Draft.Status.APPROVED
    assert set(draft.targets.values_list("status", flat=True)) == {Target.Status.SCHEDULED}
    assert draft.approvals.filter(decision=Approval.Decision.APPROVED).count() == 2


def test_changes_asked_send_the_draft_back(accounts: dict[str, Account]) -> None:
    officer = verified(make_staff(KL, Role.SOCIAL_MEDIA_OFFICER))
    draft = draft_submit(actor=officer, draft=draft_create(actor=officer, account_ids=[accounts["kl_x"].pk],
                                                           text="Halo", scheduled_at=LATER))
    head = verified(make_staff(KL, Role.HEAD_OF_MISSION))
    with pytest.raises(BadInput):
        draft_request_changes(actor=head, draft=draft, comment=" ")
    draft_request_changes(actor=head, draft=draft, comment="Tambahkan nomor hotline")
    assert Draft.objects.get(pk=draft.pk).status == Draft.Status.DRAFT


def test_embargo_and_limits_are_enforced(accounts: dict[str, Account]) -> None:
    officer = verified(make_staff(KL, Role.SOCIAL_MEDIA_OFFICER))
    with pytest.raises(BadInput, match="embargo"):
        draft_create(actor=officer, account_ids=[accounts["kl_x"].pk], text="Rilis", scheduled_at=LATER,
                     embargo_until=LATER + dt.timedelta(hours=2))
    long = draft_create(actor=officer, account_ids=[accounts["kl_x"].pk, accounts["kl_fb"].pk], text="a" * 300,
                        scheduled_at=LATER)
    with pytest.raises(BadInput, match="Too long"):
        draft_submit(actor=officer, draft=long)
    image = SimpleUploadedFile("foto.jpg", b"\xff\xd8\xff" + b"0" * 100, content_type="image/jpeg")
    no_alt = draft_create(actor=officer, account_ids=[accounts["kl_x"].pk], text="Foto", scheduled_at=LATER,
                          uploads=[Upload(image, "")])
    with pytest.raises(BadInput, match="alt text"):
        draft_submit(actor=officer, draft=no_alt)


def test_protocol_warnings_are_recorded_for_the_approver(accounts: dict[str, Account]) -> None:
    officer = verified(make_staff(KL, Role.SOCIAL_MEDIA_OFFICER))
    draft = draft_submit(actor=officer, draft=draft_create(
        actor=officer, account_ids=[accounts["kl_x"].pk], text="Prabowo Subiyanto tiba di KL", scheduled_at=LATER))
    warnings = draft.approvals.get(decision=Approval.Decision.SUBMITTED).warnings
    assert any("Prabowo Subianto" in w for w in warnings)


def test_reply_draft_goes_through_the_same_approval(accounts: dict[str, Account]) -> None:
    officer = verified(make_staff(KL, Role.PROTECTION_OFFICER))
    smo = verified(make_staff(KL, Role.SOCIAL_MEDIA_OFFICER))
    # The mission's protection officer may reply on its accounts (the triage console), not post on them.
    with pytest.raises(PermissionDenied):
        draft_create(actor=officer, account_ids=[accounts["kl_x"].pk], text="Halo", scheduled_at=timezone.now())
    with pytest.raises(PermissionDenied):
        reply_draft(actor=verified(make_staff("KBRI-SINGAPORE", Role.PROTECTION_OFFICER)), account=accounts["kl_x"],
                    in_reply_to="123", text="Silakan hubungi hotline")
    assert reply_draft(actor=officer, account=accounts["kl_x"], in_reply_to="123",
                       text="Silakan hubungi hotline").status == Draft.Status.SUBMITTED
    draft = reply_draft(actor=smo, account=accounts["kl_x"], in_reply_to="123", text="Silakan hubungi hotline kami")
    assert draft.status == Draft.Status.SUBMITTED and draft.in_reply_to == "123"
    with pytest.raises(PermissionDenied):
        draft_approve(actor=smo, draft=draft)
    draft_approve(actor=verified(make_staff(KL, Role.HEAD_OF_MISSION)), draft=draft)
    assert draft.targets.get().status == Target.Status.SCHEDULED
