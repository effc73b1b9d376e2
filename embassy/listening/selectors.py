"""Reads of the listening streams and what they heard, scoped as the social-media pages are
(embassy.social.selectors): the digital-diplomacy team and administrators see every stream; a mission's
social-media officer and its head see their unit's. Heard posts are public posts, yet they name people (and
some ask for help): the stream pages are for those roles only, and each read of a stream's posts is audited.
A crisis's panel is read by whoever may open that crisis room (embassy.crises.selectors)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from embassy.accounts.audit import audit_record
from embassy.accounts.models import User
from embassy.common.errors import NotFound, PermissionDenied
from embassy.crises.models import Crisis
from embassy.crises.selectors import crisis_get_for
from embassy.listening.models import Heard, Stream
from embassy.missions.models import Mission
from embassy.missions.selectors import scope_for
from embassy.social.selectors import can_see_social, social_units_for

DAYS = (1, 7, 30)


def require_listening(user: User) -> None:
    every, units = social_units_for(user)
    if not every and not units:
        raise PermissionDenied(_("Listening is for the digital-diplomacy team and missions' social-media officers."))


def stream_list_for(*, user: User, active: bool | None = None) -> QuerySet[Stream]:
    every, units = social_units_for(user)
    if not every and not units:
        raise PermissionDenied(_("Listening is for the digital-diplomacy team and missions' social-media officers."))
    streams = Stream.objects.select_related("unit", "crisis").order_by("-active", "kind", "name")
    if not every:
        streams = streams.filter(unit_id__in=units)
    if active is not None:
        streams = streams.filter(active=active)
    return streams


def stream_get_for(*, user: User, stream_id: int) -> Stream:
    """A stream the user may see; another unit's is "not found", as the social pages answer."""
    stream = stream_list_for(user=user).filter(pk=stream_id).first()
    if stream is None:
        raise NotFound(_("No stream %(id)s that you may see.") % {"id": stream_id}, field="stream")
    return stream


def units_for(*, user: User) -> tuple[bool, QuerySet[Mission]]:
    """(whether the user may add headquarters' streams, the units they may add a stream for)."""
    every, units = social_units_for(user)
    missions = Mission.objects.filter(active=True).order_by("code")
    return every, missions if every else missions.filter(pk__in=units)


def in_stream(posts: QuerySet[Heard], stream_id: int) -> QuerySet[Heard]:
    """The posts whose `streams` list holds `stream_id` (JSON containment on PostgreSQL, json_each on SQLite);
    callers bound the time first, so the published_at index keeps the scan short."""
    if connection.vendor == "postgresql":
        return posts.filter(streams__contains=[stream_id])
    # A bound parameter; the ORM has no JSON-array membership lookup on SQLite.
    return posts.extra(
        where=["EXISTS (SELECT 1 FROM json_each(listening_heard.streams) AS s WHERE s.value = %s)"],
        params=[stream_id])


@dataclass(frozen=True)
class HeardFilters:
    days: int = 7
    lang: str = ""
    sentiment: str = ""
    topic: int | None = None
    distress: bool = False
    q: str = ""


def heard_for_stream(*, user: User, stream: Stream, filters: HeardFilters, now: dt.datetime,
                     limit: int = 100) -> list[Heard]:
    """The stream's heard posts, newest first, filtered; the read is audited (who read which stream)."""
    require_listening(user)
    posts = Heard.objects.filter(published_at__gte=now - dt.timedelta(days=filters.days))
    if filters.lang in Heard.Lang.values:
        posts = posts.filter(lang=filters.lang)
    if filters.sentiment in Heard.Sentiment.values:
        posts = posts.filter(sentiment=filters.sentiment)
    if filters.topic:
        posts = posts.filter(topic_id=filters.topic)
    if filters.distress:
        posts = posts.filter(distress=True)
    if filters.q:
        posts = posts.filter(text__icontains=filters.q)
    found = list(in_stream(posts, stream.pk).select_related("topic").order_by("-published_at")[:limit])
    audit_record(actor=user, action="listening.heard_read", object_type="listening.stream", object_id=stream.pk,
                 mission_code=stream.unit.code if stream.unit else "",
                 detail={"posts": len(found), "filters": {"days": filters.days, "lang": filters.lang,
                                                          "sentiment": filters.sentiment, "q": filters.q[:80]}})
    return found


@dataclass
class CrisisPanel:
    crisis: Crisis
    streams: list[Stream]
    posts: list[Heard]


def crisis_panel_for(*, user: User, crisis_id: int, now: dt.datetime, audit: bool,
                     limit: int = 20) -> CrisisPanel | None:
    """The latest posts heard by the crisis's streams, for the crisis room. None for staff who may open the
    room but neither read personal data nor work on social media (they see no panel)."""
    crisis = crisis_get_for(user=user, crisis_id=crisis_id)  # NotFound outside the user's missions
    if not (scope_for(user).personal_data or can_see_social(user)):
        return None
    streams = list(Stream.objects.filter(crisis=crisis, kind=Stream.Kind.CRISIS).order_by("-active", "pk"))
    since = max(crisis.created_at, now - dt.timedelta(days=30)) - dt.timedelta(days=1)
    posts: list[Heard] = []
    for stream in streams:
        posts += list(in_stream(Heard.objects.filter(published_at__gte=since), stream.pk)
                      .order_by("-published_at")[:limit])
    posts = sorted({p.pk: p for p in posts}.values(), key=lambda p: p.published_at, reverse=True)[:limit]
    if audit and posts:
        audit_record(actor=user, action="listening.heard_read", object_type="crises.crisis", object_id=crisis.pk,
                     detail={"posts": len(posts), "panel": "crisis"})
    return CrisisPanel(crisis=crisis, streams=streams, posts=posts)


@dataclass(frozen=True)
class PlatformHealth:
    platform: str
    ok_at: dt.datetime | None
    error: str
    retry_after: dt.datetime | None
    quota: dict[str, object]


@dataclass(frozen=True)
class Health:
    """A stream's health as the pages show it. "stale": no good pull for four pull intervals, so what it shows
    is old; "error": its last pull failed on some platform (each one's last good search is shown)."""

    state: str  # inactive | never | ok | stale | error
    platforms: list[PlatformHealth]


def _when(value: object) -> dt.datetime | None:
    return dt.datetime.fromisoformat(str(value)) if value else None


def stream_health(stream: Stream, *, now: dt.datetime, every: dt.timedelta) -> Health:
    cursor = stream.cursor or {}
    platforms = [PlatformHealth(platform=p, ok_at=_when((cursor.get(p) or {}).get("ok_at")),
                                error=str((cursor.get(p) or {}).get("error") or ""),
                                retry_after=_when((cursor.get(p) or {}).get("retry_after")),
                                quota=dict((cursor.get(p) or {}).get("quota") or {})) for p in stream.platforms]
    if not stream.active:
        state = "inactive"
    elif stream.last_error:
        state = "error"
    elif stream.last_success_at is None:
        state = "never"
    elif stream.last_success_at < now - 4 * every:
        state = "stale"
    else:
        state = "ok"
    return Health(state=state, platforms=platforms)
