from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from embassy.common.fields import EncryptedCharField
from embassy.missions.selectors import home_country

NIK_CONTEXT = "citizens.Citizen.nik"
PASSPORT_CONTEXT = "citizens.Citizen.passport_number"


class Citizen(models.Model):
    """A citizen's profile. `user` is set once the citizen signs in; demo and imported records may have none.

    nik and passport_number are sealed at rest; nik_index / passport_index are keyed blind indexes for exact
    search (maintained by services, never shown)."""

    class Gender(models.TextChoices):
        FEMALE = "F", _("Female")
        MALE = "M", _("Male")
        UNSPECIFIED = "", _("Not stated")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="citizen"
    )
    full_name = models.CharField(_("full name"), max_length=200)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True, default="")
    email = models.EmailField(_("email"), blank=True, default="")
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="")
    nik = EncryptedCharField(_("national ID number (NIK)"), blank=True, default="")
    nik_index = models.CharField(max_length=40, blank=True, default="", db_index=True)
    passport_number = EncryptedCharField(_("passport number"), blank=True, default="")
    passport_index = models.CharField(max_length=40, blank=True, default="", db_index=True)
    passport_expiry = models.DateField(_("passport expiry"), null=True, blank=True)
    home_address = models.CharField(_("address in Indonesia"), max_length=300, blank=True, default="")
    # A new email or phone the citizen gave, waiting for the code sent to it; email/phone above stay in use
    # (and are the only ones messages go to) until the code confirms the new one.
    pending_email = models.EmailField(blank=True, default="", db_default="")
    pending_phone = models.CharField(max_length=20, blank=True, default="", db_default="")
    source = models.CharField(max_length=10, default="app")  # app | mission | demo
    # Last known position: sent by the citizen's own app (SOS, or "share my position" turned on). Used to
    # find who is inside a crisis zone besides registered stays.
    share_location = models.BooleanField(_("share my position with the mission during emergencies"),
                                         default=False, db_default=False)
    last_lat = models.FloatField(null=True, blank=True)
    last_lon = models.FloatField(null=True, blank=True)
    last_cell = models.BigIntegerField(null=True, blank=True)  # H3 res 9
    last_country = models.CharField(max_length=2, blank=True, default="", db_default="")
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["full_name", "id"]
        indexes = [models.Index(fields=["last_cell"], name="citizens_last_cell",
                                condition=models.Q(last_cell__isnull=False)),
                   # An SMS or WhatsApp message names its sender only by number (sos/inbound, crises/inbound).
                   models.Index(fields=["phone"], name="citizens_phone")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def pending_items(self) -> list[tuple[str, str]]:
        """(field, new address) of each email or phone waiting for its code."""
        return [(name, value) for name, value in (("email", self.pending_email), ("phone", self.pending_phone))
                if value]


class Stay(models.Model):
    """A registered stay or trip abroad (lapor diri). The responsible mission is assigned by routing."""

    class Purpose(models.TextChoices):
        WORK = "work", _("Work")
        STUDY = "study", _("Study")
        TOURISM = "tourism", _("Tourism")
        PILGRIMAGE = "pilgrimage", _("Pilgrimage")
        CREW = "crew", _("Ship crew")
        FAMILY = "family", _("Family")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")

    class PilgrimageKind(models.TextChoices):
        HAJJ = "hajj", _("Hajj")
        UMRAH = "umrah", _("Umrah")

    # The foreign keys' own indexes would duplicate the composite indexes below (same leading column).
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="stays", db_index=False)
    country = models.ForeignKey("geo.Country", on_delete=models.PROTECT, related_name="+", db_index=False)
    city = models.CharField(_("city"), max_length=100, blank=True, default="")
    address = models.CharField(_("address"), max_length=300, blank=True, default="")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    cell = models.BigIntegerField(null=True, blank=True)  # H3 res 9 (geo.h3cells.STAY_RES); see Meta.indexes
    mission = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, related_name="stays", db_index=False)
    routing_rule = models.CharField(max_length=30, blank=True, default="")
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.OTHER)
    occupation = models.CharField(_("occupation"), max_length=40, blank=True, default="")
    employer = models.CharField(_("employer"), max_length=200, blank=True, default="")
    # Details by purpose (services keep only those of the stay's purpose).
    employer_address = models.CharField(_("employer's address"), max_length=300, blank=True, default="")
    employer_phone = models.CharField(_("employer's phone"), max_length=20, blank=True, default="")
    institution = models.CharField(_("school or university"), max_length=200, blank=True, default="")
    pilgrimage_kind = models.CharField(_("pilgrimage"), max_length=5, choices=PilgrimageKind.choices, blank=True,
                                       default="")
    organiser = models.CharField(_("travel organiser or group"), max_length=200, blank=True, default="")
    vessel_name = models.CharField(_("vessel name"), max_length=200, blank=True, default="")
    vessel_imo = models.CharField(_("IMO number"), max_length=7, blank=True, default="")
    vessel_flag = models.CharField(_("flag of the vessel"), max_length=2, blank=True, default="")
    purpose_detail = models.CharField(_("purpose (details)"), max_length=300, blank=True, default="")
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    dependants: models.ManyToManyField[Dependant, Any] = models.ManyToManyField("Dependant", blank=True, related_name="stays",
                                        verbose_name=_("family members travelling along"))
    # Six-monthly confirmation: set at registration and whenever the citizen confirms the stay.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)  # the last confirmation reminder
    # Privacy by design: days after the end date at which the location is deleted (None: keep).
    location_purge_days = models.PositiveSmallIntegerField(null=True, blank=True)
    location_purged_at = models.DateTimeField(null=True, blank=True)
    # Verification by the responsible mission (cleared when the stay moves to another mission).
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        indexes = [
            models.Index(fields=["mission", "status"]),
            models.Index(fields=["citizen", "status"]),
            models.Index(fields=["country", "status"]),
            models.Index(fields=["status", "confirmed_at"]),
            models.Index(fields=["location_purge_days", "end_date"], name="citizens_stay_purge_due",
                         condition=models.Q(location_purged_at__isnull=True)),
            # Spatial queries (crisis zones, density maps) scan ranges of cells and need only these columns:
            # a covering index reads them without visiting the table (crises.affected).
            models.Index(fields=["cell", "status", "citizen", "mission", "lat", "lon", "start_date"],
                         name="citizens_stay_cell_cover"),
        ]


