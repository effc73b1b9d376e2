"""Writes of complaints (see each module): filing, casework, escalation."""

from embassy.complaints.services.casework import (
    complaint_assign,
    complaint_close,
    complaint_identify,
    complaint_link,
    complaint_note,
    complaint_progress,
    complaint_reopen,
    complaint_resolve,
    complaint_resume,
    complaint_wait,
)
from embassy.complaints.services.escalation import complaints_escalate_due
from embassy.complaints.services.filing import (
    ComplaintIn,
    complaint_file_by_officer,
    complaint_file_for,
    complaint_file_own,
)

__all__ = [
    "ComplaintIn",
    "complaint_assign",
    "complaint_close",
    "complaint_file_by_officer",
    "complaint_file_for",
    "complaint_file_own",
    "complaint_identify",
    "complaint_link",
    "complaint_note",
    "complaint_progress",
    "complaint_reopen",
    "complaint_resolve",
    "complaint_resume",
    "complaint_wait",
    "complaints_escalate_due",
]
