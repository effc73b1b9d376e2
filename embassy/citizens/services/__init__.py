"""Writes for citizens' records. Every change to personal data is audited. Callers import from here:
profile (the citizen's own record), stays (lapor diri) and people (emergency contacts, dependants,
last known positions)."""

from embassy.citizens.services.people import (
    Positions,
    citizen_position_report,
    citizen_positions_prepare,
    citizen_positions_store,
    contact_add,
    contact_remove,
    dependant_add,
    dependant_remove,
    family_add,
)
from embassy.citizens.services.profile import (
    PROFILE_FIELDS,
    citizen_contact_verify,
    citizen_ensure_for_user,
    citizen_update,
    nik_validate,
    passport_validate,
)
from embassy.citizens.services.stays import (
    STAY_FIELDS,
    stay_confirm,
    stay_end,
    stay_location_purge,
    stay_locations_purge_due,
    stay_register,
    stay_reminder_sms,
    stay_reminders_send,
    stay_update,
    stay_verify,
)

__all__ = [
    "PROFILE_FIELDS", "STAY_FIELDS", "Positions", "citizen_contact_verify",
    "citizen_ensure_for_user", "citizen_position_report", "citizen_positions_prepare",
    "citizen_positions_store", "citizen_update",
    "contact_add", "contact_remove", "dependant_add", "dependant_remove", "family_add", "nik_validate", "passport_validate",
    "stay_confirm", "stay_end", "stay_location_purge", "stay_locations_purge_due", "stay_register",
    "stay_reminder_sms", "stay_reminders_send", "stay_update", "stay_verify",
]
