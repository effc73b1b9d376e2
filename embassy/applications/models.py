"""Consular applications (issue 14, point 4): an application for one service at one mission, the documents
uploaded with it, the status timeline the citizen sees, and the payments taken at a counter.

Counts for the dashboard (by status, by lateness against `due_on`) read the index (mission, status, due_on)
only; `due_on` is stored at submission (target working days, see embassy.applications.workdays)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    DOCUMENTS_CHECKED = "documents_checked", _("documents checked")
    IN_PROCESS = "in_process", _("in process")
    READY = "ready", _("ready to collect")
    COLLECTED = "collected", _("collected")
    RETURNED = "returned", _("returned for correction")
    REJECTED = "rejected", _("refused")


# The mission's work: the statuses the processing target (due_on) runs against.
OPEN_WORK = (Status.SUBMITTED, Status.DOCUMENTS_CHECKED, Status.IN_PROCESS)
FINAL = (Status.COLLECTED, Status.REJECTED)


class Application(models.Model):
    """One citizen's application. `fee`, `currency`, `target_days` are the mission's terms when it was
    submitted (a later change of terms does not move it); `due_on` is the mission-local day by which it should
    be ready (None: the service has no target)."""

    reference = models.CharField(max_length=12, unique=True)  # quoted at the counter and on the phone
    mission = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey("consular.Service", on_delete=models.PROTECT, related_name="+")
    citizen = models.ForeignKey("citizens.Citizen", on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    status_note = models.TextField(blank=True, default="")  # the reason of a return or refusal
    answers = models.JSONField(default=dict, blank=True)  # the service's questions (applications.questions)
    fee = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, default="")
    target_days = models.PositiveSmallIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField()
    due_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField()
    client_key = models.CharField(max_length=64, blank=True, default="")  # a double submit finds the first
    # The SPLP issued for it (embassy.credentials' serial; a text, not a key, so that the two apps' migrations
    # stay independent).
    credential_serial = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["mission", "status", "due_on"], name="applications_mission_due"),
            models.Index(fields=["citizen", "-submitted_at"], name="applications_citizen_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["citizen", "client_key"],
                condition=~models.Q(client_key=""),
                name="applications_client_key",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_final(self) -> bool:
        return self.status in FINAL


class Document(models.Model):
    """One uploaded document, for one of the service's documents (`key`). Its type was read from its first
    bytes; the file lies under MEDIA_ROOT/applications/ and is served only through the scoped views."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="documents")
    key = models.CharField(max_length=60)
    label = models.CharField(max_length=300)  # the document's name when it was uploaded (Indonesian)
    content_type = models.CharField(max_length=60)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    path = models.CharField(max_length=200)  # relative to MEDIA_ROOT/applications
    original_name = models.CharField(max_length=200, blank=True, default="")
    uploaded_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["application", "key"], name="applications_document_key")
        ]


class StatusEvent(models.Model):
    """A step of the timeline: who moved the application to `status`, when, and why (`note`)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    status = models.CharField(max_length=20, choices=Status.choices)
    previous = models.CharField(max_length=20, choices=Status.choices, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    by_citizen = models.BooleanField(default=False)
    note = models.TextField(blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["application", "at"], name="applications_event_time")]


class Payment(models.Model):
    """Money taken for an application at a counter. Receipt numbers are unique within a mission."""

    class Method(models.TextChoices):
        CASH = "cash", _("cash")
        CARD = "card", _("card")
        TRANSFER = "transfer", _("bank transfer")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="payments")
    mission = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, related_name="+")
    counter = models.ForeignKey("consular.Counter", on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=10, choices=Method.choices)
    receipt_number = models.CharField(max_length=40)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["received_at", "id"]
        indexes = [
            models.Index(fields=["mission", "received_at"], name="applications_payment_day"),
            models.Index(fields=["counter", "received_at"], name="applications_payment_till"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["mission", "receipt_number"], name="applications_receipt_number"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="applications_payment_positive"),
        ]
