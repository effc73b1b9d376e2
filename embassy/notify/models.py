"""The notification outbox: one row per message per address, a log of delivery attempts, browsers' push
subscriptions, and the per-channel token buckets shared by the dispatchers (kicks are coalesced by common.kicks).

Invariants:
- A message is claimable when its status is queued or sending and `next_attempt_at` has passed. While a
  worker holds a message (status sending), `next_attempt_at` equals `claimed_until` (the lease): if the
  worker dies, the message becomes claimable again when the lease runs out. One range condition, one index.
- `attempts` counts claims, so a message that keeps crashing workers still ends up dead.
"""

from __future__ import annotations

import enum

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Priority(enum.IntEnum):
    """Lower drains first. SOS also bypasses the per-channel rate limits."""

    SOS = 0
    HIGH = 10
    NORMAL = 50
    BULK = 90


CHANNELS = ("push", "email", "sms", "whatsapp", "webhook", "sink")


class PushSubscription(models.Model):
    """A browser's Web Push subscription (PushSubscription.toJSON()). Disabled when the push service says
    it is gone (404/410); deleted when the user unsubscribes."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.CharField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "disabled_at"], name="notify_push_user")]

    def __str__(self) -> str:
        return f"push subscription {self.pk}"


class Message(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DEAD = "dead", _("Gave up")

    ACTIVE = (Status.QUEUED, Status.SENDING)

    channel = models.CharField(max_length=10, choices=[(c, c) for c in CHANNELS])
    address = models.CharField(max_length=500)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+")
    subscription = models.ForeignKey(PushSubscription, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="messages")
    subject = models.CharField(max_length=300, blank=True, default="")
    body = models.TextField(blank=True, default="")
    url = models.CharField(max_length=500, blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    kind = models.CharField(max_length=40, blank=True, default="")
    priority = models.SmallIntegerField(default=Priority.NORMAL)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=32, blank=True, default="")
    last_error = models.CharField(max_length=500, blank=True, default="")
    provider_id = models.CharField(max_length=200, blank=True, default="")
    dedupe_key = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "address", "dedupe_key"], condition=~Q(dedupe_key=""),
                                    name="notify_message_dedupe"),
        ]
        indexes = [
            # The dispatcher's two claim queries (SOS across channels; per channel within its rate limit).
            models.Index(fields=["priority", "next_attempt_at", "id"], condition=Q(status__in=["queued", "sending"]),
                         name="notify_msg_due"),
            models.Index(fields=["channel", "priority", "next_attempt_at", "id"],
                         condition=Q(status__in=["queued", "sending"]), name="notify_msg_due_channel"),
            # Purging by age. Deliberately no index led by status: SQLite would prefer it to the partial
            # indexes above and sort every queued row on each claim.
            models.Index(fields=["created_at"], name="notify_msg_created"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} message {self.pk} ({self.status})"


class DeliveryAttempt(models.Model):
    """One try at handing a message to its channel: the delivery log."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="delivery_attempts")
    at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField(default=False)
    outcome = models.CharField(max_length=8)  # sent | retry | failed | gone
    status_code = models.IntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["message", "at"], name="notify_attempt_msg")]


class ChannelBucket(models.Model):
    """Token bucket of one channel, shared by every dispatcher process (row-locked while claiming)."""

    channel = models.CharField(max_length=10, primary_key=True)
    tokens = models.FloatField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
