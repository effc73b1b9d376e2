from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Mission(models.Model):
    """A unit of the ministry: headquarters or a mission abroad. Loaded from data/missions.csv."""

    class Kind(models.TextChoices):
        HQ = "HQ", _("Headquarters")
        KBRI = "KBRI", _("Embassy")
        KJRI = "KJRI", _("Consulate-general")
        KRI = "KRI", _("Consulate")
        PTRI = "PTRI", _("Permanent mission")
        KDEI = "KDEI", _("Economic and trade office")

    code = models.CharField(max_length=40, unique=True)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    name_id = models.CharField(max_length=200)
    name_en = models.CharField(max_length=200)
    city = models.CharField(max_length=100)
    country = models.ForeignKey("geo.Country", on_delete=models.PROTECT, related_name="missions")
    lat = models.FloatField()
    lon = models.FloatField()
    timezone = models.CharField(max_length=64)
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=20, blank=True)
    hotline = models.CharField(max_length=20, blank=True)
    email = models.CharField(max_length=254, blank=True)
    website = models.CharField(max_length=300, blank=True)
    # provenance of the row's facts: one or more URLs separated by a space, and when they were read
    sources = models.TextField(blank=True, default="")
    source_date = models.CharField(max_length=10, blank=True, default="")  # YYYY-MM-DD, YYYY-MM or YYYY
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "city"]

    def __str__(self) -> str:
        return self.name()

    def name(self) -> str:
        return self.name_en if (get_language() or "id").startswith("en") else self.name_id

    @property
    def is_hq(self) -> bool:
        return self.kind == self.Kind.HQ


    @property
    def source_urls(self) -> list[str]:
        return self.sources.split()


class Jurisdiction(models.Model):
    """A mission is responsible for a whole country (admin1 == ""), for one first-level subdivision
    (GeoNames admin1 code) of a country that several missions share, or for one district (GeoNames admin2
    code) of a subdivision that several missions share; admin2 == "*" takes the subdivision's districts
    that no one names."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="jurisdictions")
    country = models.ForeignKey("geo.Country", on_delete=models.PROTECT, related_name="+")
    admin1 = models.CharField(max_length=20, blank=True, default="")
    admin2 = models.CharField(max_length=20, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["country", "admin1", "admin2"], name="one_mission_per_area")]

    def __str__(self) -> str:
        return ":".join(filter(None, [self.country_id, ".".join(filter(None, [self.admin1, self.admin2]))]))


class RoutingVersion(models.Model):
    """One row (pk 1): bumped by every change to missions or jurisdictions, so that every process's
    router notices and rebuilds (see routing.get_router)."""

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(auto_now=True)


class Role(models.TextChoices):
    CONSULAR_OFFICER = "consular_officer", _("Consular officer")
    PROTECTION_OFFICER = "protection_officer", _("Protection duty officer")
    SOCIAL_MEDIA_OFFICER = "social_media_officer", _("Social-media officer")
    HEAD_OF_MISSION = "head_of_mission", _("Head of mission")
    HEAD_OF_CONSULAR = "head_of_consular", _("Head of consular affairs")
    PROTECTION_ANALYST = "protection_analyst", _("Protection analyst (headquarters)")
    DIGITAL_DIPLOMACY = "digital_diplomacy", _("Digital-diplomacy team (headquarters)")
    ADMINISTRATOR = "administrator", _("Administrator (headquarters)")


MISSION_ROLES = {Role.CONSULAR_OFFICER, Role.PROTECTION_OFFICER, Role.SOCIAL_MEDIA_OFFICER, Role.HEAD_OF_MISSION,
                 Role.HEAD_OF_CONSULAR}
HQ_ROLES = {Role.PROTECTION_ANALYST, Role.DIGITAL_DIPLOMACY, Role.ADMINISTRATOR}
# Roles that may read citizens' personal data (social-media staff may not).
PERSONAL_DATA_ROLES = {
    Role.CONSULAR_OFFICER, Role.PROTECTION_OFFICER, Role.HEAD_OF_MISSION, Role.HEAD_OF_CONSULAR,
    Role.PROTECTION_ANALYST, Role.ADMINISTRATOR,
}


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "mission", "role"], name="unique_membership")]
