"""Writes for SOS cases. Every function is keyword-only and transactional; notifications and other side
effects run after commit."""

from embassy.sos.services.attachments import attachment_add
from embassy.sos.services.cancel import case_cancel_by_citizen, case_mark_read
from embassy.sos.services.casework import (
    case_acknowledge,
    case_assign,
    case_call_log,
    case_handover,
    case_message_post,
    case_note_add,
    case_reopen,
    case_resolve,
    case_update,
    duty_set,
)
from embassy.sos.services.escalation import cases_escalate_overdue
from embassy.sos.services.raising import (
    Raised,
    case_details_update,
    case_location_add,
    case_message_from_citizen,
    case_rollcall_add,
    sos_open_for_citizen,
    sos_raise,
)

__all__ = [
    "Raised", "attachment_add", "case_acknowledge", "case_assign", "case_call_log", "case_cancel_by_citizen",
    "case_details_update", "case_handover", "case_location_add", "case_mark_read", "case_message_from_citizen",
    "case_message_post", "case_note_add", "case_reopen", "case_resolve", "case_rollcall_add", "case_update",
    "cases_escalate_overdue", "duty_set", "sos_open_for_citizen", "sos_raise",
]
