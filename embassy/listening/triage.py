"""The distress triage queue of each mission's protection duty officer: reads (scoped and audited) and writes
(open a protection case from a post, dismiss it, reply to it through publishing's approval flow).

Who sees a mission's queue: its protection duty officers and head of mission (accounts.staff Purpose.PROTECTION)
and headquarters' protection analysts and administrators (Purpose.HEADQUARTERS: every mission). A post is
personal data (a person's plea, their handle, often their employer's name): every read of the queue and of a
post is audited, and a post outside the reader's missions is answered "not found", as if it were not there.

Invariants:
- A Triage row opens at most one case: opening again returns the case already opened (the row is locked while
  the case is made, so two clicks at once make one case).
- The record made for the author holds only what the post says of them (the platform handle), is marked by its
  source ("social", SOCIAL_SOURCE) and is reused for the same handle's next post; one author has at most one open
  case (sos's rule), so a second post joins that case as a note.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.accounts.staff import ROLES, Purpose
from embassy.citizens.models import Citizen
from embassy.common.errors import BadInput, Conflict, NotFound, PermissionDenied
from embassy.geo.h3cells import STAY_RES, cell_at
from embassy.listening.models import Heard, Triage
from embassy.missions.models import Membership
from embassy.missions.selectors import scope_for
from embassy.publishing.models import Draft
from embassy.publishing.services import reply_draft
from embassy.social.models import Account
from embassy.social.sentiment.text import words
from embassy.sos.models import SOCIAL_SOURCE, Case, Category, Event, Priority
from embassy.sos.services.common import clean_text, event_add

MAX_REPLY = 2000
QUEUE_LIMIT = 200

# Distress category (embassy.social.distress) → SOS case category. A passport held by an employer or agent is
# the employer's abuse (the passport is not lost: someone keeps it), as are wages not paid; trafficking and
# scam compounds are crimes; the rest have no category of their own and are "other".
CASE_CATEGORY: dict[str, str] = {
    "unpaid_salary": Category.EMPLOYER_ABUSE,
    "abuse": Category.EMPLOYER_ABUSE,
    "documents": Category.EMPLOYER_ABUSE,
    "trafficking": Category.CRIME,
    "detention": Category.ARREST,
    "health": Category.HEALTH,
    "whereabouts": Category.OTHER,
    "stranded": Category.OTHER,
    "other": Category.OTHER,
}
CATEGORY_LABELS: dict[str, Any] = {
    "unpaid_salary": gettext_lazy("Unpaid wages"),
    "abuse": gettext_lazy("Abuse or confinement"),
    "documents": gettext_lazy("Passport or documents held"),
    "trafficking": gettext_lazy("Trafficking or forced scam work"),
    "detention": gettext_lazy("Arrest or detention"),
    "health": gettext_lazy("Illness, injury or death"),
    "whereabouts": gettext_lazy("No contact with a family member"),
    "stranded": gettext_lazy("Stranded"),
    "other": gettext_lazy("Asks for help"),
}
SOURCE_LABELS: dict[str, Any] = {
    "position": gettext_lazy("the post's position"),
    "profile": gettext_lazy("the author's profile location"),
    "text": gettext_lazy("a place named in the post"),
}
PLATFORM_LABELS = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky", "facebook": "Facebook",
                   "instagram": "Instagram", "youtube": "YouTube", "tiktok": "TikTok"}


# --- Scope -------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TriageScope:
    """Whose triage queues a user reads: every mission's (`all`) or those in `mission_ids`."""

    all: bool
    mission_ids: frozenset[int]

    def covers(self, mission_id: int) -> bool:
        return self.all or mission_id in self.mission_ids

    @property
    def any(self) -> bool:
        return self.all or bool(self.mission_ids)


TRIAGE_ROLES = ROLES[Purpose.PROTECTION][0] | ROLES[Purpose.HEADQUARTERS][1]


def can_see_triage(user: Any) -> bool:
    """Whether the console shows the triage link to this user (no query beyond the user's scope)."""
    return bool(scope_for(user).roles & TRIAGE_ROLES)


