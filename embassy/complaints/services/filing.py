"""Filing a complaint: by the signed-in citizen (web or app), by a relative or an employer on the public form
(rate-limited per network address and per filer), or by an officer from a call or a walk-in. Each gets a number
the person can quote — the mission's code, the year and a sequence (KBRI-KUALA-LUMPUR-2026-00042) — which
the filer is sent at once, and the officer level's clock starts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from embassy.accounts.models import User
from embassy.applications.models import OPEN_WORK, Application
from embassy.citizens.models import Stay
from embassy.citizens.selectors import own_citizen
from embassy.common.errors import BadInput, RateLimited
from embassy.common.phones import phone_normalise
from embassy.common.text import line_clean, name_clean
from embassy.complaints import notices, signals, sla
from embassy.complaints.matching import Match, match_person
from embassy.complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    FiledBy,
    Level,
    NumberSeries,
)
from embassy.complaints.services.common import audit, event_add, require_officer
from embassy.missions.models import Mission
from embassy.sos.models import Case

TEXT_MAX = 5000
REPEAT_WINDOW = dt.timedelta(minutes=30)  # the same filer, person and words within this: the first complaint
RELATIONS = (FiledBy.RELATIVE, FiledBy.EMPLOYER)


@dataclass(frozen=True)
class ComplaintIn:
    """What a form or the API gives (raw; checked here)."""

    mission_code: str
    category: str
    text: str
    subject_name: str = ""
    subject_birth_date: dt.date | None = None
    passport: str = ""
    nik: str = ""
    place: str = ""
    filer_name: str = ""
    filer_relation: str = ""
    filer_phone: str = ""
    filer_email: str = ""
    client_key: str = ""


def _mission(code: str) -> Mission:
    mission = Mission.objects.filter(code__iexact=(code or "").strip(), active=True).exclude(
        kind=Mission.Kind.HQ).first() if code else None
    if mission is None:
        raise BadInput(_("Choose the mission of the country where the person is."), field="mission")
    return mission


def _category(value: str) -> str:
    if value not in Category.values:
        raise BadInput(_("Choose what the complaint is about."), field="category")
    return value


def _text(value: str) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if not text:
        raise BadInput(_("Say what happened."), field="text")
    if len(text) > TEXT_MAX:
        raise BadInput(_("This is too long (at most %(n)d characters).") % {"n": TEXT_MAX}, field="text")
    return text


def _email(value: str) -> str:
    email = (value or "").strip().lower()
    if email and ("@" not in email or len(email) > 254 or " " in email or email.startswith("@")
                  or "." not in email.rsplit("@", 1)[1]):
        raise BadInput(_("This e-mail address is not valid."), field="filer_email")
    return email


def _birth_date(value: dt.date | None, now: dt.datetime) -> dt.date | None:
    if value is not None and (value > now.date() or value.year < 1900):
        raise BadInput(_("This date of birth is not possible."), field="subject_birth_date")
    return value


def _identifier(value: str, field: str) -> str:
    text = line_clean(value, field=field, max_length=30)
    if text and not text.replace(" ", "").replace("-", "").isalnum():
        raise BadInput(_("Type the number as it is printed, letters and digits only."), field=field)
    return text


def _number(mission: Mission, year: int) -> str:
    """The next number of the mission's yearly series, under the series row's lock (caller holds a
    transaction)."""
    NumberSeries.objects.get_or_create(mission=mission, year=year)
    series = NumberSeries.objects.select_for_update().get(mission=mission, year=year)
    series.last += 1
    series.save(update_fields=["last"])
    return f"{mission.code}-{year}-{series.last:05d}"


def _link_person(complaint: Complaint) -> None:
    """A known person's open matters at the mission are linked at once (officers link more by hand)."""
    if complaint.citizen_id is None:
        return
    complaint.stays.add(*Stay.objects.filter(citizen_id=complaint.citizen_id, mission_id=complaint.mission_id,
                                             status=Stay.Status.ACTIVE))
    complaint.sos_cases.add(*Case.objects.filter(citizen_id=complaint.citizen_id, mission_id=complaint.mission_id,
                                                 status__in=Case.OPEN))
    complaint.applications.add(*Application.objects.filter(
        citizen_id=complaint.citizen_id, mission_id=complaint.mission_id, status__in=OPEN_WORK))


