"""The console's social-media pages: the accounts (headquarters: all; a mission's officer: their own), one
account's health and numbers, and what a person does about it (pull now, reconnect, import an export)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from embassy.accounts.http import AuthedRequest
from embassy.accounts.zones import console_zone, hq_zone
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput, NotFound, PermissionDenied
from embassy.common.spreadsheet import XLSX_TYPE, csv_lines, xlsx_file
from embassy.missions.models import Mission
from embassy.social import charts, metrics, selectors, services
from embassy.social.advice import suggestions_for
from embassy.social.budget import pull_estimate
from embassy.social.dashboard import Dashboard, dashboard_for
from embassy.social.health import health_of
from embassy.social.importers import ImportFileError
from embassy.social.models import Account, Owner, Platform
from embassy.social.reports import PERIODS as REPORT_PERIODS
from embassy.social.reports import render_pdf, report_for
from embassy.social.tasks import pull_account


def _require_social(request: AuthedRequest) -> None:
    every, units = selectors.social_units_for(request.user)
    if not every and not units:
        raise PermissionDenied(_("Social-media pages are for the digital-diplomacy team and missions' social-media "
                                 "officers."))


@staff_required
def account_list(request: AuthedRequest) -> HttpResponse:
    _require_social(request)
    platform, owner = request.GET.get("platform", ""), request.GET.get("owner", "")
    now = timezone.now()
    rows = selectors.account_rows_for(user=request.user, platform=platform if platform in Platform.values else "",
                                      owner=owner if owner in Owner.values else "", now=now)
    states: dict[str, int] = {}
    for row in rows:
        states[row.health.state] = states.get(row.health.state, 0) + 1  # type: ignore[attr-defined]
    context = {"rows": rows, "platform": platform, "owner": owner, "platforms": Platform.choices,
               "owners": Owner.choices, "states": states, "tz": console_zone(request)}
    return render(request, "social/accounts.html", context)


@staff_required
def account_page(request: AuthedRequest, account_id: int) -> HttpResponse:
    _require_social(request)
    account = selectors.account_get_for(user=request.user, account_id=account_id)
    now = timezone.now()
    zone = account.unit.timezone if account.unit and account.unit.timezone else hq_zone()
    month = metrics.totals_for([account.pk], start=now - dt.timedelta(days=30), end=now).get(account.pk,
                                                                                             metrics.Totals())
    context = {
        "account": account, "zone": zone,
        "advice": suggestions_for(account, now=now, zone=zone),
        "hours": metrics.best_hours(account.pk, start=now - dt.timedelta(days=90), end=now, zone=zone, min_posts=1),
        "month": month, "figures": _figures(month, account.platform) + _mention_figures(account, now),
        "health": health_of(account, now=now),
        "masked": services.masked(account), "fields": services.CONNECT_FIELDS[account.platform],
        "estimate": pull_estimate(account, now=now), "pulls": selectors.account_pulls(account=account),
        "posts": selectors.account_recent_posts(account=account), "days": selectors.account_days(account=account),
        "unanswered": selectors.account_unanswered_mentions(account=account, since=now - dt.timedelta(days=7)),
        "tz": zone,  # the account's audience's time, like its posting hours
    }
    return render(request, "social/account.html", context)


def _figures(t: metrics.Totals, platform: str) -> list[tuple[str, float | None, str]]:
    """The account's metrics over 30 days, as (label, value, unit), for the page."""
    bases = metrics.RATE_BASES.get(platform, ())
    rows = [
        (_("Posts"), float(t.posts), ""),
        (_("Interactions per post"), metrics.interactions_per_post(t), ""),
        (_("Engagement rate by followers"), metrics.engagement_by_followers(t), "%"),
    ]
    if "views" in bases:
        rows.append((_("Engagement rate by views"), metrics.engagement_by_views(t), "%"))
    rows += [
        (_("Posts per day"), metrics.posting_activity(t), ""),
        (_("Reply share"), metrics.reply_share(t), "%"),
        (_("Video share"), metrics.video_share(t), "%"),
        (_("Follower growth"), metrics.follower_growth(t), "%"),
    ]
    return rows


def _mention_figures(account: Account, now: dt.datetime) -> list[tuple[str, float | None, str]]:
    """Response time to mentions over 30 days, where the platform's mentions are read."""
    r = metrics.responses_for([account.pk], start=now - dt.timedelta(days=30), end=now).get(account.pk)
    if r is None:
        return []
    return [(_("Mentions"), float(r.mentions), ""), (_("Mentions answered"), r.answer_rate, "%"),
            (_("Median time to the first reply"), None if r.median_minutes is None else r.median_minutes / 60,
             " " + _("hours"))]


@staff_required
@require_POST
def account_pull_now(request: AuthedRequest, account_id: int) -> HttpResponse:
    _require_social(request)
    account = selectors.account_get_for(user=request.user, account_id=account_id)
    if account.needs_reconnect:
        flash.error(request, _("Reconnect the account first: the platform refused its credentials."))
    else:
        pull_account.enqueue(account.pk, force=True)
        flash.success(request, _("The pull is queued; this page shows it when it is done."))
    return redirect("console:social-account", account_id=account.pk)


@staff_required
@require_POST
def account_connect(request: AuthedRequest, account_id: int) -> HttpResponse:
    _require_social(request)
    account = selectors.account_get_for(user=request.user, account_id=account_id)
    raw_expiry = request.POST.get("expires_at", "").strip()
    expires = parse_datetime(raw_expiry) if raw_expiry else None
    if raw_expiry and expires is None:
        flash.error(request, _("Write the expiry as YYYY-MM-DD HH:MM."))
        return redirect("console:social-account", account_id=account.pk)
    if expires is not None and timezone.is_naive(expires):
        expires = timezone.make_aware(expires, timezone.get_default_timezone())
    try:
        services.account_reconnect(account=account, actor=request.user, values=request.POST.dict(), expires_at=expires)
    except BadInput as exc:
        flash.error(request, exc.message)
    else:
        flash.success(request, _("Connected. The credentials are stored encrypted."))
    return redirect("console:social-account", account_id=account.pk)


