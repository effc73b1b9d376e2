"""Patterns typical of fixers (calo), flagged to the head of consular affairs of the mission (else its head of
mission) — never acted on automatically: a family booking from one phone, or a shared office network, looks
the same at first sight. Counted over the last 7 days (devices, addresses) and 180 days (no-shows):
- one device that booked for CONSULAR_FIXER_PEOPLE or more different people;
- one network address that booked for CONSULAR_FIXER_PEOPLE or more different people;
- one person (NIK or passport) with CONSULAR_FIXER_NO_SHOWS or more no-shows (bookings held and never used)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.accounts.staff import Purpose, staff_to_notify
from embassy.consular.models import Booking, FixerFlag
from embassy.notify.services import notify_user
from embassy.sos.notices import language_of

Pattern = tuple[int, str, str, int, int, dt.datetime, dt.datetime]  # mission, kind, key, bookings, people, first, last


def _patterns(now: dt.datetime) -> list[Pattern]:
    week = Booking.objects.filter(created_at__gte=now - dt.timedelta(days=7))
    found: list[Pattern] = []
    for kind, field in ((FixerFlag.Kind.DEVICE, "device"), (FixerFlag.Kind.ADDRESS, "client_ip")):
        rows = (week.exclude(**{field: ""}).values("slot__mission_id", field)
                .annotate(people=Count("identity", distinct=True), n=Count("id"), first=Min("created_at"),
                          last=Max("created_at"))
                .filter(people__gte=settings.CONSULAR_FIXER_PEOPLE))
        found += [(r["slot__mission_id"], kind, r[field], r["n"], r["people"], r["first"], r["last"]) for r in rows]
    rows = (Booking.objects.filter(status=Booking.Status.NO_SHOW, slot__starts_at__gte=now - dt.timedelta(days=180))
            .values("slot__mission_id", "identity")
            .annotate(n=Count("id"), first=Min("slot__starts_at"), last=Max("slot__starts_at"))
            .filter(n__gte=settings.CONSULAR_FIXER_NO_SHOWS))
    found += [(r["slot__mission_id"], FixerFlag.Kind.NO_SHOW, r["identity"], r["n"], 1, r["first"], r["last"])
              for r in rows]
    return found


def fixer_scan(*, now: dt.datetime | None = None) -> int:
    """Create or refresh the flags; tell the head of consular affairs about each new one. Returns new flags."""
    now = now or timezone.now()
    new = 0
    for mission_id, kind, key, bookings, people, first, last in _patterns(now):
        with transaction.atomic():
            flag, created = FixerFlag.objects.select_for_update().get_or_create(
                mission_id=mission_id, kind=kind, key=key[:80],
                defaults={"bookings": bookings, "people": people, "first_seen": first, "last_seen": last,
                          "created_at": now})
            if not created:
                flag.bookings, flag.people = max(flag.bookings, bookings), max(flag.people, people)
                flag.last_seen = max(flag.last_seen, last)
                flag.save(update_fields=["bookings", "people", "last_seen"])
                continue
            new += 1
            heads = staff_to_notify(purpose=Purpose.CONSULAR_HEAD, missions=[mission_id]) or staff_to_notify(
                purpose=Purpose.PROTECTION, missions=[mission_id])
            url = settings.SITE_URL.rstrip("/") + reverse("console:consular-flags")
            for user in heads:
                with translation.override(language_of(user)):
                    notify_user(user=user, subject=_("Possible fixer pattern at your mission"),
                                body=_("%(kind)s: %(bookings)d bookings, %(people)d people. Review it.") % {
                                    "kind": FixerFlag.Kind(kind).label, "bookings": bookings, "people": people},
                                url=url, channels=("push", "email"), kind="consular.fixer",
                                dedupe_key=f"consular:fixer:{flag.pk}", mission_id=mission_id)
    return new


def flag_review(*, flag: FixerFlag, actor: User, note: str, now: dt.datetime | None = None) -> FixerFlag:
    flag.reviewed_at, flag.note, flag.reviewed_by = now or timezone.now(), note.strip()[:500], actor
    flag.save(update_fields=["reviewed_at", "note", "reviewed_by"])
    audit_record(actor=flag.reviewed_by, action="consular.fixer_review", object_type="fixer_flag",
                 object_id=flag.pk, mission_code=flag.mission.code, detail={"kind": flag.kind, "note": flag.note})
    return flag
