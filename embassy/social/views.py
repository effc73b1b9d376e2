"""The console's social-media pages: the accounts (headquarters: all; a mission's officer: their own), one
account's health and numbers, and what a person does about it (pull now, reconnect, import an export)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from embassy.accounts.http import AuthedRequest
from embassy.accounts.zones import console_zone, hq_zone
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput, PermissionDenied
from embassy.social import metrics, selectors, services
from embassy.social.advice import suggestions_for
from embassy.social.budget import pull_estimate
from embassy.social.health import health_of
from embassy.social.importers import ImportFileError
from embassy.social.models import Owner, Platform
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
        "month": month, "figures": _figures(month, account.platform),
        "health": health_of(account, now=now, stale_after=dt.timedelta(hours=settings.SOCIAL_STALE_HOURS)),
        "masked": services.masked(account), "fields": services.CONNECT_FIELDS[account.platform],
        "estimate": pull_estimate(account, now=now), "pulls": selectors.account_pulls(account=account),
        "posts": selectors.account_recent_posts(account=account), "days": selectors.account_days(account=account),
        "tz": console_zone(request),
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
