"""Reads of crises. Crises and their counts carry no personal data, so every staff role may read those that
concern its missions; headquarters reads all. The silent list (names, phone numbers) is personal data:
only for roles that read it, scoped to their missions, and audited."""

from __future__ import annotations

import hashlib
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from h3.api import basic_int as h3i

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import NotFound, PermissionDenied
from embassy.crises.asking import topic
from embassy.crises.models import Affected, Crisis, FeedPoll
from embassy.geo.h3cells import cell_at
from embassy.missions.selectors import scope_for
from embassy.notify.models import Message


def crisis_list_for(*, user: User, status: str = "") -> QuerySet[Crisis]:
    scope = scope_for(user)
    if not scope.is_staff:
        raise PermissionDenied(_("Only staff can see crises."))
    qs = Crisis.objects.all()
    if not scope.is_hq:
        qs = qs.filter(missions__in=scope.mission_ids).distinct()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def crisis_get_for(*, user: User, crisis_id: int) -> Crisis:
    crisis = crisis_list_for(user=user).filter(pk=crisis_id).first()
    if crisis is None:
        raise NotFound(_("No such crisis."), field="crisis_id")
    return crisis


def feed_polls_for(*, user: User, limit: int = 50) -> list[FeedPoll]:
    if not scope_for(user).is_hq:
        raise PermissionDenied(_("Only headquarters sees the feed polls."))
    return list(FeedPoll.objects.all()[:limit])


# --- The crisis room ----------------------------------------------------------------------------------------
def _counted(*names: str) -> dict[str, Any]:
    """The roll-call's count expressions (over a crisis's people inside), by name."""
    every: dict[str, Any] = {
        "registered": Count("id"), "dependants": Sum("dependants"),
        "asked": Count("id", filter=Q(asked_at__isnull=False)),
        "reached": Count("id", filter=Q(reached_at__isnull=False) | ~Q(answer="")),
        "safe": Count("id", filter=Q(answer=Affected.Answer.SAFE)),
        "help": Count("id", filter=Q(answer=Affected.Answer.HELP)),
        "silent": Count("id", filter=Q(answer="")),
        "unreachable": Count("id", filter=Q(answer="", channel="") & Q(asked_at__isnull=True)),
        "contacts_asked": Count("id", filter=Q(answer="", contacts_asked_at__isnull=False)),
    }
    return {name: every[name] for name in names or every}


def rollcall_counts(*, crisis: Crisis, mission_id: int | None = None) -> dict[str, int]:
    """Live counts: affected (people inside, dependants included), asked, reached, safe, need help, no answer
    yet (asked or not), unreachable (no channel reaches them: follow up by phone). One aggregate query."""
    qs = Affected.objects.filter(crisis=crisis, inside=True)
    if mission_id is not None:
        qs = qs.filter(mission_id=mission_id)
    agg = qs.aggregate(**_counted())
    out = {k: int(v or 0) for k, v in agg.items()}
    if not (crisis.data or {}).get("asked_everyone_at"):
        out["unreachable"] = 0  # the questions are still being written: "not asked" is not "unreachable" yet
    out["affected"] = out["registered"] + out["dependants"]
    return out


def rollcall_by_mission(*, crisis: Crisis) -> list[dict[str, Any]]:
    names = ("registered", "safe", "help", "silent")
    counted: Any = Affected.objects.filter(crisis=crisis, inside=True).values("mission__code").annotate(
        **_counted(*names))  # annotations named at run time: the type checker cannot follow them
    rows = counted.order_by("-registered", "mission__code")
    return [{"mission": r["mission__code"], **{k: r[k] for k in names}} for r in rows]


# Channels that report delivery: the SMS and WhatsApp providers' receipts, and the app's service worker once it
# has shown a notification (notify.inbox.push_shown). E-mail says no more than "handed over".
RECEIPT_CHANNELS = ("push", "sms", "whatsapp")


def rollcall_channels(*, crisis: Crisis) -> list[dict[str, Any]]:
    """The roll-call's messages per channel (the person's questions, reminders and the contacts'): how many,
    waiting in the outbox, handed over to the channel, delivered (the provider's receipt: delivered or read)
    and failed (the outbox gave up, or the receipt says failed). `delivered` is None on a channel without
    receipts (e-mail): handed over is all that is known there. One aggregate query over the crisis's topic
    (the outbox's notify_msg_topic index)."""
    rows = (Message.objects.filter(topic=topic(crisis.pk)).values("channel", "status", "receipt")
            .annotate(n=Count("id")).order_by())
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        channel, status, receipt, n = r["channel"], r["status"], r["receipt"], r["n"]
        row = out.setdefault(channel, {"channel": channel, "messages": 0, "waiting": 0, "handed_over": 0,
                                       "delivered": 0 if channel in RECEIPT_CHANNELS else None, "failed": 0,
                                       "receipts": channel in RECEIPT_CHANNELS})
        row["messages"] += n
        if status in (Message.Status.QUEUED, Message.Status.SENDING):
            row["waiting"] += n
        elif status == Message.Status.SENT:
            row["handed_over"] += n
        else:  # failed, dead: the outbox gave up
            row["failed"] += n
        if status == Message.Status.SENT and receipt == "failed":
            row["failed"] += n
        elif receipt in ("delivered", "read") and row["delivered"] is not None:
            row["delivered"] += n
    order = {c: i for i, c in enumerate(("push", "email", "sms", "whatsapp"))}
    return sorted(out.values(), key=lambda r: (order.get(r["channel"], 9), r["channel"]))


