"""Social-media accounts of the ministry, its minister, its missions and peer foreign ministries, and what
the platforms say about them over time.

Shape of the data (issue 13; listening and publishing, issue 15, add their own tables beside these):
- `Account`: one profile on one platform, with its owner (a unit of the ministry, or a peer ministry), its
  sealed credentials and its health (last pull, last error, quota, cursor).
- `Post`: one of the account's own posts, with its latest metrics denormalised for the dashboards;
  `PostSnapshot`: the metrics as read at one time (a post is read many times in its first weeks).
- `AccountDay`: the account's daily statistics (followers, following, posts).
- `Follow`: whom the account follows (the peer graph).
- `Pull`: one run of a collector or an importer, with what it read, cost and any error.
Platform ids are text: X and YouTube ids do not fit a 64-bit integer in every case (YouTube's are strings).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from embassy.common.fields import RowidAutoField


class Platform(models.TextChoices):
    X = "x", "X"
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    YOUTUBE = "youtube", "YouTube"
    TIKTOK = "tiktok", "TikTok"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"


class Owner(models.TextChoices):
    MINISTRY = "ministry", _("Ministry")
    MINISTER = "minister", _("Minister")
    MISSION = "mission", _("Mission")
    PEER = "peer", _("Peer foreign ministry")


class Account(models.Model):
    platform = models.CharField(_("platform"), max_length=12, choices=Platform.choices)
    handle = models.CharField(_("handle"), max_length=120)
    url = models.URLField(_("address"), max_length=300)
    platform_id = models.CharField(_("platform id"), max_length=64, blank=True, default="")
    owner = models.CharField(_("owner"), max_length=10, choices=Owner.choices)
    # The unit that runs it: headquarters for the ministry's and the minister's accounts, the mission for
    # its own; empty for a peer ministry's.
    unit = models.ForeignKey("missions.Mission", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="social_accounts", verbose_name=_("unit"))
    owner_name = models.CharField(_("owner's name"), max_length=200, blank=True, default="")
    owner_country = models.CharField(_("owner's country"), max_length=2, blank=True, default="")
    officers = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="social_accounts",
                                      verbose_name=_("responsible officers"))
    verified = models.BooleanField(_("verified"), default=False)
    active = models.BooleanField(_("active"), default=True)
    demo = models.BooleanField(_("simulated (demo)"), default=False)
    from_file = models.BooleanField(default=False)  # kept in step with data/social_accounts.csv
    sources = models.TextField(_("sources"), blank=True, default="")
    source_date = models.CharField(_("source date"), max_length=10, blank=True, default="")

    # Credentials: a sealed JSON object (common.crypto, context CREDENTIALS_CONTEXT); never shown whole.
    credentials = models.TextField(blank=True, default="")
    token_kind = models.CharField(_("token kind"), max_length=20, blank=True, default="")
    token_expires_at = models.DateTimeField(_("token expires"), null=True, blank=True)
    refresh_expires_at = models.DateTimeField(_("refresh token expires"), null=True, blank=True)
    needs_reconnect = models.BooleanField(_("needs reconnecting"), default=False)

    # Health, written by each pull.
    cursor = models.JSONField(default=dict, blank=True)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    last_error_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveIntegerField(default=0)
    retry_after = models.DateTimeField(null=True, blank=True)
    quota = models.JSONField(default=dict, blank=True)  # {"remaining": n, "limit": n, "reset": iso, "unit": ...}
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["platform", "handle"]
        constraints = [
            models.UniqueConstraint(Lower("handle"), "platform", name="social_account_unique_handle"),
            models.CheckConstraint(condition=~models.Q(owner="mission") | models.Q(unit__isnull=False),
                                   name="social_mission_account_has_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.handle}"


class Metrics(models.Model):
    """A post's numbers as read once (None: the platform does not give it for this post)."""

    likes = models.BigIntegerField(null=True)
    comments = models.BigIntegerField(null=True)
    shares = models.BigIntegerField(null=True)
    views = models.BigIntegerField(null=True)
    reach = models.BigIntegerField(null=True)
    saves = models.BigIntegerField(null=True)

    class Meta:
        abstract = True


class Post(Metrics):
    """One of the account's own posts; its numbers (Metrics) are the latest read."""

    id = RowidAutoField(primary_key=True)  # no AUTOINCREMENT on SQLite: see the field
    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        IMAGE = "image", _("Image")
        VIDEO = "video", _("Video")
        LINK = "link", _("Link")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="posts",
                                db_index=False)  # the unique constraint's index (account first) serves the foreign key
    post_id = models.CharField(max_length=200)  # e.g. a Bluesky at:// URI
    published_at = models.DateTimeField()
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TEXT)
    is_reply = models.BooleanField(default=False)
    is_repost = models.BooleanField(default=False)
    in_reply_to = models.CharField(max_length=200, blank=True, default="")  # the post answered (a Mention's)
    text = models.TextField(blank=True, default="")
    url = models.URLField(max_length=400, blank=True, default="")
    metrics_at = models.DateTimeField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "post_id"], name="social_post_unique")]
        indexes = [models.Index(fields=["account", "published_at"], name="social_post_account_time"),
                   models.Index(fields=["account", "in_reply_to"], name="social_post_reply_to",
                                condition=~models.Q(in_reply_to=""))]


