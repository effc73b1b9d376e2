"""Country information and travel advisories: every version of a country's advisory is kept.

A version moves draft → in_review → published (→ superseded by the next publication) or in_review →
rejected. Published and superseded versions are the public record (feeds, CAP alerts); drafts, reviews and
rejections are seen by staff only. CountryAdvisory points at the one current published version of a country.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from embassy.advisories.levels import COLOURS, SECTION_KEYS, SECTION_LABELS, SERVICE_LABELS, Level, pick


class AdvisoryVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")
        REJECTED = "rejected", _("Rejected")

    OPEN = (Status.DRAFT, Status.IN_REVIEW)
    PUBLIC = (Status.PUBLISHED, Status.SUPERSEDED)

    country = models.ForeignKey("geo.Country", on_delete=models.PROTECT, related_name="+", db_index=False)
    number = models.PositiveIntegerField()  # 1, 2, 3 … per country, in order of creation
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.NORMAL)
    reason_id = models.TextField(blank=True, default="")
    reason_en = models.TextField(blank=True, default="")
    # {"security": {"id": "...", "en": "..."}, ...} — keys from levels.SECTION_KEYS
    sections = models.JSONField(default=dict, blank=True)
    # [{"name": "Papua", "code": "ID-PA", "level": 3, "reason_id": "...", "reason_en": "..."}, ...]
    regions = models.JSONField(default=list, blank=True)
    # [{"service": "police", "number": "110"}, ...] — services from levels.EMERGENCY_SERVICES
    emergency_numbers = models.JSONField(default=list, blank=True)
    is_demo = models.BooleanField(default=False)
    # Set at publication: the level of the version this one replaced (None: the country's first), and
    # whether the highest level anywhere in the country went up — then a CAP alert is issued.
    previous_level = models.PositiveSmallIntegerField(null=True, blank=True)
    level_rose = models.BooleanField(default=False)
    review_note = models.TextField(blank=True, default="")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["country_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["country", "number"], name="advisory_version_number"),
            # at most one version being worked on per country
            models.UniqueConstraint(fields=["country"], condition=Q(status__in=["draft", "in_review"]),
                                    name="advisory_one_open_version"),
        ]
        indexes = [
            models.Index(fields=["status", "published_at"]),
            models.Index(fields=["level_rose", "published_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.country_id} v{self.number} ({self.status})"

    # -- display helpers (the viewer's language, falling back to the other) ------------------------------
    @property
    def colour(self) -> str:
        return COLOURS.get(self.level, "grey")

    @property
    def level_label(self) -> str:
        return str(Level(self.level).label) if self.level in Level.values else ""

    @property
    def reason(self) -> str:
        return pick(self.reason_id, self.reason_en)

    @property
    def max_level(self) -> int:
        return max([self.level, *(int(r.get("level", 0)) for r in self.regions or [])])

    def section_text(self, key: str) -> str:
        value = (self.sections or {}).get(key) or {}
        return pick(value.get("id", ""), value.get("en", ""))

    def section_list(self) -> list[dict[str, Any]]:
        """The sections that have text, in the fixed order, with their labels."""
        out = []
        for key in SECTION_KEYS:
            text = self.section_text(key)
            if text:
                out.append({"key": key, "label": SECTION_LABELS[key], "text": text})
        return out

    def region_list(self) -> list[dict[str, Any]]:
        return [
            {
                "name": r.get("name", ""), "code": r.get("code", ""), "level": int(r.get("level", 1)),
                "colour": COLOURS.get(int(r.get("level", 1)), "grey"),
                "level_label": str(Level(int(r.get("level", 1))).label),
                "reason": pick(r.get("reason_id", ""), r.get("reason_en", "")),
            }
            for r in self.regions or []
        ]

    def number_list(self) -> list[dict[str, str]]:
        return [
            {"service": n.get("service", ""), "label": str(SERVICE_LABELS.get(n.get("service", ""), "")),
             "number": n.get("number", "")}
            for n in self.emergency_numbers or []
        ]


class CountryAdvisory(models.Model):
    """The current published version of a country (one row per country that has one). The row is also the
    lock that serialises publications of one country."""

    country = models.OneToOneField("geo.Country", on_delete=models.PROTECT, primary_key=True, related_name="+")
    current = models.ForeignKey(AdvisoryVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    level = models.PositiveSmallIntegerField(choices=Level.choices, null=True, blank=True)  # copy of current.level
    published_at = models.DateTimeField(null=True, blank=True)  # copy of current.published_at

    def __str__(self) -> str:
        return f"{self.country_id}: {self.level}"


class CountryFollow(models.Model):
    """A signed-in user follows a country: notified when its advisory level changes."""

    # the unique constraint (user, country) and the index (country, user) cover both foreign keys
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    country = models.ForeignKey("geo.Country", on_delete=models.CASCADE, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["country_id"]
        constraints = [models.UniqueConstraint(fields=["user", "country"], name="follow_once")]
        indexes = [models.Index(fields=["country", "user"])]
