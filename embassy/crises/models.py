"""Crises: an event (from a public feed or declared by an officer), its zone, and its history.

Invariants: a feed event belongs to one crisis — FeedItem's (source, source_id) is unique, so the same
event arriving twice, or updated by the feed, updates that crisis. A crisis may hold several feed events
(an aftershock sequence, or repeated alerts for one disaster); Crisis.source/source_id name the first.
A crisis's zone is a circle (lat, lon, radius_km) or a polygon (GeoJSON, WGS84) or whole countries.
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
    affected_at = models.DateTimeField(null=True, blank=True)  # when the affected set was last computed
    rollcall_started_at = models.DateTimeField(null=True, blank=True)
    rollcall_started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+")
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

    class Kind(models.TextChoices):
        DECLARED = "declared", _("Declared")
        PROPOSED = "proposed", _("Proposed by the feed")
        AUTO_CONFIRMED = "auto_confirmed", _("Confirmed automatically (severe event)")
        FEED_UPDATE = "feed_update", _("Updated by the feed")
        FEED_EVENT = "feed_event", _("Another event of the same disaster (from the feed)")
        CONFIRMED = "confirmed", _("Confirmed")
        ZONE_CHANGED = "zone_changed", _("Zone changed")
        ROLLCALL = "rollcall", _("Roll-call started")
        CONTACTS_ASKED = "contacts_asked", _("Emergency contacts asked")
        NOTE = "note", _("Note")
        CAP = "cap", _("CAP alert published")
        ADVISORY = "advisory", _("Advisory level raise sent for review")
        DISMISSED = "dismissed", _("Dismissed")
        CLOSED = "closed", _("Closed")

    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    text = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]


class FeedItem(models.Model):
    """One public feed event that is part of a crisis, as the feed last described it. Its circle
    (lat, lon, radius_km) is part of the crisis's zone unless an officer drew the zone."""

    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="feed_items")
    source = models.CharField(max_length=10)
    source_id = models.CharField(max_length=80)
    kind = models.CharField(max_length=12)
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=500, blank=True, default="")
    magnitude = models.FloatField(null=True, blank=True)
    severity_label = models.CharField(max_length=20, blank=True, default="")
    lat = models.FloatField()
    lon = models.FloatField()
    radius_km = models.FloatField(null=True, blank=True)
    depth_km = models.FloatField(null=True, blank=True)
    occurred_at = models.DateTimeField()
    updated_at = models.DateTimeField()  # the feed's own "updated" time
    first_seen_at = models.DateTimeField()  # when the poller first saw it

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="crises_feed_item_once")]
        indexes = [models.Index(fields=["kind", "occurred_at"], name="crises_feed_item_when")]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id}"


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


class Affected(models.Model):
    """One citizen inside a crisis's zone — by an active stay or by the last known position — and their
    roll-call: asked, reached (the provider's receipt says the question was delivered; handing it to a channel is
    not reaching anyone), reminded, contacts asked, answered.

    Rows are kept when a person leaves the zone (inside=False), so answers and history survive a zone change.
    One row per (crisis, citizen)."""

    class Via(models.TextChoices):
        STAY = "stay", _("Registered stay")
        LOCATION = "location", _("Last known position")
        COUNTRY = "country", _("Stay in the country")

    class Answer(models.TextChoices):
        NONE = "", _("No answer yet")
        SAFE = "safe", _("Safe")
        HELP = "help", _("Needs help")

    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="affected", db_index=False)
    citizen = models.ForeignKey("citizens.Citizen", on_delete=models.CASCADE, related_name="+", db_index=False)
    stay = models.ForeignKey("citizens.Stay", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                             db_index=False)
    mission = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, related_name="+", db_index=False)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.STAY)
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    dependants = models.PositiveSmallIntegerField(default=0)
    inside = models.BooleanField(default=True)
    added_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    asked_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=10, blank=True, default="")
    reached_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)
    reminded_at = models.DateTimeField(null=True, blank=True)
    contacts_asked_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=4, choices=Answer.choices, blank=True, default="")
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_via = models.CharField(max_length=8, blank=True, default="")  # link | app | sms | whatsapp | contact | staff
    case = models.ForeignKey("sos.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["crisis", "citizen"], name="crises_affected_once")]
        indexes = [models.Index(fields=["crisis", "inside", "answer"], name="crises_affected_state")]


class Answer(models.Model):
    """Every change of answer (the Affected row holds the latest, which always wins). An answer equal to the
    stored one changes nothing and is not written again; `key` names the link, app or officer it came
    through."""

    affected = models.ForeignKey(Affected, on_delete=models.CASCADE, related_name="answers", db_index=False)
    answer = models.CharField(max_length=4, choices=Affected.Answer.choices)
    via = models.CharField(max_length=8)
    key = models.CharField(max_length=64)
    at = models.DateTimeField()
    text = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["affected", "at"], name="crises_answer_history")]
