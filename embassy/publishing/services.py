"""Writes for publishing: compose, submit, approve, reply, cancel, and what posting records. Every function takes
the acting person and checks what they may do (services, never views). Rules that hold everywhere:

- a person drafts only for the accounts they manage (headquarters' digital-diplomacy team: every account of the
  ministry and its missions; a mission's social-media officer or head: their unit's);
- a draft goes out only after an approver of every unit it posts for has approved it, and an approver never
  approves their own draft (four eyes); replies go the same way;
- a draft under embargo cannot be scheduled before the embargo ends;
- a draft that breaks a platform's rules (length, images, alt text) cannot be submitted.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import BadInput, PermissionDenied
from embassy.missions.models import Membership, Mission, Role
from embassy.publishing import limits, protocol
from embassy.publishing.models import Approval, Approver, ArchiveEntry, Draft, Media, Target
from embassy.social.models import Account
from embassy.social.selectors import social_units_for

REPLY_ROLES = (Role.PROTECTION_OFFICER, Role.HEAD_OF_MISSION)

MAX_UPLOAD = 16 * 1024 * 1024  # the largest image any platform here takes


@dataclass(frozen=True)
class Upload:
    file: UploadedFile
    alt_text: str


def accounts_for_drafting(actor: User) -> list[Account]:
    """The accounts `actor` may publish on: active, run by a unit of the ministry (never a peer's)."""
    every, units = social_units_for(actor)
    accounts = Account.objects.filter(active=True, unit__isnull=False).exclude(owner="peer").select_related("unit")
    if not every:
        accounts = accounts.filter(unit_id__in=units)
    return list(accounts.order_by("unit__code", "platform", "handle"))


def can_approve(user: User, unit: Mission) -> bool:
    """Approval rights on a unit's accounts: its head (head of mission), or a person the administrators named
    approver for it (e.g. the digital-diplomacy team lead for headquarters' accounts)."""
    if not getattr(user, "is_verified", lambda: False)():
        return False
    return (Membership.objects.filter(user=user, mission=unit, role=Role.HEAD_OF_MISSION).exists()
            or Approver.objects.filter(user=user, unit=unit).exists())


def _replying_accounts(actor: User, wanted: set[int]) -> list[Account]:
    """A reply to someone's post may also be drafted by the protection staff of the account's mission (the
    triage console's "reply" to a distress post); it still goes to an approver."""
    units = Membership.objects.filter(user_id=actor.pk, role__in=REPLY_ROLES, mission__active=True).values("mission_id")
    return list(Account.objects.filter(pk__in=wanted, active=True, unit_id__in=units))


def _own_accounts(actor: User, account_ids: Iterable[int], *, reply: bool = False) -> list[Account]:
    wanted = set(account_ids)
    if not wanted:
        raise BadInput(_("Choose at least one account."), field="accounts")
    allowed = [a for a in accounts_for_drafting(actor) if a.pk in wanted]
    if reply and len(allowed) != len(wanted):
        have = {a.pk for a in allowed}
        allowed += _replying_accounts(actor, wanted - have)
    if len(allowed) != len(wanted):
        raise PermissionDenied(_("You may publish only on the accounts your unit runs."), field="accounts")
    return allowed


def _media_of(draft: Draft) -> list[limits.MediaInfo]:
    return [limits.MediaInfo((m.file.name or "").rsplit("/", 1)[-1], m.content_type, m.size, m.alt_text)
            for m in draft.media.all()]


def draft_checks(draft: Draft) -> dict[int, limits.Check]:
    """Each target account's check (length, images, alt text), by account id."""
    media = _media_of(draft)
    return {t.account_id: limits.check(t.account.platform, draft.text, media, reply=bool(draft.in_reply_to))
            for t in draft.targets.select_related("account")}


def _store_uploads(draft: Draft, uploads: Sequence[Upload]) -> None:
    for position, upload in enumerate(uploads):
        size = upload.file.size or 0
        if size > MAX_UPLOAD:
            raise BadInput(_("%(name)s is too large (16 MB at most).") % {"name": upload.file.name}, field="media")
        content_type = (upload.file.content_type or "").lower()
        if not content_type.startswith("image/"):
            raise BadInput(_("%(name)s is not an image.") % {"name": upload.file.name}, field="media")
        Media.objects.create(draft=draft, file=upload.file, content_type=content_type, size=size,
                             alt_text=upload.alt_text.strip()[:1000], position=position)


def _check_times(scheduled_at: dt.datetime, embargo_until: dt.datetime | None) -> None:
    if timezone.is_naive(scheduled_at) or (embargo_until is not None and timezone.is_naive(embargo_until)):
        raise BadInput(_("A time needs its zone."), field="scheduled_at")
    if embargo_until is not None and scheduled_at < embargo_until:
        raise BadInput(_("The draft is under embargo until %(when)s: schedule it at that time or later.") % {
            "when": embargo_until.isoformat(timespec="minutes")}, field="scheduled_at")


@transaction.atomic
def draft_create(*, actor: User, account_ids: Iterable[int], text: str, scheduled_at: dt.datetime,
                 in_reply_to: str = "", embargo_until: dt.datetime | None = None,
                 uploads: Sequence[Upload] = ()) -> Draft:
    """One text for many accounts, going out at `scheduled_at` (aware) on each."""
    accounts = _own_accounts(actor, account_ids, reply=bool(in_reply_to.strip()))
    if len(text) > 70_000:
        raise BadInput(_("The text is too long."), field="text")
    _check_times(scheduled_at, embargo_until)
    draft = Draft.objects.create(text=text.replace("\r\n", "\n"), in_reply_to=in_reply_to.strip()[:200],
                                 embargo_until=embargo_until, created_by=actor)
    for account in accounts:
        Target.objects.create(draft=draft, account=account, scheduled_at=scheduled_at,
                              idempotency_key=secrets.token_hex(16))
    _store_uploads(draft, uploads)
    audit_record(actor=actor, action="publishing.draft", object_type="publishing.draft", object_id=draft.pk,
                 detail={"accounts": sorted(a.pk for a in accounts)})
    return draft


def _editable(actor: User, draft: Draft) -> None:
    if draft.status != Draft.Status.DRAFT:
        raise BadInput(_("Only a draft can be changed; ask for changes first."), field="draft")
    _own_accounts(actor, draft.targets.values_list("account_id", flat=True), reply=bool(draft.in_reply_to))


@transaction.atomic
def draft_update(*, actor: User, draft: Draft, text: str, scheduled_at: dt.datetime,
                 embargo_until: dt.datetime | None = None) -> Draft:
    _editable(actor, draft)
    _check_times(scheduled_at, embargo_until)
    draft.text, draft.embargo_until, draft.updated_at = text.replace("\r\n", "\n"), embargo_until, timezone.now()
    draft.save(update_fields=["text", "embargo_until", "updated_at"])
    draft.targets.update(scheduled_at=scheduled_at)
    return draft


def units_of(draft: Draft) -> list[Mission]:
    return list(Mission.objects.filter(pk__in=draft.targets.values("account__unit_id")).order_by("code"))


def approved_units(draft: Draft) -> set[int]:
    """The units whose approver approved the draft since it was last submitted."""
    since = draft.submitted_at or draft.created_at
    return set(draft.approvals.filter(decision=Approval.Decision.APPROVED, at__gte=since)
               .values_list("unit_id", flat=True))


@transaction.atomic
def draft_submit(*, actor: User, draft: Draft) -> Draft:
    """Send the draft to its approvers; refused while any platform's rules are broken or the embargo is not
    respected."""
    _editable(actor, draft)
    problems = [f"{t.account}: {p}" for t in draft.targets.select_related("account")
                for p in draft_checks(draft)[t.account_id].problems]
    if problems:
        raise BadInput(" ".join(problems), field="text")
    first = draft.targets.order_by("scheduled_at").first()
    if first is not None:
        _check_times(first.scheduled_at, draft.embargo_until)
    now = timezone.now()
    draft.status, draft.submitted_at = Draft.Status.SUBMITTED, now
    draft.save(update_fields=["status", "submitted_at"])
    Approval.objects.create(draft=draft, actor=actor, decision=Approval.Decision.SUBMITTED, at=now,
                            warnings=[w.message for w in protocol.check(draft.text)])
    return draft


@transaction.atomic
def draft_approve(*, actor: User, draft: Draft, comment: str = "") -> Draft:
    """Approve for every unit of the draft `actor` may approve for. When every unit has approved, the targets are
    scheduled; a target whose time has passed goes out at the next run."""
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if draft.status != Draft.Status.SUBMITTED:
        raise BadInput(_("This draft is not waiting for approval."), field="draft")
    if draft.created_by_id == actor.pk:
        raise PermissionDenied(_("You cannot approve your own draft: another person with approval rights must."))
    done = approved_units(draft)
    mine = [u for u in units_of(draft) if u.pk not in done and can_approve(actor, u)]
    if not mine:
        raise PermissionDenied(_("You have no approval rights for the accounts of this draft."))
    warnings = [w.message for w in protocol.check(draft.text)]
    now = timezone.now()
    for unit in mine:
        Approval.objects.create(draft=draft, unit=unit, actor=actor, decision=Approval.Decision.APPROVED,
                                comment=comment[:2000], warnings=warnings, at=now)
    audit_record(actor=actor, action="publishing.approve", object_type="publishing.draft", object_id=draft.pk,
                 detail={"units": [u.code for u in mine]})
    if {u.pk for u in units_of(draft)} <= done | {u.pk for u in mine}:
        if draft.embargo_until and draft.targets.filter(scheduled_at__lt=draft.embargo_until).exists():
            raise BadInput(_("A post is scheduled before the embargo ends."), field="scheduled_at")
        draft.status, draft.approved_at = Draft.Status.APPROVED, now
        draft.save(update_fields=["status", "approved_at"])
        draft.targets.filter(status=Target.Status.PENDING).update(status=Target.Status.SCHEDULED)
    return draft


@transaction.atomic
def draft_request_changes(*, actor: User, draft: Draft, comment: str) -> Draft:
    """Send the draft back to its drafter with what to change."""
    if draft.status != Draft.Status.SUBMITTED:
        raise BadInput(_("This draft is not waiting for approval."), field="draft")
    if not any(can_approve(actor, u) for u in units_of(draft)) or draft.created_by_id == actor.pk:
        raise PermissionDenied(_("You have no approval rights for the accounts of this draft."))
    if not comment.strip():
        raise BadInput(_("Say what to change."), field="comment")
    Approval.objects.create(draft=draft, actor=actor, decision=Approval.Decision.CHANGES, comment=comment[:2000])
    draft.status = Draft.Status.DRAFT
    draft.save(update_fields=["status"])
    return draft


def reply_draft(*, actor: User, account: Account, in_reply_to: str, text: str) -> Draft:
    """A reply from `account` to the platform's post `in_reply_to`, submitted for approval at once (the triage
    console's "reply"): it goes out when an approver has approved it, through the same checks."""
    if not in_reply_to.strip():
        raise BadInput(_("Which post is this a reply to?"), field="in_reply_to")
    with transaction.atomic():
        draft = draft_create(actor=actor, account_ids=[account.pk], text=text, scheduled_at=timezone.now(),
                             in_reply_to=in_reply_to)
        return draft_submit(actor=actor, draft=draft)


@transaction.atomic
def target_cancel(*, actor: User, target: Target) -> Target:
    _own_accounts(actor, [target.account_id])
    if target.status not in (Target.Status.PENDING, Target.Status.SCHEDULED, Target.Status.RETRYING,
                             Target.Status.FAILED):
        raise BadInput(_("This post cannot be cancelled now."), field="target")
    target.status = Target.Status.CANCELLED
    target.save(update_fields=["status"])
    return target


def archive_add(*, target: Target, event: str, text: str, actor: User | None = None, at: dt.datetime | None = None,
                post_id: str = "", url: str = "") -> ArchiveEntry:
    """Append one version to the archive (never updated, never deleted)."""
    last = target.archive.order_by("-version").values_list("version", flat=True).first() or 0
    draft = target.draft
    approvers = ", ".join(sorted({a.actor.get_username() for a in draft.approvals.select_related("actor")
                                  if a.decision == Approval.Decision.APPROVED}))
    return ArchiveEntry.objects.create(
        target=target, account=target.account, event=event, version=last + 1, text=text,
        media=[{"name": m.file.name, "alt_text": m.alt_text, "content_type": m.content_type, "size": m.size}
               for m in draft.media.all()],
        platform_post_id=post_id or target.platform_post_id, url=url or target.url,
        drafted_by=draft.created_by.get_username(), approved_by=approvers, actor=actor, at=at or timezone.now())


@transaction.atomic
def target_record_deleted(*, actor: User, target: Target) -> Target:
    """Record that the post was deleted on the platform: the archive keeps every version."""
    _own_accounts(actor, [target.account_id])
    if target.status != Target.Status.PUBLISHED:
        raise BadInput(_("Only a published post can be recorded as deleted."), field="target")
    target.status = Target.Status.DELETED
    target.save(update_fields=["status"])
    archive_add(target=target, event=ArchiveEntry.Event.DELETED, text=target.draft.text, actor=actor)
    return target


@transaction.atomic
def target_record_edited(*, actor: User, target: Target, text: str) -> Target:
    """Record an edit made on the platform (X, Mastodon, Facebook allow editing) as a new version."""
    _own_accounts(actor, [target.account_id])
    if target.status != Target.Status.PUBLISHED:
        raise BadInput(_("Only a published post can be edited."), field="target")
    archive_add(target=target, event=ArchiveEntry.Event.EDITED, text=text, actor=actor)
    return target
