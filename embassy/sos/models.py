"""SOS cases: the panic button's alerts, the case a mission works on, its timeline, trail and attachments.

Invariants:
- An alert is stored before anything else happens; (user, idempotency key) is unique, so a retried alert
  returns the case it created instead of creating another.
- A citizen has at most one open case: a second alert while one is open joins it (services enforce this
  under the write transaction).
- `Case.mission` is the mission that has the case now; staff reads are scoped by it (selectors).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    UNKNOWN = "", _("Not stated")
    ACCIDENT = "accident", _("Accident")
    CRIME = "crime", _("Crime")
    LOST_PASSPORT = "lost_passport", _("Lost passport")
    ARREST = "arrest", _("Arrest or detention")
    HEALTH = "health", _("Health")
    DISASTER = "disaster", _("Disaster")
    EMPLOYER_ABUSE = "employer_abuse", _("Abuse by employer")
    OTHER = "other", _("Other")
    # Not an emergency category: a conversation someone started by SMS or WhatsApp (sos.inbound).
    MESSAGE = "message", _("Message (SMS/WhatsApp)")


# Citizen.source of the record made for a number that wrote to the mission and matched no citizen: it holds the
# number only, and its cases are marked unverified until someone signs in with that number and claims it.
SMS_SOURCE = "sms"
# Citizen.source of the record made for the author of a distress post heard on social media (listening's triage):
# the platform handle only, unverified in the same way.
SOCIAL_SOURCE = "social"


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("Critical")
    HIGH = 2, _("High")
    NORMAL = 3, _("Normal")
    LOW = 4, _("Low")


class Outcome(models.TextChoices):
    ASSISTED = "assisted", _("Assisted — problem solved")
    REFERRED = "referred", _("Referred to local authorities or partners")
    REPATRIATED = "repatriated", _("Repatriated")
    FALSE_ALARM = "false_alarm", _("False alarm")
    UNREACHABLE = "unreachable", _("Citizen could not be reached")
    OTHER = "other", _("Other")
    CANCELLED = "cancelled", _("Cancelled by the citizen")


class Case(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New — not yet acknowledged")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        RESOLVED = "resolved", _("Resolved")

    class Location(models.TextChoices):
        KNOWN = "known", _("Known")
        UNKNOWN = "unknown", _("Location unknown")

    OPEN = (Status.NEW, Status.ACKNOWLEDGED)

    citizen = models.ForeignKey("citizens.Citizen", on_delete=models.PROTECT, related_name="sos_cases", db_index=False)
    # None for a case opened for a citizen without an account (e.g. "I need help" from a roll-call SMS).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False,
                             null=True, blank=True)
    stay = models.ForeignKey("citizens.Stay", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    mission = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, related_name="sos_cases", db_index=False)
    routing_rule = models.CharField(max_length=30, blank=True, default="")
    country = models.ForeignKey("geo.Country", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True, default="")
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.HIGH)
    text = models.TextField(_("what happened"), blank=True, default="")
    location = models.CharField(max_length=8, choices=Location.choices, default=Location.UNKNOWN)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    cell = models.BigIntegerField(null=True, blank=True)
    located_at = models.DateTimeField(null=True, blank=True)
    raised_at = models.DateTimeField()
    waiting_since = models.DateTimeField()  # when it last needed acknowledging (raised or handed over)
    alerts = models.PositiveIntegerField(default=1)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="sos_assigned")
    escalation_level = models.PositiveSmallIntegerField(default=0)  # 0 duty officer, 1 mission, 2 headquarters
    escalated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True, default="")
    updated_at = models.DateTimeField()  # every change bumps it: the console's live cursor
    alerted_at = models.DateTimeField(null=True, blank=True)  # duty officers' notifications queued
    # Something from the citizen that no officer has opened yet (a message after the acknowledgement, a
    # cancellation): the queue marks the case until an officer opens it.
    unread_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        indexes = [
            models.Index(fields=["mission", "status"]),
            models.Index(fields=["citizen", "status"]),
            models.Index(fields=["status", "escalation_level", "waiting_since"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["raised_at"], name="sos_case_not_alerted", condition=models.Q(alerted_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["citizen"], condition=models.Q(status__in=["new", "acknowledged"]),
                                    name="sos_one_open_case_per_citizen"),
        ]

    def __str__(self) -> str:
        return f"SOS-{self.pk}"

    @property
    def reference(self) -> str:
        return f"SOS-{self.pk:06d}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    @property
    def unverified(self) -> bool:
        """Sent from a number that matched no citizen (an SOS or a message by SMS/WhatsApp): who wrote is not
        known. Reads the citizen (select it with the case)."""
        citizen = self.citizen
        return citizen.source in (SMS_SOURCE, SOCIAL_SOURCE) and citizen.user_id is None

    @property
    def from_social(self) -> bool:
        """Opened from a social-media post (its author is a handle, not a number). Reads the citizen."""
        return self.citizen.source == SOCIAL_SOURCE

    @property
    def conversation(self) -> bool:
        return self.category == Category.MESSAGE

    @property
    def cancelled(self) -> bool:
        """Closed by the citizen ("I pressed by mistake"). Nothing is deleted: it stays a case, and counts."""
        return self.outcome == Outcome.CANCELLED


class Alert(models.Model):
    """One press of the panic button (or one retry of it). The idempotency key is chosen by the phone."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="alert_set")
    received_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)  # when the phone says it was pressed (offline queue)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="sos_alert_user_key")]


class Event(models.Model):
    """The case timeline. `public` events are shown to the citizen (acknowledgement, messages, handover…)."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("SOS received")
        JOINED = "joined", _("Another SOS press joined the case")
        DETAILS = "details", _("Details from the citizen")
        ATTACHMENT = "attachment", _("Attachment added")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        MESSAGE = "message", _("Message")
        NOTE = "note", _("Internal note")
        ASSIGNED = "assigned", _("Assigned")
        UPDATED = "updated", _("Category or priority changed")
        HANDED_OVER = "handed_over", _("Handed over")
        ESCALATED = "escalated", _("Escalated")
        CALLED = "called", _("Call logged")
        RESOLVED = "resolved", _("Resolved")
        REOPENED = "reopened", _("Reopened")
        CANCELLED = "cancelled", _("Cancelled by the citizen")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    from_citizen = models.BooleanField(default=False)
    public = models.BooleanField(default=False)
    text = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]


class LocationPoint(models.Model):
    """The trail: every position the phone sent while the case was open."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="trail", db_index=False)
    at = models.DateTimeField()
    lat = models.FloatField()
    lon = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"])]


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8)  # photo | video
    content_type = models.CharField(max_length=60)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=200)  # relative to services.ATTACHMENT_ROOT
    original_name = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]


class DutyOfficer(models.Model):
    """Who answers a mission's SOS first. No one on duty → every protection officer of the mission."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mission", "user"], name="sos_duty_mission_user")]
