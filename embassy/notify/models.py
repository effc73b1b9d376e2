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
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
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
    # (db_default: raw INSERTs that predate a column, e.g. common.bulk callers, still store a valid row.)
    # Which provider account took it (ProviderAccount.key) and what its receipts said since: "" (none yet),
    # sent (accepted by the network), delivered, read, failed. `status` stays the outbox's own state.
    provider = models.CharField(max_length=40, blank=True, default="", db_default="")
    receipt = models.CharField(max_length=9, blank=True, default="", db_default="")
    receipt_error = models.CharField(max_length=300, blank=True, default="", db_default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # What the message belongs to, for counts ("crisis:12"), and the mission it is sent for (provider
    # routing, budgets). Both optional.
    topic = models.CharField(max_length=40, blank=True, default="", db_default="")
    mission = models.ForeignKey("missions.Mission", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", db_index=False)
    # When to check that it was delivered; if it was not, the next channel of data["_then"] is tried
    # (notify.fallback). None: no fallback, or it has been decided.
    fallback_at = models.DateTimeField(null=True, blank=True)
    # The estimated cost of an SMS or WhatsApp message when it was queued (notify.costs; None: no price, or a
    # channel that costs nothing), in the price table's currency: a mission's spend is the sum (notify.budget).
    cost = models.DecimalField(max_digits=12, decimal_places=5, null=True, blank=True)

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
            # Receipts name the vendor's id of the message. Not partial: SQLite would not match a parameterised
            # "provider_id IN (...)" against the condition.
            models.Index(fields=["provider_id"], name="notify_msg_provider_id"),
            models.Index(fields=["topic", "channel"], name="notify_msg_topic"),
            models.Index(fields=["fallback_at"], condition=Q(fallback_at__isnull=False), name="notify_msg_fallback"),
            # A mission's month-to-date spend: one range of this index, summed without reading the table.
            models.Index(fields=["mission", "created_at", "cost"], condition=Q(mission__isnull=False, cost__isnull=False),
                         name="notify_msg_spend"),
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


class ProviderAccount(models.Model):
    """An account with a messaging vendor (Twilio, Infobip, Vonage, an SMPP link, the WhatsApp Cloud API, or
    the generic JSON contract), used for the missions and countries it lists, in `rank` order: the first
    that serves a message is tried first, the next ones on failure. Credentials are sealed like passport
    numbers (common.crypto) and never shown whole."""

    class Vendor(models.TextChoices):
        TWILIO = "twilio", "Twilio"
        INFOBIP = "infobip", "Infobip"
        VONAGE = "vonage", "Vonage"
        SMPP = "smpp", "SMPP 3.4"
        WHATSAPP = "whatsapp", "WhatsApp Business Cloud API"
        GENERIC = "generic", _("Generic JSON adapter")

    key = models.SlugField(_("key"), max_length=40, unique=True,
                           help_text=_("Names the account in its webhook address (shown below once saved). Letters, digits and hyphens."))
    name = models.CharField(_("name"), max_length=100)
    vendor = models.CharField(_("vendor"), max_length=10, choices=Vendor.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=[("sms", "SMS"), ("whatsapp", "WhatsApp")])
    enabled = models.BooleanField(_("enabled"), default=True)
    rank = models.PositiveSmallIntegerField(_("order"), default=10, help_text=_("Lower is tried first."))
    countries = models.CharField(_("countries"), max_length=500, blank=True, default="",
                                 help_text=_("ISO codes of the recipients' countries it serves, comma-separated; "
                                             "empty: every country."))
    missions = models.ManyToManyField("missions.Mission", blank=True, related_name="+",
                                      verbose_name=_("missions"),
                                      help_text=_("Missions it sends for; none selected: every mission."))
    sender = models.CharField(_("sender"), max_length=40, blank=True, default="",
                              help_text=_("Number (E.164), alphanumeric sender ID, Messaging Service SID or "
                                          "WhatsApp phone number ID."))
    senders = models.JSONField(_("senders by country"), default=dict, blank=True,
                               help_text=_('Where a country needs another sender: {"SA": "KBRI-RIYADH", "US": "+1..."}'))
    inbound_number = models.CharField(_("number people write to"), max_length=20, blank=True, default="",
                                      help_text=_("E.164; offered in the SOS-by-SMS button of the missions it serves."))
    credentials = models.TextField(blank=True, default="")  # sealed JSON object (notify.accounts)
    options = models.JSONField(_("options"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = _("messaging provider account")
        verbose_name_plural = _("messaging provider accounts")

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"


class Inbound(models.Model):
    """A message a person sent us (SMS, WhatsApp) through a provider account. The vendor's id makes a retried
    webhook or a redelivered PDU land once. It is stored as the webhook arrives and handed to the apps'
    handlers by the worker (notify.inbound): `outcome` is empty until then, and says what became of it (sos,
    rollcall, conversation, opt-out… or "failed" after MAX_TRIES errors), `ref` what it touched ("sos.case:12")
    and `handled_at` when. One part of a long text sent part by part is "part" until the text is whole, then
    "joined" (its ref names the whole text's row)."""

    account = models.CharField(max_length=40)
    provider_id = models.CharField(max_length=200)
    channel = models.CharField(max_length=10)
    sender = models.CharField(max_length=20)
    to = models.CharField(max_length=40, blank=True, default="")
    text = models.TextField(blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)  # the vendor's timestamp
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, blank=True, default="")
    ref = models.CharField(max_length=40, blank=True, default="")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", db_index=False)
    handled_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)  # handler runs that failed

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "provider_id"], name="notify_inbound_once")]
        indexes = [models.Index(fields=["sender", "channel", "received_at"], name="notify_inbound_sender"),
                   # The worker's queue: the messages not handled yet, oldest first.
                   models.Index(fields=["id"], name="notify_inbound_waiting", condition=Q(outcome="")),
                   # Parts of long texts waiting for the rest (notify.inbound.parts_sweep).
                   models.Index(fields=["received_at"], name="notify_inbound_parts", condition=Q(outcome="part"))]

    def __str__(self) -> str:
        return f"inbound {self.channel} {self.pk} ({self.outcome or 'new'})"