def triage_scope(user: Any) -> TriageScope:
    """From the user's roles (verified staff only: scope_for gives nothing to anyone else)."""
    if not scope_for(user).is_staff:
        return TriageScope(False, frozenset())
    at_mission, anywhere = ROLES[Purpose.PROTECTION][0], ROLES[Purpose.HEADQUARTERS][1]
    rows = list(Membership.objects.filter(user_id=user.pk, mission__active=True).filter(
        Q(role__in=at_mission) | Q(role__in=anywhere)).values_list("mission_id", "role"))
    return TriageScope(any(r in anywhere for _m, r in rows), frozenset(m for m, r in rows if r in at_mission))


def _require_scope(user: User, *, audit: bool) -> TriageScope:
    scope = triage_scope(user)
    if not scope.any:
        if audit and scope_for(user).is_staff:
            audit_record(actor=user, action="listening.triage.denied", object_type="listening_triage")
        raise PermissionDenied(_("You may not read the distress triage queue."))
    return scope


def _scoped(scope: TriageScope) -> QuerySet[Triage]:
    qs = Triage.objects.all()
    return qs if scope.all else qs.filter(mission_id__in=scope.mission_ids)


# --- Selectors ---------------------------------------------------------------------------------------------------
def triage_list_for(*, user: User, status: str = Triage.Status.NEW, audit: bool = True) -> list[Triage]:
    """The posts in the user's queues with `status` (new by default), newest first. Audited as a list read."""
    scope = _require_scope(user, audit=audit)
    status = status if status in Triage.Status.values else Triage.Status.NEW
    rows = list(_scoped(scope).filter(status=status).select_related("heard", "mission", "case", "decided_by")
                .order_by("-queued_at", "-id")[:QUEUE_LIMIT])
    if audit:
        audit_record(actor=user, action="listening.triage.list", object_type="listening_triage",
                     detail={"status": status, "rows": len(rows), "all": scope.all})
    return rows


def triage_cursor_for(*, user: User) -> str:
    """A value that changes whenever the user's queue changes (a post queued, opened or dismissed): the console's
    live poll. Carries no personal data, so it is not audited."""
    scope = _require_scope(user, audit=False)
    row = _scoped(scope).aggregate(top=Max("id"), new=Count("id", filter=Q(status=Triage.Status.NEW)),
                                   decided=Max("decided_at"))
    decided: dt.datetime | None = row["decided"]
    return f"{row['top'] or 0}-{row['new']}-{int(decided.timestamp() * 1000) if decided else 0}"


def triage_get_for(*, user: User, triage_id: int, audit: bool = True) -> Triage:
    """One queued post, if the user's queues include its mission; else NotFound, as for a post that does not
    exist (a refusal to staff is audited)."""
    scope = triage_scope(user)
    triage = (Triage.objects.select_related("heard", "mission", "case", "decided_by")
              .filter(pk=triage_id).first()) if scope.any else None
    if triage is None or not scope.covers(triage.mission_id):
        if triage is not None and scope_for(user).is_staff:
            audit_record(actor=user, action="listening.triage.denied", object_type="listening_triage",
                         object_id=triage_id, mission_code=triage.mission.code)
        raise NotFound(_("No such post in your triage queue."), field="triage_id")
    if audit:
        audit_record(actor=user, action="listening.triage.view", object_type="listening_triage",
                     object_id=triage.pk, mission_code=triage.mission.code,
                     detail={"platform": triage.heard.platform, "post_id": triage.heard.post_id})
    return triage


def reply_account(triage: Triage) -> Account | None:
    """The mission's own active account on the post's platform (the one a reply goes out from), if any."""
    return (Account.objects.filter(unit_id=triage.mission_id, platform=triage.heard.platform, active=True)
            .order_by("-verified", "id").first())


# --- Presentation helpers (pure) ---------------------------------------------------------------------------------
_WORD = re.compile(r"\w+", re.UNICODE)
# Cue words not worth marking on their own ("paspor saya ditahan": mark "paspor" and "ditahan").
_PLAIN = frozenset({"saya", "aku", "gue", "kami", "my", "me", "i", "di", "ke", "to", "the", "dan", "sama", "yang",
                    "her", "him", "us", "them", "not", "tidak", "belum", "bulan", "tahun"})