class Mention(models.Model):
    """Someone else's post that names the account (X's mentions, Mastodon's mention notifications), and when the
    account first replied to it: the response time to mentions (docs/social-metrics.md). Listening to keywords
    (issue 15) keeps its own streams beside this."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="mentions")
    post_id = models.CharField(max_length=200)
    author_id = models.CharField(max_length=80, blank=True, default="")
    author_handle = models.CharField(max_length=120, blank=True, default="")
    published_at = models.DateTimeField()
    text = models.TextField(blank=True, default="")
    url = models.URLField(max_length=400, blank=True, default="")
    replied_at = models.DateTimeField(null=True)  # the account's first reply (Post.in_reply_to = post_id)
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "post_id"], name="social_mention_unique")]
        indexes = [models.Index(fields=["account", "published_at"], name="social_mention_account_time")]


class PostSnapshot(Metrics):
    id = RowidAutoField(primary_key=True)  # no AUTOINCREMENT on SQLite: see the field
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="snapshots",
                             db_index=False)  # the unique constraint's index (post first) serves the foreign key
    taken_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "taken_at"], name="social_snapshot_unique")]


class PostDay(models.Model):
    """An account's own posts (reposts excluded) by UTC day of publication, with their latest numbers summed:
    what every dashboard, ranking and report reads (metrics.totals_for), rebuilt for the days a pull or an
    import touched (aggregates.refresh_stale, soon after their commit)."""

    id = RowidAutoField(primary_key=True)  # no AUTOINCREMENT on SQLite: see the field
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="post_days",
                                db_index=False)  # the unique constraint's index (account first) serves the foreign key
    day = models.DateField()
    posts = models.PositiveIntegerField(default=0)
    replies = models.PositiveIntegerField(default=0)
    videos = models.PositiveIntegerField(default=0)
    likes = models.BigIntegerField(default=0)
    comments = models.BigIntegerField(default=0)
    shares = models.BigIntegerField(default=0)
    views = models.BigIntegerField(default=0)
    posts_with_views = models.PositiveIntegerField(default=0)
    interactions_with_views = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="social_postday_unique")]


class StaleDays(models.Model):
    """Days of an account whose PostDay rows no longer sum its posts: written with the posts (store.store_posts),
    in their transaction; aggregates.refresh_stale rebuilds them soon after the commit (a coalesced task, and a
    periodic sweep as the safety net) and removes the marks it read. Many pulls in a burst (a backfill, the
    scheduler's round of every account) then share one rebuild of each day instead of one per pull."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False)
    first_day = models.DateField()
    last_day = models.DateField()


class AccountDay(models.Model):
    id = RowidAutoField(primary_key=True)  # no AUTOINCREMENT on SQLite: see the field
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="days",
                                db_index=False)  # the unique constraint's index (account first) serves the foreign key
    day = models.DateField()
    followers = models.BigIntegerField(null=True)
    following = models.BigIntegerField(null=True)
    posts = models.BigIntegerField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="social_day_unique")]


class Follow(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="follows")
    target_id = models.CharField(max_length=80)
    target_handle = models.CharField(max_length=120, blank=True, default="")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "target_id"], name="social_follow_unique")]


class HostAudience(models.Model):
    """A host country's internet users (public figures with their source: data/internet_users.csv), by which
    the missions' league table is normalised."""

    country = models.OneToOneField("geo.Country", on_delete=models.CASCADE, primary_key=True, related_name="+")
    internet_users = models.BigIntegerField()
    internet_users_pct = models.FloatField()
    population = models.BigIntegerField()
    year = models.PositiveSmallIntegerField()
    source_url = models.URLField(max_length=500)
    source_title = models.CharField(max_length=300)


class ReadBudget(models.Model):
    """What a unit may spend a month on reading platforms that bill per read (X). Units without a row get
    SOCIAL_X_MONTHLY_BUDGET_USD; the ministry's and the minister's accounts count against headquarters'."""

    unit = models.OneToOneField("missions.Mission", on_delete=models.CASCADE, related_name="social_budget",
                                verbose_name=_("unit"))
    monthly_usd = models.DecimalField(_("monthly budget (USD)"), max_digits=10, decimal_places=2)

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.monthly_usd} USD"


class QuotaDay(models.Model):
    """Quota units spent per platform and quota day (YouTube Data API: 10,000 units a day per project, the
    day ending at midnight Pacific time), across all accounts, because the quota belongs to the project."""

    platform = models.CharField(max_length=12)
    day = models.DateField()
    units = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "day"], name="social_quota_day_unique")]


class Pull(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Done")
        MORE = "more", _("Done, more to read next time")
        FAILED = "failed", _("Failed")
        BUDGET = "budget", _("Stopped by the budget")

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="pulls")
    source = models.CharField(max_length=20, default="api")  # "api" or the importer's name
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    posts = models.PositiveIntegerField(default=0)
    snapshots = models.PositiveIntegerField(default=0)
    reads = models.PositiveIntegerField(default=0)  # resources read (X bills each)
    units = models.PositiveIntegerField(default=0)  # platform quota units (YouTube)
    cost = models.DecimalField(max_digits=10, decimal_places=4, default=0)  # X: USD
    error = models.TextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["account", "-started_at"], name="social_pull_recent")]
