"""Listening: streams of keywords and mentions read from the platforms' search APIs, the posts they heard
(deduplicated, with language, sentiment, topic, distress and the mission concerned), hourly counts for spike
alerts, the spikes found, and the distress triage queue of each mission's protection duty officer."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from embassy.common.fields import RowidAutoField


class Stream(models.Model):
    """A standing search: keywords or a mention, read on some platforms, for headquarters or one mission."""

    class Kind(models.TextChoices):
        KEYWORD = "keyword", _("Keywords")
        MENTION = "mention", _("Mentions of an account")
        HASHTAG = "hashtag", _("Hashtag")
        CRISIS = "crisis", _("Crisis")

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.KEYWORD)
    # Terms, one per entry; a post matches a stream when it contains any of them (quoted phrases allowed).
    terms = models.JSONField(_("terms"), default=list)
    platforms = models.JSONField(_("platforms"), default=list)  # ["x", "mastodon", "bluesky"]
    unit = models.ForeignKey("missions.Mission", on_delete=models.CASCADE, null=True, blank=True,
                             related_name="listening_streams", verbose_name=_("unit"))  # None: headquarters
    crisis = models.ForeignKey("crises.Crisis", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="listening_streams")
    builtin = models.BooleanField(default=False)  # one of the standard streams (ministry, missions, WNI, TKI…)
    active = models.BooleanField(_("active"), default=True)
    cursor = models.JSONField(default=dict, blank=True)  # {platform: {"since_id": …, "next": …}}
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    retry_after = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    """A cluster of heard posts about one thing, named by its most telling words."""

    label = models.CharField(max_length=200)
    terms = models.JSONField(default=list)  # the words that define it, most telling first
    posts = models.PositiveIntegerField(default=0)
    first_seen = models.DateTimeField()
    last_seen = models.DateTimeField()
    # The online clustering's state (embassy.listening.topics): {word: posts of this topic that have it}.
    centroid = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return self.label


class Heard(models.Model):
    """One post heard through listening (someone else's post, public), stored once per platform and post id."""

    class Lang(models.TextChoices):
        ID = "id", _("Indonesian")
        EN = "en", _("English")
        OTHER = "other", _("Other")

    class Sentiment(models.TextChoices):
        POSITIVE = "positive", _("Positive")
        NEUTRAL = "neutral", _("Neutral")
        NEGATIVE = "negative", _("Negative")

    id = RowidAutoField(primary_key=True)
    platform = models.CharField(max_length=12)
    post_id = models.CharField(max_length=200)
    published_at = models.DateTimeField()
    heard_at = models.DateTimeField()
    text = models.TextField(blank=True, default="")
    url = models.URLField(max_length=400, blank=True, default="")
    author_id = models.CharField(max_length=80, blank=True, default="")
    author_handle = models.CharField(max_length=120, blank=True, default="")
    author_name = models.CharField(max_length=200, blank=True, default="")
    author_location = models.CharField(max_length=200, blank=True, default="")
    lat = models.FloatField(null=True, blank=True)
    lon = models.FloatField(null=True, blank=True)
    in_reply_to = models.CharField(max_length=200, blank=True, default="")
    shares = models.PositiveIntegerField(null=True, blank=True)  # reposts when heard: spike examples, most shared
    # The normalised text's hash: the same words posted again (copies, reposts) point at the first post.
    text_hash = models.BigIntegerField(default=0)
    duplicate_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                     db_index=False)
    lang = models.CharField(max_length=5, choices=Lang.choices, default=Lang.OTHER)
    sentiment = models.CharField(max_length=8, choices=Sentiment.choices, default=Sentiment.NEUTRAL)
    topic = models.ForeignKey(Topic, on_delete=models.SET_NULL, null=True, blank=True, related_name="heard",
                              db_index=False)
    streams = models.JSONField(default=list)  # ids of the streams that matched it
    terms = models.JSONField(default=list)  # the stream terms it matched
    mission = models.ForeignKey("missions.Mission", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", db_index=False)
    mission_source = models.CharField(max_length=12, blank=True, default="")  # position | profile | text
    distress = models.BooleanField(default=False)
    distress_category = models.CharField(max_length=20, blank=True, default="")
    distress_cues = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "post_id"], name="listening_heard_unique")]
        indexes = [
            models.Index(fields=["published_at"], name="listening_heard_time"),
            models.Index(fields=["text_hash"], name="listening_heard_hash"),
        ]


class HourCount(models.Model):
    """Posts heard per hour for one key: a stream term, a topic or a mission ("term:wni", "topic:12",
    "mission:KBRI-KUALALUMPUR"), with their sentiment; the spike detector reads these, never the posts."""

    id = RowidAutoField(primary_key=True)
    key = models.CharField(max_length=140)
    hour = models.DateTimeField()
    posts = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "hour"], name="listening_hour_unique")]


class Spike(models.Model):
    """The last window's mean above the baseline's mean by k standard deviations, for one key."""

    key = models.CharField(max_length=140)
    label = models.CharField(max_length=200)
    found_at = models.DateTimeField()
    window_mean = models.FloatField()  # posts per hour in the last window (24 h by default)
    baseline_mean = models.FloatField()  # posts per hour over the baseline (7 days by default)
    baseline_sd = models.FloatField()
    k = models.FloatField()
    negative_share = models.FloatField()  # in the window
    baseline_negative_share = models.FloatField()
    examples = models.JSONField(default=list)  # [{"platform", "post_id", "url", "text", "sentiment"}]
    alerted_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)  # the key fell back under the threshold; None: lasting

    class Meta:
        indexes = [models.Index(fields=["key", "found_at"], name="listening_spike_key")]


class Triage(models.Model):
    """A distress post in the queue of the mission's protection duty officer."""

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CASE = "case", _("Case opened")
        DISMISSED = "dismissed", _("Not a case")

    heard = models.OneToOneField(Heard, on_delete=models.CASCADE, related_name="triage")
    mission = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=20, blank=True, default="")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    queued_at = models.DateTimeField()
    case = models.ForeignKey("sos.Case", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["mission", "status", "queued_at"], name="listening_triage_queue")]