def highlight(text: str, cues: list[str] | tuple[str, ...]) -> SafeString:
    """The post with the words of its cues marked (<mark>); matched through the same spelling normalisation as
    the detector ("tlg" marks as "tolong"). Everything else is escaped."""
    wanted = {w for cue in cues for w in str(cue).split() if not w.isdigit()} - _PLAIN
    parts: list[tuple[str, str]] = []
    last = 0
    for match in _WORD.finditer(text):
        normal = words(match.group(0))
        if normal and any(n in wanted or n.removesuffix("nya") in wanted for n in normal):
            parts.append((text[last:match.start()], match.group(0)))
            last = match.end()
    html = format_html_join("", "{}<mark>{}</mark>", parts)
    return format_html("{}{}", html, text[last:])


def category_label(category: str) -> str:
    return str(CATEGORY_LABELS.get(category, CATEGORY_LABELS["other"]))


def source_label(source: str) -> str:
    return str(SOURCE_LABELS.get(source, _("not known")))


def platform_label(platform: str) -> str:
    return PLATFORM_LABELS.get(platform, platform)


# --- Services ----------------------------------------------------------------------------------------------------
def _check(actor: User, triage: Triage) -> None:
    """Writers must be verified staff whose queues include the post's mission (re-checked here, not only in the
    view that read the row)."""
    if not actor.is_verified():
        raise PermissionDenied(_("Sign in with your second factor first."))
    if not triage_scope(actor).covers(triage.mission_id):
        audit_record(actor=actor, action="listening.triage.act.denied", object_type="listening_triage",
                     object_id=triage.pk, mission_code=triage.mission.code)
        raise NotFound(_("No such post in your triage queue."), field="triage_id")


def _author_label(heard: Heard) -> str:
    """ "@handle (X)": how the author is named on the case (their handle is all that is known of them)."""
    handle = heard.author_handle.lstrip("@")
    who = f"@{handle}" if handle else (heard.author_id or _("unknown author"))
    return f"{who} ({platform_label(heard.platform)})"[:200]


def _citizen_for_author(heard: Heard) -> Citizen:
    """The record for the post's author: the handle only, unverified (source "social"), reused for the same
    handle on the same platform."""
    label = _author_label(heard)
    citizen = Citizen.objects.filter(source=SOCIAL_SOURCE, full_name=label, user__isnull=True).order_by("id").first()
    return citizen or Citizen.objects.create(full_name=label, source=SOCIAL_SOURCE)


def _post_data(triage: Triage) -> dict[str, Any]:
    heard = triage.heard
    return {"via": "social", "platform": heard.platform, "post_id": heard.post_id, "url": heard.url,
            "author": heard.author_handle, "published_at": heard.published_at.isoformat(), "triage": triage.pk,
            "category": triage.category, "cues": list(heard.distress_cues or []),
            "mission_source": heard.mission_source}


def _post_note(triage: Triage) -> str:
    heard = triage.heard
    return _("Distress post on %(platform)s by %(author)s: %(url)s\n\n%(text)s") % {
        "platform": platform_label(heard.platform), "author": _author_label(heard), "url": heard.url or "-",
        "text": clean_text(heard.text)}


@transaction.atomic
def triage_open_case(*, actor: User, triage: Triage) -> Case:
    """Open a protection case for the post's author, linked to the post (idempotent: the case already opened is
    returned). The officer who opens it has seen it: the case starts acknowledged and assigned to them, and no
    duty alert goes out for it. An author with an open case gets the post on that case as a note instead."""
    _check(actor, triage)
    triage = Triage.objects.select_for_update().select_related("heard", "mission").get(pk=triage.pk)
    if triage.status == Triage.Status.CASE and triage.case_id is not None:
        return Case.objects.select_related("mission").get(pk=triage.case_id)
    heard, now = triage.heard, timezone.now()
    citizen = _citizen_for_author(heard)
    data = _post_data(triage)
    case = Case.objects.select_for_update().filter(citizen=citizen, status__in=Case.OPEN).first()
    if case is not None:
        event_add(case, Event.Kind.NOTE, actor=actor, text=_post_note(triage), data=data, at=now)
    else:
        case = _new_case(actor=actor, triage=triage, citizen=citizen, data=data, now=now)
    triage.status, triage.case, triage.decided_by, triage.decided_at = Triage.Status.CASE, case, actor, now
    triage.save(update_fields=["status", "case", "decided_by", "decided_at"])
    audit_record(actor=actor, action="listening.triage.case", object_type="listening_triage", object_id=triage.pk,
                 citizen_id=citizen.pk, mission_code=triage.mission.code, detail={"case": case.pk})
    return case


