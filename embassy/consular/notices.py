"""What a person hears about their appointment, through the outbox (embassy.notify): the confirmation (with its
iCalendar file), a waitlist offer, the day-before reminder and a cancellation. Each is in the person's language
and gives the time in the mission's zone (its city and UTC offset): an e-mail in UTC sends people hours early."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from embassy.common.sms import sms_fit
from embassy.consular import ical
from embassy.notify.models import Priority
from embassy.notify.services import notify_user
from embassy.sos.notices import language_of

if TYPE_CHECKING:
    from embassy.consular.models import Booking


def utc_offset(local: dt.datetime) -> str:
    offset = local.strftime("%z")  # +0800
    return f"UTC{offset[:3]}:{offset[3:]}" if offset else "UTC"


def when(moment: dt.datetime, *, zone: str, city: str) -> str:
    """"Senin, 4 Januari 2027 09.00, waktu Singapura (UTC+08:00)" in the active language."""
    local = moment.astimezone(ZoneInfo(zone))
    return _("%(date)s, %(city)s time (%(offset)s)") % {
        "date": date_format(local, "l, j F Y H:i"), "city": city, "offset": utc_offset(local)}


def short_when(moment: dt.datetime, *, zone: str) -> str:
    """"04-01 09:00 UTC+8" for one SMS segment."""
    local = moment.astimezone(ZoneInfo(zone))
    offset = local.strftime("%z")
    hours, minutes = int(offset[:3]), offset[3:]
    return f"{local:%d-%m %H:%M} UTC{hours:+d}" + (f":{minutes}" if minutes != "00" else "")


def booking_url(booking: Booking) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("consular:booking", args=[booking.reference])


def ics_for(booking: Booking, *, now: dt.datetime, cancelled: bool = False) -> str:
    mission = booking.slot.mission
    what = booking.service.name()
    lines = [_("Reference: %(ref)s") % {"ref": booking.reference},
             _("Bring your passport or identity card and the documents listed on the service page."),
             booking_url(booking)]
    return ical.calendar(ical.Event(
        uid=f"{booking.reference}@{settings.SITE_URL.split('//')[-1].split('/')[0].split(':')[0]}",
        starts_at=booking.slot.starts_at, ends_at=booking.slot.ends_at, zone=mission.timezone,
        summary=f"{what} — {mission.name()}", location=mission.address or mission.city,
        description="\n".join(lines), url=booking_url(booking), sequence=1 if cancelled else 0,
        cancelled=cancelled), now=now)


def _attachment(booking: Booking, *, now: dt.datetime, cancelled: bool = False) -> dict[str, object]:
    return {"attachments": [{"filename": f"janji-{booking.reference}.ics", "content_type": "text/calendar",
                             "content": ics_for(booking, now=now, cancelled=cancelled)}]}


def _send(booking: Booking, *, kind: str, subject: str, body: str, sms: str, now: dt.datetime,
          priority: int = Priority.NORMAL, calendar: bool = False, cancelled: bool = False) -> None:
    user = booking.citizen.user
    if user is None:
        return  # a record kept by staff without an account: the counter tells them
    notify_user(user=user, subject=subject, body=body, url=booking_url(booking), priority=priority,
                channels=("push", "email"), fallback=("sms",), sms=sms_fit(sms)[0],
                kind=f"consular.{kind}", dedupe_key=f"consular:{kind}:{booking.reference}",
                data=_attachment(booking, now=now, cancelled=cancelled) if calendar else None,
                mission_id=booking.slot.mission_id)


def booked(booking: Booking, *, now: dt.datetime, replaces: Booking | None = None) -> None:
    mission = booking.slot.mission
    with translation.override(language_of(booking.citizen.user)):
        at = when(booking.slot.starts_at, zone=mission.timezone, city=mission.city)
        moved = (_("Your appointment %(old)s was moved.") % {"old": replaces.reference} + "\n") if replaces else ""
        body = moved + _("%(service)s at %(mission)s: %(when)s. Reference %(ref)s. Bring your passport or "
                         "identity card; the calendar file is attached. To change or cancel, open the link.") % {
            "service": booking.service.name(), "mission": mission.name(), "when": at, "ref": booking.reference}
        sms = _("%(mission)s: appointment %(when)s, ref %(ref)s") % {
            "mission": mission.name_id, "when": short_when(booking.slot.starts_at, zone=mission.timezone),
            "ref": booking.reference}
        _send(booking, kind="booked", subject=_("Appointment confirmed: %(when)s") % {"when": at}, body=body,
              sms=sms, now=now, calendar=True)


def cancelled(booking: Booking, *, now: dt.datetime) -> None:
    mission = booking.slot.mission
    with translation.override(language_of(booking.citizen.user)):
        at = when(booking.slot.starts_at, zone=mission.timezone, city=mission.city)
        _send(booking, kind="cancelled", subject=_("Appointment cancelled: %(when)s") % {"when": at},
              body=_("Your appointment %(ref)s (%(service)s, %(when)s) is cancelled.") % {
                  "ref": booking.reference, "service": booking.service.name(), "when": at},
              sms=_("%(mission)s: appointment %(ref)s cancelled") % {"mission": mission.name_id,
                                                                    "ref": booking.reference},
              now=now, calendar=True, cancelled=True)


def offered(booking: Booking, *, now: dt.datetime) -> None:
    mission = booking.slot.mission
    assert booking.hold_until is not None
    with translation.override(language_of(booking.citizen.user)):
        at = when(booking.slot.starts_at, zone=mission.timezone, city=mission.city)
        until = when(booking.hold_until, zone=mission.timezone, city=mission.city)
        _send(booking, kind="offered", subject=_("A place for you: %(when)s") % {"when": at},
              body=_("A place freed up for %(service)s at %(mission)s: %(when)s. It is kept for you until "
                     "%(until)s; open the link to take it.") % {
                  "service": booking.service.name(), "mission": mission.name(), "when": at, "until": until},
              sms=_("%(mission)s: place %(when)s kept until %(until)s, ref %(ref)s") % {
                  "mission": mission.name_id, "when": short_when(booking.slot.starts_at, zone=mission.timezone),
                  "until": booking.hold_until.astimezone(ZoneInfo(mission.timezone)).strftime("%H:%M"),
                  "ref": booking.reference},
              now=now, priority=Priority.HIGH)


def reminder(booking: Booking, *, now: dt.datetime) -> None:
    mission = booking.slot.mission
    with translation.override(language_of(booking.citizen.user)):
        at = when(booking.slot.starts_at, zone=mission.timezone, city=mission.city)
        _send(booking, kind="reminder", subject=_("Tomorrow: your appointment at %(when)s") % {"when": at},
              body=_("Reminder: %(service)s at %(mission)s, %(address)s: %(when)s. Reference %(ref)s. Show the QR "
                     "code of your appointment at the kiosk or the counter.") % {
                  "service": booking.service.name(), "mission": mission.name(), "address": mission.address,
                  "when": at, "ref": booking.reference},
              sms=_("%(mission)s: tomorrow %(when)s, ref %(ref)s") % {
                  "mission": mission.name_id, "when": short_when(booking.slot.starts_at, zone=mission.timezone),
                  "ref": booking.reference},
              now=now, calendar=True)
