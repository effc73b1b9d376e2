"""The final report of a crisis: what happened, who was affected, who answered and how fast — as data (for
the HTML page and the API) and as a PDF.

Invariant: the report holds no citizen's name, contact or answer text. People appear only as counts; SOS
cases opened by "I need help" appear by reference, mission and status. Staff appear by username (the log
says who did what). Labels and durations are in the active language: wrap the call in
translation.override to choose it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import statistics
from contextlib import nullcontext
from typing import Any

from django.db.models import Count, Min, Q, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from embassy.crises.models import Affected, Crisis, CrisisEvent
from embassy.crises.present import country_names, event_detail, event_label, zone_text
from embassy.crises.selectors import rollcall_by_mission, rollcall_counts
from embassy.missions.models import Mission
from embassy.sos.models import Case

DRILL_TITLE = re.compile(r"^\s*(\[\s*(drill|latihan|exercise|simulasi)\s*\]|(drill|latihan|exercise|simulasi)\s*:)",
                         re.IGNORECASE)
MAX_POINTS = 48  # the answers-over-time series is bucketed so that it never has more points than this

VIA_LABELS = {
    "link": gettext_lazy("Link in the message"),
    "app": gettext_lazy("In the app"),
    "contact": gettext_lazy("By an emergency contact"),
    "staff": gettext_lazy("Recorded by staff"),
}


def is_drill(crisis: Crisis) -> bool:
    """A drill (exercise) is marked by data["drill"] or by a title that starts with "[DRILL]", "LATIHAN:" and
    the like (a marker, not a word anywhere: "Latihan militer memicu kerusuhan" may be real). Its CAP alerts go
    out with status Exercise."""
    return bool((crisis.data or {}).get("drill")) or bool(DRILL_TITLE.match(crisis.title or ""))


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes = round(max(0.0, seconds) / 60)
    if minutes < 1:
        return _("less than a minute")
    if minutes < 60:
        return _("%(m)d min") % {"m": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


def _seconds(start: dt.datetime | None, end: dt.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return max(0.0, (end - start).total_seconds())


def _timeline(crisis: Crisis) -> list[dict[str, Any]]:
    out = []
    for event in CrisisEvent.objects.filter(crisis=crisis).select_related("actor").order_by("at", "id"):
        out.append({
            "id": event.pk, "at": event.at, "kind": event.kind,
            "label": event_label(event),
            "actor": event.actor.username if event.actor is not None else "",
            "text": event.text, "detail": event_detail(event),
        })
    return out


def answers_over_time(crisis: Crisis) -> dict[str, Any]:
    """Cumulative safe / need-help answers of the people inside, from the roll-call's start, one point per
    `step_hours` (1 hour, coarser when the roll-call ran long). Answers recorded before the start count at 0."""
    start = crisis.rollcall_started_at
    if start is None:
        return {"step_hours": 1, "points": []}
    answers: list[tuple[dt.datetime, str]] = sorted(
        (at, answer) for answer, at in Affected.objects.filter(crisis=crisis, inside=True).exclude(answer="")
        .values_list("answer", "answered_at") if at is not None)
    last = answers[-1][0] if answers else start
    span_hours = max(1, math.ceil((last - start).total_seconds() / 3600))
    step = max(1, math.ceil(span_hours / MAX_POINTS))
    points, i, safe, help_ = [], 0, 0, 0
    for k in range(math.ceil(span_hours / step) + 1):
        moment = start + dt.timedelta(hours=k * step)
        while i < len(answers) and answers[i][0] <= moment:
            safe += answers[i][1] == Affected.Answer.SAFE
            help_ += answers[i][1] == Affected.Answer.HELP
            i += 1
        points.append({"hour": k * step, "at": moment, "safe": safe, "help": help_})
    return {"step_hours": step, "points": points}


def _follow_up(crisis: Crisis) -> dict[str, Any]:
    inside = Affected.objects.filter(crisis=crisis, inside=True)
    agg = inside.aggregate(
        reminded=Count("id", filter=Q(reminders__gt=0)), reminders=Sum("reminders"),
        contacts_asked=Count("id", filter=Q(contacts_asked_at__isnull=False)),
        answered_after_contacts=Count("id", filter=Q(contacts_asked_at__isnull=False) & ~Q(answer="")),
    )
    out: dict[str, Any] = {k: int(v or 0) for k, v in agg.items()}
    vias = dict(inside.exclude(answer="").values_list("answered_via").annotate(n=Count("id")).order_by())
    out["via"] = [{"via": key, "label": str(label), "count": int(vias.get(key, 0))}
                  for key, label in VIA_LABELS.items()]
    return out


def _cases(crisis: Crisis) -> list[dict[str, Any]]:
    labels = dict(Case.Status.choices)
    rows = (Affected.objects.filter(crisis=crisis, case__isnull=False)
            .values("case_id", "case__status", "case__raised_at", "case__resolved_at", "case__mission__code")
            .order_by("case_id"))
    return [{"id": r["case_id"], "reference": f"SOS-{r['case_id']:06d}", "status": r["case__status"],
             "status_label": str(labels.get(r["case__status"], r["case__status"])),
             "mission": r["case__mission__code"], "raised_at": r["case__raised_at"],
             "resolved_at": r["case__resolved_at"]} for r in rows]


def _durations(crisis: Crisis) -> dict[str, Any]:
    began = crisis.occurred_at or crisis.created_at
    waits = []
    for asked, first, latest in (Affected.objects.filter(crisis=crisis, inside=True, asked_at__isnull=False)
                                 .exclude(answer="").annotate(first=Min("answers__at"))
                                 .values_list("asked_at", "first", "answered_at")):
        waits.append(_seconds(asked, first or latest) or 0.0)
    values = {
        "to_confirm": _seconds(began, crisis.confirmed_at),
        "to_rollcall": _seconds(began, crisis.rollcall_started_at),
        "median_answer": statistics.median(waits) if waits else None,
    }
    return {**{k: {"seconds": v, "text": duration_text(v)} for k, v in values.items()}, "answered": len(waits)}


def _missions(crisis: Crisis, by_mission: list[dict[str, Any]]) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    codes = {r["mission"] for r in by_mission} | set(crisis.missions.values_list("code", flat=True))
    names = {m.code: m.name() for m in Mission.objects.filter(code__in=codes)}
    concerned = sorted(crisis.missions.values_list("code", flat=True))
    rows = [{**r, "name": names.get(r["mission"], r["mission"])} for r in by_mission]
    return [{"code": c, "name": names.get(c, c)} for c in concerned], rows


def _published(timeline_events: list[CrisisEvent]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    alerts, advisories = [], []
    for event in timeline_events:
        data = event.data or {}
        if event.kind == "cap":
            alerts.append({"event_id": event.pk, "identifier": data.get("identifier", ""),
                           "msg_type": data.get("msg_type", ""), "status": data.get("status", ""), "sent": event.at})
        elif event.kind == "advisory":
            advisories.append({"version_id": data.get("version_id"), "country": data.get("country", ""),
                               "level": data.get("level"), "previous_level": data.get("previous_level"),
                               "number": data.get("number"), "at": event.at})
    return alerts, advisories


def crisis_report_data(crisis: Crisis, *, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the final report shows (a read: the caller has already checked that the viewer may see
    the crisis, e.g. with crisis_get_for)."""
    Kind = CrisisEvent.Kind
    closing = crisis.events.filter(kind__in=(Kind.CLOSED, Kind.DISMISSED)).order_by("-at", "-id").first()
    users = {"declared_by": crisis.declared_by, "confirmed_by": crisis.confirmed_by,
             "rollcall_started_by": crisis.rollcall_started_by}
    missions, by_mission = _missions(crisis, rollcall_by_mission(crisis=crisis))
    alerts, advisories = _published(list(crisis.events.filter(kind__in=(Kind.CAP, Kind.ADVISORY)).order_by("at", "id")))
    return {
        "generated_at": now or timezone.now(),
        "summary": {
            "id": crisis.pk, "title": crisis.title, "kind": crisis.kind, "kind_label": crisis.get_kind_display(),
            "status": crisis.status, "status_label": crisis.get_status_display(), "drill": is_drill(crisis),
            "source": crisis.source, "source_url": crisis.source_url, "magnitude": crisis.magnitude,
            "severity_label": crisis.severity_label, "occurred_at": crisis.occurred_at,
            "created_at": crisis.created_at, "confirmed_at": crisis.confirmed_at,
            "rollcall_started_at": crisis.rollcall_started_at, "closed_at": closing.at if closing else None,
            "missions": missions,
            **{k: (u.username if u is not None else "") for k, u in users.items()},
        },
        "zone": {
            "kind": "polygon" if crisis.polygon else ("circle" if crisis.radius_km else
                                                     ("countries" if crisis.countries else "none")),
            "lat": crisis.lat, "lon": crisis.lon, "radius_km": crisis.radius_km,
            "countries": country_names(list(crisis.countries or [])), "text": zone_text(crisis),
        },
        "counts": rollcall_counts(crisis=crisis),
        "by_mission": by_mission,
        "over_time": answers_over_time(crisis),
        "follow_up": _follow_up(crisis),
        "cases": _cases(crisis),
        "durations": _durations(crisis),
        "timeline": _timeline(crisis),
        "alerts": alerts,
        "advisories": advisories,
    }


def answers_chart(over_time: dict[str, Any], *, width: int = 600, height: int = 160) -> dict[str, Any]:
    """SVG polyline points for the cumulative answers (the HTML report draws them; no script needed)."""
    points = over_time.get("points") or []
    if not points:
        return {}
    top = max(1, max(max(p["safe"], p["help"]) for p in points))
    last_hour = max(1, points[-1]["hour"])

    def line(key: str) -> str:
        return " ".join(f"{p['hour'] / last_hour * width:.1f},{height - p[key] / top * height:.1f}" for p in points)

    return {"width": width, "height": height, "safe": line("safe"), "help": line("help"), "top": top,
            "hours": points[-1]["hour"]}


def crisis_report_pdf(crisis: Crisis, *, language: str | None = None) -> bytes:
    """The same report as a PDF (A4), in `language` ("id" or "en") or else the active language."""
    from embassy.crises.report.pdf import render_pdf  # here: fpdf loads only when a PDF is asked for

    with translation.override(language) if language else nullcontext():
        return render_pdf(crisis_report_data(crisis))
