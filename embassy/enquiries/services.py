"""Writes of families' enquiries: the public form, the phone intake in the crisis room, an officer's
confirmation among candidates, re-matching, the family's news, and the citizen's sharing preference."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.citizens.selectors import own_citizen
from embassy.common.errors import BadInput, Conflict, NotFound, RateLimited
from embassy.common.phones import phone_normalise
from embassy.common.text import line_clean, name_clean
from embassy.crises.models import Crisis
from embassy.enquiries import consent, notices
from embassy.enquiries.links import new_nonce
from embassy.enquiries.matching import (
    MatchResult,
    Sought,
    citizen_rows,
    identity_indexes,
    match_person,
    strong_candidates,
)
from embassy.enquiries.models import Enquiry, SharingPreference
from embassy.enquiries.names import name_key
from embassy.enquiries.selectors import require_enquiry_access

REPEAT_WINDOW = dt.timedelta(minutes=10)
OPEN = (Enquiry.Status.SOUGHT, Enquiry.Status.TO_CONFIRM)


@dataclass(frozen=True)
class EnquiryIn:
    """What the form or the officer gives (raw; checked by enquiry_submit)."""

    enquirer_name: str
    sought_name: str
    relation: str = ""
    enquirer_phone: str = ""
    enquirer_email: str = ""
    sought_birth_date: dt.date | None = None
    nik: str = ""
    passport: str = ""
    sought_phone: str = ""
    last_city: str = ""
    note: str = ""


def _limit(*, ip: str, phone: str, email: str, now: dt.datetime) -> None:
    recent = Enquiry.objects.filter(via=Enquiry.Via.WEB)
    if ip and recent.filter(client_ip=ip, created_at__gte=now - dt.timedelta(hours=1)).count() >= settings.ENQUIRIES_PER_ADDRESS_HOUR:
        raise RateLimited(_("Too many enquiries were sent from your network in the last hour. Try again later, "
                            "or call the mission."), field="enquirer_name")
    day = recent.filter(created_at__gte=now - dt.timedelta(days=1))
    mine = (day.filter(enquirer_phone=phone).count() if phone else 0) + \
        (day.filter(enquirer_email=email).exclude(enquirer_phone=phone).count() if email else 0)
    if mine >= settings.ENQUIRIES_PER_ENQUIRER_DAY:
        raise RateLimited(_("You have sent many enquiries today. The mission is looking for the people you "
                            "asked about."), field="enquirer_name")


def _clean(data: EnquiryIn) -> dict[str, object]:
    enquirer_phone = phone_normalise(data.enquirer_phone, field="enquirer_phone")
    email = (data.enquirer_email or "").strip().lower()[:254]
    if not enquirer_phone and not email:
        raise BadInput(_("Give your phone number or your email address, so that we can tell you the news."),
                       field="enquirer_phone")
    if data.sought_birth_date and data.sought_birth_date > timezone.localdate():
        raise BadInput(_("The date of birth is in the future."), field="sought_birth_date")
    nik_index, passport_index = identity_indexes(nik=data.nik, passport=data.passport)
    return {
        "enquirer_name": name_clean(data.enquirer_name, field="enquirer_name"),
        "relation": line_clean(data.relation, field="relation", max_length=60),
        "enquirer_phone": enquirer_phone, "enquirer_email": email,
        "sought_name": name_clean(data.sought_name, field="sought_name"),
        "sought_birth_date": data.sought_birth_date, "sought_nik_index": nik_index,
        "sought_passport_index": passport_index,
        "sought_phone": phone_normalise(data.sought_phone, field="sought_phone"),
        "last_city": line_clean(data.last_city, field="last_city", max_length=100),
        "note": (data.note or "").strip()[:1000],
    }


def _sought(enquiry: Enquiry) -> Sought:
    return Sought(name=enquiry.sought_name, birth_date=enquiry.sought_birth_date,
                  nik_index=enquiry.sought_nik_index, passport_index=enquiry.sought_passport_index,
                  phone=enquiry.sought_phone)


def _apply(enquiry: Enquiry, result: MatchResult, now: dt.datetime) -> None:
    enquiry.checked_at = now
    enquiry.possible = result.possible
    if result.citizen_id is not None:
        enquiry.status, enquiry.citizen_id, enquiry.rule = Enquiry.Status.MATCHED, result.citizen_id, result.rule
        enquiry.candidates, enquiry.matched_at = [], now
    elif result.strong:
        enquiry.status, enquiry.candidates = Enquiry.Status.TO_CONFIRM, sorted(result.strong)
    else:
        enquiry.status, enquiry.candidates = Enquiry.Status.SOUGHT, []


def _tell_on_commit(enquiry_id: int) -> None:
    transaction.on_commit(partial(enquiry_follow_up, enquiry_id=enquiry_id))


def _repeat(crisis: Crisis, clean: dict[str, object], now: dt.datetime) -> Enquiry | None:
    """The same enquiry sent again within minutes (a double tap, a reload): the first one stands."""
    same = Enquiry.objects.filter(crisis=crisis, created_at__gte=now - REPEAT_WINDOW,
                                  enquirer_phone=clean["enquirer_phone"], enquirer_email=clean["enquirer_email"])
    key = name_key(str(clean["sought_name"]))
    return next((e for e in same if name_key(e.sought_name) == key), None)


@transaction.atomic
def enquiry_submit(*, crisis_id: int, data: EnquiryIn, client_ip: str = "", actor: User | None = None) -> Enquiry:
    """A relative's enquiry about a person during an active crisis: from the public form (actor None,
    rate-limited by network address and by enquirer), or taken by phone by an officer who reads the crisis's
    personal data. Matched at once; the family is told on commit (the mission is looking, with the link).
    Raises NotFound (no such active crisis), BadInput, RateLimited, PermissionDenied."""
    crisis = Crisis.objects.filter(pk=crisis_id, status=Crisis.Status.ACTIVE).first()
    if crisis is None:
        raise NotFound(_("There is no active emergency with this number."))
    if actor is not None:
        require_enquiry_access(actor, crisis)
    clean = _clean(data)
    now = timezone.now()
    if actor is None:
        _limit(ip=client_ip, phone=str(clean["enquirer_phone"]), email=str(clean["enquirer_email"]), now=now)
    repeat = _repeat(crisis, clean, now)
    if repeat is not None:
        return repeat
    enquiry = Enquiry(crisis=crisis, via=Enquiry.Via.PHONE if actor else Enquiry.Via.WEB, taken_by=actor,
                      language=(translation.get_language() or "id")[:8], token_nonce=new_nonce(),
                      client_ip=client_ip[:64], **clean)
    _apply(enquiry, match_person(_sought(enquiry), crisis_id=crisis.pk), now)
    enquiry.save()
    if actor is not None:
        audit_record(actor=actor, action="enquiry.phone", object_type="enquiry", object_id=enquiry.pk,
                     citizen_id=enquiry.citizen_id, detail={"crisis": crisis.pk, "status": enquiry.status})
    _tell_on_commit(enquiry.pk)
    return enquiry


@transaction.atomic
def enquiry_confirm(*, actor: User, enquiry: Enquiry, citizen_id: int) -> Enquiry:
    """An officer confirms which candidate (or look-alike) the family means, after checking with them."""
    require_enquiry_access(actor, enquiry.crisis)
    if enquiry.status not in OPEN:
        raise Conflict(_("This enquiry is not waiting for a confirmation."))
    if citizen_id not in set(enquiry.candidates) | set(enquiry.possible):
        raise BadInput(_("Choose one of the people listed."), field="citizen_id")
    enquiry.status, enquiry.citizen_id, enquiry.rule = Enquiry.Status.MATCHED, citizen_id, Enquiry.Rule.OFFICER
    enquiry.matched_at = timezone.now()
    enquiry.save(update_fields=["status", "citizen", "rule", "matched_at", "updated_at"])
    audit_record(actor=actor, action="enquiry.confirm", object_type="enquiry", object_id=enquiry.pk,
                 citizen_id=citizen_id, detail={"crisis": enquiry.crisis_id})
    _tell_on_commit(enquiry.pk)
    return enquiry


@transaction.atomic
def enquiry_close(*, actor: User, enquiry: Enquiry, note: str = "") -> Enquiry:
    """The enquiry needs nothing more (the family found the person, or withdrew it)."""
    require_enquiry_access(actor, enquiry.crisis)
    enquiry.status = Enquiry.Status.CLOSED
    if note:
        enquiry.note = (enquiry.note + "\n" + note.strip())[:2000]
    enquiry.save(update_fields=["status", "note", "updated_at"])
    audit_record(actor=actor, action="enquiry.close", object_type="enquiry", object_id=enquiry.pk,
                 citizen_id=enquiry.citizen_id, detail={"crisis": enquiry.crisis_id})
    return enquiry


def enquiry_follow_up(*, enquiry_id: int) -> bool:
    """Tell the family what changed since they were last told (nothing when nothing they may hear changed).
    The first call tells them the mission is looking."""
    with transaction.atomic():
        enquiry = Enquiry.objects.select_for_update().select_related("crisis").filter(pk=enquiry_id).first()
        if enquiry is None or enquiry.status == Enquiry.Status.CLOSED:
            return False
        news = consent.news_for(enquiry)
        if enquiry.told_state and (news.key == enquiry.told_state or news.state == consent.LOOKING):
            return False
        notices.family_tell(enquiry, news)
        enquiry.told_state, enquiry.told_at = news.key, timezone.now()
        enquiry.save(update_fields=["told_state", "told_at", "updated_at"])
    return True


def enquiries_rematch(*, citizen_ids: Iterable[int] | None = None, limit: int = 500) -> dict[str, int]:
    """Match again the open enquiries of active crises (all of them, or against `citizen_ids` only: the people
    who just registered a stay), then tell the families of matched people whose news changed. Run by the
    periodic task and by the citizens' whereabouts signal."""
    ids = list(citizen_ids) if citizen_ids is not None else None
    now = timezone.now()
    matched = 0
    open_qs = Enquiry.objects.filter(status__in=OPEN, crisis__status=Crisis.Status.ACTIVE).order_by("checked_at")
    # These people only (a stay just registered): one read of them, checked against every open enquiry here.
    rows = citizen_rows(ids) if ids is not None and open_qs.exists() else []
    for enquiry in open_qs[:limit] if ids is None or rows else []:
        sought = _sought(enquiry)
        if ids is not None and not strong_candidates(sought, rows):
            continue
        with transaction.atomic():
            _apply(enquiry, match_person(sought, crisis_id=enquiry.crisis_id), now)
            enquiry.save()
        matched += enquiry.status == Enquiry.Status.MATCHED
    told = 0
    followed = Enquiry.objects.filter(status=Enquiry.Status.MATCHED, crisis__status=Crisis.Status.ACTIVE)
    if ids is not None:
        followed = followed.filter(citizen_id__in=ids)
    for pk in followed.values_list("id", flat=True)[:limit * 4]:
        told += enquiry_follow_up(enquiry_id=pk)
    return {"matched": matched, "told": told}


@transaction.atomic
def sharing_set(*, user: User, level: str) -> SharingPreference:
    """The signed-in citizen chooses what relatives who ask may be told."""
    if level not in SharingPreference.Level.values:
        raise BadInput(_("Choose one of the options."), field="level")
    citizen = own_citizen(user=user)
    pref, _created = SharingPreference.objects.update_or_create(citizen=citizen, defaults={"level": level})
    audit_record(actor=user, action="enquiry.sharing", object_type="citizen", object_id=citizen.pk,
                 citizen_id=citizen.pk, detail={"level": level})
    return pref