@staff_required
@require_POST
def account_import(request: AuthedRequest, account_id: int) -> HttpResponse:
    _require_social(request)
    account = selectors.account_get_for(user=request.user, account_id=account_id)
    upload = request.FILES.get("export")
    if upload is None:
        flash.error(request, _("Choose the export file first."))
        return redirect("console:social-account", account_id=account.pk)
    try:
        pull = services.account_import(account=account, filename=upload.name or "export", data=upload.read())
    except ImportFileError as exc:
        flash.error(request, _("Nothing was imported: %(error)s") % {"error": exc})
    else:
        flash.success(request, _("%(count)s posts imported.") % {"count": pull.posts})
    return redirect("console:social-account", account_id=account.pk)


PERIODS = (30, 90, 365)


def _period(request: AuthedRequest) -> tuple[int, dt.datetime, dt.datetime]:
    try:
        days = int(request.GET.get("hari", "365"))
    except ValueError:
        days = 365
    days = days if days in PERIODS else 365
    end = timezone.now().astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    return days, end - dt.timedelta(days=days), end


@staff_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    _require_social(request)
    days, start, end = _period(request)
    board = dashboard_for(user=request.user, start=start, end=end)
    context = {
        "board": board, "days": days, "periods": PERIODS,
        "followers_chart": charts.line_chart(_("Followers, all accounts"), board.follower_days, board.follower_values),
        "posts_chart": charts.bar_chart(_("Posts by month and platform"), board.months, board.posts_by_month),
        "ranking_titles": RANKING_TITLES,
    }
    return render(request, "social/dashboard.html", context)


RANKING_TITLES = {
    "most_followed": gettext_lazy("Most followed"), "most_effective": gettext_lazy("Most effective (interactions per post)"),
    "most_conversational": gettext_lazy("Most conversational (reply share)"), "most_active": gettext_lazy("Most active (posts a day)"),
    "best_connected": gettext_lazy("Best connected (mutual follows)"),
}
EXPORT_COLUMNS = ("platform", "handle", "owner", "unit", "followers", "posts", "interactions",
                  "interactions_per_post", "engagement_by_followers_pct", "engagement_by_views_pct", "posts_per_day",
                  "reply_share_pct", "video_share_pct", "follower_growth_pct", "mutual_follows")


def _export_rows(board: Dashboard) -> list[list[object]]:
    def rounded(value: float | None) -> float | None:
        return None if value is None else round(value, 3)

    return [[r.account.platform, r.account.handle, r.account.owner, r.account.unit.code if r.account.unit else "",
             r.totals.followers_end, r.totals.posts, r.totals.interactions,
             rounded(metrics.interactions_per_post(r.totals)), rounded(metrics.engagement_by_followers(r.totals)),
             rounded(metrics.engagement_by_views(r.totals)), rounded(metrics.posting_activity(r.totals)),
             rounded(metrics.reply_share(r.totals)), rounded(metrics.video_share(r.totals)),
             rounded(metrics.follower_growth(r.totals)), r.mutual] for r in board.rows]


@staff_required
def dashboard_export(request: AuthedRequest, fmt: str) -> HttpResponse:
    _require_social(request)
    if fmt not in ("csv", "xlsx"):
        raise NotFound(_("Format: one of %(values)s.") % {"values": "csv, xlsx"}, field="format")
    _days, start, end = _period(request)
    board = dashboard_for(user=request.user, start=start, end=end)
    name = f"social-{start.date().isoformat()}-{(end - dt.timedelta(days=1)).date().isoformat()}.{fmt}"
    if fmt == "xlsx":  # common.spreadsheet: no cell runs as a formula (a few hundred rows: answered whole)
        with xlsx_file("accounts", list(EXPORT_COLUMNS), _export_rows(board)) as book:
            response = HttpResponse(book.read(), content_type=XLSX_TYPE)
    else:
        response = HttpResponse("".join(csv_lines(list(EXPORT_COLUMNS), _export_rows(board))),
                                content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _report_unit(request: AuthedRequest) -> Mission | None:
    """Headquarters chooses the unit (none: the ministry's report); a mission's officer gets their own."""
    every, units = selectors.social_units_for(request.user)
    code = request.GET.get("unit", "")
    if every:
        return Mission.objects.filter(code=code).first() if code else None
    mission = Mission.objects.filter(pk__in=units, code=code).first() if code else None
    return mission or Mission.objects.filter(pk__in=units).order_by("code").first()


@staff_required
def report_page(request: AuthedRequest, period: str) -> HttpResponse:
    _require_social(request)
    if period not in REPORT_PERIODS:
        raise NotFound(_("A report is weekly or monthly."), field="period")
    unit = _report_unit(request)
    report = report_for(unit=unit, period=period, today=timezone.now().astimezone(dt.UTC).date())
    if request.path.endswith(".pdf"):
        response = HttpResponse(render_pdf(report), content_type="application/pdf")
        response["Content-Disposition"] = (f'inline; filename="social-{period}-{unit.code if unit else "kemlu"}-'
                                           f'{report.start.date().isoformat()}.pdf"')
        return response
    return render(request, "social/report.html", {"report": report, "unit_code": unit.code if unit else ""})

