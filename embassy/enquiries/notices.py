"""What the family hears, through the outbox only: an SMS (one GSM-7 segment, link included) to the phone they
gave and an e-mail to the address they gave, in the language of their form. The first message says the mission
is looking and gives the status link; later ones carry only the news the person consented to share
(embassy.enquiries.consent), once per piece of news (dedupe key)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from embassy.common.sms import fits, sms_fit
from embassy.enquiries.consent import HELP, LOOKING, SAFE, News
from embassy.enquiries.links import status_sms_link, status_url
from embassy.enquiries.models import Enquiry
from embassy.notify.services import notify_address

KIND = "enquiry.news"


def mission_label(enquiry: Enquiry) -> tuple[str, int | None]:
    mission = enquiry.crisis.missions.order_by("code").first()
    return (mission.name(), mission.pk) if mission is not None else (_("The mission"), None)


def news_text(news: News, name: str) -> str:
    if news.state == SAFE:
        text = _("%(name)s told the mission they are safe.") % {"name": name}
        if news.city:
            text += " " + _("They are in %(city)s.") % {"city": news.city}
        return text
    if news.state == HELP:
        return _("%(name)s asked the mission for help. The mission is in contact with them.") % {"name": name}
    return _("The mission is looking for %(name)s. We will write again when there is news we may share.") % {
        "name": name}


def sms_text(news: News, name: str) -> str:
    if news.state == LOOKING:
        return _("The mission is looking for %(name)s.") % {"name": name}
    return news_text(news, name)


def family_tell(enquiry: Enquiry, news: News) -> int:
    """Queue the news to the enquirer's phone and e-mail; the number of messages queued."""
    queued = 0
    with translation.override(enquiry.language or "id"):
        mission, mission_id = mission_label(enquiry)
        name = enquiry.sought_name
        text = news_text(news, name)
        subject = (_("Your enquiry about %(name)s") % {"name": name} if news.state == LOOKING
                   else _("News of %(name)s") % {"name": name})
        url = status_url(enquiry)
        body = f"{mission}\n\n{text}\n\n{_('Follow your enquiry here:')} {url}"
        link = status_sms_link(enquiry)
        short = sms_text(news, name)
        whole = f"{mission}: {short} {link}"
        sms, _cut = sms_fit(whole if fits(whole) else f"{short} {link}")
        key = f"enquiry:{enquiry.pk}:{news.key}"
        data = {"enquiry": enquiry.pk, "crisis": enquiry.crisis_id, "state": news.state}
        if enquiry.enquirer_phone:
            queued += notify_address(channel="sms", address=enquiry.enquirer_phone, subject=subject, body=body,
                                     url=url, kind=KIND, dedupe_key=key, sms=sms, mission_id=mission_id,
                                     data=data) is not None
        if enquiry.enquirer_email:
            queued += notify_address(channel="email", address=enquiry.enquirer_email, subject=subject, body=body,
                                     url=url, kind=KIND, dedupe_key=key, mission_id=mission_id,
                                     data=data) is not None
    return queued
