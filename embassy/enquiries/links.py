"""The family's status link: "<id>.<nonce>.<mac>", the nonce random and stored with the enquiry, the mac a keyed
HMAC (django.utils.crypto.salted_hmac under SECRET_KEY, salt below) over id and nonce, cut to 96 bits so that
the link fits an SMS. It can neither be guessed nor forged from another enquiry's link."""

from __future__ import annotations

import secrets

from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from embassy.common.errors import NotFound
from embassy.common.links import absolute_url, url_path
from embassy.common.sms import sms_link
from embassy.enquiries.models import Enquiry

SALT = "enquiries.status"


def new_nonce() -> str:
    return secrets.token_urlsafe(9)  # 72 random bits, 12 characters


def _mac(pk: str, nonce: str) -> str:
    return salted_hmac(SALT, f"{pk}.{nonce}", algorithm="sha256").hexdigest()[:24]


def status_token(enquiry: Enquiry) -> str:
    return f"{enquiry.pk}.{enquiry.token_nonce}.{_mac(str(enquiry.pk), enquiry.token_nonce)}"


def status_check(token: str) -> Enquiry:
    """The enquiry a status link names; NotFound for a forged, altered or unknown one."""
    pk, nonce, mac = [*(token or "").split(".", 2), "", ""][:3]
    if not (pk.isdigit() and nonce and constant_time_compare(mac, _mac(pk, nonce))):
        raise NotFound(_("This link is not valid."))
    enquiry = Enquiry.objects.select_related("crisis").filter(pk=int(pk)).first()
    if enquiry is None or not constant_time_compare(enquiry.token_nonce, nonce):
        raise NotFound(_("This link is not valid."))
    return enquiry


def status_url(enquiry: Enquiry) -> str:
    return absolute_url("enquiries:status", status_token(enquiry))


def status_sms_link(enquiry: Enquiry) -> str:
    return sms_link(url_path("enquiries:status", status_token(enquiry)))
