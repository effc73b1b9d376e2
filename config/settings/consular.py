"""Consular services (embassy.consular): what citizens may upload with an application."""

from __future__ import annotations

import os

from config.settings.env import TESTING

# File types a document upload may have (checked by content, not only by name), and its largest size.
CONSULAR_DOCUMENT_TYPES = tuple(os.environ.get("CONSULAR_DOCUMENT_TYPES", "pdf,jpg,png").split(","))
CONSULAR_DOCUMENT_MAX_MB = int(os.environ.get("CONSULAR_DOCUMENT_MAX_MB", "5"))

# Appointments (embassy.consular.booking); docs/consular.md explains each rule.
CONSULAR_HOLD_MINUTES = int(os.environ.get("CONSULAR_HOLD_MINUTES", "120"))  # a waitlist offer is kept this long
CONSULAR_EARLY_MINUTES = int(os.environ.get("CONSULAR_EARLY_MINUTES", "120"))  # check-in opens before the slot
CONSULAR_LATE_MINUTES = int(os.environ.get("CONSULAR_LATE_MINUTES", "30"))  # … and closes after its end: no-show
CONSULAR_REMINDER_HOUR = int(os.environ.get("CONSULAR_REMINDER_HOUR", "10"))  # local hour of the day-before reminder
# Rate limits (429 beyond them): bookings made per person (identity) a day, per device a day, per address an hour.
CONSULAR_BOOKINGS_PER_PERSON_DAY = int(os.environ.get("CONSULAR_BOOKINGS_PER_PERSON_DAY", "3"))
CONSULAR_BOOKINGS_PER_DEVICE_DAY = int(os.environ.get("CONSULAR_BOOKINGS_PER_DEVICE_DAY", "6"))
CONSULAR_BOOKINGS_PER_ADDRESS_HOUR = int(os.environ.get("CONSULAR_BOOKINGS_PER_ADDRESS_HOUR", "30"))
# Fixer patterns flagged to the head of consular affairs: this many different people booked from one device or
# address within 7 days; this many no-shows by one person within 180 days.
CONSULAR_FIXER_PEOPLE = int(os.environ.get("CONSULAR_FIXER_PEOPLE", "4"))
CONSULAR_FIXER_NO_SHOWS = int(os.environ.get("CONSULAR_FIXER_NO_SHOWS", "2"))
# Signs of unmet demand (a booking refused because the slot filled, …) are counted in memory and written at most
# this often, in one insert (embassy.consular.demand): at a slot release hundreds of refusals a second would
# otherwise each wait for the database's single writer. 0 writes each at once (the tests).
CONSULAR_DEMAND_FLUSH_SECONDS = float(os.environ.get("CONSULAR_DEMAND_FLUSH_SECONDS", "0" if TESTING else "1"))