def _create(*, mission: Mission, fields: dict[str, Any], match: Match, now: dt.datetime,
            filer_user: User | None = None, actor: User | None = None) -> Complaint:
    """`fields`: the complaint's checked fields (category, text, subject_name, filed_by, channel, filer_*…)."""
    amber_at, due_at = sla.clock(fields["category"], Level.OFFICER, now)
    officer = fields["filed_by"] == FiledBy.OFFICER
    complaint = Complaint.objects.create(
        number=_number(mission, now.year), mission=mission, citizen=match.citizen, matched_by=match.how,
        subject_nik_index=match.nik_index, subject_passport_index=match.passport_index, filer_user=filer_user,
        filed_at=now, updated_at=now, level=Level.OFFICER, amber_at=amber_at, due_at=due_at,
        assigned_to=actor if officer else None, **fields)
    _link_person(complaint)
    event_add(complaint, ComplaintEvent.Kind.FILED, actor=filer_user or actor, at=now)
    audit(filer_user or actor, "file", complaint, filed_by=complaint.filed_by, channel=complaint.channel,
          matched_by=complaint.matched_by)
    notices.filer_filed(complaint)
    if not officer:
        notices.staff_filed(complaint)
    signals.announce_filed(complaint)
    return complaint


@transaction.atomic
def complaint_file_own(*, user: User, data: ComplaintIn, channel: str = Channel.WEB,
                       now: dt.datetime | None = None) -> Complaint:
    """The signed-in citizen's complaint about their own situation. A repeated client_key returns the first."""
    now = now or timezone.now()
    citizen = own_citizen(user=user)
    key = (data.client_key or "")[:64]
    if key and (first := Complaint.objects.filter(filer_user=user, client_key=key).first()) is not None:
        return first
    mission, category, text = _mission(data.mission_code), _category(data.category), _text(data.text)
    place = line_clean(data.place, field="place", max_length=300)
    return _create(mission=mission, match=Match(citizen, "account"), now=now, filer_user=user, fields={
        "category": category, "text": text, "subject_name": citizen.full_name,
        "subject_birth_date": citizen.birth_date, "filed_by": FiledBy.SELF,
        "channel": channel if channel in Channel.values else Channel.WEB, "place": place,
        "filer_name": citizen.full_name, "client_key": key})


def _limit(*, ip: str, phone: str, email: str, now: dt.datetime) -> None:
    public = Complaint.objects.filter(filed_by__in=RELATIONS)
    if ip and public.filter(client_ip=ip, filed_at__gte=now - dt.timedelta(hours=1)).count() >= settings.COMPLAINTS_PER_ADDRESS_HOUR:
        raise RateLimited(_("Too many complaints were sent from your network in the last hour. Try again later, "
                            "or call the mission."), field="filer_name")
    day = public.filter(filed_at__gte=now - dt.timedelta(days=1))
    mine = (day.filter(filer_phone=phone).count() if phone else 0) + \
        (day.filter(filer_email=email).exclude(filer_phone=phone).count() if email else 0)
    if mine >= settings.COMPLAINTS_PER_FILER_DAY:
        raise RateLimited(_("You have sent many complaints today. Call the mission if it is urgent."),
                          field="filer_name")


def _person(data: ComplaintIn, now: dt.datetime) -> tuple[str, dt.date | None, str, str]:
    name = name_clean(data.subject_name, field="subject_name")
    return (name, _birth_date(data.subject_birth_date, now), _identifier(data.passport, "passport"),
            _identifier(data.nik, "nik"))