class OptOut(models.Model):
    """A person who asked, with an opt-out word, to get no more messages on a channel at an address."""

    channel = models.CharField(max_length=10)
    address = models.CharField(max_length=40)
    at = models.DateTimeField(default=timezone.now)
    word = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="notify_optout_once")]


class MissionBudget(models.Model):
    """What a mission may spend on SMS and WhatsApp in a month, as estimated when its messages are queued
    (notify.budget). A row for one month (its first day) overrides the mission's "every month" row (no month).
    Amounts are in the price table's currency: the admin refuses another, nothing is converted."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+",
                                verbose_name=_("mission"))
    month = models.DateField(_("month"), null=True, blank=True,
                             help_text=_("Any day of the month it is for; empty: every month."))
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2,
                                 validators=[MinValueValidator(Decimal(0))])
    currency = models.CharField(_("currency"), max_length=3)
    note = models.CharField(_("note"), max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["mission_id", "-month"]
        verbose_name = _("mission messaging budget")
        verbose_name_plural = _("mission messaging budgets")
        constraints = [
            models.UniqueConstraint(fields=["mission", "month"], condition=Q(month__isnull=False),
                                    name="notify_budget_month",
                                    violation_error_message=_("This mission already has a budget for that month.")),
            models.UniqueConstraint(fields=["mission"], condition=Q(month__isnull=True),
                                    name="notify_budget_every_month",
                                    violation_error_message=_("This mission already has a budget for every month.")),
        ]

    def __str__(self) -> str:
        return f"budget {self.mission_id} {self.month or 'every month'}: {self.amount} {self.currency}"


class BudgetMonth(models.Model):
    """One mission's month as its budget saw it: when the alert at NOTIFY_BUDGET_ALERT_PERCENT went out (once:
    set by a compare-and-set) and how many messages the spent budget held back."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # its first day (UTC)
    alerted_at = models.DateTimeField(null=True, blank=True)
    held = models.PositiveIntegerField(default=0)
    last_held_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mission", "month"], name="notify_budget_month_once")]

    def __str__(self) -> str:
        return f"budget month {self.mission_id} {self.month:%Y-%m}"
