"""The console's listening pages: the streams with their health, one stream's heard posts (filters), a team's
own streams (add, change, stop), "pull now", and the crisis room's panel (an htmx fragment)."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from embassy.accounts.http import AuthedRequest
from embassy.accounts.zones import console_zone
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput, NotFound
from embassy.listening import selectors, streams
from embassy.listening.collect import PLATFORMS, pull_every, stream_estimate
from embassy.listening.models import Heard, Topic
from embassy.listening.tasks import pull_stream
from embassy.missions.models import Mission

PLATFORM_LABELS = {"x": "X", "mastodon": "Mastodon", "bluesky": "Bluesky"}


def _platform_choices() -> list[tuple[str, str]]:
    return [(p, PLATFORM_LABELS[p]) for p in PLATFORMS]


@staff_required
def stream_list(request: AuthedRequest) -> HttpResponse:
    now, every = timezone.now(), pull_every()
    rows = list(selectors.stream_list_for(user=request.user))
    for stream in rows:
        stream.health = selectors.stream_health(stream, now=now, every=every)  # type: ignore[attr-defined]
    may_hq, units = selectors.units_for(user=request.user)
    context = {"rows": rows, "may_hq": may_hq, "units": units, "platforms": _platform_choices(),
               "tz": console_zone(request)}
    return render(request, "listening/streams.html", context)


def _unit_from(request: AuthedRequest) -> Mission | None:
    """The unit a new stream is for: headquarters ("") or one of the user's units (else not found)."""
    code = request.POST.get("unit", "")
    may_hq, units = selectors.units_for(user=request.user)
    if not code:
        if not may_hq:
            raise BadInput(_("Choose your unit."), field="unit")
        return None
    unit = units.filter(code=code).first()
    if unit is None:
        raise NotFound(_("No unit %(code)s that you may add a stream for.") % {"code": code[:40]}, field="unit")
    return unit


@staff_required
@require_POST
def stream_new(request: AuthedRequest) -> HttpResponse:
    selectors.require_listening(request.user)
    try:
        stream = streams.stream_create(actor=request.user, name=request.POST.get("name", ""),
                                       terms=request.POST.get("terms", ""),
                                       platforms=request.POST.getlist("platforms"), unit=_unit_from(request))
    except BadInput as exc:
        flash.error(request, exc.message)
        return redirect("console:listening-streams")
    flash.success(request, _("Stream added. Its first pull runs within minutes."))
    return redirect("console:listening-stream", stream_id=stream.pk)


def _filters(request: AuthedRequest) -> selectors.HeardFilters:
    def number(name: str, default: int) -> int:
        raw = request.GET.get(name, "")
        return int(raw) if raw.isdigit() else default

    days = number("hari", 7)
    return selectors.HeardFilters(
        days=days if days in selectors.DAYS else 7, lang=request.GET.get("bahasa", ""),
        sentiment=request.GET.get("sentimen", ""), topic=number("topik", 0) or None,
        distress=request.GET.get("darurat") == "1", q=request.GET.get("q", "").strip()[:100])


@staff_required
def stream_page(request: AuthedRequest, stream_id: int) -> HttpResponse:
    stream = selectors.stream_get_for(user=request.user, stream_id=stream_id)
    now = timezone.now()
    filters = _filters(request)
    posts = selectors.heard_for_stream(user=request.user, stream=stream, filters=filters, now=now)
    topic_ids = {p.topic_id for p in posts if p.topic_id}
    context = {
        "stream": stream, "health": selectors.stream_health(stream, now=now, every=pull_every()),
        "estimates": stream_estimate(stream, now=now), "posts": posts, "filters": filters,
        "days": selectors.DAYS, "langs": Heard.Lang.choices, "sentiments": Heard.Sentiment.choices,
        "topics": Topic.objects.filter(pk__in=topic_ids).order_by("label"), "platforms": _platform_choices(),
        "may_manage": streams.may_manage(request.user, stream.unit_id), "terms_text": "\n".join(stream.terms),
        "tz": console_zone(request),
    }
    return render(request, "listening/stream.html", context)


@staff_required
@require_POST
def stream_edit(request: AuthedRequest, stream_id: int) -> HttpResponse:
    stream = selectors.stream_get_for(user=request.user, stream_id=stream_id)
    try:
        streams.stream_update(actor=request.user, stream=stream, name=request.POST.get("name", ""),
                              terms=None if stream.builtin else request.POST.get("terms", ""),
                              platforms=request.POST.getlist("platforms"), active=request.POST.get("active") == "1")
    except BadInput as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, _("Stream saved."))
    return redirect("console:listening-stream", stream_id=stream.pk)


@staff_required
@require_POST
def stream_stop(request: AuthedRequest, stream_id: int) -> HttpResponse:
    stream = selectors.stream_get_for(user=request.user, stream_id=stream_id)
    streams.stream_deactivate(actor=request.user, stream=stream)
    flash.success(request, _("The stream is stopped; what it heard stays."))
    return redirect("console:listening-stream", stream_id=stream.pk)


@staff_required
@require_POST
def stream_pull_now(request: AuthedRequest, stream_id: int) -> HttpResponse:
    stream = selectors.stream_get_for(user=request.user, stream_id=stream_id)
    if not stream.active:
        flash.error(request, _("The stream is stopped: start it again first."))
    else:
        pull_stream.enqueue(stream.pk, force=True)
        flash.success(request, _("The pull is queued; this page shows it when it is done."))
    return redirect("console:listening-stream", stream_id=stream.pk)


@staff_required
def crisis_panel(request: AuthedRequest, crisis_id: int) -> HttpResponse:
    """The crisis room's listening panel (htmx: loaded once with ?first=1, then refreshed every minute; only
    the first load is audited, not each refresh)."""
    panel = selectors.crisis_panel_for(user=request.user, crisis_id=crisis_id, now=timezone.now(),
                                       audit=request.GET.get("first") == "1")
    if panel is None:
        return HttpResponse('<div id="crisis-listening"></div>')
    context = {"panel": panel, "tz": console_zone(request)}
    return render(request, "listening/_crisis_panel.html", context)
