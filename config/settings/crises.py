"""Crises (feeds, roll-call, CAP) and advisories."""

from __future__ import annotations

import os

from config.settings.env import DEBUG, TESTING, env_bool, env_list

# --- Crises -------------------------------------------------------------------------------------------------
# Polling USGS and GDACS needs internet access: on by default in production, off in development and tests.
CRISIS_FEEDS_ENABLED = env_bool("CRISIS_FEEDS_ENABLED", not (DEBUG or TESTING))
# Crisis roll-call (docs/crises.md): channels tried in order per person, reminders (minutes after the question),
# when emergency contacts are asked, how long links stay valid, how recent a shared position must be.
ROLLCALL_CHANNELS = env_list("ROLLCALL_CHANNELS", "push,email,sms,whatsapp")
ROLLCALL_REMINDERS = [float(m) for m in env_list("ROLLCALL_REMINDERS", "30,120")]
ROLLCALL_CONTACTS_AFTER = float(os.environ.get("ROLLCALL_CONTACTS_AFTER", "240"))
ROLLCALL_LINK_MAX_AGE = int(os.environ.get("ROLLCALL_LINK_MAX_AGE", str(14 * 24 * 3600)))
CRISIS_LAST_SEEN_DAYS = float(os.environ.get("CRISIS_LAST_SEEN_DAYS", "14"))
# Feeds (docs/crises-feeds.md): an event older than this at first sight never becomes a crisis; events of one
# hazard whose zones meet within this window extend one crisis; how long a crisis's and an advisory's CAP alert is valid.
CRISIS_FEED_MAX_AGE_DAYS = float(os.environ.get("CRISIS_FEED_MAX_AGE_DAYS", "3"))
CRISIS_SEQUENCE_WINDOW_HOURS = float(os.environ.get("CRISIS_SEQUENCE_WINDOW_HOURS", "168"))
CRISES_CAP_EXPIRES_HOURS = float(os.environ.get("CRISES_CAP_EXPIRES_HOURS", "24"))
ADVISORIES_CAP_EXPIRES_DAYS = float(os.environ.get("ADVISORIES_CAP_EXPIRES_DAYS", "30"))
CRISIS_FEED_URLS = {k: v for k, v in (("usgs", os.environ.get("CRISIS_FEED_USGS_URL", "")),
                                      ("gdacs", os.environ.get("CRISIS_FEED_GDACS_URL", ""))) if v}
# Per hazard kind, overrides of embassy.crises.ingest.DEFAULT_RULES (which events become crises, and when by
# themselves): {"flood": {"levels": ["red"]}}. Set in a settings file, not the environment.
CRISIS_RULES: dict[str, dict[str, object]] = {}
# Magnitude → zone radius (km) pairs for earthquakes, interpolated; empty: embassy.crises.ingest's table.
CRISIS_RADIUS_BY_MAGNITUDE: list[tuple[float, float]] = []
# The identifier prefix of crisis CAP alerts; empty: "<SITE_URL host>.crisis".
CRISES_CAP_ID_PREFIX = os.environ.get("CRISES_CAP_ID_PREFIX", "")

# --- Advisories ---------------------------------------------------------------------------------------------
# The sender and identifier prefix of advisory CAP alerts; empty: "advisories@<SITE_URL host>" and
# "<SITE_URL host>.advisory".
ADVISORIES_CAP_SENDER = os.environ.get("ADVISORIES_CAP_SENDER", "")
ADVISORIES_CAP_ID_PREFIX = os.environ.get("ADVISORIES_CAP_ID_PREFIX", "")
# Whoever wrote, edited or submitted a version may also publish it (small teams); off: another person must.
ADVISORIES_ALLOW_SELF_PUBLISH = env_bool("ADVISORIES_ALLOW_SELF_PUBLISH", False)
