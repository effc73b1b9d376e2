"""Casework (issue 16): complaints (embassy.complaints), families' enquiries in a crisis (embassy.enquiries) and
the satisfaction survey (embassy.performance). docs/configuration.md lists each with its meaning."""

from __future__ import annotations

import os

# Complaints: the public form's limits (429 beyond them), and how many due complaints one escalation
# transaction takes (a backlog is worked through in several).
COMPLAINTS_PER_ADDRESS_HOUR = int(os.environ.get("COMPLAINTS_PER_ADDRESS_HOUR", "5"))
COMPLAINTS_PER_FILER_DAY = int(os.environ.get("COMPLAINTS_PER_FILER_DAY", "10"))
COMPLAINTS_ESCALATION_BATCH = int(os.environ.get("COMPLAINTS_ESCALATION_BATCH", "5000"))

# Families' enquiries: the public form's limits (429 beyond them), and the domain of PFIF record ids
# ("<domain>/person.<id>"): a deployment sets its own, e.g. kemlu.go.id.
ENQUIRIES_PER_ADDRESS_HOUR = int(os.environ.get("ENQUIRIES_PER_ADDRESS_HOUR", "10"))
ENQUIRIES_PER_ENQUIRER_DAY = int(os.environ.get("ENQUIRIES_PER_ENQUIRER_DAY", "10"))
ENQUIRIES_PFIF_DOMAIN = os.environ.get("ENQUIRIES_PFIF_DOMAIN", "smart-embassy.example")

# The IKM survey (Permenpan-RB 14/2017): how long its link stays valid, and how far back a finished service or
# a closed complaint is still asked about.
SURVEY_LINK_MAX_AGE = int(os.environ.get("SURVEY_LINK_MAX_AGE", str(30 * 24 * 3600)))
SURVEY_LOOKBACK_DAYS = int(os.environ.get("SURVEY_LOOKBACK_DAYS", "30"))
