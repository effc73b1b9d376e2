"""The survey link: /survei/<code>/, where <code> is a short signed code (embassy.common.shortlinks: kind "s",
the invitation's id, the minute it was issued) short enough for one SMS. Nothing secret is stored; a forged or
altered code fails its MAC, an old one its age, and a used one the invitation's `answered_at`."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy

from embassy.common.links import absolute_url, url_path
from embassy.common.shortlinks import ShortCodeRefused, short_sign, short_unsign
from embassy.common.sms import sms_link

SALT = "performance.survey"
KIND = "s"


class LinkRefused(Exception):
    """`reason`: tampered | expired | answered | unknown; `message` says it to the person."""

    MESSAGES = {
        "tampered": gettext_lazy("This survey link is not valid. Open the link exactly as it came in the message."),
        "expired": gettext_lazy("This survey link has expired. Thank you all the same."),
        "answered": gettext_lazy("This survey has already been answered with this link. Each link counts once."),
        "unknown": gettext_lazy("This survey link is not valid. Open the link exactly as it came in the message."),
    }
    STATUS = {"tampered": 403, "unknown": 404, "expired": 410, "answered": 410}

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return str(self.MESSAGES.get(self.reason, self.MESSAGES["unknown"]))

    @property
    def status(self) -> int:
        return self.STATUS.get(self.reason, 404)


def survey_code(invite_id: int, now: float | None = None) -> str:
    return short_sign(kind=KIND, value=invite_id, salt=SALT, now=now)


def survey_url(code: str) -> str:
    return absolute_url("performance:survey", code)


def survey_sms_url(code: str) -> str:
    return sms_link(url_path("performance:survey", code))


def survey_check(code: str) -> int:
    """The invitation id of a code; raises LinkRefused (tampered or expired)."""
    try:
        _kind, invite_id = short_unsign(code, salt=SALT, max_age=settings.SURVEY_LINK_MAX_AGE, kinds=KIND)
    except ShortCodeRefused as refused:
        raise LinkRefused(refused.reason) from None
    return invite_id
