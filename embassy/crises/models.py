"""Crises: an event (from a public feed or declared by an officer), its zone, and its history.

Invariants: a feed event is one crisis — (source, source_id) is unique, so the same event arriving twice,
or updated by the feed, updates that crisis. A crisis's zone is a circle (lat, lon, radius_km) or a
polygon (GeoJSON, WGS84) or whole countries.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Crisis(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed — to be confirmed")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        DISMISSED = "dismissed", _("Dismissed")

    class Kind(models.TextChoices):
        EARTHQUAKE = "earthquake", _("Earthquake")
        CYCLONE = "cyclone", _("Cyclone")
        FLOOD = "flood", _("Flood")
        VOLCANO = "volcano", _("Volcano")
        DROUGHT = "drought", _("Drought")
        WILDFIRE = "wildfire", _("Wildfire")
        CONFLICT = "conflict", _("Conflict or unrest")
        OTHER = "other", _("Other")

    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.OTHER)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    source = models.CharField(max_length=10, blank=True, default="")  # usgs | gdacs | "" (declared)
    source_id = models.CharField(max_length=80, blank=True, default="")
    source_url = models.URLField(max_length=500, blank=True, default="")
    source_updated_at = models.DateTimeField(null=True, blank=True)
    magnitude = models.FloatField(null=True, blank=True)
    severity_label = models.CharField(max_length=20, blank=True, default="")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    radius_km = models.FloatField(null=True, blank=True)
    polygon = models.JSONField(null=True, blank=True)  # GeoJSON Polygon/MultiPolygon geometry
    countries = models.JSONField(default=list, blank=True)  # ISO alpha-2 codes (whole countries)
    occurred_at = models.DateTimeField(null=True, blank=True)
    missions = models.ManyToManyField("missions.Mission", related_name="crises", blank=True)
    registered_inside = models.PositiveIntegerField(default=0)  # active stays in the zone when last checked
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], condition=~models.Q(source_id=""),
                                    name="crises_one_crisis_per_feed_event"),
        ]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return self.title


class CrisisEvent(models.Model):
    """The crisis's history: declared, proposed by a feed, updated by the feed, confirmed, dismissed…"""

    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    text = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class FeedPoll(models.Model):
    """One poll of a public feed: what came, what was done, what was wrong (kept for the operators)."""

    source = models.CharField(max_length=10)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    ok = models.BooleanField(default=False)
    events = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
