"""How many one-time codes may go out: the defence against SMS pumping (bots that make a site send SMS to
premium numbers) and against mail bombing.

A code (to sign in, or to verify a new address) is refused with 429 when, within the last hour, there were
already sent:
- SIGNIN_CODE_MAX_PER_HOUR codes to the same address;
- SIGNIN_CODE_MAX_PER_IP_HOUR codes requested from the same client address (any channel);
- SIGNIN_CODE_MAX_PER_PREFIX_HOUR SMS codes to numbers with the same country calling code;
- SIGNIN_CODE_MAX_SMS_PER_HOUR SMS codes overall.
Counts come from the codes table (shared by every process). Two requests at the same instant may both pass
the last free place; the limits bound cost, they are not exact quotas.

An SOS never needs a code: the app raises it with its bearer token, the web page with the session, and the
offline page calls or texts the hotline. A refused code says so, with the hotline to call instead: that of
the mission for the number's country (accounts.reach), else headquarters' citizen-protection hotline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.models import SignInCode
from embassy.accounts.reach import hotline_for_person
from embassy.common.errors import RateLimited


def calling_code(phone: str) -> str:
    """The country calling code of an E.164 number ("60" for +60…), "" if it cannot be read."""
    try:
        return str(phonenumbers.parse(phone, None).country_code or "")
    except phonenumbers.NumberParseException:
        return ""


class CodeLimited(RateLimited):
    """A code refused by a limit, with the number to call instead. `message` (the API's detail) ends with
    that number in words; `refusal` is the message without it and `hotline` the number itself, so that a page
    can show it as a link."""

    def __init__(self, refusal: str, *, address: str) -> None:
        mission, hotline = hotline_for_person(phone=address)
        self.hotline, self.refusal = hotline.number, refusal
        # whose number it is: the mission's own, or headquarters' ("" then) where the mission lists none
        self.hotline_owner = mission.name if mission is not None and not hotline.fallback else ""
        hint = (" " + _("In an emergency, call the hotline %(phone)s.") % {"phone": hotline.number}
                if hotline.number else "")
        super().__init__(refusal + hint, field="address")


def code_send_check(*, address: str, channel: str, ip: str) -> dict[str, Any]:
    """Raise CodeLimited (429, field "address") when a code to `address` would pass a limit; else return the
    values to store with the code (ip, prefix) so that it counts against the limits."""
    since = timezone.now() - timedelta(hours=1)
    recent = SignInCode.objects.filter(created_at__gte=since)
    if recent.filter(address=address).count() >= settings.SIGNIN_CODE_MAX_PER_HOUR:
        raise CodeLimited(_("Too many codes requested. Try again in an hour."), address=address)
    if ip and recent.filter(ip=ip).count() >= settings.SIGNIN_CODE_MAX_PER_IP_HOUR:
        raise CodeLimited(_("Too many codes were requested from your network. Try again in an hour."),
                          address=address)
    prefix = calling_code(address) if channel == "sms" else ""
    if channel == "sms":
        sms = recent.filter(channel="sms")
        if (prefix and sms.filter(prefix=prefix).count() >= settings.SIGNIN_CODE_MAX_PER_PREFIX_HOUR) \
                or sms.count() >= settings.SIGNIN_CODE_MAX_SMS_PER_HOUR:
            raise CodeLimited(_("We cannot send more codes by SMS just now. Use your email address, or try "
                                "again in an hour."), address=address)
    return {"ip": ip[:64], "prefix": prefix}
