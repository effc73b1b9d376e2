"""Complaints ("pengaduan", issue 16 point 1): a complaint about a citizen's situation abroad, filed by the
citizen, a relative, an employer or an officer; its number, its service-level clock and its escalation.

Invariants:
- `number` is unique and never changes: the person quotes it (mission code, year, sequence; see services).
- A complaint is never deleted: the model and its queryset refuse delete(), and every complaint has at least
  one ComplaintEvent whose foreign key PROTECTs it, so the database refuses a raw DELETE too.
- `due_at` is the running service-level deadline of the current `level`; it is NULL when the clock is stopped
  (resolved, closed, waiting on the complainant, or already at headquarters with no level above). The escalation
  check reads only rows with due_at <= now through the partial index `complaints_due`.
- `amber_at` is when the current clock turns amber; red means the clock ran out at least once (level > 0) or
  is past due now.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NeverDeletedError(Exception):
    """A complaint (or its history) cannot be deleted; close it instead."""


class Category(models.TextChoices):
    UNPAID_SALARY = "unpaid_salary", _("Unpaid salary")
    WHEREABOUTS = "whereabouts", _("Whereabouts unknown")
    ABUSE = "abuse", _("Abuse")
    DETENTION = "detention", _("Detention and legal cases")
    DEATH = "death", _("Death and repatriation of remains")
    DOCUMENTS = "documents", _("Documents")
    TRAFFICKING = "trafficking", _("Trafficking")
    OTHER = "other", _("Other")


class FiledBy(models.TextChoices):
    SELF = "self", _("The person concerned")
    RELATIVE = "relative", _("A relative")
    EMPLOYER = "employer", _("An employer")
    OFFICER = "officer", _("An officer (call or walk-in)")


class Level(models.IntegerChoices):
    OFFICER = 0, _("Officer")
    HEAD_OF_CONSULAR = 1, _("Head of consular affairs")
    HEAD_OF_MISSION = 2, _("Head of mission")
    HEADQUARTERS = 3, _("Headquarters")


class Channel(models.TextChoices):
    WEB = "web", _("Website")
    API = "api", _("App")
    CALL = "call", _("Phone call")
    WALK_IN = "walk_in", _("Walk-in")
    OTHER = "other", _("Other")


class ComplaintQuerySet(models.QuerySet["Complaint"]):
    def delete(self) -> NoReturn:
        raise NeverDeletedError("complaints are never deleted; close them instead")


class Complaint(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

    ACTIVE = (Status.OPEN, Status.IN_PROGRESS)

    number = models.CharField(max_length=64, unique=True)
    mission = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, related_name="complaints",
                                db_index=False)
    citizen = models.ForeignKey("citizens.Citizen", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="complaints")
    subject_name = models.CharField(_("name of the person concerned"), max_length=200)
    subject_birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    filed_by = models.CharField(max_length=10, choices=FiledBy.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    # The user who filed it (the citizen, or the officer); None for the public form.
    filer_user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    filer_name = models.CharField(_("your name"), max_length=200, blank=True, default="")
    filer_relation = models.CharField(_("relation to the person"), max_length=100, blank=True, default="")
    filer_phone = models.CharField(_("phone"), max_length=20, blank=True, default="")  # E.164
    filer_email = models.EmailField(_("e-mail"), blank=True, default="")
    place = models.CharField(_("where"), max_length=300, blank=True, default="")
    text = models.TextField(_("what happened"))
    filed_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.OFFICER)
    amber_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    # Waiting on the complainant: the clock is stopped (due_at NULL) and the time it had left is kept here.
    waiting_since = models.DateTimeField(null=True, blank=True)
    remaining_s = models.PositiveIntegerField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    client_key = models.CharField(max_length=64, blank=True, default="")  # a double submit finds the first
    client_ip = models.CharField(max_length=64, blank=True, default="")  # the public form's rate limit
    # How `citizen` was found in the registry: passport | nik | name_dob | account | officer ("" = not matched).
    # The identifiers given are kept only as the registry's blind indexes (to match again later), never in clear.
    matched_by = models.CharField(max_length=10, blank=True, default="")
    subject_nik_index = models.CharField(max_length=40, blank=True, default="")
    subject_passport_index = models.CharField(max_length=40, blank=True, default="")

    sos_cases = models.ManyToManyField("sos.Case", blank=True, related_name="+")
    applications = models.ManyToManyField("applications.Application", blank=True, related_name="+")
    stays = models.ManyToManyField("citizens.Stay", blank=True, related_name="+")

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at", "-id"]
        indexes = [
            # The escalation check: only running clocks are indexed, so it touches due rows only.
            models.Index(fields=["due_at"], name="complaints_due", condition=models.Q(due_at__isnull=False)),
            models.Index(fields=["mission", "status", "-filed_at"], name="complaints_mission_status"),
            models.Index(fields=["client_ip", "filed_at"], name="complaints_client_ip"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["filer_user", "client_key"], name="complaints_one_per_client_key",
                                    condition=~models.Q(client_key="")),
        ]

    def __str__(self) -> str:
        return self.number

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NeverDeletedError("complaints are never deleted; close them instead")


class ComplaintEvent(models.Model):
    """Append-only history of a complaint."""

    class Kind(models.TextChoices):
        FILED = "filed", _("Filed")
        ASSIGNED = "assigned", _("Assigned")
        NOTE = "note", _("Note")
        LINKED = "linked", _("Linked")
        IN_PROGRESS = "in_progress", _("Marked in progress")
        WAITING = "waiting", _("Waiting on the complainant")
        RESUMED = "resumed", _("Clock resumed")
        ESCALATED = "escalated", _("Escalated")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events", db_index=False)
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    note = models.TextField(blank=True, default="")
    level = models.PositiveSmallIntegerField(null=True, blank=True)  # the level reached, for ESCALATED

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["complaint", "at"], name="complaints_event_time")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.kind}"

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise NeverDeletedError("complaint history is append-only")


class NumberSeries(models.Model):
    """The last complaint number given at a mission in a year (taken under this row's lock)."""

    mission = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mission", "year"], name="complaints_one_series")]

    def __str__(self) -> str:
        return f"{self.mission_id}/{self.year}: {self.last}"
