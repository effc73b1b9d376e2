"""Consular applications (embassy.applications)."""

from __future__ import annotations

import os

# An open application whose due day is at most this many working days away shows as "due soon" (amber).
APPLICATION_DUE_SOON_DAYS = int(os.environ.get("APPLICATION_DUE_SOON_DAYS", "1"))