class EmergencyContact(models.Model):
    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="emergency_contacts")
    name = models.CharField(_("name"), max_length=200)
    relationship = models.CharField(_("relationship"), max_length=60, blank=True, default="")
    phone = models.CharField(_("phone"), max_length=20, blank=True, default="")
    email = models.EmailField(_("email"), blank=True, default="")

    class Meta:
        ordering = ["id"]


class Dependant(models.Model):
    """A family member under the citizen's care — a citizen or not — who may travel along on stays.

    The passport number is sealed at rest like the citizen's; there is no blind index (staff find the
    record through the citizen)."""

    class Relationship(models.TextChoices):
        SPOUSE = "spouse", _("Spouse")
        CHILD = "child", _("Child")
        PARENT = "parent", _("Parent")
        SIBLING = "sibling", _("Brother or sister")
        OTHER = "other", _("Other family member")

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="dependants")
    full_name = models.CharField(_("full name"), max_length=200)
    relationship = models.CharField(_("relationship"), max_length=10, choices=Relationship.choices,
                                    default=Relationship.OTHER)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    # ISO 3166-1 alpha-2; services default it to the ministry's own country (ID in the default configuration)
    nationality = models.CharField(_("nationality"), max_length=2)
    passport_number = EncryptedCharField(_("passport number"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_citizen(self) -> bool:
        """A citizen of the ministry's own country (that of headquarters)."""
        return self.nationality == home_country()