@transaction.atomic
def complaint_file_for(*, data: ComplaintIn, filed_by: str, client_ip: str = "",
                       now: dt.datetime | None = None) -> Complaint:
    """A relative's or an employer's complaint about someone (the public form). The filer gives a phone or an
    e-mail address; the person is matched to the registry (never on the name alone)."""
    now = now or timezone.now()
    if filed_by not in RELATIONS:
        raise BadInput(_("Say whether you are a relative or the employer."), field="filed_by")
    filer_name = name_clean(data.filer_name, field="filer_name")
    relation = line_clean(data.filer_relation, field="filer_relation", max_length=100)
    if filed_by == FiledBy.RELATIVE and not relation:
        raise BadInput(_("Say how you are related to the person."), field="filer_relation")
    phone = phone_normalise(data.filer_phone, field="filer_phone")
    email = _email(data.filer_email)
    if not phone and not email:
        raise BadInput(_("Give your phone number or your e-mail address, so that the mission can reach you."),
                       field="filer_phone")
    key = (data.client_key or "")[:64]
    if key and (first := Complaint.objects.filter(filer_user__isnull=True, client_key=key, filer_phone=phone,
                                                  filer_email=email).first()) is not None:
        return first
    mission, category, text = _mission(data.mission_code), _category(data.category), _text(data.text)
    name, birth_date, passport, nik = _person(data, now)
    place = line_clean(data.place, field="place", max_length=300)
    sent_again = (Complaint.objects.filter(  # the same complaint sent again (no answer seen, a new page): the first
        filer_user__isnull=True, filer_phone=phone, filer_email=email, mission=mission, category=category,
        subject_name__iexact=name, text=text, filed_at__gte=now - REPEAT_WINDOW).order_by("id").first())
    if sent_again is not None:
        return sent_again
    _limit(ip=client_ip, phone=phone, email=email, now=now)
    match = match_person(name=name, birth_date=birth_date, passport=passport, nik=nik)
    return _create(mission=mission, match=match, now=now, fields={
        "category": category, "text": text, "subject_name": name, "subject_birth_date": birth_date,
        "filed_by": filed_by, "channel": Channel.WEB, "place": place, "filer_name": filer_name,
        "filer_relation": relation, "filer_phone": phone, "filer_email": email, "client_key": key,
        "client_ip": client_ip})


@transaction.atomic
def complaint_file_by_officer(*, actor: User, data: ComplaintIn, channel: str,
                              now: dt.datetime | None = None) -> Complaint:
    """An officer records a complaint from a call or a walk-in at one of their missions; it is assigned to
    them. The caller's details (if it is not the person) go in filer_*; the person is matched like a public
    complaint."""
    now = now or timezone.now()
    mission = _mission(data.mission_code)
    require_officer(actor, mission.pk)
    if channel not in (Channel.CALL, Channel.WALK_IN, Channel.OTHER):
        raise BadInput(_("Say whether it came by phone or at the counter."), field="channel")
    category, text = _category(data.category), _text(data.text)
    name, birth_date, passport, nik = _person(data, now)
    filer_name = name_clean(data.filer_name, field="filer_name", required=False)
    relation = line_clean(data.filer_relation, field="filer_relation", max_length=100)
    phone = phone_normalise(data.filer_phone, field="filer_phone")
    email = _email(data.filer_email)
    place = line_clean(data.place, field="place", max_length=300)
    match = match_person(name=name, birth_date=birth_date, passport=passport, nik=nik)
    return _create(mission=mission, match=match, now=now, actor=actor, fields={
        "category": category, "text": text, "subject_name": name, "subject_birth_date": birth_date,
        "filed_by": FiledBy.OFFICER, "channel": channel, "place": place, "filer_name": filer_name,
        "filer_relation": relation, "filer_phone": phone, "filer_email": email})
