"""Publishing with approval (issue 15, point 5).

- `Draft`: what one person wrote once (text, images with alt text, an optional reply target and embargo), for
  one or more accounts. Its status moves drafter → approver: draft → submitted → approved (or back to draft with
  changes asked); a draft is never published unapproved.
- `Target`: the draft on one account, with the time it is to go out (UTC; shown in the account's zone) and what
  happened when it was posted: attempts, the last error, the next try, the platform's id. A target is
  "scheduled" only while it is approved and not yet posted; a failure is its own status, never hidden.
- `Approval`: one decision by one person (approve, ask for changes), kept for the record.
- `ArchiveEntry`: every version published, edited or deleted on the platform, never erased (UU 14/2008 on public
  information: what a public body published is public information it must keep and be able to show).
- `Approver`: a delegation of approval rights on a unit's accounts (e.g. the digital-diplomacy team lead for
  headquarters' accounts), besides the unit's head of mission who always has them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Draft(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    text = models.TextField(_("text"))
    in_reply_to = models.CharField(_("in reply to"), max_length=200, blank=True, default="")  # the platform's post id
    embargo_until = models.DateTimeField(_("embargo until"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    crisis = models.ForeignKey("crises.Crisis", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.text[:60]


class Media(models.Model):
    """An image attached to a draft, stored through Django's default storage; its alt text is required."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="media")
    file = models.FileField(upload_to="publishing/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    alt_text = models.CharField(_("alt text"), max_length=1000)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]


class Target(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Not approved yet")
        SCHEDULED = "scheduled", _("Scheduled")
        PUBLISHING = "publishing", _("Being posted")
        RETRYING = "retrying", _("Failed, retrying")
        PUBLISHED = "published", _("Published")
        FAILED = "failed", _("Failed: the platform refused it")
        CANCELLED = "cancelled", _("Cancelled")
        DELETED = "deleted", _("Deleted on the platform")

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="targets")
    account = models.ForeignKey("social.Account", on_delete=models.PROTECT, related_name="publish_targets")
    scheduled_at = models.DateTimeField(_("goes out at"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_try_at = models.DateTimeField(null=True, blank=True)
    # A request whose outcome is unknown (a timeout after it was sent): the next try first checks the platform.
    uncertain = models.BooleanField(default=False)
    idempotency_key = models.CharField(max_length=64)
    platform_post_id = models.CharField(max_length=200, blank=True, default="")
    platform_state = models.JSONField(default=dict, blank=True)  # e.g. Instagram's media container id
    url = models.URLField(max_length=400, blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["scheduled_at"]
        constraints = [models.UniqueConstraint(fields=["draft", "account"], name="publishing_target_unique")]
        indexes = [models.Index(fields=["status", "scheduled_at"], name="publishing_target_due")]


class Approval(models.Model):
    class Decision(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for approval")
        APPROVED = "approved", _("Approved")
        CHANGES = "changes", _("Changes asked")

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="approvals")
    unit = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    comment = models.TextField(blank=True, default="")
    warnings = models.JSONField(default=list, blank=True)  # the protocol warnings the approver saw
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]


class Approver(models.Model):
    unit = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+", verbose_name=_("unit"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "user"], name="publishing_approver_unique")]


class ArchiveEntry(models.Model):
    class Event(models.TextChoices):
        PUBLISHED = "published", _("Published")
        EDITED = "edited", _("Edited")
        DELETED = "deleted", _("Deleted on the platform")

    target = models.ForeignKey(Target, on_delete=models.PROTECT, related_name="archive")
    account = models.ForeignKey("social.Account", on_delete=models.PROTECT, related_name="+")
    event = models.CharField(max_length=10, choices=Event.choices)
    version = models.PositiveIntegerField()
    text = models.TextField(blank=True, default="")
    media = models.JSONField(default=list, blank=True)  # [{"name", "alt_text", "content_type", "size"}]
    platform_post_id = models.CharField(max_length=200, blank=True, default="")
    url = models.URLField(max_length=400, blank=True, default="")
    drafted_by = models.CharField(max_length=150, blank=True, default="")
    approved_by = models.CharField(max_length=300, blank=True, default="")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["target", "version"], name="publishing_archive_version")]