def rollcall_state(*, crisis: Crisis, channels: list[dict[str, Any]] | None = None) -> str:
    """A short fingerprint of everything the room shows: the live poll answers 204 while it is unchanged.
    `channels`: rollcall_channels, when the caller has them already."""
    agg = Affected.objects.filter(crisis=crisis).aggregate(
        n=Count("id"), a=Max("answered_at"), r=Max("reached_at"), q=Max("asked_at"), k=Max("contacts_asked_at"))
    last = crisis.events.aggregate(m=Max("id"))["m"]
    channels = rollcall_channels(crisis=crisis) if channels is None else channels
    by_channel = [tuple(sorted(c.items())) for c in channels]
    raw = "|".join(str(v) for v in (crisis.status, crisis.updated_at, *agg.values(), last, by_channel))
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def rollcall_map(*, crisis: Crisis, res: int = 6) -> dict[str, Any]:
    """GeoJSON for the room's map: hexagons of people inside with their answer counts (no names)."""
    res = max(2, min(8, res))
    cells: dict[int, list[int]] = {}
    for lat, lon, answer in Affected.objects.filter(crisis=crisis, inside=True, lat__isnull=False).values_list(
            "lat", "lon", "answer").iterator(chunk_size=20_000):
        counts = cells.setdefault(cell_at(lat, lon, res), [0, 0, 0])
        counts[{"": 0, "safe": 1, "help": 2}.get(answer, 0)] += 1
    features = []
    for cell, (silent, safe, help_) in cells.items():
        ring = [[round(lon, 5), round(lat, 5)] for lat, lon in h3i.cell_to_boundary(cell)]
        ring.append(ring[0])
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": {"silent": silent, "safe": safe, "help": help_, "total": silent + safe + help_}})
    return {"type": "FeatureCollection", "features": features}


def _people_inside(*, user: User, crisis: Crisis, answer: str, denied: str) -> QuerySet[Affected]:
    """The people inside with this answer whose personal data the user may read (their missions'; headquarters
    analysts: all). A user who may read none is refused, and the refusal is audited as `denied`."""
    scope = scope_for(user)
    if not scope.personal_data:
        audit_record(actor=user, action=denied, object_type="crisis", object_id=crisis.pk)
        raise PermissionDenied(_("Your role does not include citizens' personal data."))
    qs = Affected.objects.filter(crisis=crisis, inside=True, answer=answer)
    return qs if scope.personal_all else qs.filter(mission_id__in=scope.personal_ids)


def silent_list_for(*, user: User, crisis: Crisis, mission_id: int | None = None, limit: int = 100,
                    offset: int = 0) -> dict[str, Any]:
    """The people inside who have not answered, to follow up by phone: names and numbers, so only for staff
    who read personal data of their missions (headquarters: all). Every read is audited."""
    qs = _people_inside(user=user, crisis=crisis, answer="", denied="crisis.silent.denied")
    if mission_id is not None:
        qs = qs.filter(mission_id=mission_id)
    total = qs.count()
    rows = list(qs.select_related("citizen", "mission").order_by("asked_at", "id")[offset:offset + max(1, min(limit, 500))])
    audit_record(actor=user, action="crisis.silent.read", object_type="crisis", object_id=crisis.pk,
                 detail={"rows": len(rows), "offset": offset, "mission": mission_id})
    return {"total": total, "rows": rows}


def affected_get_for(*, user: User, crisis: Crisis, affected_id: int) -> Affected:
    scope = scope_for(user)
    row = Affected.objects.filter(crisis=crisis, pk=affected_id).select_related("citizen", "crisis").first()
    if row is None or not scope.covers_personal(row.mission_id):
        raise NotFound(_("No such person on this roll-call."), field="affected_id")
    return row


def own_rollcalls(*, user: User) -> list[Affected]:
    """The signed-in citizen's open roll-calls (the app shows the same question as the message)."""
    citizen = getattr(user, "citizen", None) if getattr(user, "is_authenticated", False) else None
    if citizen is None:
        return []
    return list(Affected.objects.filter(citizen=citizen, inside=True, crisis__status=Crisis.Status.ACTIVE,
                                        crisis__rollcall_started_at__isnull=False)
                .select_related("crisis").order_by("-crisis__rollcall_started_at"))


def help_list_for(*, user: User, crisis: Crisis, limit: int = 200) -> dict[str, Any]:
    """The people inside who answered "I need help", with their SOS case: personal data, so scoped and audited
    exactly like the silent list."""
    qs = _people_inside(user=user, crisis=crisis, answer=Affected.Answer.HELP, denied="crisis.help.denied")
    total = qs.count()
    rows = list(qs.select_related("citizen", "mission").order_by("-answered_at", "-id")[:max(1, min(limit, 500))])
    if rows:
        audit_record(actor=user, action="crisis.help.read", object_type="crisis", object_id=crisis.pk,
                     detail={"rows": len(rows)})
    return {"total": total, "rows": rows}


def rollcall_counts_many(*, crisis_ids: list[int]) -> dict[int, dict[str, int]]:
    """The list page's counts for many crises in one query: {crisis id: registered, people (dependants
    included), safe, help, silent}. The caller has already scoped the crises (crisis_list_for)."""
    names = ("registered", "dependants", "safe", "help", "silent")
    rows: Any = (Affected.objects.filter(crisis_id__in=crisis_ids, inside=True).values("crisis_id")  # annotated
                 .annotate(**_counted(*names)).order_by())
    out: dict[int, dict[str, int]] = {}
    for r in rows:
        counts = {k: int(r[k] or 0) for k in names}
        counts["affected"] = counts["registered"] + counts["dependants"]
        out[r["crisis_id"]] = counts
    return out
