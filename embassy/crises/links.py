"""The signed links of a roll-call message: /aman/<crisis>/<token>/ (long, e-mail and push) and /a/<code> (short,
SMS). A token names the person's row in the crisis and who answers (the person, or an emergency contact), and
expires after ROLLCALL_LINK_MAX_AGE seconds (default 14 days)."""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy

from embassy.common.links import absolute_url, url_path
from embassy.common.shortlinks import ShortCodeRefused, short_sign, short_unsign
from embassy.common.sms import sms_link
from embassy.crises.models import Affected

SALT = "crises.rollcall"
PERSON, CONTACT = "p", "k"


def link_max_age() -> int:
    return int(settings.ROLLCALL_LINK_MAX_AGE)


# --- Signed links -----------------------------------------------------------------------------------------------
class LinkRefused(Exception):
    """The link is not valid here. `reason`: tampered | expired | other_crisis | closed | unknown; `message`
    says it to the person who opened the link."""

    MESSAGES = {
        "expired": gettext_lazy("This link has expired. If you need help, call the mission or press SOS in the app."),
        "tampered": gettext_lazy("This link is not valid. Open the link exactly as it came in the message."),
        "other_crisis": gettext_lazy("This link belongs to another emergency."),
        "closed": gettext_lazy("This roll-call has ended. If you need help, call the mission or press SOS in the "
                               "app."),
        "unknown": gettext_lazy("This link is not valid. Open the link exactly as it came in the message."),
    }

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return str(self.MESSAGES.get(self.reason, self.MESSAGES["unknown"]))


def link_token(affected_id: int, crisis_id: int, who: str = PERSON) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{affected_id}.{crisis_id}.{who}")


def link_url(crisis_id: int, token: str, answer: str = "") -> str:
    view = {"safe": "crises:answer-safe", "help": "crises:answer-help"}.get(answer, "crises:answer")
    return absolute_url(view, crisis_id, token)


def short_token(affected_id: int, who: str = PERSON) -> str:
    """The SMS form of link_token: a 25-character signed code (embassy.common.shortlinks), same expiry."""
    return short_sign(kind=who, value=affected_id, salt=SALT)


def short_url(code: str) -> str:
    """/a/<code>: the question page of link_url, short enough for an SMS (SMS_LINK_BASE or SITE_URL)."""
    return sms_link(url_path("crises:answer-short", code))


def short_check(code: str) -> tuple[int, str, int]:
    """(affected id, who, crisis id) of a short code; raises LinkRefused."""
    try:
        who, affected_id = short_unsign(code, salt=SALT, max_age=link_max_age(), kinds=PERSON + CONTACT)
    except ShortCodeRefused as refused:
        raise LinkRefused(refused.reason) from None
    crisis_id = Affected.objects.filter(pk=affected_id).values_list("crisis_id", flat=True).first()
    if crisis_id is None:
        raise LinkRefused("unknown")
    return affected_id, who, crisis_id


def link_check(token: str, crisis_id: int) -> tuple[int, str]:
    """(affected id, who) from a token (long, or a short code) presented for `crisis_id`; raises
    LinkRefused."""
    if ":" not in token:  # a short code (no signer separators)
        affected_id, who, token_crisis = short_check(token)
        if token_crisis != crisis_id:
            raise LinkRefused("other_crisis")
        return affected_id, who
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token, max_age=link_max_age())
    except signing.SignatureExpired:
        raise LinkRefused("expired") from None
    except signing.BadSignature:
        raise LinkRefused("tampered") from None
    try:
        affected_s, crisis_s, who = value.split(".")
        affected_id, token_crisis = int(affected_s), int(crisis_s)
    except ValueError:
        raise LinkRefused("tampered") from None
    if token_crisis != crisis_id:
        raise LinkRefused("other_crisis")
    return affected_id, who
