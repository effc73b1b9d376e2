"""The console's publishing pages: the calendar (month or week, with the composer and crisis offers), a draft
(preview per platform, checks, protocol warnings, approval), and the archive's CSV export. Thin: each parses,
makes one service or selector call and renders."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from embassy.accounts.audit import audit_record
from embassy.accounts.http import AuthedRequest
from embassy.accounts.zones import console_zone
from embassy.common.decorators import staff_required
from embassy.common.errors import BadInput, DomainError, PermissionDenied
from embassy.common.spreadsheet import csv_lines
from embassy.publishing import crisis, limits, protocol, selectors, services
from embassy.publishing.models import Target
from embassy.social.selectors import social_units_for


def _require(request: AuthedRequest) -> None:
    every, units = social_units_for(request.user)
    if not every and not units:
        raise PermissionDenied(_("Publishing is for the digital-diplomacy team and missions' social-media officers."))


def _local(value: str, zone: str, field: str) -> dt.datetime | None:
    """A time typed in `zone` (the account's), as UTC."""
    if not value.strip():
        return None
    parsed = parse_datetime(value.strip().replace(" ", "T"))
    if parsed is None:
        raise BadInput(_("Write the time as YYYY-MM-DD HH:MM."), field=field)
    return parsed.replace(tzinfo=ZoneInfo(zone)) if timezone.is_naive(parsed) else parsed


@staff_required
def calendar_page(request: AuthedRequest) -> HttpResponse:
    _require(request)
    zone = console_zone(request)
    today = selectors.now_in(zone).date()
    try:
        year, month = int(request.GET.get("tahun", today.year)), int(request.GET.get("bulan", today.month))
        week = dt.date.fromisoformat(request.GET["minggu"]) if request.GET.get("minggu") else None
        dt.date(year, month, 1)
    except ValueError:
        year, month, week = today.year, today.month, None
    accounts = services.accounts_for_drafting(request.user)
    context = {
        "weeks": selectors.calendar_for(user=request.user, year=year, month=month, zone=zone, week=week),
        "year": year, "month": month, "week": week, "zone": zone, "accounts": accounts,
        "prev": (dt.date(year, month, 1) - dt.timedelta(days=1)), "next": (dt.date(year, month, 28)
                                                                          + dt.timedelta(days=7)),
        "waiting": selectors.drafts_waiting_for(user=request.user),
        "offers": crisis.offers(selectors.active_crises_for(user=request.user), accounts),
        "prefill": request.GET.get("teks", ""), "now": selectors.now_in(zone),
    }
    return render(request, "publishing/calendar.html", context)


@staff_required
@require_POST
def compose(request: AuthedRequest) -> HttpResponse:
    _require(request)
    accounts = {a.pk: a for a in services.accounts_for_drafting(request.user)}
    ids = [int(v) for v in request.POST.getlist("accounts") if v.isdigit()]
    # The time is typed in the first chosen account's zone (the form says which zones apply).
    zone = selectors.zone_of(accounts[ids[0]]) if ids and ids[0] in accounts else console_zone(request)
    files, alts = request.FILES.getlist("media"), request.POST.getlist("alt_text")
    try:
        when = _local(request.POST.get("scheduled_at", ""), zone, "scheduled_at") or timezone.now()
        draft = services.draft_create(
            actor=request.user, account_ids=ids, text=request.POST.get("text", ""), scheduled_at=when,
            embargo_until=_local(request.POST.get("embargo_until", ""), zone, "embargo_until"),
            in_reply_to=request.POST.get("in_reply_to", ""),
            uploads=[services.Upload(f, alts[i] if i < len(alts) else "") for i, f in enumerate(files)])
    except DomainError as exc:
        flash.error(request, exc.message)
        return redirect("console:publishing-calendar")
    return redirect("console:publishing-draft", draft_id=draft.pk)


@staff_required
def draft_page(request: AuthedRequest, draft_id: int) -> HttpResponse:
    _require(request)
    draft = selectors.draft_get_for(user=request.user, draft_id=draft_id)
    checks = services.draft_checks(draft)
    targets = list(draft.targets.select_related("account", "account__unit"))
    for target in targets:
        target.review = checks[target.account_id]  # type: ignore[attr-defined]
        target.zone = selectors.zone_of(target.account)  # type: ignore[attr-defined]
        target.local_time = f"{target.scheduled_at.astimezone(ZoneInfo(target.zone)):%Y-%m-%d %H:%M}"  # type: ignore[attr-defined]
    units = services.units_of(draft)
    done = services.approved_units(draft)
    context = {"draft": draft, "targets": targets, "warnings": protocol.check(draft.text),
               "approvals": draft.approvals.select_related("actor", "unit"), "media": draft.media.all(),
               "units": [(u, u.pk in done) for u in units],
               "can_approve": draft.created_by_id != request.user.pk and any(
                   services.can_approve(request.user, u) for u in units if u.pk not in done),
               "is_drafter": draft.created_by_id == request.user.pk, "rules": limits.RULES,
               "zone": targets[0].zone if targets else console_zone(request)}  # type: ignore[attr-defined]
    return render(request, "publishing/draft.html", context)


@staff_required
@require_POST
def draft_act(request: AuthedRequest, draft_id: int, action: str) -> HttpResponse:
    _require(request)
    draft = selectors.draft_get_for(user=request.user, draft_id=draft_id)
    try:
        if action == "ajukan":
            services.draft_submit(actor=request.user, draft=draft)
            flash.success(request, _("Sent for approval."))
        elif action == "setujui":
            services.draft_approve(actor=request.user, draft=draft, comment=request.POST.get("comment", ""))
            flash.success(request, _("Approved."))
        elif action == "revisi":
            services.draft_request_changes(actor=request.user, draft=draft, comment=request.POST.get("comment", ""))
            flash.success(request, _("Sent back to the drafter."))
        elif action == "batal":
            target = draft.targets.get(pk=int(request.POST.get("target", "0") or 0))
            services.target_cancel(actor=request.user, target=target)
        elif action == "dihapus":
            target = draft.targets.get(pk=int(request.POST.get("target", "0") or 0))
            services.target_record_deleted(actor=request.user, target=target)
        else:
            raise BadInput(_("Unknown action."), field="action")
    except (DomainError, Target.DoesNotExist, ValueError) as exc:
        flash.error(request, getattr(exc, "message", str(exc)))
    return redirect("console:publishing-draft", draft_id=draft.pk)


ARCHIVE_COLUMNS = ["at_utc", "event", "version", "platform", "account", "unit", "platform_post_id", "url", "text",
                   "media", "drafted_by", "approved_by"]


@staff_required
def archive_export(request: AuthedRequest) -> HttpResponse:
    """Everything published, edited and deleted, as CSV (UU 14/2008: public information kept and shown)."""
    _require(request)
    entries = selectors.archive_for(user=request.user)
    rows: list[list[object]] = [[e.at.astimezone(dt.UTC).isoformat(), e.event, e.version, e.account.platform,
                                 e.account.handle, e.account.unit.code if e.account.unit else "", e.platform_post_id,
                                 e.url, e.text, "; ".join(f"{m.get('name')} ({m.get('alt_text')})" for m in e.media),
                                 e.drafted_by, e.approved_by] for e in entries]
    audit_record(actor=request.user, action="publishing.archive_export", object_type="publishing.archive",
                 detail={"rows": len(rows)})
    response = HttpResponse("".join(csv_lines(ARCHIVE_COLUMNS, rows)), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="publishing-archive-{timezone.now().date()}.csv"'
    return response
