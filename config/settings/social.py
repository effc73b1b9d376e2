"""Social media (embassy.social): where each platform's API is, how often accounts are pulled, budgets."""

from __future__ import annotations

import os

from config.settings.env import DEBUG, TESTING, env_bool

# Each platform's API root. Changed only to point the official clients at a local replay server (tests, the
# demo's "pull now"); production leaves them alone. Mastodon's root is the account's own instance unless set.
SOCIAL_API_BASE = {
    platform: os.environ.get(f"SOCIAL_API_BASE_{platform.upper()}", default)
    for platform, default in {
        "x": "https://api.x.com",
        "graph": "https://graph.facebook.com",
        "youtube": "https://www.googleapis.com",
        "tiktok": "https://open.tiktokapis.com",
        "mastodon": "",
        "bluesky": "https://public.api.bsky.app/xrpc",
    }.items()
}
# make run's demo: a local server answering as the platforms for the demo accounts (embassy/social/replay.py),
# started by serve_all; a demo account's pull reads it. 0 turns it off (the default outside DEBUG and in tests).
SOCIAL_REPLAY_PORT = int(os.environ.get("SOCIAL_REPLAY_PORT", "8030" if DEBUG and not TESTING else "0"))
SOCIAL_REPLAY_URL = f"http://127.0.0.1:{SOCIAL_REPLAY_PORT}" if SOCIAL_REPLAY_PORT else ""
# An account's numbers are shown as stale once its last good pull is older than this.
SOCIAL_STALE_HOURS = int(os.environ.get("SOCIAL_STALE_HOURS", "36"))
# Posts younger than this are read again at each pull, so their metrics are snapshotted as they grow.
SOCIAL_REFRESH_DAYS = int(os.environ.get("SOCIAL_REFRESH_DAYS", "30"))
# At most this many pages per account and pull (the rest next time: pulls are resumable).
SOCIAL_MAX_PAGES = int(os.environ.get("SOCIAL_MAX_PAGES", "20"))
# Whom an account follows changes slowly and X bills each one read: read the list this often.
SOCIAL_FOLLOWS_EVERY_DAYS = int(os.environ.get("SOCIAL_FOLLOWS_EVERY_DAYS", "30"))
# A unit's monthly spend on X reads (pay-per-use) unless its ReadBudget says otherwise.
SOCIAL_X_MONTHLY_BUDGET_USD = float(os.environ.get("SOCIAL_X_MONTHLY_BUDGET_USD", "25"))
# Daily quota units per platform and project, and the zone whose midnight resets them (YouTube Data API v3:
# 10,000 units a day, reset at midnight Pacific time).
SOCIAL_DAILY_UNITS = {"youtube": int(os.environ.get("SOCIAL_YOUTUBE_DAILY_UNITS", "10000"))}
SOCIAL_QUOTA_ZONE = {"youtube": "America/Los_Angeles"}
# Scheduled pulls reach the platforms over the internet: on without DEBUG and tests (like CRISIS_FEEDS_ENABLED).
SOCIAL_PULLS_ENABLED = env_bool("SOCIAL_PULLS_ENABLED", not (DEBUG or TESTING))
SOCIAL_PULL_EVERY_HOURS = int(os.environ.get("SOCIAL_PULL_EVERY_HOURS", "6"))
