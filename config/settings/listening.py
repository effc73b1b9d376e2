"""Listening (embassy.listening): how often the streams read the platforms' search, and when a rise in posts is
a spike worth alerting the digital-diplomacy team about."""

from __future__ import annotations

import os

from config.settings.env import env_bool
from config.settings.social import SOCIAL_PULLS_ENABLED

# A stream's searches run this often; at most this many pages per query and pull (the first pull reads one).
LISTENING_PULL_EVERY_MINUTES = int(os.environ.get("LISTENING_PULL_EVERY_MINUTES", "15"))
LISTENING_MAX_PAGES = int(os.environ.get("LISTENING_MAX_PAGES", "3"))
# Scheduled stream pulls reach the platforms over the internet: they follow the social pulls unless set.
LISTENING_PULLS_ENABLED = env_bool("LISTENING_PULLS_ENABLED", SOCIAL_PULLS_ENABLED)
# The Mastodon instance whose hashtag timelines a stream reads when its unit has no Mastodon account.
LISTENING_MASTODON_INSTANCE = os.environ.get("LISTENING_MASTODON_INSTANCE", "https://mastodon.social")
# Spike alerts: the last window's mean posts per hour above the baseline's mean by k standard deviations.
LISTENING_SPIKE_K = float(os.environ.get("LISTENING_SPIKE_K", "3"))
LISTENING_SPIKE_WINDOW_HOURS = int(os.environ.get("LISTENING_SPIKE_WINDOW_HOURS", "24"))
LISTENING_SPIKE_BASELINE_DAYS = int(os.environ.get("LISTENING_SPIKE_BASELINE_DAYS", "7"))
# The smallest standard deviation used (posts per hour), so a quiet key does not "spike" on two posts.
LISTENING_SPIKE_SD_FLOOR = float(os.environ.get("LISTENING_SPIKE_SD_FLOOR", "0.25"))
