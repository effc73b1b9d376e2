"""Writes of the applications app: submitting (with documents), moving the status, recording payments."""

from embassy.applications.services.payments import payment_record
from embassy.applications.services.splp import application_splp_issue
from embassy.applications.services.status import TRANSITIONS, application_advance, transitions_from
from embassy.applications.services.submit import Submitted, application_resubmit, application_submit

__all__ = [
    "TRANSITIONS",
    "Submitted",
    "application_advance",
    "application_resubmit",
    "application_splp_issue",
    "application_submit",
    "payment_record",
    "transitions_from",
]
