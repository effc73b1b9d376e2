"""The queue at the counter (embassy.counter): waiting-time estimates and the kiosk's limits."""

from __future__ import annotations

import os

# The waiting-time estimate: the median of today's service times at the mission once it has at least
# COUNTER_MIN_SAMPLES finished tickets, else COUNTER_DEFAULT_SERVICE_MINUTES per person.
COUNTER_DEFAULT_SERVICE_MINUTES = float(os.environ.get("COUNTER_DEFAULT_SERVICE_MINUTES", "10"))
COUNTER_MIN_SAMPLES = int(os.environ.get("COUNTER_MIN_SAMPLES", "3"))
# A counter counts as open when it called a ticket within this many minutes (at least one counter is assumed).
COUNTER_OPEN_WINDOW_MINUTES = int(os.environ.get("COUNTER_OPEN_WINDOW_MINUTES", "30"))
# Kiosk: tickets and check-ins one client address may ask for per minute (a tablet at the door is one address).
COUNTER_KIOSK_PER_MINUTE = int(os.environ.get("COUNTER_KIOSK_PER_MINUTE", "30"))
# What the call-up display says for a call, in the voice's language: {number} is the ticket spelt out
# ("A 0 1 2"), {counter} the counter's name as written in the console ("Loket 3").
COUNTER_ANNOUNCEMENT = os.environ.get("COUNTER_ANNOUNCEMENT", "Nomor antrean {number}, silakan ke {counter}")
COUNTER_ANNOUNCEMENT_LANG = os.environ.get("COUNTER_ANNOUNCEMENT_LANG", "id-ID")