def _new_case(*, actor: User, triage: Triage, citizen: Citizen, data: dict[str, Any], now: dt.datetime) -> Case:
    heard = triage.heard
    fields: dict[str, Any] = {}
    if heard.lat is not None and heard.lon is not None and heard.mission_source == "position":
        fields = {"lat": heard.lat, "lon": heard.lon, "cell": cell_at(heard.lat, heard.lon, STAY_RES),
                  "location": Case.Location.KNOWN, "located_at": heard.published_at}
    case = Case.objects.create(
        citizen=citizen, mission=triage.mission, routing_rule=f"social-{heard.mission_source or 'mission'}"[:30],
        country_id=triage.mission.country_id, category=CASE_CATEGORY.get(triage.category, Category.OTHER),
        priority=Priority.HIGH, text=clean_text(heard.text), status=Case.Status.ACKNOWLEDGED, raised_at=now,
        waiting_since=now, updated_at=now, acknowledged_at=now, acknowledged_by=actor, assigned_to=actor,
        alerted_at=now, **fields)
    event_add(case, Event.Kind.RAISED, actor=actor, text=clean_text(heard.text), data=data, at=now)
    event_add(case, Event.Kind.NOTE, actor=actor, text=_post_note(triage), data=data, at=now)
    return case


@transaction.atomic
def triage_dismiss(*, actor: User, triage: Triage, note: str = "") -> Triage:
    """ "Not a case": the post leaves the queue with the officer's note. A post that already has a case stays
    with its case (Conflict); dismissing twice keeps the first decision."""
    _check(actor, triage)
    triage = Triage.objects.select_for_update().select_related("heard", "mission").get(pk=triage.pk)
    if triage.status == Triage.Status.CASE:
        raise Conflict(_("A case was already opened for this post."))
    if triage.status == Triage.Status.DISMISSED:
        return triage
    triage.status, triage.note = Triage.Status.DISMISSED, clean_text(note, 1000)
    triage.decided_by, triage.decided_at = actor, timezone.now()
    triage.save(update_fields=["status", "note", "decided_by", "decided_at"])
    audit_record(actor=actor, action="listening.triage.dismiss", object_type="listening_triage",
                 object_id=triage.pk, mission_code=triage.mission.code)
    return triage


@transaction.atomic
def triage_reply(*, actor: User, triage: Triage, text: str) -> Draft:
    """A reply to the post from the mission's account on its platform, handed to publishing's approval flow
    (drafter → approver) as a draft: nothing is posted before an approver says so. Returns the Draft."""
    _check(actor, triage)
    text = clean_text(text, MAX_REPLY)
    if not text:
        raise BadInput(_("Write the reply."), field="text")
    heard = triage.heard
    if not heard.post_id:
        raise Conflict(_("This post has no id on its platform to reply to."))
    account = reply_account(triage)
    if account is None:
        raise Conflict(_("%(mission)s has no account on %(platform)s to reply from.") % {
            "mission": triage.mission.name(), "platform": platform_label(heard.platform)})
    draft = reply_draft(actor=actor, account=account, in_reply_to=heard.post_id, text=text)
    audit_record(actor=actor, action="listening.triage.reply", object_type="listening_triage", object_id=triage.pk,
                 mission_code=triage.mission.code, detail={"account": account.pk, "draft": draft.pk})
    if triage.case_id is not None:
        event_add(Case.objects.get(pk=triage.case_id), Event.Kind.NOTE, actor=actor,
                  text=_("Reply to the post sent for approval: %(text)s") % {"text": text},
                  data={"via": "social", "draft": draft.pk, "account": account.pk})
    return draft
