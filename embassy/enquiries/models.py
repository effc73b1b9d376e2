"""Families' enquiries during a crisis ("my son works in Kathmandu, is he safe?") and what each citizen lets
the mission tell them.

Invariants: an enquiry belongs to one crisis. It is matched to at most one citizen, and only by a strong key
(embassy.enquiries.matching): never by name alone. Identity numbers are kept only as the registry's keyed blind
indexes (for matching), never in clear. What the family is told comes from the citizen's SharingPreference
(embassy.enquiries.consent) and is recorded in `told_state`, so that each piece of news is sent once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Enquiry(models.Model):
    class Status(models.TextChoices):
        SOUGHT = "sought", _("Being looked for")
        TO_CONFIRM = "to_confirm", _("Possible matches: an officer confirms")
        MATCHED = "matched", _("Matched to the registry")
        CLOSED = "closed", _("Closed")

    class Via(models.TextChoices):
        WEB = "web", _("Public form")
        PHONE = "phone", _("Taken by phone")

    class Rule(models.TextChoices):
        NONE = "", _("No match")
        ID = "id", _("Passport or NIK")
        PHONE_NAME = "phone_name", _("Phone and name")
        NAME_DOB = "name_dob", _("Name and date of birth")
        OFFICER = "officer", _("Confirmed by an officer")

    crisis = models.ForeignKey("crises.Crisis", on_delete=models.CASCADE, related_name="enquiries")
    via = models.CharField(max_length=5, choices=Via.choices, default=Via.WEB)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    language = models.CharField(max_length=8, default="id")
    # Who asks
    enquirer_name = models.CharField(_("your name"), max_length=200)
    relation = models.CharField(_("relation to the person"), max_length=60, blank=True, default="")
    enquirer_phone = models.CharField(_("your phone"), max_length=20, blank=True, default="")
    enquirer_email = models.EmailField(_("your email"), blank=True, default="")
    # The person sought, as the family describes them
    sought_name = models.CharField(_("full name"), max_length=200)
    sought_birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sought_nik_index = models.CharField(max_length=40, blank=True, default="")
    sought_passport_index = models.CharField(max_length=40, blank=True, default="")
    sought_phone = models.CharField(_("phone"), max_length=20, blank=True, default="")
    last_city = models.CharField(_("last known city"), max_length=100, blank=True, default="")
    note = models.TextField(_("note"), blank=True, default="")
    # Matching
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SOUGHT)
    citizen = models.ForeignKey("citizens.Citizen", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+")
    rule = models.CharField(max_length=10, choices=Rule.choices, blank=True, default="")
    candidates = models.JSONField(default=list, blank=True)  # citizen ids an officer chooses from
    possible = models.JSONField(default=list, blank=True)  # name-only look-alikes: shown, never matched
    matched_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    # What the family was told last: looking | safe | help (+ ":city" when the city was shared)
    told_state = models.CharField(max_length=120, blank=True, default="")
    told_at = models.DateTimeField(null=True, blank=True)
    token_nonce = models.CharField(max_length=32)
    client_ip = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["crisis", "status"], name="enquiries_crisis_status"),
                   models.Index(fields=["client_ip", "created_at"], name="enquiries_ip_time"),
                   models.Index(fields=["citizen"], name="enquiries_citizen")]

    def __str__(self) -> str:
        return self.sought_name


class SharingPreference(models.Model):
    """What the citizen lets the mission tell relatives who ask about them during a crisis. No row: DEFAULT."""

    class Level(models.TextChoices):
        DEFAULT = "default", _("Only my emergency contacts may be told whether I answered safe or need help")
        NOTHING = "nothing", _("Nobody: relatives are told only that the mission is looking")
        STATUS = "status", _("Any relative who asks may be told whether I answered safe or need help")
        STATUS_CITY = "status_city", _("Any relative who asks may be told my answer and the city I am in")

    citizen = models.OneToOneField("citizens.Citizen", on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=12, choices=Level.choices, default=Level.DEFAULT)
    updated_at = models.DateTimeField(auto_now=True)
